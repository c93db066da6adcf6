//! How many at once: N tasks that each wait, as tokio tasks and as OS
//! threads. Time until all have started waiting, time until all have
//! finished, and the resident memory each one adds while all are waiting.
//!
//! `cargo run --release --example task_costs -- --tasks 10000`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::cli::{self, Summary};
use harness::memory::resident_kib;
use harness::println;

/// Start N waiting tasks as tokio tasks, or as threads, and measure them.
#[derive(Parser)]
struct Args {
    /// How many tasks (threads mode: at most 10000)
    #[arg(long, value_parser = parse_tasks, default_value = "10000")]
    tasks: usize,
    /// How long each task waits, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.5", allow_hyphen_values = true)]
    seconds: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

/// `--tasks`: 1 to 1,000,000.
fn parse_tasks(text: &str) -> Result<usize, String> {
    match text.trim().replace('_', "").parse::<usize>() {
        Ok(n @ 1..=1_000_000) => Ok(n),
        Ok(_) => Err("must be from 1 to 1000000".into()),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// tokio tasks on the multi-threaded runtime
    TokioTasks,
    /// one OS thread per task
    Threads,
}

/// What a run measured.
struct Costs {
    started: Duration,
    finished: Duration,
    kib_per_task: f64,
}

// ANCHOR: spawn
fn tokio_tasks(tasks: usize, wait: Duration) -> Costs {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| cli::fail(e));
    runtime.block_on(async {
        let before = resident_kib();
        let start = Instant::now();
        let waiting = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let waiting = Arc::clone(&waiting);
                tokio::spawn(async move {
                    waiting.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                })
            })
            .collect();
        // Started means run once: every task is waiting on its timer.
        while waiting.load(Ordering::Relaxed) < tasks {
            tokio::task::yield_now().await;
        }
        let started = start.elapsed();
        let during = resident_kib();
        for handle in handles {
            handle.await.expect("a task panicked");
        }
        costs(started, start.elapsed(), before, during, tasks)
    })
}

fn threads(tasks: usize, wait: Duration) -> Costs {
    let before = resident_kib();
    let start = Instant::now();
    let waiting = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let waiting = Arc::clone(&waiting);
            thread::spawn(move || {
                waiting.fetch_add(1, Ordering::Relaxed);
                thread::sleep(wait);
            })
        })
        .collect();
    while waiting.load(Ordering::Relaxed) < tasks {
        thread::yield_now();
    }
    let started = start.elapsed();
    let during = resident_kib();
    for handle in handles {
        handle.join().expect("a thread panicked");
    }
    costs(started, start.elapsed(), before, during, tasks)
}
// ANCHOR_END: spawn

fn costs(
    started: Duration,
    finished: Duration,
    before: Option<u64>,
    during: Option<u64>,
    tasks: usize,
) -> Costs {
    let added = during
        .zip(before)
        .map_or(0, |(during, before)| during.saturating_sub(before));
    Costs {
        started,
        finished,
        kib_per_task: added as f64 / tasks as f64,
    }
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if args.modes.mode != Some(Mode::TokioTasks) && args.tasks > 10_000 {
        cli::fail("--tasks: at most 10000 threads; use --mode tokio-tasks for more");
    }
    let mut summaries = Vec::new();
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        let costs = match mode {
            Mode::TokioTasks => tokio_tasks(args.tasks, args.seconds),
            Mode::Threads => threads(args.tasks, args.seconds),
        };
        let per_task_us = costs.started.as_secs_f64() * 1e6 / args.tasks as f64;
        println!(
            "{name:<12} {} tasks: started in {:.3} s ({per_task_us:.1} us each), all done after {:.3} s, {:.2} KiB each",
            args.tasks,
            costs.started.as_secs_f64(),
            costs.finished.as_secs_f64(),
            costs.kib_per_task
        );
        summaries.push(
            Summary::new("task_costs", &name, args.tasks, args.tasks, costs.finished)
                .with("start_s", costs.started.as_secs_f64())
                .with("start_us_per_task", (per_task_us * 100.0).round() / 100.0)
                .with("kib_per_task", (costs.kib_per_task * 100.0).round() / 100.0),
        );
    }
    cli::finish(&summaries, args.modes.json, &Default::default());
}
