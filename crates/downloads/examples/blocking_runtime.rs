//! Blocking the event loop: a task that computes (or calls a blocking
//! function) without awaiting holds its thread, and every other task on
//! that thread waits, timers included. A heartbeat task ticks every 10 ms;
//! the ticks it missed while the work ran show the stall. The fixes move the
//! work off the runtime's thread: `spawn_blocking` (asyncio's `to_thread`),
//! or rayon, with the answer sent back on a oneshot channel.
//!
//! `cargo run --example blocking_runtime -- --seconds 0.3`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::cli::{self, Summary};
use harness::println;
use harness::timeline::{self, Ideal};
use tokio::runtime::{Builder, Runtime};

/// Run three waiting tasks beside one that works without awaiting.
#[derive(Parser)]
struct Args {
    /// How long the work takes, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.3", allow_hyphen_values = true)]
    seconds: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// The work runs inside a task on a one-thread runtime: everything stalls
    Blocking,
    /// The same on a two-worker runtime: one worker stalls, the other goes on
    MultiThread,
    /// The work runs on tokio's blocking pool: `spawn_blocking`
    SpawnBlocking,
    /// The work runs on rayon, its answer sent back on a oneshot channel
    Rayon,
}

/// CPU work that takes `seconds`, without awaiting anything.
fn busy(seconds: Duration) -> u64 {
    let (end, mut spins) = (Instant::now() + seconds, 0u64);
    while Instant::now() < end {
        spins += 1;
        std::hint::spin_loop();
    }
    spins
}

// ANCHOR: work
/// The mistake: CPU work (or `std::thread::sleep`) inside a task.
async fn work_in_the_task(seconds: Duration) -> u64 {
    busy(seconds) // holds the runtime's thread until it returns
}

/// The fix for blocking calls: tokio's pool of threads for blocking work.
async fn work_on_the_blocking_pool(seconds: Duration) -> u64 {
    let work = tokio::task::spawn_blocking(move || busy(seconds));
    work.await.expect("the blocking work panicked")
}

/// The fix for CPU work: rayon's threads, the answer back on a oneshot.
async fn work_on_rayon(seconds: Duration) -> u64 {
    let (answer, answered) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let _ = answer.send(busy(seconds));
    });
    answered.await.expect("rayon dropped the answer")
}
// ANCHOR_END: work

/// The runtime a mode runs on: one thread, like asyncio's loop, or two workers.
fn runtime(mode: Mode) -> Runtime {
    let mut builder = match mode {
        Mode::MultiThread => Builder::new_multi_thread(),
        _ => Builder::new_current_thread(),
    };
    if mode == Mode::MultiThread {
        builder.worker_threads(2);
    }
    builder
        .enable_time()
        .build()
        .unwrap_or_else(|e| cli::fail(format!("cannot start tokio: {e}")))
}

/// Three tasks that wait 50 ms each, a heartbeat every 10 ms, and the work:
/// returns the heartbeat's ticks that fell while the work ran.
async fn run(mode: Mode, seconds: Duration) -> usize {
    let ticks = Arc::new(Mutex::new(Vec::new()));
    let heartbeat = tokio::spawn({
        let ticks = Arc::clone(&ticks);
        async move {
            let mut every = tokio::time::interval(Duration::from_millis(10));
            loop {
                every.tick().await;
                ticks.lock().unwrap().push(Instant::now());
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(30)).await; // the heartbeat is going
    let waiting: Vec<_> = (1..=3)
        .map(|task| {
            tokio::spawn(async move {
                let _span = timeline::task_span(task);
                tokio::time::sleep(Duration::from_millis(50)).await;
            })
        })
        .collect();
    let worker = tokio::spawn(async move {
        let _span = timeline::task_span(0);
        let started = Instant::now();
        match mode {
            Mode::Blocking | Mode::MultiThread => work_in_the_task(seconds).await,
            Mode::SpawnBlocking => work_on_the_blocking_pool(seconds).await,
            Mode::Rayon => work_on_rayon(seconds).await,
        };
        (started, Instant::now())
    });
    for task in waiting {
        task.await.expect("a waiting task panicked");
    }
    let (started, ended) = worker.await.expect("the work panicked");
    heartbeat.abort();
    let ticks = ticks.lock().unwrap();
    ticks
        .iter()
        .filter(|&&tick| tick > started && tick < ended)
        .count()
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let mut summaries = Vec::new();
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let runtime = runtime(mode);
        let (ticks, timeline) = timeline::record(Ideal::LongestTask, || {
            runtime.block_on(run(mode, args.seconds))
        });
        println!("{timeline}");
        let expected = (args.seconds.as_millis() / 10) as usize;
        println!("heartbeat: {ticks} of about {expected} ticks while the work ran\n");
        summaries.push(
            Summary::from_timeline("blocking_runtime", name, 4, 1, &timeline)
                .with("ticks_during_work", ticks)
                .with("ticks_expected", expected),
        );
    }
    cli::finish(&summaries, args.modes.json, &Default::default());
}
