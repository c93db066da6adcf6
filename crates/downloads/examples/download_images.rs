//! The notes' real-world I/O job: download 15 photos, one after another, on
//! one thread per photo, on a bounded pool, and with async tasks. By default
//! the photos come from a server on 127.0.0.1 that this program starts, with
//! 300 ms of latency per request, so it runs offline and the same every time.
//!
//! `cargo run --example download_images -- --mode pool --workers 4`
//! `cargo run --example download_images -- --urls-file my-urls.txt --out photos`

#[path = "shared/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use crossbeam::channel;
use downloads::download::{self, DownloadResult, Policy};
use downloads::url_file;
use harness::cli::{self, Summary};
use harness::println;
use harness::timeline::{self, Ideal, Timeline};
use image_server::{Fault, ImageServer};
use indicatif::{ProgressBar, ProgressStyle};
use server::ServerArgs;

/// Download a list of images, robustly, in the mode of your choice.
#[derive(Parser)]
struct Args {
    /// Download the URLs in this file, one per line (default: the embedded server's photos)
    #[arg(long)]
    urls_file: Option<PathBuf>,
    /// Save here (in a folder per mode when running all of them)
    #[arg(long, default_value = "target/downloads")]
    out: PathBuf,
    /// Downloads at once, for pool and async
    #[arg(long, value_parser = cli::parse_count, default_value = "8", allow_hyphen_values = true)]
    workers: usize,
    /// Also ask the embedded server for one URL of each fault it can play
    #[arg(long)]
    faults: bool,
    /// How long one attempt may take, in seconds
    #[arg(long, value_parser = cli::parse_timeout, default_value = "10", allow_hyphen_values = true)]
    timeout: Duration,
    /// Retries after a transient failure (5xx, timeout, broken connection), at most 10
    #[arg(long, default_value = "3", value_parser = clap::value_parser!(u32).range(0..=10))]
    retries: u32,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
    #[command(flatten)]
    files: cli::TimelineFiles,
    // Last: clap keeps a heading for every flag after it.
    #[command(
        flatten,
        next_help_heading = "The embedded image server (not with --urls-file)"
    )]
    server: ServerArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// One download after another
    Seq,
    /// One thread per URL
    Threads,
    /// --workers threads taking URLs from one queue
    Pool,
    /// tokio tasks, at most --workers at once
    Async,
}

/// Set by Ctrl-C: downloads stop, delete their partial files, and we exit.
static STOP: AtomicBool = AtomicBool::new(false);
/// The signal that raised `STOP`, for the exit code (128 + it).
static STOPPED_BY: AtomicI32 = AtomicI32::new(0);

/// Every URL with where it goes.
struct DownloadList {
    url: String,
    target: PathBuf,
}

/// Reports each finished download: on the progress bar, or as a plain line.
struct Progress(ProgressBar);

impl Progress {
    fn new(jobs: usize) -> Progress {
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}");
        let bar = ProgressBar::new(jobs as u64);
        Progress(bar.with_style(style.expect("a valid template")))
    }

    fn done(&self, job: &DownloadList, outcome: &DownloadResult) {
        let line = match outcome {
            Ok(d) => format!(
                "ok     {} ({} bytes, attempt {})",
                job.target.display(),
                d.bytes,
                d.attempts
            ),
            Err((failure, attempts)) => {
                format!("failed {}: {failure} (after {attempts} attempts)", job.url)
            }
        };
        if self.0.is_hidden() {
            println!("{line}")
        } else {
            self.0.println(line)
        }
        self.0.inc(1);
    }
}

// ANCHOR: seq
fn seq(
    jobs: &[DownloadList],
    client: &reqwest::blocking::Client,
    policy: &Policy,
    progress: &Progress,
) -> Vec<DownloadResult> {
    (jobs.iter().enumerate())
        .map(|(task, job)| {
            let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
            let outcome = download::download(client, &job.url, &job.target, policy, &STOP);
            progress.done(job, &outcome);
            outcome
        })
        .collect()
}
// ANCHOR_END: seq

// ANCHOR: threads
fn threads(
    jobs: &[DownloadList],
    client: &reqwest::blocking::Client,
    policy: &Policy,
    progress: &Progress,
) -> Vec<DownloadResult> {
    thread::scope(|scope| {
        let handles: Vec<_> = (jobs.iter().enumerate())
            .map(|(task, job)| {
                scope.spawn(move || {
                    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                    let outcome = download::download(client, &job.url, &job.target, policy, &STOP);
                    progress.done(job, &outcome);
                    outcome
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("downloads return their errors"))
            .collect()
    })
}
// ANCHOR_END: threads

// ANCHOR: pool
fn pool(
    jobs: &[DownloadList],
    workers: usize,
    client: &reqwest::blocking::Client,
    policy: &Policy,
    progress: &Progress,
) -> Vec<DownloadResult> {
    let (queue_in, queue) = channel::unbounded();
    jobs.iter()
        .enumerate()
        .for_each(|job| queue_in.send(job).expect("the queue is open"));
    drop(queue_in);
    let outcomes = Mutex::new(vec![None; jobs.len()]);
    thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, outcomes) = (queue.clone(), &outcomes);
            scope.spawn(move || {
                for (task, job) in queue {
                    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                    let outcome = download::download(client, &job.url, &job.target, policy, &STOP);
                    progress.done(job, &outcome);
                    outcomes.lock().unwrap()[task] = Some(outcome);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    outcomes
        .into_iter()
        .map(|o| o.expect("every job ran"))
        .collect()
}
// ANCHOR_END: pool

// ANCHOR: async
fn with_tokio(
    jobs: &[DownloadList],
    limit: usize,
    policy: &Policy,
    progress: &Progress,
) -> Vec<DownloadResult> {
    let runtime = tokio::runtime::Runtime::new().expect("the OS starts tokio's threads");
    runtime.block_on(async {
        let client = download::async_client(policy); // one client, shared by all tasks
        let permits = Arc::new(tokio::sync::Semaphore::new(limit));
        let mut tasks = tokio::task::JoinSet::new();
        for (task, job) in jobs.iter().enumerate() {
            let (url, target) = (job.url.clone(), job.target.clone());
            let download = download::download_async(client.clone(), url, target, *policy, &STOP);
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire().await.expect("the semaphore stays open");
                let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                (task, download.await) // a future does nothing until awaited
            });
        }
        let mut outcomes = vec![None; jobs.len()];
        while let Some(joined) = tasks.join_next().await {
            let (task, outcome) = joined.expect("download tasks do not panic");
            progress.done(&jobs[task], &outcome);
            outcomes[task] = Some(outcome);
        }
        outcomes
            .into_iter()
            .map(|o| o.expect("every task reported"))
            .collect()
    })
}
// ANCHOR_END: async

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let out = args.out.clone();
    cli::on_stop_signal(move |signal| stop_within_a_second(&out, signal));
    let (server, urls) = match &args.urls_file {
        Some(file) => (None, url_file::read_url_file(file)),
        None => serve(&args),
    };
    let urls = urls.unwrap_or_else(|e| cli::fail(e));
    // Each mode writes into a folder of its own inside --out.
    let out = atomic_write::create_folder(&args.out);
    out.unwrap_or_else(|e| cli::fail(format!("--out {}: {e}", args.out.display())));
    let policy = Policy::new(args.timeout, args.retries);
    let client = download::blocking_client(&policy);
    let modes = cli::modes(args.modes.mode);
    let mut summaries = Vec::new();
    for &mode in &modes {
        let name = cli::mode_name(&mode);
        let out = folder(&args.out, &name, modes.len());
        let jobs = jobs(&urls, &out);
        let workers = match mode {
            Mode::Seq => 1,
            Mode::Threads => jobs.len(),
            Mode::Pool | Mode::Async => args.workers,
        };
        let at_once = format!("{} URLs, {workers} at once", jobs.len());
        println!("== {name} ({at_once}) into {} ==", out.display());
        let progress = Progress::new(jobs.len());
        let (outcomes, timeline) = timeline::record(Ideal::LongestTask, || match mode {
            Mode::Seq => seq(&jobs, &client, &policy, &progress),
            Mode::Threads => threads(&jobs, &client, &policy, &progress),
            Mode::Pool => pool(&jobs, args.workers, &client, &policy, &progress),
            Mode::Async => with_tokio(&jobs, args.workers, &policy, &progress),
        });
        progress.0.finish_and_clear();
        exit_if_interrupted();
        summaries.push(report(&name, &outcomes, workers, &timeline));
    }
    server.inspect(|server| println!("the server answered {} requests", server.requests()));
    cli::finish(&summaries, args.modes.json, &args.files);
    cli::exit_if_any_failed(&summaries);
}

/// Starts the embedded server; its photos' URLs (and with `--faults`, one per fault).
fn serve(args: &Args) -> (Option<ImageServer>, Result<Vec<String>, String>) {
    let server = args.server.start();
    let mut urls = server.photo_urls();
    if args.faults {
        let fault_url = |fault: Fault| server.fault_url(fault, &format!("{}.jpg", fault.kind()));
        urls.extend(Fault::ALL.map(fault_url));
    }
    let (photos, latency) = (args.server.tasks, args.server.seconds.as_secs_f64());
    println!(
        "serving {photos} photos on http://{} with {latency:.2} s latency",
        server.addr()
    );
    (Some(server), Ok(urls))
}

/// One folder per mode when they all run, so that each downloads afresh.
fn folder(out: &Path, mode: &str, modes: usize) -> PathBuf {
    if modes > 1 {
        out.join(mode)
    } else {
        out.to_path_buf()
    }
}

/// Ctrl-C or SIGTERM: every download stops at its next chunk or pause and
/// deletes its partial file. One stuck in a silent connection could wait for
/// its timeout, so after a second this process deletes its own partial files
/// under `out` and exits anyway.
fn stop_within_a_second(out: &Path, signal: i32) {
    STOPPED_BY.store(signal, Ordering::SeqCst);
    STOP.store(true, Ordering::SeqCst);
    let out = out.to_path_buf();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        let _ = atomic_write::remove_own_temporaries(&out); // and in each mode's folder inside it
        eprintln!("interrupted: complete files were kept, partial ones deleted");
        process::exit(128 + signal);
    });
}

/// After Ctrl-C: the downloads have stopped and deleted their partial files.
fn exit_if_interrupted() {
    if STOP.load(Ordering::SeqCst) {
        eprintln!("interrupted: complete files were kept, partial ones deleted");
        process::exit(128 + STOPPED_BY.load(Ordering::SeqCst));
    }
}

/// Every URL with the file it goes to, in a folder that exists.
fn jobs(urls: &[String], out: &Path) -> Vec<DownloadList> {
    // Partial files that a killed run left are removed first.
    let prepared =
        atomic_write::create_folder(out).and_then(|()| atomic_write::remove_stale_temporaries(out));
    if let Err(e) = prepared {
        cli::fail(format!("--out {}: {e}", out.display()));
    }
    (urls.iter().zip(download::plan(urls, out)))
        .map(|(url, target)| DownloadList {
            url: url.clone(),
            target,
        })
        .collect()
}

/// Prints the timeline and the counts; the mode's summary.
fn report(mode: &str, outcomes: &[DownloadResult], workers: usize, timeline: &Timeline) -> Summary {
    let failed = outcomes.iter().filter(|o| o.is_err()).count();
    let bytes: u64 = outcomes.iter().flatten().map(|d| d.bytes).sum();
    println!("{timeline}");
    println!("{} ok, {failed} failed\n", outcomes.len() - failed);
    Summary::from_timeline("download_images", mode, outcomes.len(), workers, timeline)
        .with("ok", outcomes.len() - failed)
        .with("failed", failed)
        .with("bytes", bytes)
}
