//! `executor.submit()` in Rust: a bounded pool, one handle per task, results
//! with a timeout, per-task errors and panics, cancellation and shutdown.
//!
//! `cargo run --example pool_submit -- --mode timeout`

use std::thread;
use std::time::Duration;

use clap::ValueEnum;
use concurrency_book::lessons::pool::{Pool, Shutdown, Task, TaskError};
use harness::cli::{self, Summary, WorkerModes};
use harness::println;
use harness::timeline::{self, Ideal, Timeline};

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Submit every task, then read the results in submission order
    Submit,
    /// Ask for a result too early: a timeout error, and the task goes on
    Timeout,
    /// One task returns an error, one panics; the others still finish
    Errors,
    /// Cancel the tasks no worker has started yet
    Cancel,
    /// Shut the pool down, cancelling what is still queued
    Shutdown,
}

// ANCHOR: do_something
fn do_something(task: usize, seconds: Duration) -> String {
    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
    thread::sleep(seconds);
    format!("Done sleeping {:.2} s", seconds.as_secs_f64())
}
// ANCHOR_END: do_something

/// Every task's outcome, in submission order.
type Results = Vec<Result<String, TaskError>>;

// ANCHOR: submit
fn submit(pool: &Pool, durations: &[Duration], wait_at_most: Duration) -> Results {
    let tasks: Vec<Task<String>> = durations
        .iter()
        .enumerate()
        .map(|(task, &seconds)| pool.submit(move || do_something(task, seconds)))
        .collect(); // every task is queued before we wait for any

    tasks.iter().map(|task| task.result(wait_at_most)).collect()
}
// ANCHOR_END: submit

// ANCHOR: timeout
fn timeout(pool: &Pool, seconds: Duration, wait_at_most: Duration) -> Results {
    let task = pool.submit(move || do_something(0, seconds));

    let early = task.result(seconds / 4); // Python: f.result(timeout=...)
    println!("after {:.2} s: {early:?}", (seconds / 4).as_secs_f64());
    println!("the task is still {:?}", task.state());

    let late = task.result(wait_at_most); // the same handle, asked again
    vec![early, late]
}
// ANCHOR_END: timeout

// ANCHOR: errors
fn errors(pool: &Pool, durations: &[Duration], wait_at_most: Duration) -> Results {
    let tasks: Vec<Task<String>> = durations
        .iter()
        .enumerate()
        .map(|(task, &seconds)| {
            pool.try_submit(move || match task {
                1 => Err(format!("task {task} could not open its input")),
                2 => panic!("task {task} hit a bug"),
                _ => Ok(do_something(task, seconds)),
            })
        })
        .collect();

    tasks.iter().map(|task| task.result(wait_at_most)).collect()
}
// ANCHOR_END: errors

// ANCHOR: cancel
fn cancel(pool: &Pool, durations: &[Duration], wait_at_most: Duration) -> Results {
    let tasks: Vec<Task<String>> = durations
        .iter()
        .enumerate()
        .map(|(task, &seconds)| pool.submit(move || do_something(task, seconds)))
        .collect();

    thread::sleep(durations[0] / 10); // the first tasks are on the workers by now
    for (number, task) in tasks.iter().enumerate() {
        // Only a task still waiting in the queue can be cancelled.
        if task.cancel() {
            println!("cancelled task {number} before it started");
        }
    }
    tasks.iter().map(|task| task.result(wait_at_most)).collect()
}
// ANCHOR_END: cancel

// ANCHOR: shutdown
fn shutdown(pool: Pool, durations: &[Duration], wait_at_most: Duration) -> Results {
    let tasks: Vec<Task<String>> = durations
        .iter()
        .enumerate()
        .map(|(task, &seconds)| pool.submit(move || do_something(task, seconds)))
        .collect();

    thread::sleep(durations[0] / 10);
    // Python: executor.shutdown(wait=True, cancel_futures=True)
    if let Err(busy) = pool.shutdown(Shutdown::CancelPending, wait_at_most) {
        println!("shutdown gave up: {busy}");
    }
    tasks
        .iter()
        .map(|task| task.result(Duration::ZERO))
        .collect()
}
// ANCHOR_END: shutdown

fn main() {
    let run: WorkerModes<Mode> = cli::parse_shared(
        "Submit tasks to a pool of worker threads and collect each task's outcome",
        &[("tasks", "5"), ("seconds", "0.5")],
    );
    // Every wait is bounded: long enough for all the tasks run one after another.
    let wait_at_most = run.seconds * run.tasks as u32 + Duration::from_secs(5);
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ({} workers) ==", run.workers);
        let durations = concurrency_book::decreasing_durations(run.tasks, run.seconds);
        let pool = Pool::new(run.workers);
        let (outcomes, timeline) = timeline::record(Ideal::LongestTask, || match mode {
            Mode::Submit => submit(&pool, &durations, wait_at_most),
            Mode::Timeout => timeout(&pool, run.seconds, wait_at_most),
            Mode::Errors => errors(&pool, &durations, wait_at_most),
            Mode::Cancel => cancel(&pool, &durations, wait_at_most),
            Mode::Shutdown => shutdown(pool, &durations, wait_at_most),
        });
        summaries.push(report(&name, &outcomes, &timeline, run.workers));
    }
    cli::finish(&summaries, run.json, &run.files);
}

/// Prints every result and the timeline; the mode's summary, with a count of
/// each kind of outcome.
fn report(mode: &str, outcomes: &Results, timeline: &Timeline, workers: usize) -> Summary {
    for (task, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Ok(result) => println!("result {task}: {result}"),
            Err(error) => println!("result {task}: {error}"),
        }
    }
    println!("{timeline}");
    let kind =
        |is: fn(&Result<String, TaskError>) -> bool| outcomes.iter().filter(|o| is(o)).count();
    Summary::from_timeline("pool_submit", mode, timeline.started, workers, timeline)
        .with("ok", kind(|o| o.is_ok()))
        .with("failed", kind(|o| matches!(o, Err(TaskError::Failed(_)))))
        .with(
            "panicked",
            kind(|o| matches!(o, Err(TaskError::Panicked(_)))),
        )
        .with(
            "cancelled",
            kind(|o| matches!(o, Err(TaskError::Cancelled))),
        )
        .with("timed_out", kind(|o| matches!(o, Err(TaskError::Timeout))))
}
