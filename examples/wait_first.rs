//! `concurrent.futures.wait(return_when=FIRST_COMPLETED / FIRST_EXCEPTION)`
//! in Rust: workers take tasks from a queue and send back results; the main
//! thread acts on the first result, or the first error, raises a stop flag,
//! and no task that had not started by then ever starts.
//!
//! `cargo run --example wait_first`

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use crossbeam::channel::{self, select};
use harness::cli::{self, Summary, WorkerModes};
use harness::println;
use harness::timeline::{self, Ideal};

/// Wait for the first result, or stop everything at the first error.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: WorkerModes<Mode>,
    /// In first-error: the task that fails
    #[arg(long, default_value = "3")]
    fail: usize,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// Take the first result; the rest are not waited for (FIRST_COMPLETED)
    FirstCompleted,
    /// Stop at the first error: no task starts after it (FIRST_EXCEPTION)
    FirstError,
}

/// What happened: the first result (or error), the tasks that started and
/// when, and when the stop flag went up.
struct Report {
    first: Option<(usize, Result<Duration, String>)>,
    started: Vec<(usize, Instant)>,
    stopped_at: Instant,
}

// ANCHOR: wait_first
fn run(tasks: usize, workers: usize, seconds: Duration, fail: Option<usize>) -> Report {
    let (queue, jobs) = channel::unbounded();
    (0..tasks).for_each(|task| queue.send(task).expect("the receiver is here"));
    drop(queue); // all queued: each worker stops when the queue is empty
    let (results_in, results) = channel::unbounded();
    let (stop, started) = (AtomicBool::new(false), Mutex::new(Vec::new()));
    let (first, stopped_at) = thread::scope(|scope| {
        for _ in 0..workers {
            let (jobs, results_in, stop, started) = (&jobs, results_in.clone(), &stop, &started);
            scope.spawn(move || {
                for task in jobs.iter() {
                    let at = Instant::now(); // taken before the check (see the test)
                    if stop.load(Ordering::SeqCst) {
                        continue; // cancelled before it started: it never will
                    }
                    started.lock().unwrap().push((task, at));
                    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                    // Task k sleeps less the larger k is: later tasks finish
                    // sooner. The failing task fails at once.
                    let time = seconds * (tasks - task) as u32 / tasks as u32;
                    let result = if fail == Some(task) {
                        Err(format!("task {task} failed"))
                    } else {
                        thread::sleep(time);
                        Ok(time)
                    };
                    // The worker that decides it raises the flag itself: not
                    // even its own next task starts.
                    if result.is_err() || fail.is_none() {
                        stop.store(true, Ordering::SeqCst);
                    }
                    let _ = results_in.send((task, result)); // main may have stopped listening
                }
            });
        }
        drop(results_in); // ours: `results` ends when every worker has ended
        // The first result, or with `fail` the first error; at most 60 s.
        let deadline = channel::at(Instant::now() + Duration::from_secs(60));
        let first = loop {
            select! {
                recv(results) -> got => match got {
                    Ok((task, Err(e))) => break Some((task, Err(e))),
                    Ok((task, Ok(time))) if fail.is_none() => break Some((task, Ok(time))),
                    Ok(_) => continue, // a success, while waiting for an error
                    Err(_) => break None, // every task done, none failed
                },
                recv(deadline) -> _ => break None,
            }
        };
        stop.store(true, Ordering::SeqCst); // up already, unless the deadline passed
        let stopped_at = Instant::now();
        (first, stopped_at) // leaving the scope waits for the tasks still running
    });
    let started = started.into_inner().unwrap();
    Report {
        first,
        started,
        stopped_at,
    }
}
// ANCHOR_END: wait_first

fn main() {
    let Args { run: args, fail } =
        cli::parse_with_defaults(&[("tasks", "9"), ("seconds", "0.3"), ("workers", "3")]);
    let mut summaries = Vec::new();
    for mode in cli::modes(args.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let failing = (mode == Mode::FirstError).then_some(fail);
        let (report, timeline) = timeline::record(Ideal::LongestTask, || {
            run(args.tasks, args.workers, args.seconds, failing)
        });
        println!("{timeline}");
        match &report.first {
            Some((task, Ok(time))) => println!(
                "first result: task {task}, after {:.2} s",
                time.as_secs_f64()
            ),
            Some((task, Err(e))) => println!("first error: task {task}: {e}"),
            None => println!("no task failed"),
        }
        let late = (report.started.iter())
            .filter(|(_, at)| *at > report.stopped_at)
            .count();
        let never = args.tasks - report.started.len();
        println!(
            "{} tasks started, {never} never started; {late} started after the stop\n",
            report.started.len(),
        );
        summaries.push(
            Summary::from_timeline("wait_first", name, args.tasks, args.workers, &timeline)
                .with("first_task", report.first.as_ref().map(|(task, _)| *task))
                .with("started", report.started.len())
                .with("never_started", never)
                .with("started_after_stop", late),
        );
    }
    cli::finish(&summaries, args.json, &args.files);
}
