//! Stopping well on Ctrl-C or SIGTERM: a signal thread raises a flag and
//! worker threads finish the task in hand; a process pool's workers are
//! stopped and reaped; async downloads are cancelled with tokio's signals, a
//! `CancellationToken` and a `TaskTracker`, within a second, and no partial
//! file is left. In every mode the results so far are kept.
//!
//! `cargo run --example stop_well -- --mode async --interrupt-after 0.5`

use std::path::{Path, PathBuf};
use std::process;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use crossbeam::channel;
use downloads::download::{self, Policy};
use harness::cli::{self, Summary, WorkerModes};
use harness::println;
use image_server::{ImageServer, ServerConfig};
use processes::process_pool::{self, Options, Outcome, ProcessPool};
use signal_hook::consts::{SIGINT, SIGTERM};
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Run tasks until done, or until Ctrl-C / SIGTERM: then stop well.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: WorkerModes<Mode>,
    /// Where the results so far go: MODE.txt, and the photos in async/
    #[arg(long, default_value = "target/stop-well")]
    out: PathBuf,
    /// Send this program SIGINT after this many seconds, as Ctrl-C would
    #[arg(long, value_parser = cli::parse_seconds, allow_hyphen_values = true)]
    interrupt_after: Option<Duration>,
    /// The async mode's time limit for each download attempt, in seconds
    #[arg(long, value_parser = cli::parse_timeout, default_value = "10", allow_hyphen_values = true)]
    timeout: Duration,
    /// Internal: be a worker process
    #[arg(long, hide = true)]
    pool_worker: bool,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// Worker threads that check a flag a signal thread raises
    Threads,
    /// The book's process pool, stopped by the same flag
    Processes,
    /// tokio downloads, cancelled by a CancellationToken
    Async,
}

/// What a mode kept, and what failed without being stopped.
#[derive(Default)]
struct Kept {
    results: Vec<String>,
    failed: Vec<String>,
}

/// The signal that stopped us (0: none yet), for the exit code 128 + N.
static SIGNAL: AtomicI32 = AtomicI32::new(0);

// ANCHOR: signal_thread
/// Starts (once) a thread that waits for SIGINT and SIGTERM and raises the
/// returned flag. A signal handler may do almost nothing safely; a thread
/// woken by one may do anything.
fn stop_flag() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    Arc::clone(FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
            .unwrap_or_else(|e| exit_with_error(format!("cannot listen for signals: {e}")));
        let raised = Arc::clone(&flag);
        thread::spawn(move || {
            for signal in signals.forever() {
                // The first signal asks; a second one insists.
                match SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => {
                        eprintln!("got signal {signal}: starting no new task (again: stop now)");
                        raised.store(true, Ordering::SeqCst);
                    }
                    Err(first) => {
                        eprintln!("got signal {signal} after {first}: stopping now");
                        process::exit(128 + first);
                    }
                }
            }
        });
        flag
    }))
}
// ANCHOR_END: signal_thread

fn work(task: usize, seconds: Duration) -> String {
    thread::sleep(seconds);
    format!("task {task} done")
}

// ANCHOR: threads
fn with_threads(tasks: usize, workers: usize, seconds: Duration) -> Kept {
    let stop = stop_flag();
    let (queue_in, queue) = channel::bounded(tasks);
    (0..tasks).for_each(|task| queue_in.send(task).expect("room for every task"));
    drop(queue_in);
    let (done, results) = channel::unbounded();
    thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, done, stop) = (queue.clone(), done.clone(), &stop);
            scope.spawn(move || {
                // The flag is checked between tasks: the one in hand finishes.
                while !stop.load(Ordering::SeqCst) {
                    let Ok(task) = queue.try_recv() else { break };
                    let _ = done.send(work(task, seconds));
                }
            });
        }
    });
    drop(done);
    let results = results.into_iter().collect(); // the results so far, whatever stopped us
    Kept {
        results,
        failed: Vec::new(),
    }
}
// ANCHOR_END: threads

// ANCHOR: processes
fn with_processes(tasks: usize, workers: usize, seconds: Duration) -> Kept {
    let options = Options {
        workers,
        task_timeout: seconds * 2 + Duration::from_secs(5),
        worker_args: vec!["--pool-worker".into()],
        max_tasks_per_worker: None,
        worker_stderr: true,
    };
    let mut pool = ProcessPool::start_with_stop_flag(options, stop_flag())
        .unwrap_or_else(|e| exit_with_error(format!("cannot start the worker processes: {e}")));
    let jobs = vec![seconds.as_secs_f64(); tasks];
    // On the flag, the pool kills and reaps its workers and returns what finished.
    let (finished, _stopped) = (pool.run_until_stopped(jobs, |_| {}))
        .unwrap_or_else(|e| exit_with_error(format!("the process pool: {e}")));
    let mut kept = Kept::default();
    for (task, outcome) in finished {
        match outcome {
            Outcome::Done(said) => kept.results.push(said),
            // Its worker died or hung twice: not a result, and not silent.
            Outcome::Failed(deaths) => {
                (kept.failed).push(format!("task {task}: {}", deaths.join("; ")))
            }
        }
    }
    kept
}
// ANCHOR_END: processes

// ANCHOR: async
async fn with_tokio(urls: Vec<String>, limit: usize, out: &Path, timeout: Duration) -> Kept {
    let signals = stop_signal(); // listening from here on
    let (token, tracker) = (CancellationToken::new(), TaskTracker::new());
    let policy = Policy::new(timeout, 0);
    let client = download::async_client(&policy);
    let permits = Arc::new(tokio::sync::Semaphore::new(limit));
    let plan = download::plan(&urls, out);
    let handles: Vec<_> = (urls.into_iter().zip(plan))
        .map(|(url, target)| {
            let (token, client, permits) = (token.clone(), client.clone(), Arc::clone(&permits));
            tracker.spawn(async move {
                let never = AtomicBool::new(false); // the token stops us, not a flag
                let name = url.clone();
                let download = async {
                    let _permit = permits.acquire().await.expect("never closed");
                    download::download_async(client, url, target, policy, &never).await
                };
                tokio::select! {
                    // Cancelled: the download future is dropped where it
                    // waits; its partial file is removed by its `Drop`.
                    () = token.cancelled() => None,
                    outcome = download => Some(outcome.map_err(|(failure, attempts)| {
                        format!("{name}: {failure} (after {attempts} attempt(s))")
                    })),
                }
            })
        })
        .collect();
    tracker.close(); // no more tasks: `wait` ends when these have
    let all_ended = tokio::select! {
        () = tracker.wait() => true,
        signal = signals => {
            eprintln!("got signal {signal}: cancelling the downloads");
            SIGNAL.store(signal, Ordering::SeqCst);
            token.cancel();
            // Every task ends at its next await; give them a second at most.
            let ended = tokio::time::timeout(Duration::from_secs(1), tracker.wait());
            ended.await.is_ok()
        }
    };
    let mut kept = Kept::default();
    for handle in handles {
        // A task the tracker saw end may not be marked finished yet: await
        // it. Only one stuck past the second is left behind.
        if !all_ended && !handle.is_finished() {
            continue;
        }
        match handle.await {
            Ok(Some(Ok(done))) => {
                (kept.results).push(format!("{} ({} bytes)", done.path.display(), done.bytes))
            }
            Ok(Some(Err(why))) => kept.failed.push(why),
            Ok(None) => {} // cancelled: stopped, not failed
            Err(panicked) => kept
                .failed
                .push(format!("a download task panicked: {panicked}")),
        }
    }
    kept
}

/// Ctrl-C or SIGTERM, whichever comes first: its number. Listens from the
/// call on (a signal before the first poll is not lost).
fn stop_signal() -> impl Future<Output = i32> {
    let listen = |kind| signal(kind).expect("tokio listens for signals");
    let (mut interrupt, mut terminate) = (
        listen(SignalKind::interrupt()),
        listen(SignalKind::terminate()),
    );
    async move {
        tokio::select! {
            _ = interrupt.recv() => SIGINT,
            _ = terminate.recv() => SIGTERM,
        }
    }
}
// ANCHOR_END: async

/// A worker process: answers jobs (seconds of work) until stdin ends.
fn pool_worker() {
    process_pool::serve(|task, _attempt, seconds: f64| {
        work(task, Duration::from_secs_f64(seconds))
    })
    .unwrap_or_else(|e| cli::fail(format!("worker: {e}")));
}

/// `--interrupt-after`: a real SIGINT, sent to this process as Ctrl-C would.
/// `--interrupt-after`, armed once, when the first mode is ready for it: a
/// signal before anything listens would kill the program outright.
fn arm_interrupt(args: &Args) {
    static ARMED: std::sync::Once = std::sync::Once::new();
    if let Some(wait) = args.interrupt_after {
        ARMED.call_once(|| interrupt_after(wait));
    }
}

fn interrupt_after(wait: Duration) {
    thread::spawn(move || {
        thread::sleep(wait);
        let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::SIGINT);
    });
}

/// The photos to download, from a server on 127.0.0.1 that streams each one
/// slowly enough to be caught half-way.
fn photo_server(photos: usize, seconds: Duration) -> (ImageServer, Vec<String>) {
    let config = ServerConfig {
        photos,
        size: (800, 600),
        latency: seconds / 3,
        bandwidth: Some(256 << 10), // about half a second per photo
    };
    let server =
        ImageServer::start(config).unwrap_or_else(|e| cli::fail(format!("the image server: {e}")));
    let urls = server.photo_urls();
    (server, urls)
}

fn run_mode(mode: Mode, args: &Args) -> Kept {
    let (tasks, workers, seconds) = (args.run.tasks, args.run.workers, args.run.seconds);
    match mode {
        Mode::Threads | Mode::Processes => {
            stop_flag(); // listening before --interrupt-after's signal can come
            arm_interrupt(args);
            match mode {
                Mode::Threads => with_threads(tasks, workers, seconds),
                _ => with_processes(tasks, workers, seconds),
            }
        }
        Mode::Async => {
            let (_server, urls) = photo_server(tasks, seconds);
            let out = args.out.join("async");
            let ready = atomic_write::create_folder(&out)
                .and_then(|()| atomic_write::remove_stale_temporaries(&out));
            ready.unwrap_or_else(|e| cli::fail(format!("--out {}: {e}", out.display())));
            let runtime = tokio::runtime::Runtime::new().expect("the OS starts tokio's threads");
            // Armed once the photos are served: the signal comes `wait` after
            // this, and with_tokio listens as its first step.
            arm_interrupt(args);
            let kept = runtime.block_on(with_tokio(urls, workers, &out, args.timeout));
            // A task still blocked in a synchronous call is abandoned here:
            // dropping the runtime would wait for it for ever.
            runtime.shutdown_background();
            kept
        }
    }
}

/// Partial downloads left in `folder`: none, however the run ended.
fn partial_files(folder: &Path) -> usize {
    let entries = std::fs::read_dir(folder).into_iter().flatten().flatten();
    entries
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .count()
}

/// `error: MESSAGE` on stderr, and exit code 1 (what `cli::fail` does, in
/// code the chapter quotes).
fn exit_with_error(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[("tasks", "8"), ("seconds", "0.3")]);
    if args.pool_worker {
        return pool_worker();
    }
    atomic_write::create_folder(&args.out)
        .unwrap_or_else(|e| cli::fail(format!("--out {}: {e}", args.out.display())));
    let (mut summaries, mut failed) = (Vec::new(), Vec::new());
    for mode in cli::modes(args.run.mode) {
        let name = cli::mode_name(&mode);
        println!(
            "== {name} ({} tasks, {} workers) ==",
            args.run.tasks, args.run.workers
        );
        let started = Instant::now();
        let kept = run_mode(mode, &args);
        let elapsed = started.elapsed();
        let signal = SIGNAL.load(Ordering::SeqCst); // read once: the summary and the exit agree
        let summary = report(mode, &name, &kept.results, elapsed, signal, &args);
        summaries.push(summary.with("failed", kept.failed.len()));
        failed.extend(kept.failed.iter().map(|why| format!("{name}: {why}")));
        if signal != 0 {
            cli::finish(&summaries, args.run.json, &args.run.files);
            process::exit(128 + signal);
        }
    }
    cli::finish(&summaries, args.run.json, &args.run.files);
    if !failed.is_empty() {
        failed.iter().for_each(|why| eprintln!("failed: {why}"));
        cli::fail(format!("{} task(s) failed", failed.len()));
    }
}

/// Prints what was kept and writes it to `--out` (atomically, interrupted or
/// not); the mode's summary.
fn report(
    mode: Mode,
    name: &str,
    kept: &[String],
    elapsed: Duration,
    signal: i32,
    args: &Args,
) -> Summary {
    kept.iter().for_each(|line| println!("{line}"));
    let results = args.out.join(format!("{name}.txt"));
    atomic_write::write_atomically(&results, (kept.join("\n") + "\n").as_bytes())
        .unwrap_or_else(|e| cli::fail(format!("{}: {e}", results.display())));
    let stopped_by = match signal {
        0 => "nothing",
        SIGTERM => "SIGTERM",
        _ => "SIGINT",
    };
    println!(
        "kept {} of {} results in {}; stopped by {stopped_by}\n",
        kept.len(),
        args.run.tasks,
        results.display()
    );
    let mut summary = Summary::new("stop_well", name, args.run.tasks, args.run.workers, elapsed)
        .with("kept", kept.len())
        .with("stopped_by", stopped_by);
    if mode == Mode::Async {
        let partial = partial_files(&args.out.join("async"));
        println!("partial files left: {partial}\n");
        summary = summary.with("partial_files", partial);
    }
    summary
}
