//! `Pool.imap`, `imap_unordered` and `chunksize` in Rust: many tiny tasks on
//! rayon, handed out one at a time or in chunks, with results in order or as
//! they come, from a range or from an iterator (`par_bridge`).
//!
//! `cargo run --release --example chunks`

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use crossbeam::channel;
use harness::cli::{self, Summary};
use harness::println;
use rayon::prelude::*;

/// Many tiny tasks: one at a time, in chunks, in order or as they come.
#[derive(Parser)]
struct Args {
    /// How many tasks (each a few hundred nanoseconds of work)
    #[arg(long, value_parser = cli::parse_item_count, default_value = "20000", allow_hyphen_values = true)]
    tasks: usize,
    /// Threads in the pool
    #[arg(long, value_parser = cli::parse_count, default_value = "2", allow_hyphen_values = true)]
    workers: usize,
    /// Tasks per chunk in the chunked mode (Python's chunksize)
    #[arg(long, value_parser = cli::parse_item_count, default_value = "1000", allow_hyphen_values = true)]
    chunk: usize,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Each task a piece of its own (chunksize=1), results in order
    ChunkOne,
    /// Pieces of --chunk tasks (chunksize=N), results in order
    Chunked,
    /// rayon's own splitting, results in order (Pool.map's default chunksize)
    Adaptive,
    /// Results through a channel as they are done (imap_unordered)
    Unordered,
    /// Tasks from a plain iterator, shared out by par_bridge (imap on a generator)
    Bridge,
}

/// The tiny task: a sum of products, a few hundred nanoseconds.
fn task(x: usize) -> u64 {
    (0..200).map(|i| black_box(i * x as u64)).sum()
}

/// Pieces of work rayon made (each piece calls `map_init`'s init once).
static PIECES: AtomicUsize = AtomicUsize::new(0);

fn piece() {
    PIECES.fetch_add(1, Ordering::Relaxed);
}

// ANCHOR: chunks
fn run(pool: &rayon::ThreadPool, mode: Mode, tasks: usize, chunk: usize) -> Vec<u64> {
    let items = 0..tasks;
    match mode {
        Mode::ChunkOne => pool.install(|| {
            (items.into_par_iter().with_max_len(1)) // chunksize=1
                .map_init(piece, |_, x| task(x))
                .collect()
        }),
        Mode::Chunked => pool.install(|| {
            (items.into_par_iter().with_min_len(chunk)) // chunksize=N
                .map_init(piece, |_, x| task(x))
                .collect()
        }),
        Mode::Adaptive => pool.install(|| {
            (items.into_par_iter())
                .map_init(piece, |_, x| task(x))
                .collect()
        }),
        Mode::Unordered => {
            let (done, results) = channel::unbounded();
            pool.spawn(move || {
                items.into_par_iter().for_each_with(done, |done, x| {
                    let _ = done.send(task(x)); // fails only if nobody listens
                });
            });
            results.into_iter().collect() // each as it is done, on this thread
        }
        Mode::Bridge => {
            // Only an Iterator, as a Python generator is: no length, no splitting.
            let generator = std::iter::successors(Some(0), |x| Some(x + 1)).take(tasks);
            pool.install(|| generator.par_bridge().map(task).collect()) // in no set order
        }
    }
}
// ANCHOR_END: chunks

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    cli::note_debug_build();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.workers)
        .build();
    let pool = pool.unwrap_or_else(|e| cli::fail(format!("cannot start the pool: {e}")));
    let mut summaries = Vec::new();
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        PIECES.store(0, Ordering::Relaxed);
        let started = Instant::now();
        let results = run(&pool, mode, args.tasks, args.chunk);
        let elapsed = started.elapsed();
        let in_order = check(&name, &results, args.tasks);
        let pieces = PIECES.load(Ordering::Relaxed);
        let order = if in_order { "in order" } else { "not in order" };
        let pieces_text = match pieces {
            0 => String::new(),
            n => format!(", {n} pieces of work"),
        };
        let ms = elapsed.as_secs_f64() * 1e3;
        println!(
            "{name:<10} {ms:>8.2} ms  {} results, {order}{pieces_text}",
            results.len()
        );
        summaries.push(
            Summary::new("chunks", name, args.tasks, args.workers, elapsed)
                .with("in_order", in_order)
                .with("pieces", pieces),
        );
    }
    cli::print_json(&summaries, args.modes.json);
}

/// Ends the program if `results` are not every task's result once; returns
/// whether they are in task order.
fn check(mode: &str, results: &[u64], tasks: usize) -> bool {
    let expected: u64 = (0..tasks).map(task).sum();
    if results.len() != tasks || results.iter().sum::<u64>() != expected {
        cli::fail(format!(
            "{mode}: wrong results ({} of {tasks})",
            results.len()
        ));
    }
    results.iter().zip(0..).all(|(r, x)| *r == task(x))
}
