//! The notes' real-world CPU job: blur 15 photos (Gaussian, sigma 15) and
//! shrink them to fit 1200x1200, sequentially, on threads, with rayon, in
//! worker processes, and with rayon inside each photo; `--quality exact` is
//! the notes' pipeline, `--quality fast` (the default) decodes less.
//!
//! `cargo run --release --example process_images -- --mode rayon`

#[path = "shared/photos.rs"]
mod photos;

use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use harness::cli;
use harness::println;
use harness::speedup::Speedups;
use harness::timeline;
use images::pipeline::{self, Blur, Buffers, Failed, Processed, Quality, Settings};
use photos::{PhotoArgs, PhotoResults};
use processes::process_pool::{self, Options, ProcessPool};
use rayon::prelude::*;

/// Blur and shrink a folder of photos, in the mode of your choice.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    photos: PhotoArgs,
    /// Write the results here
    #[arg(long, default_value = "target/processed-images")]
    out: PathBuf,
    /// Threads or processes (default: one per core; in threads mode, one per photo)
    #[arg(long, value_parser = cli::parse_count, allow_hyphen_values = true)]
    workers: Option<usize>,
    /// fast: decode at a reduced scale, as small as the blur allows; exact: the notes' full-size pipeline
    #[arg(long, value_enum, default_value = "fast")]
    quality: Quality,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
    #[command(flatten)]
    files: cli::TimelineFiles,
    /// Internal: be a worker process of the processes mode
    #[arg(long, hide = true)]
    image_worker: bool,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// One photo after another, on the main thread
    Seq,
    /// One thread per photo (at most --workers at once, if given)
    Threads,
    /// rayon's par_iter over the photos, --workers threads
    Rayon,
    /// A pool of --workers worker processes (this program, run again)
    Processes,
    /// One photo at a time, the blur parallel inside it
    RayonInner,
}

/// One photo, with its span on the timeline, in the worker's buffers.
fn photo(
    task: usize,
    input: &Path,
    out: &Path,
    settings: &Settings,
    buffers: &mut Buffers,
) -> Result<Processed, Failed> {
    let _span = timeline::task_span(task);
    pipeline::process_photo_with(input, out, settings, buffers)
}

// ANCHOR: seq
fn seq(inputs: &[PathBuf], out: &Path, settings: &Settings) -> PhotoResults {
    let mut buffers = Buffers::default();
    (inputs.iter().enumerate())
        .map(|(task, input)| photo(task, input, out, settings, &mut buffers))
        .collect()
}
// ANCHOR_END: seq

// ANCHOR: threads
/// One thread per photo, at most `limit` at once (in waves: each thread
/// holds its photo's pixels, so threads cost memory).
fn threads(inputs: &[PathBuf], out: &Path, settings: &Settings, limit: usize) -> PhotoResults {
    let mut outcomes = Vec::with_capacity(inputs.len());
    for (wave, photos) in inputs.chunks(limit).enumerate() {
        thread::scope(|scope| {
            let handles: Vec<_> = (photos.iter().enumerate())
                .map(|(i, input)| {
                    scope.spawn(move || {
                        let buffers = &mut Buffers::default(); // one photo per thread
                        photo(wave * limit + i, input, out, settings, buffers)
                    })
                })
                .collect();
            let joined = handles.into_iter().map(|handle| handle.join());
            outcomes.extend(joined.map(|result| result.expect("process_photo returns its errors")));
        });
    }
    outcomes
}
// ANCHOR_END: threads

// ANCHOR: backend
/// Where the photos go: the one-line switch between Python's
/// `ThreadPoolExecutor` and `ProcessPoolExecutor`, as an enum.
enum Backend {
    Threads(rayon::ThreadPool),
    Processes(ProcessPool),
}

/// What a worker process is sent: a photo and where its result goes.
#[derive(serde::Serialize, serde::Deserialize)]
struct PhotoJob {
    input: PathBuf,
    out: PathBuf,
    settings: Settings,
}

impl Backend {
    fn map(&mut self, inputs: &[PathBuf], out: &Path, settings: &Settings) -> PhotoResults {
        match self {
            Backend::Threads(pool) => pool.install(|| {
                // One `Buffers` per piece of work rayon splits off.
                (inputs.par_iter().enumerate())
                    .map_init(Buffers::default, |buffers, (task, input)| {
                        photo(task, input, out, settings, buffers)
                    })
                    .collect()
            }),
            Backend::Processes(pool) => {
                let job = |input: &PathBuf| PhotoJob {
                    input: input.clone(),
                    out: out.to_path_buf(),
                    settings: *settings,
                };
                let results = pool.map(inputs.iter().map(job).collect());
                (inputs.iter().zip(results))
                    .map(|(input, result)| result.unwrap_or_else(|reason| failed(input, reason)))
                    .collect()
            }
        }
    }
}
// ANCHOR_END: backend

// ANCHOR: rayon_inner
fn rayon_inner(
    inputs: &[PathBuf],
    out: &Path,
    settings: &Settings,
    pool: &rayon::ThreadPool,
) -> PhotoResults {
    let inside = Settings {
        blur: Blur::BoxesParallel,
        ..*settings
    };
    pool.install(|| seq(inputs, out, &inside))
}
// ANCHOR_END: rayon_inner

/// A worker process's answer is already a `Result`; a worker that died is a failed photo.
fn failed(input: &Path, reason: String) -> Result<Processed, Failed> {
    let input = input.to_path_buf();
    Err(Failed { input, reason })
}

fn backend(mode: Mode, workers: usize) -> Backend {
    if mode == Mode::Processes {
        let options = Options {
            workers,
            task_timeout: Duration::from_secs(300),
            worker_args: vec!["--image-worker".into()],
            max_tasks_per_worker: None,
            worker_stderr: false,
        };
        let pool = ProcessPool::start(options);
        return Backend::Processes(
            pool.unwrap_or_else(|e| cli::fail(format!("cannot start the worker processes: {e}"))),
        );
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(workers).build();
    Backend::Threads(
        pool.unwrap_or_else(|e| cli::fail(format!("cannot start {workers} threads: {e}"))),
    )
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if args.image_worker {
        return serve_as_worker();
    }
    if cli::modes(args.modes.mode).contains(&Mode::Processes) {
        (args.photos.require_utf8_paths(&args.out)).unwrap_or_else(|e| cli::fail(e));
    }
    let inputs = args
        .photos
        .inputs_for(&args.out)
        .unwrap_or_else(|e| cli::fail(e));
    cli::note_debug_build();
    let workers = args.workers.unwrap_or_else(cli::cores);
    let thread_limit = args.workers.unwrap_or(inputs.len()); // threads: one per photo
    let settings = args.photos.settings(args.quality);
    let (mut summaries, mut speedups) = (Vec::new(), Speedups::default());
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ({} photos, {workers} workers) ==", inputs.len());
        let mut backend = backend(mode, workers);
        let used = workers_used(mode, inputs.len().min(thread_limit), workers);
        let ideal = speedups.ideal(mode == Mode::Seq, used, cli::cores());
        let run = photos::measure(ideal, || match (mode, &mut backend) {
            (Mode::Seq, _) => seq(&inputs, &args.out, &settings),
            (Mode::Threads, _) => threads(&inputs, &args.out, &settings, thread_limit),
            (Mode::RayonInner, Backend::Threads(pool)) => {
                rayon_inner(&inputs, &args.out, &settings, pool)
            }
            (_, backend) => backend.map(&inputs, &args.out, &settings),
        });
        drop(backend); // the processes mode's workers exit (and are reaped) here
        let (seq, processes) = (mode == Mode::Seq, mode == Mode::Processes);
        let speedup = speedups.add(&name, seq, run.timeline.elapsed, used.min(cli::cores()));
        let summary = run.report("process_images", &name, used, speedup, processes);
        summaries.push(summary.with("quality", cli::mode_name(&args.quality)));
    }
    cli::finish(&summaries, args.modes.json, &args.files);
    cli::exit_if_any_failed(&summaries);
}

/// A worker process of the processes mode: photos in, results out.
fn serve_as_worker() {
    let mut buffers = Buffers::default();
    let work = |_, _, job: PhotoJob| {
        atomic_write::clean_up_on_interrupt(&job.out); // a half-written photo goes if we are stopped
        pipeline::process_photo_with(&job.input, &job.out, &job.settings, &mut buffers)
    };
    process_pool::serve(work).unwrap_or_else(|e| cli::fail(format!("worker: {e}")));
}

/// Threads or processes that ran photos: one per photo in the threads mode.
fn workers_used(mode: Mode, photos: usize, workers: usize) -> usize {
    match mode {
        Mode::Seq => 1,
        Mode::Threads => photos,
        _ => workers,
    }
}
