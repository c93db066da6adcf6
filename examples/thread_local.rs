//! Python's `threading.local` and the executor's `initializer` in Rust: state
//! made once per thread and reused by every task that thread runs. Three
//! ways: `thread_local!`, rayon's `map_init`, and a pool's `start_handler`.
//!
//! `cargo run --example thread_local`

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Parser, ValueEnum};
use harness::cli;
use harness::println;
use rayon::prelude::*;
use serde_json::json;

/// threading.local: a scratch buffer per thread, reused across tasks.
#[derive(Parser)]
struct Args {
    /// How many tasks (each formats a line into a scratch buffer)
    #[arg(long, value_parser = cli::parse_item_count, default_value = "10000", allow_hyphen_values = true)]
    tasks: usize,
    /// Threads in the pool
    #[arg(long, value_parser = cli::parse_busy_threads, default_value = "2", allow_hyphen_values = true)]
    workers: usize,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// A thread_local! buffer, made on a thread's first use
    ThreadLocal,
    /// rayon's map_init: a buffer per piece of work rayon splits off
    MapInit,
    /// The pool's start_handler fills each thread's buffer as it starts
    StartHandler,
}

/// Buffers made so far, in any mode.
static MADE: AtomicUsize = AtomicUsize::new(0);

fn new_buffer() -> String {
    MADE.fetch_add(1, Ordering::Relaxed);
    String::with_capacity(64 * 1024) // costly enough to want once per thread
}

/// The task: formats a line into `buffer`; returns the line's length.
fn task(buffer: &mut String, i: usize) -> usize {
    use std::fmt::Write;
    buffer.clear();
    write!(buffer, "task {i} on {:?}", std::thread::current().id()).unwrap();
    buffer.len()
}

// ANCHOR: thread_local
thread_local! {
    /// Each thread's own buffer, made the first time that thread uses it.
    static SCRATCH: RefCell<String> = RefCell::new(new_buffer());
}

fn with_thread_local(pool: &rayon::ThreadPool, tasks: usize) -> usize {
    pool.install(|| {
        (0..tasks)
            .into_par_iter()
            .map(|i| SCRATCH.with_borrow_mut(|buffer| task(buffer, i)))
            .sum()
    })
}
// ANCHOR_END: thread_local

// ANCHOR: map_init
fn with_map_init(pool: &rayon::ThreadPool, tasks: usize) -> usize {
    pool.install(|| {
        (0..tasks)
            .into_par_iter()
            .map_init(new_buffer, task) // new_buffer: once per piece of work
            .sum()
    })
}
// ANCHOR_END: map_init

// ANCHOR: start_handler
/// A pool whose threads each make their buffer as they start, as
/// `ThreadPoolExecutor(initializer=...)` runs its initializer.
fn pool_with_initializer(workers: usize) -> rayon::ThreadPool {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .start_handler(|_index| SCRATCH.with(|_| ())) // touching it makes it
        .build()
        .expect("the OS starts the pool's threads");
    pool.broadcast(|_| ()); // returns once every thread has started
    pool
}
// ANCHOR_END: start_handler

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    cli::run_modes("thread_local", args.modes.mode, args.modes.json, |mode| {
        MADE.store(0, Ordering::Relaxed);
        // A fresh pool per mode: its threads have no buffer yet.
        let pool = match mode {
            Mode::StartHandler => pool_with_initializer(args.workers),
            _ => (rayon::ThreadPoolBuilder::new()
                .num_threads(args.workers)
                .build())
            .expect("the OS starts the pool's threads"),
        };
        let total = match mode {
            Mode::MapInit => with_map_init(&pool, args.tasks),
            _ => with_thread_local(&pool, args.tasks),
        };
        drop(pool);
        let made = MADE.load(Ordering::Relaxed);
        println!(
            "{} tasks on {} threads: {made} buffer(s) made, {total} bytes written",
            args.tasks, args.workers
        );
        (
            args.tasks,
            args.workers,
            json!({ "buffers_made": made, "bytes": total }),
        )
    });
}
