//! `cargo xtask report`: the book's examples and the notes' Python scripts,
//! run with the same parameters, interleaved, several rounds; then tables,
//! charts and timeline figures for the book.
//!
//! Every run is a child process with a deadline, read through its `--json`
//! lines. Nothing is written until every run has succeeded, and then each
//! file atomically: a failed or interrupted report leaves the book as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use harness::charts::{self};

mod headlines;
mod jobs;
pub mod machine;
mod running;
pub(crate) mod stats;
mod tables;
mod task_costs;

use jobs::*;
use machine::*;
use running::*;

use stats::*;
use tables::*;

/// Whether `program` runs as a Python 3 interpreter: the reason when not.
pub fn python_runs(program: &str) -> Result<(), String> {
    find_python(program).map(|_| ())
}

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
    /// Operations per measurement of each coordinating primitive.
    pub primitive_ops: usize,
    /// Tiny tasks per run in the chunk-size table.
    pub chunk_tasks: usize,
    /// Waiting tasks per run in the task-costs table: threads and tasks,
    /// then tasks alone.
    pub waiting_tasks: (usize, usize),
    /// The chapters' timeline figures to draw.
    pub timelines: Vec<TimelineFigure>,
    /// The Python interpreter; None skips the Python side.
    pub python: Option<String>,
    /// Where the example binaries are (built before the report runs).
    pub examples: PathBuf,
    /// Whether they are release builds (else the dev profile's).
    pub release: bool,
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
    /// `--only TABLE`: run that table's rows alone and write only its files
    /// (its table, headline and chart; its samples in `report.json`).
    pub only: Option<String>,
}

/// A chapter's timelines, drawn by running `example` with `args` and
/// `--svg timelines/PREFIX.svg`: one file, or `PREFIX-MODE.svg` per mode when
/// the args leave several modes to run.
#[derive(Debug, Clone)]
pub struct TimelineFigure {
    pub prefix: &'static str,
    pub example: &'static str,
    pub args: Vec<&'static str>,
}

/// The timelines the chapters show, each drawn by the command the chapter
/// shows (plus `--svg`): `xtask/data/report-timelines.txt`.
pub fn timelines() -> Vec<TimelineFigure> {
    let text = include_str!("../../data/report-timelines.txt");
    let figure = |(number, row): (usize, Vec<&'static str>)| match row[..] {
        [prefix, example, flags] => TimelineFigure {
            prefix,
            example,
            args: flags.split_whitespace().collect(),
        },
        _ => panic!("report-timelines.txt:{number}: not PREFIX | EXAMPLE | FLAGS"),
    };
    crate::data::rows(text, "|").map(figure).collect()
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
            primitive_ops: 100_000,
            chunk_tasks: 20_000,
            waiting_tasks: (10_000, 100_000),
            timelines: timelines(),
            python: Some("python3".into()),
            examples: harness::target_dir().join("debug/examples"),
            release: false,
            root: root.to_path_buf(),
            measured: root.join("measured"),
            figures: root.join("src/figures"),
            run_limit: Duration::from_secs(600),
            command: "cargo xtask report".into(),
            only: None,
        }
    }

    /// `--quick`: the notes' compute(1e6), shorter waits, smaller photos and
    /// two rounds: under two minutes on two cores once the examples are built.
    pub fn quick(root: &Path) -> Config {
        let mut quick = Config::full(root);
        quick.rounds = 2;
        quick.sleep.1 = 0.1;
        quick.cpu.1 = 1_000_000;
        quick.downloads.1 = 0.1;
        quick.photos = (6, (1500, 1000));
        quick.starts = 20;
        quick.primitive_ops = 10_000;
        quick.chunk_tasks = 5_000;
        quick.waiting_tasks = (2_000, 20_000);
        quick.command = "cargo xtask report --quick".into();
        quick
    }
}

/// What a report found: the files it wrote.
#[derive(Debug)]
pub struct Report {
    pub written: Vec<PathBuf>,
    pub skipped: Vec<String>,
}

/// Runs the report and writes its files; see the module's documentation.
pub fn run(config: &Config) -> Result<Report> {
    let started = Instant::now();
    let run_id = machine::run_id();
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
        let parts = [
            (&p.pillow, "Python's photo pipeline"),
            (&p.requests, "Python's downloads"),
            (&p.free_threaded, "free-threaded Python's rows"),
        ];
        for (part, what) in parts {
            if let Err(reason) = part {
                skipped.push(format!("{what}: {reason}"));
            }
        }
    }
    for example in needed_examples(config) {
        let binary = config.examples.join(example);
        if !binary.exists() {
            bail!(
                "no example binary {} (build the examples first: cargo build --workspace --examples)",
                binary.display()
            );
        }
    }

    if let Some(table) = &config.only
        && !plan_tables().contains(&table.as_str())
    {
        bail!(
            "--only {table}: no such table; the tables are {}",
            plan_tables().join(", ")
        );
    }
    let scratch = tempfile::tempdir().context("cannot make a scratch folder")?;
    let samples = measure(config, python.as_ref(), scratch.path())?;
    let mut files = match config.only {
        None => draw_timelines(config, scratch.path())?,
        Some(_) => Vec::new(),
    };

    let tables = Tables::new(config, &samples, python.as_ref(), &skipped)?;
    for (name, text) in tables.markdown() {
        files.push((config.measured.join(name), text.into_bytes()));
    }
    for (name, svg) in tables.charts()? {
        files.push((config.figures.join("measured").join(name), svg.into_bytes()));
    }
    let mut raw: Vec<serde_json::Value> = (samples.iter())
        .map(|sample| {
            let mut json = sample.json();
            json["run"] = run_id.clone().into();
            json
        })
        .collect();
    if let Some(table) = &config.only {
        // This table's files, and the other tables' samples as they were.
        files.retain(|(path, _)| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            name.strip_prefix(table.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('-'))
        });
        let before = std::fs::read_to_string(config.measured.join("report.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(&text).ok())
            .unwrap_or_default();
        let others = before.into_iter().filter(|s| s["table"] != table.as_str());
        raw = others.chain(raw).collect();
    }
    let raw = serde_json::to_string_pretty(&raw)?;
    files.push((config.measured.join("report.json"), raw.into_bytes()));
    files.extend(record_compared(config, &run_id, &mut skipped)?);

    // All or nothing: a failure here leaves the book as it was.
    atomic_write::write_all_or_nothing(&files).context("cannot write the report")?;
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

/// The recordings a page compares with this run's tables, recorded now (see
/// `xtask::compared`): their files and the fingerprints, to write with the
/// tables. Only a report that writes the book's own tables records them,
/// and one made in another profile than the report's is skipped.
fn record_compared(
    config: &Config,
    run: &str,
    skipped: &mut Vec<String>,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    if config.measured != config.root.join("measured") {
        return Ok(Vec::new()); // a report into another folder (a test's)
    }
    let by_report = crate::compared::made_by_the_report(&config.root)?;
    let names: Vec<String> = (by_report.iter())
        .filter(|(_, table)| {
            config
                .only
                .as_deref()
                .is_none_or(|only| only == table.as_str())
        })
        .map(|(name, _)| name.clone())
        .collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut selected = crate::outputs::select(&config.root, &names, false, false)?;
    selected.retain(|(path, recording, _)| {
        let same_profile = recording.release == config.release;
        if !same_profile {
            skipped.push(format!(
                "{}: recorded in the other profile than this report's",
                path.display()
            ));
        }
        same_profile
    });
    eprintln!("recording what the pages compare with these tables...");
    let (files, _) = crate::outputs::record(&crate::outputs::Plan {
        root: &config.root,
        selected: &selected,
        dev_examples: (!config.release).then_some(config.examples.as_path()),
        release_examples: config.release.then_some(config.examples.as_path()),
        check: false,
        report_run: Some(run),
    })?;
    Ok(files)
}

/// Every job once per round, with the image server up; the samples they printed.
fn measure(config: &Config, python: Option<&Python>, scratch: &Path) -> Result<Vec<Sample>> {
    let urls = scratch.join("urls.txt");
    let (tasks, latency, _) = &config.downloads;
    eprintln!("starting the image server and making the test photos...");
    let server = ServerGuard::start(config, *tasks, *latency, &urls)?;
    let mut jobs = jobs(config, python, &urls, scratch);
    jobs.retain(|job| {
        config
            .only
            .as_deref()
            .is_none_or(|table| job.table == table)
    });
    let mut samples: Vec<Sample> = Vec::new();
    // Generates the photos both languages read, and warms the disk cache.
    let (count, (width, height)) = config.photos;
    let photos =
        |job: &PlannedRun| job.table.starts_with("photos") || job.table.starts_with("distributed");
    if jobs.iter().any(photos) {
        let size = format!("{width}x{height}");
        let out = scratch.join("warm-up").display().to_string();
        let args = [
            "--mode",
            "seq",
            "--tasks",
            &count.to_string(),
            "--size",
            &size,
        ];
        let args = (args.into_iter().chain(["--out", &out, "--json"])).map(String::from);
        let program = config.examples.join("process_images");
        run_json(
            config,
            &program,
            &args.collect::<Vec<_>>(),
            "process_images warm-up",
        )?;
    }
    let total = jobs.len() * config.rounds;
    for round in 1..=config.rounds {
        for (i, job) in jobs.iter().enumerate() {
            let done = (round - 1) * jobs.len() + i + 1;
            eprint!(
                "[{done}/{total}] round {round}/{}: {} {} ... ",
                config.rounds, job.language, job.label
            );
            let summaries = run_json(config, &job.program, &job.args, &job.label)?;
            let found = job.read(&summaries)?;
            eprintln!(
                "{}",
                (found.iter())
                    .map(|s| match s.primary {
                        true => format!("{} {}", s.series, charts::significant(s.value)),
                        false => format!("({} {})", s.key, charts::significant(s.value)),
                    })
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
        args.push("--json".into());
        let label = format!("{} {}", figure.example, figure.args.join(" "));
        run_json(config, &config.examples.join(figure.example), &args, &label)?;
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
    let mut names = planned_examples();
    names.push("image_server");
    names.extend(config.timelines.iter().map(|figure| figure.example));
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timelines_file_is_read_whole() {
        let all = timelines();
        assert_eq!(all.len(), 14);
        let six = all.iter().find(|t| t.prefix == "process-images-6").unwrap();
        assert_eq!(six.example, "process_images");
        assert_eq!(six.args, ["--quality", "exact", "--tasks", "6"]);
        assert!(
            all.iter()
                .any(|t| t.prefix == "sync-script" && t.args.is_empty())
        );
    }

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
        let row = |language, series: &str, values: &[f64]| TimingRow {
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

    #[test]
    fn the_sweep_table_pairs_one_worker_with_two_processes_by_photo_count() {
        let config = Config::quick(Path::new("/repo"));
        let sample = |table, series: String, workers, value| Sample {
            table,
            language: "Rust",
            series,
            workers,
            value,
            key: "elapsed_s",
            primary: true,
            result: None,
        };
        let mut samples = vec![
            sample("distributed", "one-worker".into(), 1, 3.0),
            sample("distributed", "processes".into(), 2, 2.0),
        ];
        for (n, one, two) in [(1, 0.1, 0.2), (2, 0.2, 0.25), (4, 0.4, 0.3), (8, 0.8, 0.5)] {
            samples.push(sample(
                "distributed-sweep",
                sweep_series("one-worker", n),
                1,
                one,
            ));
            samples.push(sample(
                "distributed-sweep",
                sweep_series("processes", n),
                2,
                two,
            ));
        }
        let table = Tables::new(&config, &samples, None, &[])
            .unwrap()
            .sweep_table();
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(
            rows[1..],
            [
                "| 1 | 0.100 s | 0.200 s | 0.50x |",
                "| 2 | 0.200 s | 0.250 s | 0.80x |",
                "| 4 | 0.400 s | 0.300 s | 1.33x |",
                "| 8 | 0.800 s | 0.500 s | 1.60x |",
                "| 6 | 3 s | 2 s | 1.50x |",
            ],
            "{table}"
        );
    }

    #[test]
    fn fast_and_exact_rows_are_compared_like_for_like() {
        let row = |language, series: &str, value: f64| TimingRow {
            language,
            series: series.into(),
            workers: 2,
            values: vec![value],
        };
        let table = timing_table(&[
            row("Rust", "fast seq", 1.0),
            row("Rust", "fast rayon", 0.5),
            row("Rust", "exact seq", 8.0),
            row("Rust", "exact rayon", 4.0),
            row("Python", "fast threads", 1.5),
            row("Python", "exact seq", 12.0),
            row("Python", "exact threads", 6.0),
        ]);
        let line = |start: &str| {
            (table.lines())
                .find(|line| line.starts_with(start))
                .unwrap_or_else(|| panic!("{start} in {table}"))
                .to_string()
        };
        // Speedups over the first row of the same quality, against the best
        // Python row of the same quality.
        for (row, ends) in [
            ("| Rust | `fast rayon`", "| 2.00x | 3.00x |"),
            ("| Rust | `exact rayon`", "| 2.00x | 1.50x |"),
            ("| Python | `exact threads`", "| 2.00x | 1.00x |"),
            ("| Python | `fast threads`", "| 1.00x | 1.00x |"),
        ] {
            assert!(line(row).ends_with(ends), "{row}: {table}");
        }
    }
}
