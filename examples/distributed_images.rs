//! The photo job on timely dataflow: worker 0 lists the photos, an exchange
//! spreads them over the workers, each worker blurs and shrinks its share with
//! the book's pipeline, and a second exchange gathers the results on worker 0.
//! The same program runs as one worker, as two worker threads in one process,
//! as two processes on 127.0.0.1, and, with `--process` and `--hostfile`, as
//! one member of a cluster on several hosts.
//!
//! `cargo run --release --example distributed_images`

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process;
use std::rc::Rc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use concurrency_book::cli::{self, Summary};
use concurrency_book::cluster::{self, Done, Photo, Run};
use concurrency_book::images::{Quality, Settings};
use timely::dataflow::operators::vec::Map;
use timely::dataflow::operators::{Exchange, Input, Inspect, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::{CommunicationConfig, WorkerConfig};

/// Blur and shrink photos on timely dataflow workers: threads, processes or hosts.
#[derive(Parser)]
struct Args {
    /// Process the photos in this folder (default: generated test photos)
    #[arg(long)]
    input: Option<PathBuf>,
    /// Write the results here (on every host: each writes its own share)
    #[arg(long, default_value = "target/distributed-images")]
    out: PathBuf,
    /// How many test photos to generate (without --input)
    #[arg(long, value_parser = cli::parse_count, default_value = "15", allow_hyphen_values = true)]
    tasks: usize,
    /// Size of the generated photos, WIDTHxHEIGHT
    #[arg(long, value_parser = cli::parse_size, default_value = "3000x2000")]
    size: (u32, u32),
    /// Workers: threads in the threads mode, processes in the processes mode,
    /// threads in this process with --process [default: 2, or 1 with --process]
    #[arg(long, value_parser = cli::parse_count, allow_hyphen_values = true)]
    workers: Option<usize>,
    /// Gaussian blur sigma, in pixels of the photo
    #[arg(long, value_parser = cli::parse_sigma, default_value = "15", allow_hyphen_values = true)]
    sigma: f32,
    /// fast: decode at a reduced scale; exact: the notes' full-size pipeline
    #[arg(long, value_enum, default_value = "fast")]
    quality: Quality,
    /// Extra seconds of work per photo (a pause), to watch a slow job
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0", allow_hyphen_values = true)]
    seconds: Duration,
    /// Worker 0 reads the photos and sends their bytes (hosts without a shared disk)
    #[arg(long)]
    send_photos: bool,
    /// Give up after this many seconds: a missing or dead peer is an error, not a hang
    #[arg(long, value_parser = cli::parse_seconds, default_value = "120", allow_hyphen_values = true)]
    deadline: Duration,
    /// Run only this mode (default: all, in the order listed)
    #[arg(long, value_enum, conflicts_with = "process")]
    mode: Option<Mode>,
    /// Be process IDX of a cluster (0 gathers and reports); needs --hostfile
    #[arg(long, value_name = "IDX", requires = "hostfile")]
    process: Option<usize>,
    /// How many processes the cluster has [default: the hostfile's lines]
    #[arg(long, value_parser = cli::parse_count, requires = "process", allow_hyphen_values = true)]
    processes: Option<usize>,
    /// The cluster's addresses, one host:port per line, in process order
    #[arg(long, value_name = "FILE", requires = "process")]
    hostfile: Option<PathBuf>,
    /// Print one JSON summary line per mode, after everything else
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    files: cli::TimelineFiles,
    /// Internal: process 0 of the processes mode writes its results here
    #[arg(long, hide = true)]
    results_to: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// One timely worker thread
    OneWorker,
    /// --workers worker threads in this process
    Threads,
    /// --workers processes of this program on 127.0.0.1, one worker each
    Processes,
}

/// Everything a worker needs to know (the photo list only on process 0).
struct Job {
    /// The photos, listed before timely starts; only worker 0 reads them.
    photos: Vec<PathBuf>,
    out: PathBuf,
    settings: Settings,
    pause: Duration,
    send_photos: bool,
    threads_per_process: usize,
}

// ANCHOR: dataflow
/// One worker's part: the same code runs on every worker, in every process.
fn worker_main(worker: &mut timely::worker::Worker, job: &Job) -> Vec<Done> {
    let me = worker.index();
    let label = format!("p{}/w{me}", me / job.threads_per_process);
    let gathered = Rc::new(RefCell::new(Vec::new()));
    let mut photos = InputHandle::new();
    let probe = ProbeHandle::new();
    worker.dataflow::<u64, _, _>(|scope| {
        let gathered = Rc::clone(&gathered);
        let (out, settings, pause) = (job.out.clone(), job.settings, job.pause);
        scope
            .input_from(&mut photos)
            .container::<Vec<Photo>>()
            .exchange(|photo| photo.task as u64) // photo i goes to worker i % workers
            .map(move |photo| cluster::process(photo, &label, &out, &settings, pause))
            .exchange(|_| 0) // every result goes back to worker 0
            .inspect(move |done| gathered.borrow_mut().push(done.clone()))
            .probe_with(&probe);
    });
    if me == 0 {
        for photo in cluster::photos(&job.photos, job.send_photos) {
            photos.send(photo);
        }
    }
    drop(photos); // no more input: the dataflow can finish
    while worker.step_or_park(None) {} // until every worker's dataflow is done
    gathered.take()
}
// ANCHOR_END: dataflow

// ANCHOR: config
/// A cluster member's timely configuration, built here rather than parsed by
/// timely, so that this program keeps its own flags and `--help`.
fn cluster_config(threads: usize, process: usize, addresses: Vec<String>) -> timely::Config {
    timely::Config {
        communication: CommunicationConfig::Cluster {
            threads,
            process,
            addresses,
            report: false,
            zerocopy: false,
        },
        worker: WorkerConfig::default(),
    }
}
// ANCHOR_END: config

/// Runs timely with `config` in this process, bounded by the deadline; worker
/// 0's results come back (the other workers return none).
fn run_here(config: timely::Config, job: Job, bounds: cluster::Bounds) -> Result<Run, String> {
    cluster::run_bounded(bounds, move |started| {
        let guards = timely::execute(config, move |worker| {
            started.mark();
            worker_main(worker, &job)
        })?;
        let mut done = Vec::new();
        for result in guards.join() {
            done.extend(result.map_err(|e| format!("a worker failed: {e}"))?);
        }
        Ok(done)
    })
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let settings = Settings {
        sigma: args.sigma,
        quality: args.quality,
        ..Settings::default()
    };
    let source = match &args.input {
        Some(dir) => cluster::PhotoSource::Folder(dir.clone()),
        None => cluster::PhotoSource::Generated(args.tasks, args.size),
    };
    if let Err(error) = std::fs::create_dir_all(&args.out) {
        fail(&format!("--out {}: {error}", args.out.display()));
    }
    if let Some(process) = args.process {
        member(&args, process, source, settings);
        return;
    }
    // Listed (and generated) before any worker starts, for a clear error.
    let paths = source.paths().unwrap_or_else(|e| fail(&e));
    let tasks = paths.len();
    let workers = args.workers.unwrap_or(2);
    let mut summaries = Vec::new();
    for mode in cli::modes(args.mode) {
        let name = cli::mode_name(&mode);
        let (workers, processes) = match mode {
            Mode::OneWorker => (1, 1),
            Mode::Threads => (workers, 1),
            Mode::Processes => (workers, workers),
        };
        println!(
            "== {name}: {tasks} photos, {} in {} ==",
            plural(workers, "worker"),
            plural(processes, "process")
        );
        let job = Job {
            photos: paths.clone(),
            out: args.out.clone(),
            settings,
            pause: args.seconds,
            send_photos: args.send_photos,
            threads_per_process: workers / processes,
        };
        let bounds = cluster::Bounds::local(args.deadline);
        let run = match mode {
            Mode::OneWorker => run_here(timely::Config::thread(), job, bounds),
            Mode::Threads => run_here(timely::Config::process(workers), job, bounds),
            Mode::Processes => cluster::launch(processes, args.deadline, |process, hostfile| {
                member_args(&args, process, processes, hostfile)
            }),
        };
        let run = run.unwrap_or_else(|e| fail(&e));
        summaries.push(report(&run, &name, workers, processes));
    }
    cli::finish(&summaries, args.json, &args.files);
    if summaries.iter().any(|s| s.extra["failed"] != 0) {
        process::exit(1);
    }
}

/// The flags that make process `process` of the processes mode a cluster member.
fn member_args(args: &Args, process: usize, processes: usize, hostfile: &Path) -> Vec<String> {
    let mut member = vec![
        format!("--process={process}"),
        format!("--processes={processes}"),
        format!("--hostfile={}", hostfile.display()),
        "--workers=1".into(),
        format!("--out={}", args.out.display()),
        format!("--tasks={}", args.tasks),
        format!("--size={}x{}", args.size.0, args.size.1),
        format!("--sigma={}", args.sigma),
        format!("--quality={}", cli::mode_name(&args.quality)),
        format!("--seconds={}", args.seconds.as_secs_f64()),
        format!("--deadline={}", args.deadline.as_secs_f64()),
    ];
    if let Some(input) = &args.input {
        member.push(format!("--input={}", input.display()));
    }
    if args.send_photos {
        member.push("--send-photos".into());
    }
    if process == 0 {
        member.push(format!(
            "--results-to={}",
            hostfile.with_extension("json").display()
        ));
    }
    member
}

/// One member of a cluster: connect to the others, run, and (process 0) report.
fn member(args: &Args, process: usize, source: cluster::PhotoSource, settings: Settings) {
    let hostfile = args.hostfile.as_deref().expect("clap requires --hostfile");
    let mut addresses = cluster::read_hostfile(hostfile).unwrap_or_else(|e| fail(&e));
    let processes = args.processes.unwrap_or(addresses.len());
    if addresses.len() < processes {
        fail(&format!(
            "--hostfile {} lists {} addresses, --processes is {processes}",
            hostfile.display(),
            addresses.len()
        ));
    }
    addresses.truncate(processes);
    if process >= processes {
        fail(&format!(
            "--process {process}: the cluster has processes 0 to {}",
            processes - 1
        ));
    }
    // Only process 0 lists the photos, before connecting, for a clear error.
    let photos = match process {
        0 => source.paths().unwrap_or_else(|e| fail(&e)),
        _ => Vec::new(),
    };
    let threads = args.workers.unwrap_or(1);
    let job = Job {
        photos,
        out: args.out.clone(),
        settings,
        pause: args.seconds,
        send_photos: args.send_photos,
        threads_per_process: threads,
    };
    let bounds = cluster::Bounds::cluster(args.deadline, addresses.clone(), process);
    let config = cluster_config(threads, process, addresses);
    let run = run_here(config, job, bounds).unwrap_or_else(|e| fail(&e));
    if process != 0 {
        println!("process {process}: done, results gathered on process 0");
        return;
    }
    if let Some(path) = &args.results_to {
        cluster::write_run(path, &run).unwrap_or_else(|e| fail(&e));
        return;
    }
    let summary = report(&run, "cluster", threads * processes, processes);
    let failed = summary.extra["failed"] != 0;
    cli::finish(&[summary], args.json, &args.files);
    if failed {
        process::exit(1);
    }
}

/// Prints worker 0's results and timeline; the run's summary line.
fn report(run: &Run, mode: &str, workers: usize, processes: usize) -> Summary {
    for done in &run.done {
        match &done.error {
            None => println!(
                "{:>3} {:<14} {:<7} {:>7.0} ms {:>8} bytes  crc32 {:08x}",
                done.task,
                done.name,
                done.worker,
                done.seconds() * 1000.0,
                done.bytes,
                done.crc32
            ),
            Some(error) => eprintln!("error: {} on {}: {error}", done.name, done.worker),
        }
    }
    let timeline = run.timeline();
    println!("{}", timeline.chart(60));
    let failed = run.done.iter().filter(|d| d.error.is_some()).count();
    let elapsed = run.elapsed.as_secs_f64();
    let per_second = (run.done.len() - failed) as f64 / elapsed;
    let setup = run.setup().as_secs_f64();
    println!(
        "{} photos in {elapsed:.2} s ({setup:.2} s before the first photo started): \
         {per_second:.1} per second, on {}\n",
        run.done.len() - failed,
        plural(timeline.workers().len(), "worker")
    );
    Summary::new(
        "distributed_images",
        mode,
        run.done.len(),
        workers,
        run.elapsed,
    )
    .with_timeline(&timeline)
    .with("processes", processes)
    .with("photos_per_s", (per_second * 100.0).round() / 100.0)
    .with("setup_s", (setup * 1000.0).round() / 1000.0)
    .with("workers_used", timeline.workers().len())
    .with("checksum", format!("{:08x}", run.checksum()))
    .with("failed", failed)
}

/// "1 worker", "2 workers", "2 processes".
fn plural(count: usize, noun: &str) -> String {
    match (count, noun.ends_with('s')) {
        (1, _) => format!("1 {noun}"),
        (_, true) => format!("{count} {noun}es"),
        (_, false) => format!("{count} {noun}s"),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    process::exit(1);
}
