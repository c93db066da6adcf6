//! The notes' real-world CPU job: blur 15 photos (Gaussian, sigma 15) and
//! shrink them to fit 1200x1200, sequentially, on threads, with rayon, in
//! worker processes, and with rayon inside each photo; `--quality exact` is
//! the notes' pipeline, `--quality fast` (the default) decodes less.
//!
//! `cargo run --release --example process_images -- --mode rayon`

use std::fs;
use std::path::{Path, PathBuf};
use std::process;
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use concurrency_book::cli::{self, Summary};
use concurrency_book::images::{self, Blur, Failed, Processed, Quality, Settings};
use concurrency_book::procpool::{self, Options, Outcome, ProcessPool};
use concurrency_book::testimages;
use concurrency_book::timeline::{self, Ideal};
use rayon::prelude::*;

/// Blur and shrink a folder of photos, in the mode of your choice.
#[derive(Parser)]
struct Args {
    /// Process the images in this folder (default: generated test photos)
    #[arg(long)]
    input: Option<PathBuf>,
    /// Write the results here
    #[arg(long, default_value = "target/processed-images")]
    out: PathBuf,
    /// How many test photos to generate (without --input)
    #[arg(long, value_parser = cli::parse_count, default_value = "15", allow_hyphen_values = true)]
    tasks: usize,
    /// Size of the generated photos, WIDTHxHEIGHT
    #[arg(long, value_parser = cli::parse_size, default_value = "3000x2000")]
    size: (u32, u32),
    /// Threads or processes (default: one per core)
    #[arg(long, value_parser = cli::parse_count, allow_hyphen_values = true)]
    workers: Option<usize>,
    /// Gaussian blur sigma, in pixels of the photo
    #[arg(long, value_parser = cli::parse_sigma, default_value = "15", allow_hyphen_values = true)]
    sigma: f32,
    /// fast: decode at a reduced scale, as small as the blur allows; exact: the notes' full-size pipeline
    #[arg(long, value_enum, default_value = "fast")]
    quality: Quality,
    /// Run only this mode (default: all, in the order listed)
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Print one JSON summary line per mode, after everything else
    #[arg(long)]
    json: bool,
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
    /// One thread per photo
    Threads,
    /// rayon's par_iter over the photos, --workers threads
    Rayon,
    /// A pool of --workers worker processes (this program, run again)
    Processes,
    /// One photo at a time, the blur parallel inside it
    RayonInner,
}

type Outcomes = Vec<Result<Processed, Failed>>;

/// One photo, with its span on the timeline.
fn photo(task: usize, input: &Path, out: &Path, settings: &Settings) -> Result<Processed, Failed> {
    let _span = timeline::task_span(task);
    images::process_photo(input, out, settings)
}

// ANCHOR: seq
fn seq(inputs: &[PathBuf], out: &Path, settings: &Settings) -> Outcomes {
    (inputs.iter().enumerate())
        .map(|(task, input)| photo(task, input, out, settings))
        .collect()
}
// ANCHOR_END: seq

// ANCHOR: threads
fn threads(inputs: &[PathBuf], out: &Path, settings: &Settings) -> Outcomes {
    thread::scope(|scope| {
        let handles: Vec<_> = (inputs.iter().enumerate())
            .map(|(task, input)| scope.spawn(move || photo(task, input, out, settings)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("process_photo returns its errors"))
            .collect()
    })
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
struct Job {
    input: PathBuf,
    out: PathBuf,
    settings: Settings,
}

impl Backend {
    fn map(&mut self, inputs: &[PathBuf], out: &Path, settings: &Settings) -> Outcomes {
        match self {
            Backend::Threads(pool) => pool.install(|| {
                (inputs.par_iter().enumerate())
                    .map(|(task, input)| photo(task, input, out, settings))
                    .collect()
            }),
            Backend::Processes(pool) => {
                let jobs = (inputs.iter())
                    .map(|input| Job {
                        input: input.clone(),
                        out: out.to_path_buf(),
                        settings: *settings,
                    })
                    .collect();
                let mut outcomes = match pool.run(jobs, |_| {}) {
                    Ok(outcomes) => outcomes,
                    Err(error) => {
                        // Every photo fails; dropping the pool later reaps the workers.
                        let reason = format!("the worker processes failed: {error}");
                        let failed = |input: &PathBuf| {
                            Err(Failed {
                                input: input.clone(),
                                reason: reason.clone(),
                            })
                        };
                        return inputs.iter().map(failed).collect();
                    }
                };
                outcomes.sort_by_key(|(task, _)| *task); // submission order, like map
                (outcomes.into_iter())
                    .map(|(task, outcome)| match outcome {
                        Outcome::Done(result) => result,
                        Outcome::Failed(deaths) => Err(Failed {
                            input: inputs[task].clone(),
                            reason: format!("the worker died: {}", deaths.join("; ")),
                        }),
                    })
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
) -> Outcomes {
    let inside = Settings {
        blur: Blur::BoxesParallel,
        ..*settings
    };
    pool.install(|| seq(inputs, out, &inside))
}
// ANCHOR_END: rayon_inner

fn backend(mode: Mode, workers: usize) -> Backend {
    if mode == Mode::Processes {
        let options = Options {
            workers,
            task_timeout: Duration::from_secs(300),
            worker_args: vec!["--image-worker".into()],
        };
        match ProcessPool::start(options) {
            Ok(pool) => return Backend::Processes(pool),
            Err(error) => {
                eprintln!("error: cannot start the worker processes: {error}");
                process::exit(1);
            }
        }
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(workers).build();
    Backend::Threads(pool.expect("the OS starts the pool's threads"))
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if args.image_worker {
        let work = |_, _, job: Job| images::process_photo(&job.input, &job.out, &job.settings);
        if let Err(error) = procpool::serve(work) {
            eprintln!("worker: {error}");
            process::exit(1);
        }
        return;
    }
    let inputs = match &args.input {
        Some(dir) => images::images_in(dir)
            .unwrap_or_else(|e| fail(&format!("--input {}: {e}", dir.display()))),
        None => {
            let (width, height) = args.size;
            println!(
                "generating {} test photos of {width}x{height} (cached after the first run)",
                args.tasks
            );
            testimages::ensure(args.tasks, width, height)
                .unwrap_or_else(|e| fail(&format!("test photos: {e}")))
        }
    };
    if inputs.is_empty() {
        fail("no images to process");
    }
    if let Err(error) = fs::create_dir_all(&args.out) {
        fail(&format!("--out {}: {error}", args.out.display()));
    }
    if cfg!(debug_assertions) {
        println!("(a debug build: add --release for the real speed)");
    }
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let workers = args.workers.unwrap_or(cores);
    let settings = Settings {
        sigma: args.sigma,
        quality: args.quality,
        ..Settings::default()
    };
    let mut summaries = Vec::new();
    let mut any_failed = false;
    let mut seq_elapsed = None;
    for mode in cli::modes(args.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ({} photos, {workers} workers) ==", inputs.len());
        let mut backend = backend(mode, workers);
        images::reset_peak_memory();
        let (outcomes, timeline) = timeline::record(Ideal::SumOfTasks, || match mode {
            Mode::Seq => seq(&inputs, &args.out, &settings),
            Mode::Threads => threads(&inputs, &args.out, &settings),
            Mode::Rayon | Mode::Processes => backend.map(&inputs, &args.out, &settings),
            Mode::RayonInner => match &backend {
                Backend::Threads(pool) => rayon_inner(&inputs, &args.out, &settings, pool),
                Backend::Processes(_) => unreachable!("rayon-inner runs on threads"),
            },
        });
        let peak = images::peak_memory_mib();
        drop(backend); // the processes mode's workers exit (and are reaped) here
        let worker_peak = (mode == Mode::Processes)
            .then(images::children_peak_memory_mib)
            .flatten();
        let failed: Vec<&Failed> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
        for failure in &failed {
            eprintln!("error: {failure}");
        }
        any_failed |= !failed.is_empty();
        println!("{}", timeline.chart(60));
        let elapsed = timeline.elapsed;
        if mode == Mode::Seq {
            seq_elapsed = Some(elapsed);
        }
        let done = outcomes.len() - failed.len();
        let per_second = done as f64 / elapsed.as_secs_f64();
        let speedup = seq_elapsed.map(|seq| seq.as_secs_f64() / elapsed.as_secs_f64());
        println!(
            "{done} photos in {:.2} s: {per_second:.1} per second{}{}\n",
            elapsed.as_secs_f64(),
            speedup.map_or(String::new(), |s| format!(", {s:.2}x sequential")),
            peak.map_or(String::new(), |p| format!(", peak memory {p} MiB"))
        );
        let used = match mode {
            Mode::Seq => 1,
            Mode::Threads => inputs.len(),
            _ => workers,
        };
        let mut summary = Summary::new("process_images", name, inputs.len(), used, elapsed)
            .with_timeline(&timeline)
            .with("quality", cli::mode_name(&args.quality))
            .with("images_per_s", (per_second * 100.0).round() / 100.0)
            .with("failed", failed.len())
            .with("max_overlap", timeline.max_overlap());
        if let Some(speedup) = speedup {
            summary = summary.with("speedup", (speedup * 100.0).round() / 100.0);
        }
        if let Some(peak) = peak {
            summary = summary.with("peak_memory_mib", peak);
        }
        if let Some(worker_peak) = worker_peak {
            summary = summary.with("worker_peak_memory_mib", worker_peak);
        }
        summaries.push(summary);
    }
    cli::finish(&summaries, args.json, &args.files);
    if any_failed {
        process::exit(1);
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    process::exit(1);
}
