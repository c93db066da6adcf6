//! CPU-bound work: the notes' `compute(n)` run sequentially, on threads, with
//! rayon and in worker processes, with each mode's speedup over sequential.
//! Without a GIL, Rust's threads use every core.
//!
//! `cargo run --release --example cpu_bound -- --n 1e8`

use std::hint::black_box;
use std::process;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use concurrency_book::harness::cli::{self, Summary};
use concurrency_book::harness::timeline::{self, Ideal, Timeline};
use concurrency_book::lessons::worker::{self, Worker};
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
    /// Run only this mode (default: all, in the order listed)
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Print one JSON summary line per mode, after everything else
    #[arg(long)]
    json: bool,
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
    match results {
        Ok(results) => (results, timeline),
        Err(error) => {
            eprintln!("error: {error}");
            process::exit(1);
        }
    }
}

fn main() {
    let args: Args = Args::parse();
    if let Some(n) = args.compute_one {
        println!("{}", compute(n)); // the worker process's whole job
        return;
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.workers.unwrap_or(cores);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("the OS starts the pool's threads");
    let numbers = vec![args.n; args.tasks];
    let expected = {
        let n = args.n as u128;
        n * (n - 1) * (2 * n - 1) / 6
    };
    if cfg!(debug_assertions) {
        println!("(a debug build: add --release for the real speed)");
    }
    println!(
        "{} tasks of compute({}) on {cores} cores\n",
        args.tasks, args.n
    );

    let mut seq_elapsed = None;
    let mut rows = Vec::new();
    let mut summaries = Vec::new();
    for mode in cli::modes(args.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} (fastest of {}) ==", args.repeat);
        let used = workers_used(mode, args.tasks, workers);
        let at_once = used.min(args.tasks).min(cores); // the best speedup possible
        let ideal = match seq_elapsed {
            _ if mode == Mode::Seq => Ideal::SumOfTasks,
            Some(sequential) => Ideal::SequentialOver {
                sequential,
                cores: at_once,
            },
            None => Ideal::LongestTask,
        };
        let (results, timeline) = (0..args.repeat)
            .map(|_| run(mode, &numbers, &pool, ideal))
            .min_by_key(|(_, timeline)| timeline.elapsed)
            .expect("--repeat is at least 1");
        let correct = results.len() == args.tasks && results.iter().all(|&r| r == expected);
        println!("{timeline}");
        if !correct {
            eprintln!("error: {name} computed {results:?}, expected {expected} for each task");
            process::exit(1);
        }
        if mode == Mode::Seq {
            seq_elapsed = Some(timeline.elapsed);
        }
        let speedup = seq_elapsed.map(|seq| seq.as_secs_f64() / timeline.elapsed.as_secs_f64());
        let efficiency = speedup.map(|s| s / at_once as f64);
        rows.push((name.clone(), timeline.elapsed, speedup, efficiency));
        let mut summary = Summary::from_timeline("cpu_bound", name, args.tasks, used, &timeline)
            .with("n", args.n)
            .with("repeat", args.repeat)
            .with("parallelism", at_once)
            .with("cores", cores)
            .with("result", expected.to_string());
        if let (Some(speedup), Some(efficiency)) = (speedup, efficiency) {
            summary = summary
                .with("speedup", (speedup * 100.0).round() / 100.0)
                .with("efficiency", (efficiency * 100.0).round() / 100.0);
        }
        summaries.push(summary);
    }

    println!("mode          elapsed   speedup  efficiency");
    for (name, elapsed, speedup, efficiency) in rows {
        let speedup = speedup.map_or("-".into(), |s| format!("{s:.2}x"));
        let efficiency = efficiency.map_or("-".into(), |e| format!("{:.0}%", e * 100.0));
        println!(
            "{name:<10} {:>8.1} ms {speedup:>9} {efficiency:>11}",
            elapsed.as_secs_f64() * 1000.0
        );
    }
    cli::finish(&summaries, args.json, &args.files);
}
