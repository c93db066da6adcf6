//! Python's `threading.Event` in Rust: a stop flag (an `AtomicBool`) that
//! workers check between steps while another thread reads their progress,
//! and a thread that sleeps until a flag is set (`park` and `unpark`). And
//! IDs handed out up to a limit with `compare_exchange`.
//!
//! `cargo run --example stop_flags`

use std::iter;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use concurrency_book::lessons::counter;
use harness::cli;
use harness::println;
use serde::Serialize;

/// Event and stop flags: atomics that tell threads when to stop or go.
#[derive(Parser)]
struct Args {
    /// How many worker threads in the stop-flag mode
    #[arg(long, value_parser = cli::parse_busy_threads, default_value = "2", allow_hyphen_values = true)]
    workers: usize,
    /// How many IDs to hand out in the ids mode
    #[arg(long, value_parser = cli::parse_item_count, default_value = "10000", allow_hyphen_values = true)]
    tasks: usize,
    /// How long the workers run, or the waiter waits, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.3", allow_hyphen_values = true)]
    seconds: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Workers take steps until a shared flag says stop; main reads their progress
    StopFlag,
    /// A thread sleeps until another sets a flag and wakes it (Event.wait)
    Wait,
    /// Workers take IDs up to a limit with compare_exchange, each exactly once
    Ids,
}

/// What each mode found, for its `--json` summary.
#[derive(Serialize)]
struct Stopped {
    steps: u64,
    per_worker: Vec<u64>,
    stopped_in_s: f64,
}

#[derive(Serialize)]
struct Woken {
    wakeups: u32,
    waited_s: f64,
}

#[derive(Serialize)]
struct Ids {
    distinct: usize,
    per_worker: Vec<usize>,
    counter: u64,
}

// ANCHOR: stop_flag
fn stop_flag(workers: usize, run_for: Duration) -> Stopped {
    let stop = AtomicBool::new(false);
    let steps = AtomicU64::new(0); // progress, read while the workers run
    let (per_worker, stopped_in) = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = 0;
                    while !stop.load(Ordering::Relaxed) {
                        thread::sleep(Duration::from_millis(1)); // one step of work
                        mine += 1;
                        steps.fetch_add(1, Ordering::Relaxed);
                    }
                    mine
                })
            })
            .collect();
        let started = Instant::now();
        while started.elapsed() < run_for {
            thread::sleep(run_for / 3);
            let so_far = steps.load(Ordering::Relaxed);
            println!(
                "after {:.2} s: {so_far} steps",
                started.elapsed().as_secs_f64()
            );
        }
        let told = Instant::now();
        stop.store(true, Ordering::Relaxed);
        let per_worker: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (per_worker, told.elapsed())
    });
    let total = steps.load(Ordering::Relaxed); // after the joins: every step counted
    println!(
        "stopped all {workers} workers {:.1} ms after the flag was set; {total} steps, {per_worker:?} per worker",
        stopped_in.as_secs_f64() * 1e3
    );
    Stopped {
        steps: total,
        per_worker,
        stopped_in_s: stopped_in.as_secs_f64(),
    }
}
// ANCHOR_END: stop_flag

// ANCHOR: wait
fn wait(wait_for: Duration) -> Woken {
    let ready = AtomicBool::new(false);
    let started = Instant::now();
    let (wakeups, waited) = thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            let mut wakeups = 0;
            // A loop, not one park(): park may return without an unpark.
            while !ready.load(Ordering::Acquire) {
                thread::park();
                wakeups += 1;
            }
            (wakeups, started.elapsed())
        });
        thread::sleep(wait_for);
        ready.store(true, Ordering::Release); // Event.set()
        waiter.thread().unpark();
        waiter.join().unwrap()
    });
    println!(
        "the waiter slept {:.2} s and woke {wakeups} time(s)",
        waited.as_secs_f64()
    );
    Woken {
        wakeups,
        waited_s: waited.as_secs_f64(),
    }
}
// ANCHOR_END: wait

// ANCHOR: ids
fn ids(workers: usize, limit: u64) -> Ids {
    let next = AtomicU64::new(0);
    let taken: Vec<Vec<u64>> = thread::scope(|scope| {
        let takers: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| iter::from_fn(|| counter::next_id(&next, limit)).collect()))
            .collect();
        takers.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let mut all: Vec<u64> = taken.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    let per_worker: Vec<usize> = taken.iter().map(Vec::len).collect();
    println!(
        "{} distinct IDs below {limit}, {per_worker:?} per worker; the counter stopped at {}",
        all.len(),
        next.load(Ordering::Relaxed)
    );
    Ids {
        distinct: all.len(),
        per_worker,
        counter: next.load(Ordering::Relaxed),
    }
}
// ANCHOR_END: ids

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    cli::run_modes(
        "stop_flags",
        args.modes.mode,
        args.modes.json,
        |mode| match mode {
            Mode::StopFlag => (
                args.workers,
                args.workers,
                cli::findings(stop_flag(args.workers, args.seconds)),
            ),
            Mode::Wait => (1, 1, cli::findings(wait(args.seconds))),
            Mode::Ids => (
                args.tasks,
                args.workers,
                cli::findings(ids(args.workers, args.tasks as u64)),
            ),
        },
    );
}
