//! `ProcessPoolExecutor` in Rust: a pool of worker processes fed through pipes,
//! results in completion order, a `map` in submission order, and workers that
//! crash, hang or get killed, detected, replaced and retried.
//!
//! `cargo run --example process_pool -- --mode crash`

use std::hint::black_box;
use std::process;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use harness::cli::{self, Summary, WorkerModes};
use harness::println;
use harness::timeline::{self, Ideal, Timeline};
use processes::process_pool::{self, Event, Options, Outcome, ProcessPool};
use serde::{Deserialize, Serialize};

/// Run tasks on a pool of worker processes and survive the workers' crashes.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: WorkerModes<Mode>,
    /// A task running longer than this is killed, in seconds, more than 0 (default: twice --seconds, plus 0.5)
    #[arg(long, value_parser = cli::parse_timeout, allow_hyphen_values = true)]
    task_timeout: Option<Duration>,
    /// Replace each worker process after this many tasks (maxtasksperchild)
    #[arg(long, value_parser = cli::parse_count, allow_hyphen_values = true)]
    max_tasks_per_worker: Option<usize>,
    /// Internal: be a worker process
    #[arg(long, hide = true)]
    pool_worker: bool,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// Results as tasks finish (as_completed)
    Completion,
    /// Results in submission order (map)
    Map,
    /// Workers that panic, abort, are killed or hang
    Crash,
}

// ANCHOR: job
/// One task for a worker process: work for `seconds`, then maybe misbehave.
#[derive(Serialize, Deserialize)]
struct TaskSpec {
    seconds: f64,
    /// "none", or how to die: "panic", "abort", "sigkill", "hang"
    fault: String,
    /// Misbehave on the first attempt only (true) or on every attempt
    only_once: bool,
}

/// The worker process: busy for `seconds` (CPU work), then answer.
fn work(task: usize, attempt: u32, job: TaskSpec) -> String {
    let until = std::time::Instant::now() + Duration::from_secs_f64(job.seconds);
    let mut spins = 0u64;
    while std::time::Instant::now() < until {
        spins = black_box(spins + 1);
    }
    if job.fault != "none" && (attempt == 1 || !job.only_once) {
        match job.fault.as_str() {
            "panic" => panic!("task {task} hit a bug"),
            "abort" => process::abort(),
            #[cfg(unix)]
            "sigkill" => drop(nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL)),
            "hang" => thread::sleep(Duration::from_secs(3600)),
            _ => {}
        }
    }
    format!(
        "task {task} done by pid {} (attempt {attempt})",
        process::id()
    )
}
// ANCHOR_END: job

fn jobs(mode: Mode, tasks: usize, seconds: Duration) -> Vec<TaskSpec> {
    let durations = concurrency_book::decreasing_durations(tasks, seconds);
    let faults = [
        ("none", true),
        ("panic", true),
        ("sigkill", true),
        ("abort", false),
        ("hang", false),
    ];
    (0..tasks)
        .map(|task| {
            let (fault, only_once) = match mode {
                Mode::Crash => faults[task % faults.len()],
                _ => ("none", true),
            };
            TaskSpec {
                seconds: durations[task].as_secs_f64(),
                fault: fault.into(),
                only_once,
            }
        })
        .collect()
}

// ANCHOR: run
fn run_pool(
    pool: &mut ProcessPool,
    jobs: Vec<TaskSpec>,
    mode: Mode,
) -> std::io::Result<Vec<(usize, Outcome<String>)>> {
    let report = |event: &Event| match event {
        Event::WorkerDied {
            task,
            pid,
            how,
            retry,
        } => {
            let next = if *retry { "retrying" } else { "giving up" };
            println!("  worker pid {pid} died running task {task}: {how}; {next}");
        }
        Event::WorkerRetired { pid, tasks } => {
            println!("  retired worker pid {pid} after {tasks} tasks")
        }
        Event::WorkerStarted { pid } => println!("  started worker pid {pid} in its place"),
    };
    let mut outcomes = pool.run(jobs, report)?;
    if mode == Mode::Map {
        outcomes.sort_by_key(|(task, _)| *task); // map: submission order
    }
    Ok(outcomes)
}
// ANCHOR_END: run

/// The pool the flags ask for; its workers are this program, started again
/// with `--pool-worker`.
fn pool_options(args: &Args) -> Options {
    Options {
        workers: args.run.workers,
        task_timeout: (args.task_timeout)
            .unwrap_or(args.run.seconds * 2 + Duration::from_millis(500)),
        worker_args: vec!["--pool-worker".into()],
        max_tasks_per_worker: args.max_tasks_per_worker,
        worker_stderr: false, // the crash mode's panics would clutter the page
    }
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[("tasks", "6"), ("seconds", "0.3")]);
    if args.pool_worker {
        process_pool::serve(work).unwrap_or_else(|e| cli::fail(format!("worker: {e}")));
        return;
    }
    let options = pool_options(&args);
    // Ctrl-C stops the pool, which kills and reaps its workers before we exit.
    // The handler comes first, so that no signal finds the workers without it.
    let stop = Arc::new(AtomicBool::new(false));
    let stopped_by = Arc::new(AtomicI32::new(0));
    let (on_signal, noted) = (Arc::clone(&stop), Arc::clone(&stopped_by));
    cli::on_stop_signal(move |signal| {
        noted.store(signal, Ordering::SeqCst);
        on_signal.store(true, Ordering::SeqCst);
    });
    let mut pool = ProcessPool::start_with_stop_flag(options, stop)
        .unwrap_or_else(|e| cli::fail(format!("cannot start the worker processes: {e}")));

    let mut summaries = Vec::new();
    for mode in cli::modes(args.run.mode) {
        let name = cli::mode_name(&mode);
        let pids = pool.pids();
        println!(
            "== {name} ({} worker processes: {pids:?}) ==",
            args.run.workers
        );
        let jobs = jobs(mode, args.run.tasks, args.run.seconds);
        let (outcomes, timeline) =
            timeline::record(Ideal::LongestTask, || run_pool(&mut pool, jobs, mode));
        let Ok(outcomes) = outcomes.inspect_err(|e| eprintln!("error: {e}")) else {
            let interrupted = pool.stop_flag().load(Ordering::SeqCst);
            drop(pool); // kills and reaps the workers: process::exit runs no destructors
            process::exit(match interrupted {
                true => 128 + stopped_by.load(Ordering::SeqCst), // 130 for Ctrl-C
                false => 1,
            });
        };
        println!("{timeline}");
        summaries.push(report(&name, &outcomes, &timeline, args.run.workers));
    }
    pool.shutdown(Duration::from_secs(5))
        .unwrap_or_else(|e| cli::fail(format!("shutting the pool down: {e}")));
    cli::finish(&summaries, args.run.json, &args.run.files);
    cli::exit_if_any_failed(&summaries);
}

/// Prints each task's outcome (in completion order); the mode's summary.
fn report(
    mode: &str,
    outcomes: &[(usize, Outcome<String>)],
    timeline: &Timeline,
    workers: usize,
) -> Summary {
    for (task, outcome) in outcomes {
        match outcome {
            Outcome::Done(message) => println!("{message}"),
            Outcome::Failed(deaths) => println!("task {task} failed: {}", deaths.join("; then ")),
        }
    }
    let order: Vec<usize> = outcomes.iter().map(|(task, _)| *task).collect();
    let failed = (outcomes.iter())
        .filter(|(_, o)| matches!(o, Outcome::Failed(_)))
        .count();
    Summary::from_timeline("process_pool", mode, outcomes.len(), workers, timeline)
        .with("order", order)
        .with("failed", failed)
        .with("ok", outcomes.len() - failed)
}
