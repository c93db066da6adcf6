//! The stress-test pattern (many threads, many rounds, random sleeps) aimed at
//! the two bugs that loom finds at once in `tests/loom.rs`: the counter that
//! loads and then stores, and the queue that waits with `if`. How many rounds
//! does it take, if it finds them at all?
//!
//! `cargo run --example stress_test -- --mode queue --seconds 5`

use std::panic;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use concurrency_book::lessons::counter;
use concurrency_book::lessons::queue::JobQueue;
use harness::cli::{self, Summary};
use harness::println;

/// Hunt a known concurrency bug with a stress test; count the rounds it takes.
#[derive(Parser)]
struct Args {
    /// Threads racing in each round
    #[arg(long, value_parser = cli::parse_count, default_value = "2", allow_hyphen_values = true)]
    workers: usize,
    /// The most rounds per mode (accepts 1e5)
    #[arg(long, value_parser = cli::parse_big_count, default_value = "1e5", allow_hyphen_values = true)]
    rounds: u64,
    /// The most time per mode, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "1", allow_hyphen_values = true)]
    seconds: Duration,
    /// The longest random sleep before each racing step, in microseconds (0: none; at most 100000)
    #[arg(long, default_value = "20", value_parser = clap::value_parser!(u64).range(0..=100_000))]
    jitter_us: u64,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Each worker adds one with a load and then a store (counter::add_one_racy)
    Counter,
    /// Each worker takes one job with JobQueue::pop_with_if while the main thread pushes
    Queue,
}

/// A random pause of up to `jitter`, to shuffle the threads' timing.
fn jitter(jitter: Duration) {
    if !jitter.is_zero() {
        thread::sleep(jitter.mul_f64(fastrand::f64()));
    }
}

// ANCHOR: rounds
/// One round of the racy counter: true if an update was lost.
fn counter_round(workers: usize, pause: Duration) -> bool {
    let count = Arc::new(AtomicU64::new(0));
    let start_line = Arc::new(Barrier::new(workers));
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let (count, start_line) = (Arc::clone(&count), Arc::clone(&start_line));
            thread::spawn(move || {
                start_line.wait(); // all begin together
                jitter(pause);
                counter::add_one_racy(&count);
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    count.load(Ordering::Relaxed) != workers as u64
}

/// One round of the queue that waits with `if`: true if a worker panicked.
fn queue_round(workers: usize, pause: Duration) -> bool {
    let queue = Arc::new(JobQueue::default());
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.pop_with_if())
        })
        .collect();
    for job in 0..workers {
        jitter(pause);
        queue.push(job).unwrap();
    }
    let panicked = threads.into_iter().map(|t| t.join().is_err());
    panicked.fold(false, |any, this| any | this) // join them all, then answer
}
// ANCHOR_END: rounds

/// The queue's bug is a panic in a worker, counted through `join`: keep its
/// message off the screen, and print every other panic as usual.
fn hide_the_expected_panics() {
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let text = concurrency_book::panic_message(info.payload());
        if !text.contains("after the wake-up") {
            default_hook(info);
        }
    }));
}

/// What rounds of one mode found.
struct Found {
    rounds: u64,
    failures: u64,
    first: Option<u64>,
    elapsed: Duration,
}

/// Rounds of `mode` until `--rounds` or `--seconds` runs out.
fn stress(mode: Mode, args: &Args) -> Found {
    let pause = Duration::from_micros(args.jitter_us);
    let started = Instant::now();
    let (mut rounds, mut failures, mut first) = (0u64, 0u64, None);
    while rounds < args.rounds && started.elapsed() < args.seconds {
        rounds += 1;
        let failed = match mode {
            Mode::Counter => counter_round(args.workers, pause),
            Mode::Queue => queue_round(args.workers, pause),
        };
        if failed {
            failures += 1;
            first.get_or_insert(rounds);
        }
    }
    let elapsed = started.elapsed();
    Found {
        rounds,
        failures,
        first,
        elapsed,
    }
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if args.workers < 2 {
        eprintln!("error: --workers must be at least 2: a race needs two threads");
        std::process::exit(2);
    }
    hide_the_expected_panics();
    let sleeps = match args.jitter_us {
        0 => "no sleeps".to_string(),
        us => format!("sleeps of 0-{us} us"),
    };
    println!(
        "{} threads per round, up to {} rounds or {:?} per mode, {sleeps}",
        args.workers, args.rounds, args.seconds
    );
    println!("mode        rounds   failures   first failure   elapsed");
    let mut summaries = Vec::new();
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        let Found {
            rounds,
            failures,
            first,
            elapsed,
        } = stress(mode, &args);
        let first_text = first.map_or("never".to_string(), |r| format!("round {r}"));
        println!(
            "{name:<9} {rounds:>8} {failures:>10} {first_text:>15} {:>8.2} s",
            elapsed.as_secs_f64()
        );
        summaries.push(
            Summary::new("stress_test", name, rounds as usize, args.workers, elapsed)
                .with("rounds", rounds)
                .with("failures", failures)
                .with("first_failure_round", first)
                .with("found", first.is_some())
                .with("jitter_us", args.jitter_us),
        );
    }
    cli::print_json(&summaries, args.modes.json);
}
