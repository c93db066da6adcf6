//! `Future.add_done_callback` in Rust: `Task::on_done` on the book's pool, the
//! thread each callback runs on, the callback of a task cancelled before it
//! started, and the channel that keeps the work on your own thread.
//!
//! `cargo run --example done_callbacks -- --mode channel`

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use concurrency_book::lessons::pool::{Pool, Shutdown, Task, TaskError};
use crossbeam::channel;
use harness::cli::{self, Summary, WorkerModes};
use harness::println;
use harness::timeline::{self, Ideal, Timeline};

/// Run a callback as each task finishes, or is cancelled.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: WorkerModes<Mode>,
    /// Cancel this many of the last tasks right after submitting them
    #[arg(long, value_parser = cli::parse_item_count, default_value = "1")]
    cancel: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// A closure per task, run by whichever thread finishes it
    Callback,
    /// Callbacks that only send: the results are handled on this thread
    Channel,
}

/// The longest any wait here may take: the examples finish in seconds.
const LIMIT: Duration = Duration::from_secs(600);

fn sleep_task(task: usize, seconds: Duration) -> String {
    let _span = timeline::task_span(task);
    thread::sleep(seconds);
    format!("task {task} slept {:.2} s", seconds.as_secs_f64())
}

/// What a callback saw: the task, its outcome, and the thread it ran on.
type Done = (usize, Result<String, TaskError>, String);

fn show(done: &Done, count: usize, tasks: usize) {
    let (_, outcome, thread) = done;
    let outcome = outcome
        .as_ref()
        .map_or_else(|e| e.to_string(), String::clone);
    println!("[{thread}] {count}/{tasks}: {outcome}");
}

fn this_thread() -> String {
    thread::current().name().unwrap_or("unnamed").to_string()
}

// ANCHOR: callback
fn with_callbacks(pool: Pool, tasks: Vec<Task<String>>, cancel: usize) -> Vec<Done> {
    let finished = Arc::new(Mutex::new(Vec::new())); // callbacks run on several threads
    for (number, task) in tasks.iter().enumerate() {
        let (finished, count) = (Arc::clone(&finished), tasks.len());
        task.on_done(move |outcome| {
            let mut finished = finished.lock().unwrap();
            finished.push((number, outcome, this_thread()));
            show(finished.last().unwrap(), finished.len(), count);
        });
    }
    let cancelled = tasks
        .iter()
        .rev()
        .take(cancel)
        .filter(|t| t.cancel())
        .count();
    println!("cancelled {cancelled} task(s) before they started");
    // Python's `with` block: once the workers are gone, so are their callbacks.
    pool.shutdown(Shutdown::RunPending, LIMIT).unwrap();
    Arc::try_unwrap(finished).unwrap().into_inner().unwrap()
}
// ANCHOR_END: callback

// ANCHOR: channel
fn with_a_channel(pool: Pool, tasks: Vec<Task<String>>, cancel: usize) -> Vec<Done> {
    let (done, arrived) = channel::unbounded();
    for (number, task) in tasks.iter().enumerate() {
        let done = done.clone();
        task.on_done(move |outcome| drop(done.send((number, outcome)))); // only hands over
    }
    let cancelled = tasks
        .iter()
        .rev()
        .take(cancel)
        .filter(|t| t.cancel())
        .count();
    println!("cancelled {cancelled} task(s) before they started");
    let mut finished = Vec::new();
    for _ in 0..tasks.len() {
        let (number, outcome) = arrived.recv_timeout(LIMIT).expect("every task ends");
        finished.push((number, outcome, this_thread())); // the work happens here
        show(finished.last().unwrap(), finished.len(), tasks.len());
    }
    pool.shutdown(Shutdown::RunPending, LIMIT).unwrap();
    finished
}
// ANCHOR_END: channel

fn main() {
    let args: Args = cli::parse_with_defaults(&[("tasks", "5"), ("seconds", "0.3")]);
    let mut summaries = Vec::new();
    for mode in cli::modes(args.run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ({} workers) ==", args.run.workers);
        let durations = concurrency_book::decreasing_durations(args.run.tasks, args.run.seconds);
        let ideal = Ideal::SumOver {
            workers: args.run.workers,
        };
        let (finished, timeline) = timeline::record(ideal, || {
            let pool = Pool::new(args.run.workers);
            let tasks = (durations.iter().enumerate())
                .map(|(task, &seconds)| pool.submit(move || sleep_task(task, seconds)))
                .collect();
            match mode {
                Mode::Callback => with_callbacks(pool, tasks, args.cancel),
                Mode::Channel => with_a_channel(pool, tasks, args.cancel),
            }
        });
        println!("{timeline}");
        summaries.push(summary(&name, &finished, &timeline, &args));
    }
    cli::finish(&summaries, args.run.json, &args.run.files);
}

/// The mode's summary: how many callbacks ran, for cancelled tasks and on
/// the pool's threads, and the order they ran in.
fn summary(mode: &str, finished: &[Done], timeline: &Timeline, args: &Args) -> Summary {
    let count = |is: fn(&Done) -> bool| finished.iter().filter(|d| is(d)).count();
    let order: Vec<usize> = finished.iter().map(|(n, _, _)| *n).collect();
    Summary::from_timeline(
        "done_callbacks",
        mode,
        args.run.tasks,
        args.run.workers,
        timeline,
    )
    .with("callbacks", finished.len())
    .with(
        "cancelled",
        count(|(_, o, _)| o == &Err(TaskError::Cancelled)),
    )
    .with(
        "on_workers",
        count(|(_, _, thread)| thread.starts_with("pool-")),
    )
    .with("order", order)
    .with("started", timeline.started)
}
