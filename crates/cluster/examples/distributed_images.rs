//! The photo job on timely dataflow: worker 0 lists the photos, an exchange
//! spreads them over the workers, each worker blurs and shrinks its share with
//! the book's pipeline, and a second exchange gathers the results on worker 0.
//! The same program runs as one worker, as two worker threads in one process,
//! as two processes on 127.0.0.1, and, with `--process` and `--hostfile`, as
//! one member of a cluster on several hosts.
//!
//! `cargo run --release --example distributed_images`

#[path = "../../images/examples/shared/photos.rs"]
mod photos;

use std::any::Any;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use cluster::{self, Done, Key, MemberArgs, Membership, Photo, Run, plural};
use harness::cli::{self, Summary};
use harness::println;
use images::pipeline::{Quality, Settings};
use photos::PhotoArgs;
use timely::dataflow::operators::vec::Map;
use timely::dataflow::operators::{Exchange, Input, Inspect, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};
use timely::execute::execute_from;
use timely::{CommunicationConfig, WorkerConfig};

/// Blur and shrink photos on timely dataflow workers: threads, processes or hosts.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    photos: PhotoArgs,
    /// fast: decode at a reduced scale; exact: the notes' full-size pipeline
    #[arg(long, value_enum, default_value = "fast")]
    quality: Quality,
    /// Write the results here (on every host: each writes its own share)
    #[arg(long, default_value = "target/distributed-images")]
    out: PathBuf,
    /// Workers: threads in the threads mode, processes in the processes mode,
    /// threads in this process with --process [default: 2, or 1 with --process]
    #[arg(long, value_parser = cli::parse_count, allow_hyphen_values = true)]
    workers: Option<usize>,
    /// Extra seconds of work per photo (a pause), to watch a slow job
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0", allow_hyphen_values = true)]
    seconds: Duration,
    /// Worker 0 reads the photos and sends their bytes (hosts without a shared disk)
    #[arg(long)]
    send_photos: bool,
    /// Give up after this many seconds: a missing or dead peer is an error, not a hang
    #[arg(long, value_parser = cli::parse_seconds, default_value = "120", allow_hyphen_values = true)]
    deadline: Duration,
    /// Process 1 crashes (SIGKILL) this many seconds after connecting, to
    /// show how the others fail: the chapter's demonstration of a lost peer
    #[arg(long, value_parser = cli::parse_seconds, allow_hyphen_values = true)]
    crash_process_1_after: Option<Duration>,
    /// Run only this mode (default: all, in the order listed)
    #[arg(long, value_enum, conflicts_with = "process")]
    mode: Option<Mode>,
    #[command(flatten)]
    member: MemberArgs,
    /// Print one JSON summary line per mode, after everything else
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    files: cli::TimelineFiles,
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
struct ClusterJob {
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
fn worker_main(worker: &mut timely::worker::Worker, job: &ClusterJob) -> Vec<Done> {
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

/// What a member tells the others when it connects: members started by hand
/// with other flags must refuse to run together, not mix their results.
fn job_description(job: &ClusterJob, processes: usize) -> String {
    format!(
        "{:?}, pause {:?}, photos sent: {}, {processes} processes of {} worker(s)",
        job.settings, job.pause, job.send_photos, job.threads_per_process
    )
}

// ANCHOR: connect
/// A cluster member's timely workers: connect to the other members (each
/// checks the others' job), then start timely on those sockets, so that this
/// program keeps its own flags, `--help` and connect timeout.
fn cluster_workers(
    args: &Args,
    job: &ClusterJob,
    me: usize,
    addresses: &[String],
    key: &Key,
) -> Result<Workers, String> {
    let description = job_description(job, addresses.len());
    let timeout = args.member.connect_timeout;
    let sockets = cluster::connect_members(addresses, me, &description, timeout, key)?;
    println!(
        "process {me}: connected to all {} processes",
        addresses.len()
    );
    cluster::timely_allocators(sockets, me, job.threads_per_process)
}
// ANCHOR_END: connect

/// timely's workers, ready to start: one allocator per worker thread, and
/// what keeps their connections open.
type Workers = (
    Vec<timely::communication::AllocatorBuilder>,
    Box<dyn Any + Send>,
);

/// Runs timely's `workers` in this process, bounded by the deadline; worker
/// 0's results come back (the other workers return none).
fn run_here(workers: Workers, job: ClusterJob, bounds: cluster::Bounds) -> Result<Run, String> {
    cluster::run_bounded(bounds, move || {
        let (allocators, connections) = workers;
        let config = WorkerConfig::default();
        let guards = execute_from(allocators, connections, config, move |worker| {
            worker_main(worker, &job)
        })?;
        let mut done = Vec::new();
        for result in guards.join() {
            done.extend(result.map_err(|e| format!("a worker failed: {e}"))?);
        }
        Ok(done)
    })
}

/// timely's workers in this process only: `threads` of them.
fn local_workers(threads: usize) -> Workers {
    let config = match threads {
        1 => CommunicationConfig::Thread,
        _ => CommunicationConfig::Process(threads),
    };
    config.try_build().unwrap_or_else(|e| cli::fail(e))
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if let Some(membership) = args.member.membership().unwrap_or_else(|e| cli::fail(e)) {
        return member(&args, membership);
    }
    // Listed (and generated) and checked before any worker starts, for a clear error.
    if cli::modes(args.mode).contains(&Mode::Processes) {
        (args.photos.require_utf8_paths(&args.out)).unwrap_or_else(|e| cli::fail(e));
    }
    let paths = args
        .photos
        .inputs_for(&args.out)
        .unwrap_or_else(|e| cli::fail(e));
    let workers = args.workers.unwrap_or(2);
    let mut summaries = Vec::new();
    for mode in cli::modes(args.mode) {
        let name = cli::mode_name(&mode);
        let (workers, processes) = match mode {
            Mode::OneWorker => (1, 1),
            Mode::Threads => (workers, 1),
            Mode::Processes => (workers, workers),
        };
        let (w, p) = (plural(workers, "worker"), plural(processes, "process"));
        println!("== {name}: {} photos, {w} in {p} ==", paths.len());
        let job = job(&args, paths.clone(), workers / processes);
        let bounds = cluster::Bounds::local(args.deadline);
        let run = match mode {
            Mode::OneWorker | Mode::Threads => run_here(local_workers(workers), job, bounds),
            Mode::Processes => cluster::launch(processes, args.deadline, |process, hostfile| {
                let mut flags = args.member.flags(process, processes, hostfile);
                flags.extend(job_flags(&args));
                flags
            }),
        };
        let run = run.unwrap_or_else(|e| cli::fail(e));
        summaries.push(report(&run, &name, workers, processes));
    }
    cli::finish(&summaries, args.json, &args.files);
    cli::exit_if_any_failed(&summaries);
}

/// What every worker needs, from the flags.
fn job(args: &Args, photos: Vec<PathBuf>, threads_per_process: usize) -> ClusterJob {
    ClusterJob {
        photos,
        out: args.out.clone(),
        settings: args.photos.settings(args.quality),
        pause: args.seconds,
        send_photos: args.send_photos,
        threads_per_process,
    }
}

/// The job's own flags, for the members of a launched cluster (one worker each).
fn job_flags(args: &Args) -> Vec<String> {
    let mut flags = args.photos.to_flags();
    flags.extend([
        "--workers=1".into(),
        format!("--quality={}", cli::mode_name(&args.quality)),
        format!("--out={}", args.out.display()),
        format!("--seconds={}", args.seconds.as_secs_f64()),
        format!("--deadline={}", args.deadline.as_secs_f64()),
    ]);
    if args.send_photos {
        flags.push("--send-photos".into());
    }
    if let Some(after) = args.crash_process_1_after {
        flags.push(format!("--crash-process-1-after={}", after.as_secs_f64()));
    }
    flags
}

/// One member of a cluster: connect to the others, run, and (process 0) report.
fn member(args: &Args, membership: Membership) {
    let Membership {
        process,
        addresses,
        key,
    } = membership;
    // Members are sent their job's paths: they must be UTF-8 (see above).
    (args.photos.require_utf8_paths(&args.out)).unwrap_or_else(|e| cli::fail(e));
    // Only process 0 lists and checks the photos, before connecting, for a clear error.
    let photos = match process {
        0 => args
            .photos
            .inputs_for(&args.out)
            .unwrap_or_else(|e| cli::fail(e)),
        _ => atomic_write::create_folder(&args.out)
            .map(|()| atomic_write::clean_up_on_interrupt(&args.out))
            .map(|()| Vec::new())
            .unwrap_or_else(|e| cli::fail(format!("--out {}: {e}", args.out.display()))),
    };
    let threads = args.workers.unwrap_or(1);
    let processes = addresses.len();
    let job = job(args, photos, threads);
    let out = &args.out;
    let workers = cluster_workers(args, &job, process, &addresses, &key)
        .unwrap_or_else(|e| fail_cleaning_up(out, e));
    if let (1, Some(after)) = (process, args.crash_process_1_after) {
        cluster::crash_after(after);
    }
    let bounds = cluster::Bounds::cluster(args.deadline, addresses, process);
    let run = run_here(workers, job, bounds).unwrap_or_else(|e| fail_cleaning_up(out, e));
    if process != 0 {
        println!("process {process}: done, results gathered on process 0");
    } else if let Some(path) = &args.member.results_to {
        cluster::write_run(path, &run).unwrap_or_else(|e| cli::fail(e));
    } else {
        let summary = [report(&run, "cluster", threads * processes, processes)];
        cli::finish(&summary, args.json, &args.files);
        cli::exit_if_any_failed(&summary);
    }
}

/// A member's error exit. A peer that dies (the launcher's death stops every
/// member) fails our connecting or our run, maybe before our own SIGTERM
/// from that death is handled: either way, our half-written photos go first.
fn fail_cleaning_up(out: &std::path::Path, error: String) -> ! {
    let _ = atomic_write::remove_own_temporaries(out);
    cli::fail(error)
}

/// Prints worker 0's results and timeline, and returns the run's summary.
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
    let photos = run.done.len();
    Summary::new("distributed_images", mode, photos, workers, run.elapsed)
        .with_timeline(&timeline)
        .with("processes", processes)
        .with("photos_per_s", (per_second * 100.0).round() / 100.0)
        .with("setup_s", (setup * 1000.0).round() / 1000.0)
        .with("workers_used", timeline.workers().len())
        .with("checksum", format!("{:08x}", run.checksum()))
        .with("failed", failed)
}
