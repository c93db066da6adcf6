//! `executor.map()` in Rust: results in submission order, whatever order the
//! tasks finish in; with rayon, with a plain pool, and with items that fail.
//!
//! `cargo run --example pool_map -- --mode rayon`

use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use concurrency_book::lessons::pool::Pool;
use harness::cli::{self, Summary, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal, Timeline};
use rayon::prelude::*;

/// Map a function over a list in parallel and get the results back in order.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: TaskModes<Mode>,
    /// Worker threads (default: one per task)
    #[arg(long, value_parser = cli::parse_count, allow_hyphen_values = true)]
    workers: Option<usize>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// rayon: par_iter().map().collect() on a pool of --workers threads
    Rayon,
    /// The tiny pool: submit every item, then read the handles in order
    Pool,
    /// Some items fail: keep every result, or stop at the first error
    Failing,
}

// ANCHOR: do_something
fn do_something(task: usize, seconds: Duration) -> String {
    let _span = timeline::task_span(task);
    thread::sleep(seconds);
    format!("Done sleeping {:.2} s", seconds.as_secs_f64())
}
// ANCHOR_END: do_something

fn rayon_pool(workers: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("the OS starts the pool's threads")
}

// ANCHOR: rayon
fn rayon_map(durations: &[Duration], workers: usize) -> Vec<String> {
    rayon_pool(workers).install(|| {
        durations
            .par_iter()
            .with_max_len(1) // one item per piece of work: sleeps are long
            .enumerate()
            .map(|(task, &seconds)| do_something(task, seconds))
            .collect() // collect() puts every result in its item's place
    })
}
// ANCHOR_END: rayon

// ANCHOR: pool
fn pool_map(durations: &[Duration], workers: usize, wait_at_most: Duration) -> Vec<String> {
    let pool = Pool::new(workers);
    let tasks: Vec<_> = durations
        .iter()
        .enumerate()
        .map(|(task, &seconds)| pool.submit(move || do_something(task, seconds)))
        .collect();
    tasks
        .iter()
        .map(|task| match task.result(wait_at_most) {
            Ok(result) => result,
            Err(error) => format!("error: {error}"),
        })
        .collect()
}
// ANCHOR_END: pool

// ANCHOR: failing
fn check(task: usize, seconds: Duration) -> Result<String, String> {
    if task % 3 == 1 {
        return Err(format!("item {task} is corrupt"));
    }
    Ok(do_something(task, seconds))
}

fn failing_map(durations: &[Duration], workers: usize) -> Vec<Result<String, String>> {
    // Keep every item's outcome: collect into Vec<Result<..>>.
    let each: Vec<Result<String, String>> = rayon_pool(workers).install(|| {
        (durations.par_iter().enumerate())
            .map(|(task, &seconds)| check(task, seconds))
            .collect()
    });
    // Or all or nothing: collect into Result<Vec<..>, ..>, which stops at an
    // error (rayon starts no new items once one has failed).
    let all: Result<Vec<String>, String> = each.par_iter().cloned().collect();
    println!("all or nothing: {:?}", all.map(|results| results.len()));
    each
}
// ANCHOR_END: failing

/// Task numbers in the order they finished.
fn completion_order(timeline: &Timeline) -> Vec<usize> {
    let mut spans: Vec<_> = timeline.spans.iter().collect();
    spans.sort_by_key(|span| span.end);
    spans.iter().map(|span| span.task).collect()
}

fn main() {
    let Args { run, workers } = cli::parse_with_defaults(&[("tasks", "5")]);
    let workers = workers.unwrap_or(run.tasks);
    let wait_at_most = run.seconds * run.tasks as u32 + Duration::from_secs(5);
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ({workers} workers) ==");
        let durations = concurrency_book::decreasing_durations(run.tasks, run.seconds);
        let (results, timeline) = timeline::record(Ideal::LongestTask, || match mode {
            Mode::Rayon => rayon_map(&durations, workers),
            Mode::Pool => pool_map(&durations, workers, wait_at_most),
            Mode::Failing => failing_map(&durations, workers)
                .into_iter()
                .map(|outcome| outcome.unwrap_or_else(|error| format!("error: {error}")))
                .collect(),
        });
        for (task, result) in results.iter().enumerate() {
            println!("result {task}: {result}"); // always in submission order
        }
        println!("{timeline}");
        let failed = results.iter().filter(|r| r.starts_with("error")).count();
        summaries.push(
            Summary::from_timeline("pool_map", name, run.tasks, workers, &timeline)
                .with("results", results)
                .with("completion_order", completion_order(&timeline))
                .with("failed", failed),
        );
    }
    cli::finish(&summaries, run.json, &run.files);
}
