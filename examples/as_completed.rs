//! `concurrent.futures.as_completed` in Rust: handle each result the moment its
//! task finishes. In Rust that is a channel: every task sends its result, and
//! the receiver gets them in completion order.
//!
//! `cargo run --example as_completed -- --mode select`

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use crossbeam::channel;
use harness::cli::{self, Summary, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal};

/// Run tasks of decreasing length and handle their results as they complete.
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
    /// A rayon pool runs the tasks; a std mpsc channel brings back the results
    Channel,
    /// Scoped threads and a crossbeam channel; select! adds a deadline and progress ticks
    Select,
}

// ANCHOR: do_something
fn do_something(task: usize, seconds: Duration) -> String {
    let _span = timeline::task_span(task);
    thread::sleep(seconds);
    format!("Done sleeping {:.2} s", seconds.as_secs_f64())
}
// ANCHOR_END: do_something

/// Task numbers in the order their results were handled.
type Order = Vec<usize>;

// ANCHOR: channel
fn channel(durations: Vec<Duration>, workers: usize, deadline: Instant) -> Order {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .expect("the OS starts the pool's threads");
    let (sender, results) = mpsc::channel();
    let mut order = Vec::new();
    // A rayon scope waits for its tasks; `in_place_scope` runs this closure on
    // our own thread, so we can take results while the tasks are still running.
    pool.in_place_scope(|scope| {
        for (task, seconds) in durations.into_iter().enumerate() {
            let sender = sender.clone();
            scope.spawn(move |_| {
                let _ = sender.send((task, do_something(task, seconds)));
            });
        }
        drop(sender); // the channel closes when the last task is done

        let wait = || deadline.saturating_duration_since(Instant::now());
        while let Ok((task, result)) = results.recv_timeout(wait()) {
            println!("task {task}: {result}"); // as completed
            order.push(task);
        }
    });
    order
}
// ANCHOR_END: channel

// ANCHOR: select
fn select(durations: Vec<Duration>, workers: usize, deadline: Instant) -> Order {
    let tasks = durations.len();
    // The tasks end one shortest task apart; a tick halfway between two
    // results never races one of them for the next line (and ticks come
    // at most ten times a second).
    let shortest = durations.iter().min().copied().unwrap_or_default();
    let step = shortest.max(Duration::from_millis(100));
    let (sender, results) = channel::unbounded();
    let (jobs, queue) = channel::unbounded();
    for job in durations.into_iter().enumerate() {
        jobs.send(job).expect("the queue is open");
    }
    drop(jobs); // workers stop when the queue is empty

    let mut order = Vec::new();
    thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, sender) = (queue.clone(), sender.clone());
            scope.spawn(move || {
                for (task, seconds) in queue {
                    let _ = sender.send((task, do_something(task, seconds)));
                }
            });
        }
        drop(sender);

        let mut next_tick = Instant::now() + step / 2;
        let give_up = channel::at(deadline);
        while order.len() < tasks {
            channel::select! {
                recv(results) -> message => match message {
                    Ok((task, result)) => {
                        println!("task {task}: {result}");
                        order.push(task);
                    }
                    Err(_) => break, // every worker is gone
                },
                recv(channel::at(next_tick)) -> _ => {
                    println!("  ... {} of {tasks} done", order.len());
                    next_tick += step;
                }
                recv(give_up) -> _ => {
                    println!("gave up waiting at the deadline");
                    break;
                }
            }
        }
    });
    order
}
// ANCHOR_END: select

fn main() {
    let Args { run, workers } = cli::parse_with_defaults(&[("tasks", "5")]);
    let workers = workers.unwrap_or(run.tasks);
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ({workers} workers) ==");
        let durations = concurrency_book::decreasing_durations(run.tasks, run.seconds);
        // Bounded: every task run one after another, plus slack.
        let deadline = Instant::now() + run.seconds * run.tasks as u32 + Duration::from_secs(5);
        let (order, timeline) = timeline::record(Ideal::LongestTask, || match mode {
            Mode::Channel => channel(durations, workers, deadline),
            Mode::Select => select(durations, workers, deadline),
        });
        println!("{timeline}");
        summaries.push(
            Summary::from_timeline("as_completed", name, run.tasks, workers, &timeline)
                .with("order", order),
        );
    }
    cli::finish(&summaries, run.json, &run.files);
}
