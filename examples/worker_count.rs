//! How many workers? The same jobs on 1, 2, 4, ... up to 1,000 threads: sleep
//! jobs keep speeding up long after the cores run out, CPU jobs stop at the
//! core count and then only pay for the extra threads.
//!
//! `cargo run --example worker_count -- --mode cpu`

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use crossbeam::channel;
use harness::cli::{self, Summary};
use harness::println;
use serde_json::json;

/// Run a fixed set of jobs on more and more worker threads and time each run.
#[derive(Parser)]
struct Args {
    /// Jobs per run
    #[arg(long, value_parser = cli::parse_count, default_value = "100", allow_hyphen_values = true)]
    tasks: usize,
    /// The largest worker count tried; the counts double up to it
    #[arg(long, value_parser = cli::parse_count, default_value = "1000", allow_hyphen_values = true)]
    workers: usize,
    /// How long each sleep job sleeps, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.01", allow_hyphen_values = true)]
    seconds: Duration,
    /// Each CPU job sums i*i for i below n (accepts 1e6)
    #[arg(long, value_parser = cli::parse_big_count, default_value = "2e6", allow_hyphen_values = true)]
    n: u64,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Jobs that wait (like I/O): sleep --seconds
    Sleep,
    /// Jobs that compute: sum i*i below --n
    Cpu,
}

fn compute(n: u64) -> u128 {
    (0..n).map(|i| black_box(i) as u128 * i as u128).sum()
}

// ANCHOR: run_on
/// Runs jobs `0..jobs` on `workers` threads that share one queue; returns the
/// time from the first thread's start to the last thread's end.
fn run_on(workers: usize, jobs: usize, job: impl Fn(usize) + Sync) -> Duration {
    let (sender, queue) = channel::bounded(jobs);
    for number in 0..jobs {
        sender
            .send(number)
            .expect("the queue has room for every job");
    }
    drop(sender); // a worker stops when the queue is empty

    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, job) = (queue.clone(), &job);
            scope.spawn(move || queue.iter().for_each(job));
        }
    }); // the scope joins every worker
    start.elapsed()
}
// ANCHOR_END: run_on

/// 1, 2, 4, 8, ... below `largest`, then `largest` itself.
fn worker_counts(largest: usize) -> Vec<usize> {
    let mut counts: Vec<usize> = (0..)
        .map(|power| 1usize << power)
        .take_while(|&count| count < largest)
        .collect();
    counts.push(largest);
    counts
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let cores = cli::cores();
    println!("{} jobs per run, {cores} cores", args.tasks);
    let mut summaries = Vec::new();
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        println!("\n== {name} ==\nworkers   elapsed   speedup");
        let started = Instant::now();
        let mut rows = Vec::new();
        let mut one_worker = None;
        for workers in worker_counts(args.workers) {
            let elapsed = match mode {
                Mode::Sleep => run_on(workers, args.tasks, |_| thread::sleep(args.seconds)),
                Mode::Cpu => run_on(workers, args.tasks, |_| {
                    black_box(compute(args.n));
                }),
            };
            let baseline = *one_worker.get_or_insert(elapsed);
            let speedup = baseline.as_secs_f64() / elapsed.as_secs_f64();
            let seconds = elapsed.as_secs_f64();
            println!("{workers:>7} {seconds:>8.3} s {speedup:>8.2}x");
            rows.push(json!({
                "workers": workers,
                "elapsed_s": (seconds * 1000.0).round() / 1000.0,
                "speedup": (speedup * 100.0).round() / 100.0,
            }));
        }
        let elapsed = started.elapsed();
        let summary = Summary::new("worker_count", name, args.tasks, args.workers, elapsed);
        let best = best_workers(&rows);
        summaries.push(
            summary
                .with("cores", cores)
                .with("best_workers", best)
                .with("runs", rows),
        );
    }
    cli::print_json(&summaries, args.modes.json);
}

/// The worker count of the fastest run.
fn best_workers(rows: &[serde_json::Value]) -> serde_json::Value {
    let speedup = |row: &serde_json::Value| row["speedup"].as_f64().unwrap_or(0.0);
    (rows.iter())
        .max_by(|a, b| speedup(a).total_cmp(&speedup(b)))
        .map(|row| row["workers"].clone())
        .unwrap_or_default()
}
