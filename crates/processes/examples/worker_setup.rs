//! An executor's `initializer` in Rust: each worker sets up a costly resource
//! once, before its first task, and every task it runs reuses it. On the
//! book's thread pool (`Pool::with_setup`) and in the worker processes of its
//! process pool; a set-up that fails is an error that names the worker.
//!
//! `cargo run --example worker_setup -- --mode processes --fail-setup`

use std::cell::RefCell;
use std::process;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use concurrency_book::lessons::pool::{Pool, Shutdown};
use harness::cli::{self, Summary, WorkerModes};
use harness::println;
use harness::timeline::{self, Ideal};
use processes::process_pool::{self, Options, ProcessPool};

/// Set up each worker once, then run many tasks on it.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: WorkerModes<Mode>,
    /// What one worker's set-up costs, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.2", allow_hyphen_values = true)]
    setup_seconds: Duration,
    /// Make every worker's set-up fail, as a missing database would
    #[arg(long)]
    fail_setup: bool,
    /// Internal: be a worker process
    #[arg(long, hide = true)]
    pool_worker: bool,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// The book's thread pool, set up with `Pool::with_setup`
    Threads,
    /// The book's process pool: each worker process sets up before serving
    Processes,
}

// ANCHOR: connection
/// A costly per-worker resource: think of a database connection.
struct Connection {
    /// Which set-up made it, in which process: one per worker, not per task.
    name: String,
}

/// Set-ups run in this process so far.
static SETUPS: AtomicUsize = AtomicUsize::new(0);

impl Connection {
    fn open(cost: Duration, fail: bool) -> Result<Connection, String> {
        thread::sleep(cost);
        if fail {
            return Err("cannot reach the database".into());
        }
        let number = SETUPS.fetch_add(1, Ordering::SeqCst) + 1;
        let name = format!("connection {number} of pid {}", process::id());
        Ok(Connection { name })
    }

    fn query(&self, task: usize, seconds: Duration) -> String {
        thread::sleep(seconds);
        format!("task {task} used {}", self.name)
    }
}
// ANCHOR_END: connection

// ANCHOR: threads
thread_local! {
    /// Each pool thread's own connection, opened by its set-up.
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

fn with_threads(args: &Args, durations: Vec<Duration>) -> Result<Vec<String>, String> {
    let (cost, fail) = (args.setup_seconds, args.fail_setup);
    let pool = Pool::with_setup(args.run.workers, move |_worker| {
        let connection = Connection::open(cost, fail)?;
        CONNECTION.set(Some(connection));
        Ok(())
    })
    .map_err(|e| e.to_string())?; // names the worker whose set-up failed
    let tasks: Vec<_> = (durations.into_iter().enumerate())
        .map(|(task, seconds)| {
            pool.submit(move || {
                let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                CONNECTION.with_borrow(|c| c.as_ref().expect("set up").query(task, seconds))
            })
        })
        .collect();
    let results = tasks.iter().map(|t| t.result(Duration::from_secs(600)));
    let results = results
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    pool.shutdown(Shutdown::RunPending, Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    Ok(results)
}
// ANCHOR_END: threads

// ANCHOR: processes
/// A worker process: set up once, then serve tasks until stdin ends.
fn pool_worker(args: &Args) {
    let connection = Connection::open(args.setup_seconds, args.fail_setup).unwrap_or_else(|e| {
        exit_with_error(format!("worker pid {}: set-up failed: {e}", process::id()))
    });
    process_pool::serve(|task, _attempt, seconds: f64| {
        connection.query(task, Duration::from_secs_f64(seconds))
    })
    .unwrap_or_else(|e| exit_with_error(format!("worker: {e}")));
}

fn with_processes(args: &Args, durations: Vec<Duration>) -> Result<Vec<String>, String> {
    let mut worker_args = vec!["--pool-worker".to_string()];
    worker_args.push(format!(
        "--setup-seconds={}",
        args.setup_seconds.as_secs_f64()
    ));
    worker_args.extend(args.fail_setup.then(|| "--fail-setup".to_string()));
    let options = Options {
        workers: args.run.workers,
        task_timeout: args.setup_seconds + durations[0] * 2 + Duration::from_secs(5),
        worker_args,
        max_tasks_per_worker: None,
        worker_stderr: true,
    };
    let mut pool = ProcessPool::start(options).map_err(|e| e.to_string())?;
    let jobs = durations.iter().map(Duration::as_secs_f64).collect();
    let results = pool
        .map::<f64, String>(jobs)
        .into_iter()
        .collect::<Result<_, _>>()?;
    pool.shutdown(Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    Ok(results)
}
// ANCHOR_END: processes

/// `error: MESSAGE` on stderr, and exit code 1 (what `cli::fail` does, in
/// code the chapter quotes).
fn exit_with_error(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[("tasks", "6"), ("seconds", "0.1")]);
    if args.pool_worker {
        return pool_worker(&args);
    }
    let mut summaries = Vec::new();
    for mode in cli::modes(args.run.mode) {
        let name = cli::mode_name(&mode);
        println!(
            "== {name} ({} workers, set-up {:.2} s each) ==",
            args.run.workers,
            args.setup_seconds.as_secs_f64()
        );
        let durations = vec![args.run.seconds; args.run.tasks];
        let ideal = Ideal::SumOver {
            workers: args.run.workers,
        };
        let (results, timeline) = timeline::record(ideal, || match mode {
            Mode::Threads => with_threads(&args, durations),
            Mode::Processes => with_processes(&args, durations),
        });
        let results = results.unwrap_or_else(|e| cli::fail(format!("{name}: {e}")));
        results.iter().for_each(|said| println!("{said}"));
        println!("{timeline}");
        let mut connections: Vec<&str> = results
            .iter()
            .filter_map(|said| said.split(" used ").nth(1))
            .collect();
        connections.sort();
        connections.dedup();
        summaries.push(
            Summary::from_timeline(
                "worker_setup",
                &name,
                args.run.tasks,
                args.run.workers,
                &timeline,
            )
            .with("setups", connections.len()),
        );
    }
    cli::finish(&summaries, args.run.json, &args.run.files);
}
