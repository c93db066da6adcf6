//! `cargo xtask report`: the book's examples and the notes' Python scripts,
//! run with the same parameters, interleaved, several rounds; then tables,
//! charts and timeline figures for the book.
//!
//! Every run is a child process with a deadline, read through its `--json`
//! lines. Nothing is written until every run has succeeded, and then each
//! file atomically: a failed or interrupted report leaves the book as it was.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use concurrency_book::harness::charts::{self, Series, ValueBar};
use concurrency_book::harness::files;
use serde_json::Value;

/// What to run, how often and with which parameters, and where the results go.
#[derive(Debug, Clone)]
pub struct Config {
    /// Interleaved rounds: every run once per round.
    pub rounds: usize,
    /// The sleeping tasks: how many, how long each, and the pool's size.
    pub sleep: (usize, f64, usize),
    /// compute(n): how many tasks, n, and the worker counts to try.
    pub cpu: (usize, u64, Vec<usize>),
    /// Downloads: how many photos, the server's latency, the worker counts to try.
    pub downloads: (usize, f64, Vec<usize>),
    /// Photos: how many, and their size.
    pub photos: (usize, (u32, u32)),
    /// Process and thread starts per kind.
    pub starts: usize,
    /// The chapters' timeline figures to draw.
    pub timelines: Vec<TimelineFigure>,
    /// The Python interpreter; None skips the Python side.
    pub python: Option<String>,
    /// Where the example binaries are (built before the report runs).
    pub examples: PathBuf,
    /// The repository (for python/ and the test photos).
    pub root: PathBuf,
    /// Where the Markdown tables and the raw samples go.
    pub measured: PathBuf,
    /// The book's figures: charts go into `measured/` below it, timelines
    /// into `timelines/`.
    pub figures: PathBuf,
    /// Longest a single run may take.
    pub run_limit: Duration,
    /// The command line that made this report, for the page.
    pub command: String,
}

/// A chapter's timelines, drawn by running `example` with `args` and
/// `--svg timelines/PREFIX.svg`: one file, or `PREFIX-MODE.svg` per mode when
/// the args leave several modes to run.
#[derive(Debug, Clone)]
pub struct TimelineFigure {
    pub prefix: &'static str,
    pub example: &'static str,
    pub args: &'static [&'static str],
}

/// The timelines the chapters show, each drawn by the command the chapter
/// shows (plus `--svg`).
pub const TIMELINES: &[TimelineFigure] = &[
    figure("sync-script", "sync_script", &[]),
    figure("manual-threads", "manual_threads", &["--mode", "join"]),
    figure("loop-join", "loop_join", &[]),
    figure(
        "loop-join-5",
        "loop_join",
        &["--tasks", "5", "--seconds", "0.3"],
    ),
    figure("thread-args", "thread_args", &["--mode", "results"]),
    figure("pool-submit", "pool_submit", &["--mode", "submit"]),
    figure("as-completed", "as_completed", &["--mode", "channel"]),
    figure("pool-map", "pool_map", &["--mode", "rayon"]),
    figure("download-images", "download_images", &["--mode", "pool"]),
    figure("cpu-bound", "cpu_bound", &[]),
    figure(
        "process-images",
        "process_images",
        &["--quality", "exact", "--mode", "rayon"],
    ),
    figure(
        "process-images-6",
        "process_images",
        &["--quality", "exact", "--tasks", "6"],
    ),
    figure("distributed-images", "distributed_images", &[]),
];

const fn figure(
    prefix: &'static str,
    example: &'static str,
    args: &'static [&'static str],
) -> TimelineFigure {
    TimelineFigure {
        prefix,
        example,
        args,
    }
}

impl Config {
    /// The full report: the chapters' sizes, five rounds (several minutes).
    pub fn full(root: &Path) -> Config {
        Config {
            rounds: 5,
            sleep: (10, 0.3, 4),
            cpu: (4, 10_000_000, vec![1, 2, 4]),
            downloads: (15, 0.3, vec![1, 2, 4, 8, 15]),
            photos: (15, (3000, 2000)),
            starts: 100,
            timelines: TIMELINES.to_vec(),
            python: Some("python3".into()),
            examples: root.join("target/debug/examples"),
            root: root.to_path_buf(),
            measured: root.join("measured"),
            figures: root.join("src/figures"),
            run_limit: Duration::from_secs(600),
            command: "cargo xtask report".into(),
        }
    }

    /// `--quick`: the notes' compute(1e6), shorter waits, smaller photos and
    /// two rounds: under two minutes on two cores once the examples are built.
    pub fn quick(root: &Path) -> Config {
        Config {
            rounds: 2,
            sleep: (10, 0.1, 4),
            cpu: (4, 1_000_000, vec![1, 2, 4]),
            downloads: (15, 0.1, vec![1, 2, 4, 8, 15]),
            photos: (6, (1500, 1000)),
            starts: 20,
            command: "cargo xtask report --quick".into(),
            ..Config::full(root)
        }
    }
}

/// What a report found: the files it wrote.
#[derive(Debug)]
pub struct Report {
    pub written: Vec<PathBuf>,
    pub skipped: Vec<String>,
}

/// The Python side is run only when its interpreter and packages are there.
struct Python {
    program: String,
    version: String,
    pillow: Result<String, String>,
    requests: Result<String, String>,
}

/// Runs the report and writes its files; see the module's documentation.
pub fn run(config: &Config) -> Result<Report> {
    let started = Instant::now();
    let mut skipped = Vec::new();
    let python = match &config.python {
        None => {
            skipped.push("Python: not asked for (--no-python)".to_string());
            None
        }
        Some(program) => match find_python(program) {
            Ok(python) => Some(python),
            Err(reason) => {
                skipped.push(format!("Python: {reason}"));
                None
            }
        },
    };
    if let Some(p) = &python {
        if let Err(reason) = &p.pillow {
            skipped.push(format!("Python's photo pipeline: {reason}"));
        }
        if let Err(reason) = &p.requests {
            skipped.push(format!("Python's downloads: {reason}"));
        }
    }
    for example in needed_examples(config) {
        let binary = config.examples.join(example);
        if !binary.exists() {
            bail!(
                "no example binary {} (build the examples first: cargo build --examples)",
                binary.display()
            );
        }
    }

    let scratch = tempfile::tempdir().context("cannot make a scratch folder")?;
    let samples = measure(config, python.as_ref(), scratch.path())?;
    let mut files = draw_timelines(config, scratch.path())?;

    let tables = Tables::new(config, &samples, python.as_ref(), &skipped)?;
    for (name, text) in tables.markdown() {
        files.push((config.measured.join(name), text.into_bytes()));
    }
    for (name, svg) in tables.charts()? {
        files.push((config.figures.join("measured").join(name), svg.into_bytes()));
    }
    let raw = serde_json::to_string_pretty(&samples.iter().map(Sample::json).collect::<Vec<_>>())?;
    files.push((config.measured.join("report.json"), raw.into_bytes()));

    for (path, bytes) in &files {
        write_atomically(path, bytes)?;
    }
    eprintln!(
        "wrote {} files in {:.0} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(Report {
        written: files.into_iter().map(|(path, _)| path).collect(),
        skipped,
    })
}

/// Every job once per round, with the image server up; the samples they printed.
fn measure(config: &Config, python: Option<&Python>, scratch: &Path) -> Result<Vec<Sample>> {
    let urls = scratch.join("urls.txt");
    let (tasks, latency, _) = &config.downloads;
    eprintln!("starting the image server and making the test photos...");
    let server = ServerGuard::start(config, *tasks, *latency, &urls)?;
    let jobs = jobs(config, python, &urls, scratch);
    let mut samples: Vec<Sample> = Vec::new();
    // Generates the photos both languages read, and warms the disk cache.
    let (count, (width, height)) = config.photos;
    run_json(
        config,
        &config.examples.join("process_images"),
        &[
            "--mode".into(),
            "seq".into(),
            "--tasks".into(),
            count.to_string(),
            "--size".into(),
            format!("{width}x{height}"),
            "--out".into(),
            scratch.join("warm-up").display().to_string(),
            "--json".into(),
        ],
        "process_images warm-up",
    )?;
    let total = jobs.len() * config.rounds;
    for round in 1..=config.rounds {
        for (i, job) in jobs.iter().enumerate() {
            let done = (round - 1) * jobs.len() + i + 1;
            eprint!(
                "[{done}/{total}] round {round}/{}: {} {} ... ",
                config.rounds, job.language, job.label
            );
            let lines = run_json(config, &job.program, &job.args, &job.label)?;
            let found = job.read(&lines)?;
            eprintln!(
                "{}",
                (found.iter())
                    .map(|s| format!("{} {}", s.series, charts::significant(s.value)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            samples.extend(found);
        }
    }
    drop(server); // stopped and reaped
    Ok(samples)
}

/// The chapters' timelines, each drawn by its example's `--svg`: (where it
/// goes, its bytes).
fn draw_timelines(config: &Config, scratch: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for figure in &config.timelines {
        eprintln!("drawing the timelines {}...", figure.prefix);
        let folder = scratch.join("timelines").join(figure.prefix);
        std::fs::create_dir_all(&folder)?;
        let svg = folder.join(format!("{}.svg", figure.prefix));
        let mut args: Vec<String> = figure.args.iter().map(|a| a.to_string()).collect();
        args.extend(["--svg".into(), svg.display().to_string()]);
        if ["download_images", "process_images"].contains(&figure.example) {
            let out = scratch.join("out").join(figure.prefix);
            args.extend(["--out".into(), out.display().to_string()]);
        }
        run_json(
            config,
            &config.examples.join(figure.example),
            &args
                .iter()
                .cloned()
                .chain(["--json".into()])
                .collect::<Vec<_>>(),
            &format!("{} {}", figure.example, figure.args.join(" ")),
        )?;
        let mut drawn = 0;
        for entry in std::fs::read_dir(&folder)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "svg") {
                let name = path.file_name().expect("a file").to_owned();
                files.push((
                    config.figures.join("timelines").join(name),
                    std::fs::read(&path)?,
                ));
                drawn += 1;
            }
        }
        if drawn == 0 {
            bail!("{} {}: wrote no SVG", figure.example, figure.args.join(" "));
        }
    }
    Ok(files)
}

fn needed_examples(config: &Config) -> Vec<&'static str> {
    let mut names = vec![
        "sync_script",
        "loop_join",
        "pool_map",
        "cpu_bound",
        "image_server",
        "download_images",
        "process_images",
        "distributed_images",
        "fork_vs_spawn",
    ];
    names.extend(config.timelines.iter().map(|figure| figure.example));
    names
}

/// One measured value: a table, a series in it, a worker count, a value.
#[derive(Debug, Clone)]
struct Sample {
    table: &'static str,
    language: &'static str,
    series: String,
    workers: usize,
    /// Seconds, or µs per start in the start-costs table.
    value: f64,
    /// compute(n)'s result, to check the two languages agree.
    result: Option<String>,
}

impl Sample {
    fn json(&self) -> Value {
        serde_json::json!({
            "table": self.table, "language": self.language, "series": self.series,
            "workers": self.workers, "value": self.value,
        })
    }
}

/// One program run per round.
struct Job {
    table: &'static str,
    language: &'static str,
    series: String,
    workers: usize,
    label: String,
    program: PathBuf,
    args: Vec<String>,
}

impl Job {
    /// The samples in a run's JSON lines.
    fn read(&self, lines: &[Value]) -> Result<Vec<Sample>> {
        let sample = |series: String, value: f64, result: Option<String>| Sample {
            table: self.table,
            language: self.language,
            series,
            workers: self.workers,
            value,
            result,
        };
        if self.table == "start-costs" {
            // Rust prints one line with a map; Python one line per kind.
            let mut found = Vec::new();
            for line in lines {
                match &line["per_start_us"] {
                    Value::Object(map) => {
                        for (kind, value) in map {
                            let value = value.as_f64().context("per_start_us not a number")?;
                            found.push(sample(kind.clone(), value, None));
                        }
                    }
                    value => {
                        let value = value.as_f64().context("per_start_us missing")?;
                        found.push(sample(text(&line["mode"]), value, None));
                    }
                }
            }
            return Ok(found);
        }
        let [line] = lines else {
            bail!(
                "{}: expected one JSON line, got {}",
                self.label,
                lines.len()
            );
        };
        let result = line.get("result").map(text);
        let elapsed = line["elapsed_s"].as_f64().context("elapsed_s missing")?;
        Ok(vec![sample(self.series.clone(), elapsed, result)])
    }
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// Every run of a round, in the order they alternate.
fn jobs(config: &Config, python: Option<&Python>, urls: &Path, scratch: &Path) -> Vec<Job> {
    let rust = |table, series: &str, workers, example: &str, args: &[String]| Job {
        table,
        language: "Rust",
        series: series.to_string(),
        workers,
        label: format!("{example} {}", args.join(" ")),
        program: config.examples.join(example),
        args: args.iter().cloned().chain(["--json".into()]).collect(),
    };
    let py = |table, series: &str, workers, script: &str, args: &[String]| {
        python.map(|p| Job {
            table,
            language: "Python",
            series: series.to_string(),
            workers,
            label: format!("python/{script} {}", args.join(" ")),
            program: PathBuf::from(&p.program),
            args: [config
                .root
                .join("python")
                .join(script)
                .display()
                .to_string()]
            .into_iter()
            .chain(args.iter().cloned())
            .chain(["--json".into()])
            .collect(),
        })
    };
    let strings = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let mut jobs = Vec::new();

    let (tasks, seconds, pool) = config.sleep;
    let common = strings(&[
        "--tasks",
        &tasks.to_string(),
        "--seconds",
        &seconds.to_string(),
    ]);
    let with = |extra: &[&str]| [common.clone(), strings(extra)].concat();
    let pool_args = with(&["--workers", &pool.to_string()]);
    jobs.push(rust("sleep-tasks", "seq", 1, "sync_script", &common));
    jobs.extend(py(
        "sleep-tasks",
        "seq",
        1,
        "sleep_tasks.py",
        &with(&["--mode", "seq"]),
    ));
    jobs.push(rust(
        "sleep-tasks",
        "threads",
        tasks,
        "loop_join",
        &with(&["--mode", "two-loops"]),
    ));
    jobs.extend(py(
        "sleep-tasks",
        "threads",
        tasks,
        "sleep_tasks.py",
        &with(&["--mode", "threads"]),
    ));
    jobs.push(rust(
        "sleep-tasks",
        "pool",
        pool,
        "pool_map",
        &[pool_args.clone(), strings(&["--mode", "pool"])].concat(),
    ));
    jobs.extend(py(
        "sleep-tasks",
        "pool",
        pool,
        "sleep_tasks.py",
        &[pool_args, strings(&["--mode", "pool"])].concat(),
    ));

    let (tasks, n, workers) = &config.cpu;
    let common = strings(&["--tasks", &tasks.to_string(), "--n", &n.to_string()]);
    let with = |extra: &[&str]| [common.clone(), strings(extra)].concat();
    let cores = cores();
    jobs.push(rust(
        "cpu-bound",
        "seq",
        1,
        "cpu_bound",
        &with(&["--mode", "seq", "--repeat", "3"]),
    ));
    jobs.extend(py(
        "cpu-bound",
        "seq",
        1,
        "cpu_bound.py",
        &with(&["--mode", "seq"]),
    ));
    for &w in workers {
        let w_text = w.to_string();
        jobs.push(rust(
            "cpu-bound",
            "rayon",
            w,
            "cpu_bound",
            &with(&["--mode", "rayon", "--workers", &w_text, "--repeat", "3"]),
        ));
        jobs.extend(py(
            "cpu-bound",
            "threads",
            w,
            "cpu_bound.py",
            &with(&["--mode", "threads", "--workers", &w_text]),
        ));
        jobs.extend(py(
            "cpu-bound",
            "fork",
            w,
            "cpu_bound.py",
            &with(&["--mode", "fork", "--workers", &w_text]),
        ));
    }
    jobs.push(rust(
        "cpu-bound",
        "processes",
        *tasks,
        "cpu_bound",
        &with(&["--mode", "processes", "--repeat", "3"]),
    ));
    jobs.extend(py(
        "cpu-bound",
        "spawn",
        cores,
        "cpu_bound.py",
        &with(&["--mode", "spawn", "--workers", &cores.to_string()]),
    ));

    let (_, _, workers) = &config.downloads;
    let requests = python.filter(|p| p.requests.is_ok());
    let urls = urls.display().to_string();
    for &w in workers {
        let out = scratch.join(format!("downloads-{w}")).display().to_string();
        let args = strings(&[
            "--urls-file",
            &urls,
            "--workers",
            &w.to_string(),
            "--out",
            &out,
        ]);
        let with = |mode: &str| [args.clone(), strings(&["--mode", mode])].concat();
        jobs.push(rust(
            "downloads",
            "pool",
            w,
            "download_images",
            &with("pool"),
        ));
        if requests.is_some() {
            jobs.extend(py(
                "downloads",
                "threads",
                w,
                "download_images.py",
                &with("threads"),
            ));
        }
    }

    let (tasks, (width, height)) = config.photos;
    let pillow = python.filter(|p| p.pillow.is_ok());
    let common = strings(&[
        "--tasks",
        &tasks.to_string(),
        "--size",
        &format!("{width}x{height}"),
    ]);
    let photo_workers = [("seq", 1), ("rayon", cores), ("processes", cores)];
    for quality in ["fast", "exact"] {
        for (mode, w) in photo_workers {
            let out = scratch
                .join(format!("photos-{quality}-{mode}"))
                .display()
                .to_string();
            let args = [
                common.clone(),
                strings(&["--quality", quality, "--mode", mode, "--out", &out]),
            ]
            .concat();
            jobs.push(rust(
                "photos",
                &format!("{quality} {mode}"),
                w,
                "process_images",
                &args,
            ));
        }
    }
    if pillow.is_some() {
        for (mode, w) in [("seq", 1), ("threads", cores), ("processes", cores)] {
            let out = scratch.join(format!("pillow-{mode}")).display().to_string();
            let args = [common.clone(), strings(&["--mode", mode, "--out", &out])].concat();
            jobs.extend(py("photos", mode, w, "process_images.py", &args));
        }
    }

    // The same photos on timely dataflow: one worker, two threads, two
    // processes, and two processes with the photos sent by process 0.
    let timely = [
        ("one-worker", "one-worker", 1, ""),
        ("threads", "threads", 2, ""),
        ("processes", "processes", 2, ""),
        ("processes, photos sent", "processes", 2, "--send-photos"),
    ];
    for (series, mode, w, send) in timely {
        let out = scratch
            .join(format!("timely-{series}"))
            .display()
            .to_string();
        let mut args = [
            common.clone(),
            strings(&["--mode", mode, "--workers", "2", "--out", &out]),
        ]
        .concat();
        args.extend((!send.is_empty()).then(|| send.to_string()));
        jobs.push(rust("distributed", series, w, "distributed_images", &args));
    }

    let starts = strings(&["--tasks", &config.starts.to_string()]);
    jobs.push(rust(
        "start-costs",
        "",
        1,
        "fork_vs_spawn",
        &[starts.clone(), strings(&["--mode", "start-cost"])].concat(),
    ));
    jobs.extend(py("start-costs", "", 1, "start_costs.py", &starts));
    jobs
}

/// "1 worker", "4 workers".
fn workers_text(workers: usize) -> String {
    if workers == 1 {
        "1 worker".into()
    } else {
        format!("{workers} workers")
    }
}

fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs a program with a deadline and returns its JSON lines; a failure, a
/// timeout or no JSON line is an error naming the run.
fn run_json(config: &Config, program: &Path, args: &[String], label: &str) -> Result<Vec<Value>> {
    let child = Command::new(program)
        .args(args)
        .current_dir(&config.root)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let (status, stdout, stderr) = wait_bounded(child, config.run_limit)
        .with_context(|| format!("{label}: ran longer than {:?}, killed", config.run_limit))?;
    if !status.success() {
        bail!(
            "{label} failed ({status}):\n{}",
            tail(&String::from_utf8_lossy(&stderr), 20)
        );
    }
    let lines: Vec<Value> = String::from_utf8_lossy(&stdout)
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    if lines.is_empty() {
        bail!("{label}: printed no JSON summary line");
    }
    for line in &lines {
        for key in ["example", "mode", "tasks", "workers", "elapsed_s"] {
            if line.get(key).is_none() {
                bail!("{label}: its JSON line has no {key:?}: {line}");
            }
        }
    }
    Ok(lines)
}

type Finished = (std::process::ExitStatus, Vec<u8>, Vec<u8>);

/// Waits for a child at most `limit`, reading its output meanwhile (a full
/// pipe would stall it); kills and reaps it when the time is up.
fn wait_bounded(mut child: Child, limit: Duration) -> Result<Finished> {
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait(); // reaped
            bail!("timed out");
        }
        thread::sleep(Duration::from_millis(5));
    };
    let joined = |reader: thread::JoinHandle<Vec<u8>>| reader.join().unwrap_or_default();
    Ok((status, joined(stdout), joined(stderr)))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The image server example, started for the downloads and stopped (killed
/// and reaped) when dropped.
struct ServerGuard(Child);

impl ServerGuard {
    fn start(config: &Config, tasks: usize, latency: f64, urls: &Path) -> Result<ServerGuard> {
        let mut child = Command::new(config.examples.join("image_server"))
            .args([
                "--tasks",
                &tasks.to_string(),
                "--seconds",
                &latency.to_string(),
            ])
            .args([
                "--urls-file",
                &urls.display().to_string(),
                "--stop-after",
                "7200",
            ])
            .current_dir(&config.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the image_server example")?;
        let stdout = child.stdout.take().expect("piped");
        let guard = ServerGuard(child);
        let (ready, is_ready) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("serving on ") {
                    let _ = ready.send(());
                }
            }
        });
        // Making the photos the first time takes a few seconds.
        is_ready
            .recv_timeout(Duration::from_secs(120))
            .context("the image_server example did not start serving within 120 s")?;
        Ok(guard)
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_python(program: &str) -> Result<Python, String> {
    let version = python_says(program, "import platform; print(platform.python_version())")
        .map_err(|e| format!("`{program}` does not run ({e})"))?;
    let package = |module: &str, name: &str| {
        python_says(
            program,
            &format!("import {module}; print({module}.__version__)"),
        )
        .map_err(|_| format!("{name} is not installed (pip install -r python/requirements.txt)"))
    };
    Ok(Python {
        program: program.to_string(),
        version,
        pillow: package("PIL", "Pillow"),
        requests: package("requests", "requests"),
    })
}

fn python_says(program: &str, code: &str) -> Result<String, String> {
    let output = Command::new(program)
        .args(["-c", code])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The samples, grouped: (table, language, series, workers) to every round's value.
type Grouped = BTreeMap<(&'static str, &'static str, String, usize), Vec<f64>>;

struct Tables<'a> {
    config: &'a Config,
    grouped: Grouped,
    /// Each table's rows in the order the jobs ran.
    order: Vec<(&'static str, &'static str, String, usize)>,
    python: Option<&'a Python>,
    skipped: &'a [String],
}

impl<'a> Tables<'a> {
    fn new(
        config: &'a Config,
        samples: &[Sample],
        python: Option<&'a Python>,
        skipped: &'a [String],
    ) -> Result<Tables<'a>> {
        let mut grouped = Grouped::new();
        let mut order = Vec::new();
        for s in samples {
            let key = (s.table, s.language, s.series.clone(), s.workers);
            if !grouped.contains_key(&key) {
                order.push(key.clone());
            }
            grouped.entry(key).or_default().push(s.value);
        }
        // The two languages must compute the same compute(n).
        let results: Vec<(&str, &String)> = (samples.iter())
            .filter_map(|s| s.result.as_ref().map(|r| (s.language, r)))
            .collect();
        if let Some((language, result)) = results.iter().find(|(_, r)| *r != results[0].1) {
            bail!(
                "compute(n) disagrees: {} gave {}, {language} gave {result}",
                results[0].0,
                results[0].1
            );
        }
        Ok(Tables {
            config,
            grouped,
            order,
            python,
            skipped,
        })
    }

    /// A table's rows, Rust's first, each language's in the order they ran.
    fn rows(&self, table: &str) -> Vec<Row> {
        let mut rows: Vec<Row> = (self.order.iter())
            .filter(|key| key.0 == table)
            .map(|key| Row {
                language: key.1,
                series: key.2.clone(),
                workers: key.3,
                values: self.grouped[key].clone(),
            })
            .collect();
        rows.sort_by_key(|row| row.language != "Rust");
        rows
    }

    fn markdown(&self) -> Vec<(&'static str, String)> {
        let c = self.config;
        let (tasks, seconds, _) = c.sleep;
        let (cpu_tasks, n, _) = &c.cpu;
        let (downloads, latency, _) = &c.downloads;
        let (photos, (width, height)) = c.photos;
        let tables = [
            (
                "sleep-tasks",
                format!(
                    "{tasks} tasks that each sleep {seconds} s (in `pool`, the notes' map \
                     example: sleeps shrinking from {seconds} s)"
                ),
                "the Rust examples `sync_script` (seq), `loop_join --mode two-loops` (threads) and \
                 `pool_map --mode pool` (pool); `python/sleep_tasks.py`",
            ),
            (
                "cpu-bound",
                format!(
                    "compute({n}) {cpu_tasks} times (Rust: the fastest of `--repeat 3` in each round, \
                     as its tasks take milliseconds)"
                ),
                "`cpu_bound` (seq, rayon with --workers, processes: one per task); \
                 `python/cpu_bound.py` (seq, threads, processes by fork and by spawn)",
            ),
            (
                "downloads",
                format!("{downloads} photos from the image server, {latency} s latency each"),
                "`download_images --mode pool`; `python/download_images.py --mode threads` \
                 (requests on a ThreadPoolExecutor)",
            ),
            (
                "photos",
                format!(
                    "{photos} photos of {width}x{height}, blurred (sigma 15) and shrunk to 1200 pixels"
                ),
                "`process_images` in both qualities; `python/process_images.py` (Pillow)",
            ),
            (
                "distributed",
                format!(
                    "the same {photos} photos (fast quality) on timely dataflow: one worker, two \
                     worker threads in one process, two processes on 127.0.0.1"
                ),
                "`distributed_images` (the processes' time includes starting and connecting them)",
            ),
        ];
        let mut files: Vec<(&'static str, String)> = tables
            .into_iter()
            .map(|(table, what, programs)| {
                let mut text = timing_table(&self.rows(table));
                write!(
                    text,
                    "\n<small>{what}: median of {} interleaved rounds, by {programs}. {}</small>\n",
                    c.rounds,
                    self.provenance()
                )
                .unwrap();
                let file = match table {
                    "sleep-tasks" => "sleep-tasks.md",
                    "cpu-bound" => "cpu-bound.md",
                    "downloads" => "downloads.md",
                    "distributed" => "distributed.md",
                    _ => "photos-vs-pillow.md",
                };
                (file, text)
            })
            .collect();
        files.push(("start-costs.md", self.start_costs_table()));
        files.push(("machine.md", self.machine()));
        files.extend(self.headlines());
        files
    }

    /// The median of one row, if it was measured.
    fn median(&self, table: &str, language: &str, series: &str, workers: usize) -> Option<f64> {
        (self.order.iter())
            .find(|k| k.0 == table && k.1 == language && k.2 == series && k.3 == workers)
            .map(|key| stats(&self.grouped[key]).0)
    }

    /// The best (smallest) median of a language's rows in a table, and its row.
    fn best(&self, table: &str, language: &str, series: Option<&str>) -> Option<(f64, Row)> {
        (self.rows(table).into_iter())
            .filter(|row| row.language == language && series.is_none_or(|s| row.series == s))
            .map(|row| (stats(&row.values).0, row))
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// One or two sentences per topic, with the run's own figures, for the
    /// chapters to include where they would otherwise retype them.
    fn headlines(&self) -> Vec<(&'static str, String)> {
        let no_python = "Python was skipped in this run (see the machine line above), \
                         so only Rust's rows were measured.\n";
        let s = |seconds: f64| format!("{} s", charts::significant(seconds));
        let x = |ratio: f64| format!("{ratio:.1}x");

        let sleep = (self.rows("sleep-tasks").iter())
            .filter(|row| row.language == "Rust")
            .filter_map(|row| {
                let python = self.median("sleep-tasks", "Python", &row.series, row.workers)?;
                Some((stats(&row.values).0 - python).abs() / python * 100.0)
            })
            .reduce(f64::max)
            .map_or(no_python.to_string(), |gap| {
                format!(
                    "In this run, Rust's and Python's medians differed by at most {gap:.0}% in \
                     any mode.\n"
                )
            });

        let (_, _, workers) = &self.config.downloads;
        let (few, many) = (workers[0], workers[workers.len() - 1]);
        let downloads = (|| {
            let (r1, rn) = (
                self.median("downloads", "Rust", "pool", few)?,
                self.median("downloads", "Rust", "pool", many)?,
            );
            let (p1, pn) = (
                self.median("downloads", "Python", "threads", few)?,
                self.median("downloads", "Python", "threads", many)?,
            );
            Some(format!(
                "In this run, with {} Rust took {} and Python {}; with {many}, {} and {}: \
                 {many} workers made Rust {} and Python {} faster than {few}.\n",
                workers_text(few),
                s(r1),
                s(p1),
                s(rn),
                s(pn),
                x(r1 / rn),
                x(p1 / pn)
            ))
        })()
        .unwrap_or(no_python.to_string());

        let (_, n, _) = &self.config.cpu;
        let cpu = (|| {
            let rust_seq = self.median("cpu-bound", "Rust", "seq", 1)?;
            let python_seq = self.median("cpu-bound", "Python", "seq", 1)?;
            let (rust_best, rust_row) = self.best("cpu-bound", "Rust", Some("rayon"))?;
            let (threads, threads_row) = self.best("cpu-bound", "Python", Some("threads"))?;
            let (fork, fork_row) = self.best("cpu-bound", "Python", Some("fork"))?;
            Some(format!(
                "In this run, on one core, Rust ran compute({n}) {} as fast as Python. Rust's \
                 rayon reached {} its one-core speed (with {}); Python's threads at best {} \
                 (with {}), and its forked processes {} (with {}).\n",
                x(python_seq / rust_seq),
                x(rust_seq / rust_best),
                workers_text(rust_row.workers),
                x(python_seq / threads),
                workers_text(threads_row.workers),
                x(python_seq / fork),
                workers_text(fork_row.workers),
            ))
        })()
        .unwrap_or(no_python.to_string());

        let us = |v: f64| format!("{} µs", charts::significant(v));
        let starts = (|| {
            let rust_thread = self.median("start-costs", "Rust", "thread spawn+join", 1)?;
            let python_thread = self.median("start-costs", "Python", "thread", 1)?;
            let command = self.median("start-costs", "Rust", "Command::status", 1)?;
            let spawn = self.median("start-costs", "Python", "spawn", 1)?;
            Some(format!(
                "In this run, a thread took {} to start and join in Rust and {} in Python; \
                 Python's spawn took {}, {} as long as Rust's `Command` running a program.\n",
                us(rust_thread),
                us(python_thread),
                us(spawn),
                x(spawn / command)
            ))
        })()
        .unwrap_or(no_python.to_string());

        let photos = (|| {
            let fast_rayon = self.median("photos", "Rust", "fast rayon", cores())?;
            let fast_seq = self.median("photos", "Rust", "fast seq", 1)?;
            let exact_rayon = self.median("photos", "Rust", "exact rayon", cores())?;
            let (pillow, pillow_row) = self.best("photos", "Python", None)?;
            Some(format!(
                "In this run, the fast pipeline on rayon was {} as fast as Pillow's best mode \
                 (`{}`), and already {} as fast on one thread; the exact pipeline on rayon was \
                 {} as fast.\n",
                x(pillow / fast_rayon),
                pillow_row.series,
                x(pillow / fast_seq),
                x(pillow / exact_rayon)
            ))
        })()
        .unwrap_or(no_python.to_string());

        let (photos_count, _) = self.config.photos;
        let per_second =
            |seconds: f64| format!("{:.1} photos per second", photos_count as f64 / seconds);
        let distributed = (|| {
            let one = self.median("distributed", "Rust", "one-worker", 1)?;
            let threads = self.median("distributed", "Rust", "threads", 2)?;
            let processes = self.median("distributed", "Rust", "processes", 2)?;
            let sent = self.median("distributed", "Rust", "processes, photos sent", 2)?;
            Some(format!(
                "In this run, one timely worker did {} ({}); two worker threads {} ({}, {} one \
                 worker's speed); two processes on 127.0.0.1 {} ({}), starting and connecting \
                 them included, and {} ({}) when process 0 sent the photos' bytes.\n",
                per_second(one),
                s(one),
                per_second(threads),
                s(threads),
                x(one / threads),
                per_second(processes),
                s(processes),
                per_second(sent),
                s(sent),
            ))
        })()
        .unwrap_or("The timely rows were not measured in this run.\n".to_string());

        vec![
            ("distributed-headline.md", distributed),
            ("sleep-tasks-headline.md", sleep),
            ("downloads-headline.md", downloads),
            ("cpu-bound-headline.md", cpu),
            ("start-costs-headline.md", starts),
            ("photos-headline.md", photos),
        ]
    }

    fn provenance(&self) -> String {
        format!("Measured on {} by `{}`.", today(), self.config.command)
    }

    fn start_costs_table(&self) -> String {
        let mut text = String::from(
            "| | started, then joined or waited for | median | min | max |\n|---|---|---|---|---|\n",
        );
        for row in self.rows("start-costs") {
            let (median, min, max) = stats(&row.values);
            writeln!(
                text,
                "| {} | {} | {} µs | {} µs | {} µs |",
                row.language,
                row.series,
                charts::significant(median),
                charts::significant(min),
                charts::significant(max)
            )
            .unwrap();
        }
        write!(
            text,
            "\n<small>{} starts per kind, median of {} interleaved rounds, by `fork_vs_spawn --mode start-cost` \
             and `python/start_costs.py`. {}</small>\n",
            self.config.starts,
            self.config.rounds,
            self.provenance()
        )
        .unwrap();
        text
    }

    fn machine(&self) -> String {
        let mut text = format!(
            "Measured on {} by `{}` ({} interleaved rounds) on {}.\n",
            today(),
            self.config.command,
            self.config.rounds,
            machine_description(self.python)
        );
        if self.skipped.is_empty() {
            text.push_str("\nNothing was skipped.\n");
        } else {
            text.push_str("\nSkipped:\n\n");
            for reason in self.skipped {
                writeln!(text, "- {reason}").unwrap();
            }
        }
        text
    }

    fn charts(&self) -> Result<Vec<(&'static str, String)>> {
        let mut svgs = Vec::new();
        let median_of = |table: &str, language: &str, series: &str, workers: usize| {
            self.median(table, language, series, workers)
        };
        let cores = cores() as f64;

        // Speedup of compute(n) against the same language's seq run.
        let (_, n, workers) = &self.config.cpu;
        let speedup = |language: &str, series: &str| {
            let base = median_of("cpu-bound", language, "seq", 1)?;
            Some(Series {
                name: "",
                points: (workers.iter())
                    .filter_map(|&w| {
                        Some((
                            w as f64,
                            base / median_of("cpu-bound", language, series, w)?,
                        ))
                    })
                    .collect(),
            })
        };
        let mut lines = Vec::new();
        for (name, language, series) in [
            ("Rust, rayon", "Rust", "rayon"),
            ("Python, threads", "Python", "threads"),
            ("Python, processes (fork)", "Python", "fork"),
        ] {
            if let Some(line) = speedup(language, series) {
                lines.push(Series { name, ..line });
            }
        }
        let top = workers.iter().copied().max().unwrap_or(1) as f64;
        let ideal = Series {
            name: "ideal (one per core)",
            points: vec![
                (1.0, 1.0),
                (cores.min(top), cores.min(top)),
                (top, cores.min(top)),
            ],
        };
        svgs.push((
            "cpu-speedup.svg",
            charts::lines(
                &format!("compute({n}): speedup over one worker"),
                ("workers", "speedup"),
                &lines,
                Some(&ideal),
            )
            .map_err(anyhow::Error::msg)?,
        ));

        // Makespan of the downloads against the worker count.
        let (tasks, latency, workers) = &self.config.downloads;
        let makespan = |language: &str, series: &str| {
            (workers.iter())
                .filter_map(|&w| Some((w as f64, median_of("downloads", language, series, w)?)))
                .collect::<Vec<_>>()
        };
        let lines = [
            Series {
                name: "Rust, pool",
                points: makespan("Rust", "pool"),
            },
            Series {
                name: "Python, ThreadPoolExecutor",
                points: makespan("Python", "threads"),
            },
        ];
        let ideal = Series {
            name: "ideal (the latency, once per wave)",
            points: (workers.iter())
                .map(|&w| (w as f64, tasks.div_ceil(w) as f64 * latency))
                .collect(),
        };
        let lines: Vec<Series> = lines.into_iter().filter(|l| !l.points.is_empty()).collect();
        svgs.push((
            "download-makespan.svg",
            charts::lines(
                &format!("{tasks} downloads: seconds against workers"),
                ("workers", "seconds"),
                &lines,
                Some(&ideal),
            )
            .map_err(anyhow::Error::msg)?,
        ));

        // Start costs, log scale.
        let bars: Vec<ValueBar> = (self.rows("start-costs").iter())
            .map(|row| ValueBar {
                label: row.series.clone(),
                value: stats(&row.values).0,
                group: usize::from(row.language == "Python"),
            })
            .collect();
        svgs.push((
            "start-costs.svg",
            charts::bars(
                "One start, then join or wait",
                "µs per start (log scale)",
                &["Rust", "Python"],
                &bars,
                true,
            )
            .map_err(anyhow::Error::msg)?,
        ));

        // Photos per second.
        let (photos, _) = self.config.photos;
        let bars: Vec<ValueBar> = (self.rows("photos").iter())
            .map(|row| ValueBar {
                label: format!(
                    "{} {}",
                    if row.language == "Rust" {
                        "Rust"
                    } else {
                        "Pillow"
                    },
                    row.series
                ),
                value: photos as f64 / stats(&row.values).0,
                group: match (row.language, row.series.starts_with("exact")) {
                    ("Rust", false) => 0,
                    ("Rust", true) => 1,
                    _ => 2,
                },
            })
            .collect();
        svgs.push((
            "photos-per-second.svg",
            charts::bars(
                &format!("{photos} photos: photos per second"),
                "photos per second",
                &["Rust, fast", "Rust, exact", "Pillow"],
                &bars,
                false,
            )
            .map_err(anyhow::Error::msg)?,
        ));
        Ok(svgs)
    }
}

struct Row {
    language: &'static str,
    series: String,
    workers: usize,
    values: Vec<f64>,
}

/// Median, min and max.
fn stats(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    let median = if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    };
    (median, sorted[0], sorted[sorted.len() - 1])
}

/// A Markdown table of timings: median, min, max, the speedup over the
/// language's first row, and how many times faster than Python's best.
fn timing_table(rows: &[Row]) -> String {
    let python_best = (rows.iter())
        .filter(|row| row.language == "Python")
        .map(|row| stats(&row.values).0)
        .reduce(f64::min);
    let mut text = String::from("| | mode | workers | median | min | max | speedup |");
    text.push_str(if python_best.is_some() {
        " vs Python's best |\n"
    } else {
        "\n"
    });
    text.push_str("|---|---|---|---|---|---|---|");
    text.push_str(if python_best.is_some() {
        "---|\n"
    } else {
        "\n"
    });
    for row in rows {
        let (median, min, max) = stats(&row.values);
        let first = rows
            .iter()
            .find(|r| r.language == row.language)
            .expect("row itself");
        let speedup = stats(&first.values).0 / median;
        write!(
            text,
            "| {} | `{}` | {} | {} s | {} s | {} s | {:.2}x |",
            row.language,
            row.series,
            row.workers,
            charts::significant(median),
            charts::significant(min),
            charts::significant(max),
            speedup
        )
        .unwrap();
        if let Some(best) = python_best {
            write!(text, " {:.2}x |", best / median).unwrap();
        }
        text.push('\n');
    }
    text
}

/// Cores, CPU model, OS, rustc, and Python with its packages.
fn machine_description(python: Option<&Python>) -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            (info.lines())
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|release| {
            (release.lines())
                .find_map(|line| line.strip_prefix("PRETTY_NAME="))
                .map(|name| name.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let command_says = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| format!("{program}: unknown"))
    };
    let python = match python {
        None => "no Python".to_string(),
        Some(p) => format!(
            "Python {}, Pillow {}, requests {}",
            p.version,
            p.pillow.as_deref().unwrap_or("missing"),
            p.requests.as_deref().unwrap_or("missing")
        ),
    };
    format!(
        "{} cores ({model}), {os} (Linux {}), {}, {python}",
        cores(),
        command_says("uname", "-r"),
        command_says("rustc", "--version"),
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = path.parent().context("a file has a folder")?;
    std::fs::create_dir_all(folder).with_context(|| format!("cannot make {}", folder.display()))?;
    files::write_atomically(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(stats(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(stats(&[4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
    }

    #[test]
    fn today_is_a_plausible_date() {
        let date = today();
        assert_eq!(date.len(), 10, "{date}");
        assert!(date.as_str() >= "2025-01-01", "{date}");
    }

    #[test]
    fn a_timing_table_compares_with_pythons_best() {
        let row = |language, series: &str, values: &[f64]| Row {
            language,
            series: series.into(),
            workers: 1,
            values: values.to_vec(),
        };
        let table = timing_table(&[
            row("Rust", "seq", &[1.0, 1.2, 0.8]),
            row("Rust", "rayon", &[0.5]),
            row("Python", "seq", &[4.0]),
            row("Python", "fork", &[2.0]),
        ]);
        assert!(
            table.contains("| Rust | `seq` | 1 | 1 s | 0.800 s | 1.20 s | 1.00x | 2.00x |"),
            "{table}"
        );
        assert!(
            table.contains("| Rust | `rayon` | 1 | 0.500 s | 0.500 s | 0.500 s | 2.00x | 4.00x |"),
            "{table}"
        );
        assert!(
            table.contains("| Python | `fork` | 1 | 2 s | 2 s | 2 s | 2.00x | 1.00x |"),
            "{table}"
        );
    }
}
