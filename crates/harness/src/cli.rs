//! Shared command-line conventions: flag parsers, per-example defaults, modes and the `--json` summary.
//!
//! Every example takes the same flag names (`--tasks`, `--workers`, `--seconds`,
//! `--mode`, `--json`, and `--svg`/`--trace` where there is a timeline).
//! Invalid values are reported by clap with exit code 2.

#[cfg(unix)]
pub use crate::ending::on_stop_signal;
use crate::println;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Command, FromArgMatches, Parser, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use timeline::Timeline;

/// Longest duration a `--seconds` flag accepts: examples are meant to finish in seconds.
pub const MAX_SECONDS: f64 = 600.0;

/// The most tasks, workers or processes a count flag accepts. Each can be a
/// thread or a process of its own: more than this is not a lesson, and the
/// system may refuse to start them.
pub const MAX_COUNT: usize = 10_000;

/// The most a large count (`--n`, `--rounds`, `--increments`) accepts.
pub const MAX_BIG_COUNT: u64 = 10_000_000_000;

// cpu_bound checks its results with the closed form n(n-1)(2n-1)/6 in u128:
// the product must fit for every n this parser accepts.
const _: () = assert!((MAX_BIG_COUNT as u128).pow(3) < u128::MAX / 2);

/// Parses a count such as `--tasks` or `--workers`: a whole number from 1 to
/// [`MAX_COUNT`].
pub fn parse_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) if n > MAX_COUNT => Err(format!(
            "must be at most {MAX_COUNT}: each can be a thread or a process, and more \
             is not a lesson (the system may refuse to start them)"
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// The most threads an example may keep busy at once with `--workers`, where
/// every thread works or wakes all the time (a stop flag checked each
/// millisecond, a pool's threads stealing work): past a few times the cores,
/// more only wait for a turn, and a run of seconds takes minutes.
pub const MAX_BUSY_THREADS: usize = 128;

/// Parses a count of busy threads: a whole number from 1 to [`MAX_BUSY_THREADS`].
pub fn parse_busy_threads(text: &str) -> Result<usize, String> {
    match parse_count(text)? {
        n if n > MAX_BUSY_THREADS => Err(format!(
            "must be at most {MAX_BUSY_THREADS}: these threads all work at once, and \
             more than that only share the cores and make the run take minutes"
        )),
        n => Ok(n),
    }
}

/// Parses a large count such as `--n 200000000` or `--n 2e8`: a whole number
/// from 1 to [`MAX_BIG_COUNT`].
pub fn parse_big_count(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let n = match text.replace('_', "").parse::<u64>() {
        Ok(n) => n,
        Err(_) => match text.parse::<f64>() {
            Ok(x) if x.is_finite() && x.fract() == 0.0 && x >= 0.0 => x.min(u64::MAX as f64) as u64,
            Ok(x) if x.is_finite() && x < 1.0 => 0,
            _ => return Err(format!("`{text}` is not a whole number")),
        },
    };
    match n {
        0 => Err("must be at least 1".into()),
        n if n > MAX_BIG_COUNT => Err(format!(
            "must be at most {MAX_BIG_COUNT:.0e} (minutes of work or more)"
        )),
        n => Ok(n),
    }
}

/// Parses a count of small things that are not threads or processes (the
/// messages through a channel, say): as [`parse_big_count`], as a `usize`.
pub fn parse_item_count(text: &str) -> Result<usize, String> {
    parse_big_count(text).and_then(|n| usize::try_from(n).map_err(|_| "too large".to_string()))
}

/// Parses a timeout in seconds such as `--timeout 10`: more than 0, at most
/// [`MAX_SECONDS`].
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    match parse_seconds(text)? {
        Duration::ZERO => Err("must be more than 0 seconds: nothing can finish in no time".into()),
        timeout => Ok(timeout),
    }
}

/// Parses a duration in seconds such as `--seconds 1.5`: finite, not negative, at most [`MAX_SECONDS`].
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !seconds.is_finite() {
        Err(format!("`{text}` is not a finite number of seconds"))
    } else if seconds < 0.0 {
        Err("must not be negative".into())
    } else if seconds > MAX_SECONDS {
        Err(format!("must be at most {MAX_SECONDS} seconds"))
    } else {
        Ok(Duration::from_secs_f64(seconds))
    }
}

/// The longest side `--size` accepts: the JPEG decoder's memory limit
/// refuses photos much larger than 12000 x 12000 (432 MB of pixels).
pub const MAX_SIDE: u32 = 12_000;

/// Parses an image size, `WIDTHxHEIGHT`, each side from 1 to [`MAX_SIDE`].
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once('x')
        .ok_or("expected WIDTHxHEIGHT, such as 3000x2000")?;
    let side = |s: &str| match s.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_SIDE).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}` is not a side between 1 and {MAX_SIDE} (larger photos are refused by the decoder)"
        )),
    };
    Ok((side(w)?, side(h)?))
}

/// The widest blur `--sigma` accepts, in pixels: wider is a flat colour, and
/// takes minutes to compute.
pub const MAX_SIGMA: f32 = 100.0;

/// Parses a blur's standard deviation in pixels: from 0 to [`MAX_SIGMA`].
pub fn parse_sigma(text: &str) -> Result<f32, String> {
    match text.trim().parse::<f32>() {
        Ok(sigma) if (0.0..=MAX_SIGMA).contains(&sigma) => Ok(sigma),
        _ => Err(format!(
            "`{text}` is not a blur sigma: pixels, from 0 to {MAX_SIGMA} (wider is a flat colour)"
        )),
    }
}

/// The flags every task-running example shares.
///
/// The defaults here are the Python notes' (two tasks of one second); an
/// example changes them with [`parse_with_defaults`].
#[derive(Args, Debug, Clone)]
pub struct TaskArgs {
    /// How many tasks to run
    #[arg(long, value_parser = parse_count, default_value = "2", allow_hyphen_values = true)]
    pub tasks: usize,
    /// How long each task works (sleeps), in seconds
    #[arg(long, value_parser = parse_seconds, default_value = "1", allow_hyphen_values = true)]
    pub seconds: Duration,
    /// Print one JSON summary line per mode, after everything else
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub files: TimelineFiles,
}

/// The flags of a task-running example with several variants: [`TaskArgs`]
/// and `--mode`. It reads as the `TaskArgs` it holds (`run.tasks`).
#[derive(Args, Debug, Clone)]
pub struct TaskModes<M: ValueEnum + Clone + Send + Sync + 'static> {
    #[command(flatten)]
    pub flags: TaskArgs,
    /// Run only this mode (default: all, in the order listed)
    #[arg(long, value_enum)]
    pub mode: Option<M>,
}

impl<M: ValueEnum + Clone + Send + Sync + 'static> std::ops::Deref for TaskModes<M> {
    type Target = TaskArgs;

    fn deref(&self) -> &TaskArgs {
        &self.flags
    }
}

/// [`TaskModes`] and `--workers`: the flags of an example whose tasks share
/// a fixed number of workers. It reads as the `TaskModes` it holds.
#[derive(Args, Debug, Clone)]
pub struct WorkerModes<M: ValueEnum + Clone + Send + Sync + 'static> {
    #[command(flatten)]
    pub run: TaskModes<M>,
    /// How many workers share the tasks: threads, processes, or downloads at once, as the mode says
    #[arg(long, value_parser = parse_count, default_value = "2", allow_hyphen_values = true)]
    pub workers: usize,
}

impl<M: ValueEnum + Clone + Send + Sync + 'static> std::ops::Deref for WorkerModes<M> {
    type Target = TaskModes<M>;

    fn deref(&self) -> &TaskModes<M> {
        &self.run
    }
}

/// `--svg` and `--trace`: each mode's timeline as a picture, and the whole
/// run as a trace for Perfetto or `chrome://tracing`.
#[derive(Args, Debug, Clone, Default)]
pub struct TimelineFiles {
    /// Also draw each mode's timeline as SVG into FILE (FILE-MODE.svg when several modes run)
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Also write the run as a Chrome trace into FILE (open it in Perfetto), one process per mode
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

impl TimelineFiles {
    /// Writes the requested files from the summaries' timelines, each
    /// atomically, and says where; the error names the file.
    pub fn write(&self, summaries: &[Summary]) -> Result<(), String> {
        let timelines: Vec<(&Summary, &Timeline)> = (summaries.iter())
            .filter_map(|s| s.timeline.as_ref().map(|t| (s, t)))
            .collect();
        let flags = [("--svg", &self.svg), ("--trace", &self.trace)];
        if let Some((flag, _)) = flags.iter().find(|(_, f)| f.is_some())
            && timelines.is_empty()
        {
            return Err(format!("{flag}: this run drew no timeline"));
        }
        if let Some(path) = &self.svg {
            for (summary, timeline) in &timelines {
                let path = if timelines.len() > 1 {
                    with_suffix(path, &summary.mode)
                } else {
                    path.clone()
                };
                let title = format!("{}: {}", summary.example, summary.mode);
                let svg = crate::charts::timeline(timeline, &title)
                    .map_err(|e| format!("--svg {}: {e}", path.display()))?;
                write_file(&path, svg.as_bytes(), "--svg")?;
            }
        }
        if let Some(path) = &self.trace {
            let events: Vec<Value> = (timelines.iter().enumerate())
                .flat_map(|(i, (summary, timeline))| {
                    timeline.trace_events(i as u32 + 1, &summary.mode)
                })
                .collect();
            let trace = serde_json::json!({ "traceEvents": events, "displayTimeUnit": "ms" });
            write_file(path, trace.to_string().as_bytes(), "--trace")?;
        }
        Ok(())
    }
}

/// `out.svg` with suffix `seq` is `out-seq.svg`.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(extension) => format!("{stem}-{suffix}.{}", extension.to_string_lossy()),
        None => format!("{stem}-{suffix}"),
    };
    path.with_file_name(name)
}

/// Writes a file an example was asked for with `flag` (`--svg FILE`, say):
/// atomically, saying where; the error names the flag and the file.
pub fn write_file(path: &Path, bytes: &[u8], flag: &str) -> Result<(), String> {
    atomic_write::write_atomically(path, bytes)
        .map_err(|e| format!("{flag} {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// The end of a run: writes `--svg` and `--trace` files, then prints the
/// `--json` lines (last). A file that cannot be written is an error, exit 1.
pub fn finish(summaries: &[Summary], json: bool, files: &TimelineFiles) {
    if let Err(error) = files.write(summaries) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
    print_json(summaries, json);
}

/// Ends the program on an error the user can fix: `error: MESSAGE` on
/// stderr, exit code 1. Bad flags exit with 2, through clap.
pub fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

/// Says, in a build without optimizations, that the timings are not real.
pub fn note_debug_build() {
    if cfg!(debug_assertions) {
        println!("(a debug build: add --release for the real speed)");
    }
}

/// How many cores this process may use (1 if the OS does not say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Exits with code 1, saying so on stderr, if any run had a failed task (its
/// `failed` key is not 0). Call it after the summaries are printed.
pub fn exit_if_any_failed(summaries: &[Summary]) {
    let failed = |s: &Summary| s.extra.get("failed").and_then(Value::as_u64).unwrap_or(0);
    let total: u64 = summaries.iter().map(failed).sum();
    if total > 0 {
        let modes: Vec<&str> = (summaries.iter())
            .filter(|s| failed(s) > 0)
            .map(|s| s.mode.as_str())
            .collect();
        eprintln!("error: {total} task(s) failed, in {}", modes.join(", "));
        std::process::exit(1);
    }
}

/// Parses the command line into `T`, with per-example defaults for shared flags.
///
/// `defaults` pairs a flag's id (its field name) with a default value, so two
/// examples can share a flag and its parser while defaulting differently
/// (two tasks in `sync_script`, ten in `loop_join`). `--help` shows them.
pub fn parse_with_defaults<T: Parser>(defaults: &[(&'static str, &'static str)]) -> T {
    parse_command(T::command(), defaults)
}

/// Parses the command line into shared flags alone ([`TaskModes`],
/// [`WorkerModes`]), for an example with no flags of its own; `about` is the
/// line `--help` starts with. `defaults` as in [`parse_with_defaults`].
pub fn parse_shared<T: Args + FromArgMatches>(
    about: &'static str,
    defaults: &[(&'static str, &'static str)],
) -> T {
    // After `augment_args`, which would take `T`'s own doc comment as the about.
    let command = T::augment_args(Command::new("example"));
    parse_command(command.about(about).long_about(None), defaults)
}

fn parse_command<T: FromArgMatches>(
    mut command: Command,
    defaults: &[(&'static str, &'static str)],
) -> T {
    for &(id, value) in defaults {
        command = command.mut_arg(id, |arg| arg.default_value(value));
    }
    let matches = command.get_matches();
    crate::ending::exit_cleanly_when_threads_run_out();
    T::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

/// The modes to run: the one chosen with `--mode`, or all of them in turn.
pub fn modes<M: ValueEnum + Clone>(chosen: Option<M>) -> Vec<M> {
    match chosen {
        Some(mode) => vec![mode],
        None => M::value_variants().to_vec(),
    }
}

/// `--mode` and `--json`: the flags of an example with several variants.
#[derive(Args, Debug, Clone)]
pub struct ModeArgs<M: ValueEnum + Clone + Send + Sync + 'static> {
    /// Run only this mode (default: all, in the order listed)
    #[arg(long, value_enum)]
    pub mode: Option<M>,
    /// Print one JSON summary line per mode, after everything else
    #[arg(long)]
    pub json: bool,
}

/// A mode's findings as JSON, for [`run_modes`] when its modes find
/// different things (one struct each).
pub fn findings(found: impl serde::Serialize) -> Value {
    serde_json::to_value(found).unwrap_or(Value::Null)
}

/// Runs the chosen mode, or each in turn, under a `== MODE ==` heading:
/// `run` does one and returns its tasks, its workers and what it found (a
/// JSON object, whose keys join the mode's summary). The `--json` lines come
/// last.
pub fn run_modes<M: ValueEnum + Clone, F: serde::Serialize>(
    example: &str,
    chosen: Option<M>,
    json: bool,
    mut run: impl FnMut(M) -> (usize, usize, F),
) {
    let mut summaries = Vec::new();
    for mode in modes(chosen) {
        let name = mode_name(&mode);
        println!("== {name} ==");
        let started = std::time::Instant::now();
        let (tasks, workers, findings) = run(mode);
        let mut summary = Summary::new(example, name, tasks, workers, started.elapsed());
        // A mode's own findings (a struct, or a JSON object) join its summary.
        if let Ok(Value::Object(findings)) = serde_json::to_value(findings) {
            summary.extra.extend(findings);
        }
        summaries.push(summary);
        println!();
    }
    print_json(&summaries, json);
}

/// The name `--mode` accepts for this mode.
pub fn mode_name<M: ValueEnum>(mode: &M) -> String {
    mode.to_possible_value()
        .map(|value| value.get_name().to_string())
        .unwrap_or_default()
}

/// One run of one mode, printed as one JSON line by `--json`, and read back
/// by `cargo xtask report` (the Python scripts print the same keys).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub example: String,
    pub mode: String,
    pub tasks: usize,
    pub workers: usize,
    pub elapsed_s: f64,
    /// Extra keys: `ideal_s`, `max_overlap`, ... (see [`Summary::from_timeline`]).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The run's timeline, for `--svg` and `--trace` (not in the JSON).
    #[serde(skip)]
    pub timeline: Option<Timeline>,
}

impl Summary {
    pub fn new(
        example: &str,
        mode: impl Into<String>,
        tasks: usize,
        workers: usize,
        elapsed: Duration,
    ) -> Self {
        Summary {
            example: example.to_string(),
            mode: mode.into(),
            tasks,
            workers,
            elapsed_s: round_us(elapsed.as_secs_f64()),
            extra: Map::new(),
            timeline: None,
        }
    }

    /// Keeps the run's timeline for `--svg` and `--trace`, and adds its ideal:
    /// `ideal` (what it is: `longest_task`, `sum_of_tasks` or
    /// `sequential_over_cores`) and `ideal_s`.
    pub fn with_timeline(mut self, timeline: &Timeline) -> Self {
        self.timeline = Some(timeline.clone());
        self.with("ideal", timeline.ideal.kind())
            .with("ideal_s", round_ms(timeline.ideal_time().as_secs_f64()))
    }

    /// A summary of a recorded run: elapsed and ideal time, most tasks at once,
    /// finished tasks and the threads that ran them.
    pub fn from_timeline(
        example: &str,
        mode: impl Into<String>,
        tasks: usize,
        workers: usize,
        timeline: &Timeline,
    ) -> Self {
        Summary::new(example, mode, tasks, workers, timeline.elapsed)
            .with_timeline(timeline)
            .with("max_overlap", timeline.max_overlap())
            .with("finished", timeline.spans.len())
            .with("threads_used", timeline.workers().len())
    }

    /// Adds (or replaces) a key.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a summary is always valid JSON")
    }

    /// Reads one `--json` line back; the error names a missing key.
    pub fn from_json(line: &str) -> Result<Summary, serde_json::Error> {
        serde_json::from_str(line)
    }

    /// A number among the summary's keys (`elapsed_s` or an extra key).
    pub fn number(&self, key: &str) -> Result<f64, String> {
        match key {
            "elapsed_s" => Ok(self.elapsed_s),
            _ => (self.extra.get(key).and_then(Value::as_f64))
                .ok_or_else(|| format!("the summary has no number {key:?}: {}", self.to_json())),
        }
    }
}

/// Prints each summary as one JSON line, if `json` is set. Call it last.
pub fn print_json(summaries: &[Summary], json: bool) {
    if json {
        for summary in summaries {
            println!("{}", summary.to_json());
        }
    }
}

/// Elapsed times keep microseconds: a Rust task can take less than a millisecond.
fn round_us(seconds: f64) -> f64 {
    (seconds * 1e6).round() / 1e6
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_must_be_positive_whole_numbers() {
        assert_eq!(parse_count("10"), Ok(10));
        assert!(parse_count("0").unwrap_err().contains("at least 1"));
        assert!(
            parse_count("-3")
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(
            parse_count("two")
                .unwrap_err()
                .contains("not a whole number")
        );
    }

    #[test]
    fn big_counts_take_scientific_notation() {
        assert_eq!(parse_big_count("2e8"), Ok(200_000_000));
        assert_eq!(parse_big_count("1_000_000"), Ok(1_000_000));
        assert!(parse_big_count("0").unwrap_err().contains("at least 1"));
        assert!(
            parse_big_count("1.5")
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(parse_big_count("-5").unwrap_err().contains("at least 1"));
        assert!(
            parse_big_count("lots")
                .unwrap_err()
                .contains("not a whole number")
        );
    }

    #[test]
    fn seconds_must_be_finite_and_not_negative() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert!(parse_seconds("-1").unwrap_err().contains("negative"));
        assert!(parse_seconds("NaN").unwrap_err().contains("finite"));
        assert!(parse_seconds("inf").unwrap_err().contains("finite"));
        assert!(parse_seconds("soon").unwrap_err().contains("not a number"));
        assert!(parse_seconds("1e9").unwrap_err().contains("at most"));
    }

    #[test]
    fn summary_has_the_required_keys_on_one_line() {
        let line = Summary::new("demo", "seq", 2, 1, Duration::from_millis(2004))
            .with("ideal_s", 2.0)
            .to_json();
        let value: Value = serde_json::from_str(&line).unwrap();
        assert!(!line.contains('\n'));
        assert_eq!(value["example"], "demo");
        assert_eq!(value["mode"], "seq");
        assert_eq!(value["tasks"], 2);
        assert_eq!(value["workers"], 1);
        assert_eq!(value["elapsed_s"], 2.004);
        assert_eq!(value["ideal_s"], 2.0);
    }
}
