//! Passing arguments to threads and getting results back: move closures,
//! `JoinHandle<T>`, `Arc`, `Mutex<HashMap>` and channels.
//!
//! `cargo run --example thread_args -- --mode channel`

use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use clap::ValueEnum;
use harness::cli::{self, Summary, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal};

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Move each thread's argument into its closure; join() returns its result
    Results,
    /// Share one read-only value between threads with Arc
    Arc,
    /// Threads insert their results into an Arc<Mutex<HashMap>>
    MutexMap,
    /// Threads send their results down a channel, in the order they finish
    Channel,
}

// ANCHOR: do_something
fn do_something(task: usize, seconds: Duration) -> String {
    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
    thread::sleep(seconds);
    format!("Done sleeping {:.2} s", seconds.as_secs_f64())
}
// ANCHOR_END: do_something

/// Results in the order the main thread handled them: `(task, result)`.
type Handled = Vec<(usize, String)>;

// ANCHOR: results
fn results(durations: Vec<Duration>) -> Handled {
    let mut handles = Vec::new();
    for (task, seconds) in durations.into_iter().enumerate() {
        // `move` gives the closure its own copy of `task` and `seconds`.
        handles.push(thread::spawn(move || do_something(task, seconds)));
    }

    let mut results = Vec::new();
    for (task, handle) in handles.into_iter().enumerate() {
        let result: String = handle.join().expect("a task panicked");
        results.push((task, result)); // in submission order, whoever finished first
    }
    results
}
// ANCHOR_END: results

// ANCHOR: arc
fn arc(durations: Vec<Duration>) -> Handled {
    let names: Arc<Vec<String>> = Arc::new(vec!["alpha".into(), "beta".into(), "gamma".into()]);
    let mut handles = Vec::new();
    for (task, seconds) in durations.into_iter().enumerate() {
        let names = Arc::clone(&names); // one more owner of the same Vec, not a copy
        handles.push(thread::spawn(move || {
            let name = &names[task % names.len()];
            format!("{name}: {}", do_something(task, seconds))
        }));
    }
    handles
        .into_iter()
        .enumerate()
        .map(|(task, handle)| (task, handle.join().expect("a task panicked")))
        .collect()
}
// ANCHOR_END: arc

// ANCHOR: mutex_map
fn mutex_map(durations: Vec<Duration>) -> Handled {
    let results: Arc<Mutex<HashMap<usize, String>>> = Arc::default();
    let mut handles = Vec::new();
    for (task, seconds) in durations.into_iter().enumerate() {
        let results = Arc::clone(&results);
        handles.push(thread::spawn(move || {
            let result = do_something(task, seconds); // the slow part, without the lock
            results.lock().unwrap().insert(task, result);
        }));
    }
    for handle in handles {
        handle.join().expect("a task panicked");
    }
    let results = results.lock().unwrap();
    let mut sorted: Handled = results.iter().map(|(&t, r)| (t, r.clone())).collect();
    sorted.sort();
    sorted
}
// ANCHOR_END: mutex_map

// ANCHOR: channel
fn channel(durations: Vec<Duration>, wait_at_most: Duration) -> Handled {
    let tasks = durations.len();
    let (sender, receiver) = mpsc::channel();
    for (task, seconds) in durations.into_iter().enumerate() {
        let sender = sender.clone();
        thread::spawn(move || {
            let result = do_something(task, seconds);
            sender.send((task, result)).expect("main stopped listening");
        });
    }
    drop(sender); // only the threads hold senders now

    let mut results = Vec::new();
    while results.len() < tasks {
        match receiver.recv_timeout(wait_at_most) {
            Ok(message) => results.push(message), // in the order the tasks finished
            Err(error) => panic!("gave up waiting for a result: {error}"),
        }
    }
    results
}
// ANCHOR_END: channel

fn main() {
    let run: TaskModes<Mode> = cli::parse_shared(
        "Give each thread its own arguments and collect what the threads return",
        &[("tasks", "5")],
    );
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let durations = concurrency_book::decreasing_durations(run.tasks, run.seconds);
        let (handled, timeline) = timeline::record(Ideal::LongestTask, || match mode {
            Mode::Results => results(durations),
            Mode::Arc => arc(durations),
            Mode::MutexMap => mutex_map(durations),
            Mode::Channel => channel(durations, run.seconds * 2 + Duration::from_secs(5)),
        });
        for (task, result) in &handled {
            println!("task {task}: {result}");
        }
        println!("{timeline}");
        let order: Vec<usize> = handled.iter().map(|(task, _)| *task).collect();
        summaries.push(
            Summary::from_timeline("thread_args", name, run.tasks, run.tasks, &timeline)
                .with("order", order),
        );
    }
    cli::finish(&summaries, run.json, &run.files);
}
