//! CPU-bound work: the notes' `compute(n)` run sequentially, on threads, with
//! rayon and in worker processes, with each mode's speedup over sequential.
//! Without a GIL, Rust's threads use every core.
//!
//! `cargo run --release --example cpu_bound -- --n 1e8`

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::cli::{self, Summary};
use harness::println;
use harness::speedup::Speedups;
use harness::timeline::{self, Ideal, Timeline};
use processes::worker::{self, Worker};
use rayon::prelude::*;

/// Run the same CPU-heavy function several times, sequentially and in parallel.
#[derive(Parser)]
struct Args {
    /// How many times to run compute(n)
    #[arg(long, value_parser = cli::parse_count, default_value = "4", allow_hyphen_values = true)]
    tasks: usize,
    /// Each task sums i*i for i below n (accepts 2e8)
    #[arg(long, value_parser = cli::parse_big_count, default_value = "2e8", allow_hyphen_values = true)]
    n: u64,
    /// Threads in the rayon pool (default: one per core)
    #[arg(long, value_parser = cli::parse_count, allow_hyphen_values = true)]
    workers: Option<usize>,
    /// Run each mode this many times and keep the fastest run (timings are noisy)
    #[arg(long, value_parser = cli::parse_count, default_value = "3", allow_hyphen_values = true)]
    repeat: usize,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
    #[command(flatten)]
    files: cli::TimelineFiles,
    /// Internal: run compute(N) once, print the result and exit (a worker process)
    #[arg(long, hide = true)]
    compute_one: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// One task after another on the main thread
    Seq,
    /// One OS thread per task (std::thread::scope)
    Threads,
    /// A rayon pool of --workers threads (par_iter)
    Rayon,
    /// One worker process per task: this program, run again
    Processes,
}

// ANCHOR: compute
/// The notes' `compute(n)`: the sum of `i * i` for `i` below `n`.
fn compute(n: u64) -> u128 {
    let mut count: u128 = 0;
    for i in 0..n {
        // black_box hides `i` from the optimizer, which would otherwise
        // replace the whole loop with the closed form (n-1)n(2n-1)/6.
        let i = black_box(i) as u128;
        count += i * i;
    }
    count
}
// ANCHOR_END: compute

fn task(task: usize, n: u64) -> u128 {
    let _span = timeline::task_span(task);
    compute(n)
}

// ANCHOR: seq
fn seq(numbers: &[u64]) -> Vec<u128> {
    numbers
        .iter()
        .enumerate()
        .map(|(i, &n)| task(i, n))
        .collect()
}
// ANCHOR_END: seq

// ANCHOR: threads
fn threads(numbers: &[u64]) -> Vec<u128> {
    thread::scope(|scope| {
        let handles: Vec<_> = (numbers.iter().enumerate())
            .map(|(i, &n)| scope.spawn(move || task(i, n)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("compute does not panic"))
            .collect()
    })
}
// ANCHOR_END: threads

// ANCHOR: rayon
fn rayon(numbers: &[u64], pool: &rayon::ThreadPool) -> Vec<u128> {
    pool.install(|| {
        (numbers.par_iter().enumerate())
            .map(|(i, &n)| task(i, n))
            .collect()
    })
}
// ANCHOR_END: rayon

// ANCHOR: processes
fn processes(numbers: &[u64], deadline: Instant) -> std::io::Result<Vec<u128>> {
    let workers = (numbers.iter().enumerate())
        .map(|(i, &n)| Worker::spawn(i, &["--compute-one".into(), n.to_string()]))
        .collect::<std::io::Result<Vec<Worker>>>()?;
    // Every process is running now; collect waits for all, killing any left at the deadline.
    let outputs = worker::collect(workers, deadline)?;
    outputs
        .iter()
        .map(|line| line.trim().parse().map_err(std::io::Error::other))
        .collect()
}
// ANCHOR_END: processes

/// The threads or processes a mode runs its tasks on.
fn workers_used(mode: Mode, tasks: usize, pool_threads: usize) -> usize {
    match mode {
        Mode::Seq => 1,
        Mode::Threads | Mode::Processes => tasks,
        Mode::Rayon => pool_threads,
    }
}

fn run(
    mode: Mode,
    numbers: &[u64],
    pool: &rayon::ThreadPool,
    ideal: Ideal,
) -> (Vec<u128>, Timeline) {
    let deadline = Instant::now() + Duration::from_secs(600);
    let (results, timeline) = timeline::record(ideal, || match mode {
        Mode::Seq => Ok(seq(numbers)),
        Mode::Threads => Ok(threads(numbers)),
        Mode::Rayon => Ok(rayon(numbers, pool)),
        Mode::Processes => processes(numbers, deadline),
    });
    (results.unwrap_or_else(|e| cli::fail(e)), timeline)
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if let Some(n) = args.compute_one {
        println!("{}", compute(n)); // the worker process's whole job
        return;
    }
    let cores = cli::cores();
    let workers = args.workers.unwrap_or(cores);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(workers).build();
    let pool = pool.unwrap_or_else(|e| cli::fail(format!("cannot start {workers} threads: {e}")));
    let numbers = vec![args.n; args.tasks];
    cli::note_debug_build();
    println!(
        "{} tasks of compute({}) on {cores} cores\n",
        args.tasks, args.n
    );
    let (mut speedups, mut summaries) = (Speedups::default(), Vec::new());
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} (fastest of {}) ==", args.repeat);
        let used = workers_used(mode, args.tasks, workers);
        let at_once = used.min(args.tasks).min(cores); // the best speedup possible
        let ideal = speedups.ideal(mode == Mode::Seq, used.min(args.tasks), cores);
        let (results, timeline) = (0..args.repeat)
            .map(|_| run(mode, &numbers, &pool, ideal))
            .min_by_key(|(_, timeline)| timeline.elapsed)
            .expect("--repeat is at least 1");
        println!("{timeline}");
        let expected = check(&name, &results, &numbers);
        let speedup = speedups.add(&name, mode == Mode::Seq, timeline.elapsed, at_once);
        let summary = Summary::from_timeline("cpu_bound", name, args.tasks, used, &timeline);
        summaries.push(
            (summary.with("n", args.n).with("repeat", args.repeat))
                .with("parallelism", at_once)
                .with("cores", cores)
                .with("result", expected.to_string())
                .with_speedup(speedup),
        );
    }
    speedups.print();
    cli::finish(&summaries, args.modes.json, &args.files);
}

/// Every task's result is the sum of squares below its n (checked in closed
/// form); a wrong one ends the program. The expected value.
fn check(mode: &str, results: &[u128], numbers: &[u64]) -> u128 {
    let n = numbers[0] as u128;
    let expected = n * (n - 1) * (2 * n - 1) / 6;
    if results.len() != numbers.len() || results.iter().any(|&r| r != expected) {
        cli::fail(format!(
            "{mode} computed {results:?}, expected {expected} for each task"
        ));
    }
    expected
}
