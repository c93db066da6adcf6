//! The report's jobs: every run of a round, the Rust example or Python
//! script and its arguments, and the samples read from its JSON lines.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use harness::cli::Summary;
use serde_json::Value;

use super::*;

/// One measured value: a table, a series in it, a worker count, a value.
#[derive(Debug, Clone)]
pub(super) struct Sample {
    pub(super) table: &'static str,
    pub(super) language: &'static str,
    pub(super) series: String,
    pub(super) workers: usize,
    /// Seconds, or µs per start in the start-costs table.
    pub(super) value: f64,
    /// The summary key it was read from: the row's first key is its table
    /// value; later ones (peak memory, say) sit beside it.
    pub(super) key: &'static str,
    pub(super) primary: bool,
    /// compute(n)'s result, to check the two languages agree.
    pub(super) result: Option<String>,
}

impl Sample {
    pub(super) fn json(&self) -> Value {
        serde_json::json!({
            "table": self.table, "language": self.language, "series": self.series,
            "workers": self.workers, "value": self.value, "key": self.key,
        })
    }
}

/// Every run of a round, in the order the runs alternate: the report's plan,
/// a data file whose header says what each column means.
const PLAN: &str = include_str!("../../data/report-plan.txt");

/// The photo counts of the `distributed-sweep` rows (and the full run's).
pub(super) const SWEEP_PHOTOS: [usize; 4] = [1, 2, 4, 8];

/// A `distributed-sweep` row's series: `one-worker` or `processes`, and
/// how many photos.
pub(super) fn sweep_series(mode: &str, photos: usize) -> String {
    format!("{mode}, {photos} photos")
}

/// What a Python script needs besides the interpreter.
fn python_needs(script: &str) -> Option<&'static str> {
    match script {
        "download_images.py" => Some("requests"),
        "process_images.py" => Some("Pillow"),
        _ => None,
    }
}

/// The values `{name}` stands for in [`PLAN`].
struct Placeholders(Vec<(&'static str, String)>);

impl Placeholders {
    fn new(config: &Config, urls: &Path) -> Self {
        let (sleep_tasks, sleep_s, pool) = config.sleep;
        let (cpu_tasks, n, cpu_workers) = &config.cpu;
        let (_, _, dl_workers) = &config.downloads;
        let (photos, (width, height)) = config.photos;
        let list = |counts: &[usize]| (counts.iter().map(usize::to_string)).collect::<Vec<_>>();
        Placeholders(vec![
            ("sleep_tasks", sleep_tasks.to_string()),
            ("sleep_s", sleep_s.to_string()),
            ("pool", pool.to_string()),
            ("cpu_tasks", cpu_tasks.to_string()),
            ("n", n.to_string()),
            ("cpu_workers", list(cpu_workers).join(" ")),
            ("dl_workers", list(dl_workers).join(" ")),
            ("cores", cores().to_string()),
            ("urls", urls.display().to_string()),
            ("photos", photos.to_string()),
            ("size", format!("{width}x{height}")),
            // Where the examples' build keeps the generated photos (its
            // target folder, which CARGO_TARGET_DIR may put anywhere): the
            // Python scripts read the same files.
            (
                "photo_dir",
                photo_dir(&config.examples, width, height)
                    .display()
                    .to_string(),
            ),
            ("starts", config.starts.to_string()),
            ("primitive_ops", config.primitive_ops.to_string()),
            ("chunk_tasks", config.chunk_tasks.to_string()),
            ("waiting_few", config.waiting_tasks.0.to_string()),
            ("waiting_many", config.waiting_tasks.1.to_string()),
        ])
    }

    /// `text` with every `{name}` filled in; an unknown name is a bug in PLAN.
    fn fill(&self, text: &str, extra: &[(&str, &str)]) -> String {
        let mut filled = text.to_string();
        let known = self.0.iter().map(|(k, v)| (*k, v.as_str()));
        for (name, value) in known.chain(extra.iter().copied()) {
            filled = filled.replace(&format!("{{{name}}}"), value);
        }
        assert!(!filled.contains('{'), "PLAN names an unknown value: {text}");
        filled
    }
}

/// The programs PLAN runs that are examples (not Python scripts).
pub(super) fn planned_examples() -> Vec<&'static str> {
    let mut names: Vec<&str> = plan_rows()
        .map(|row| row[4])
        .filter(|p| !p.ends_with(".py"))
        .collect();
    names.dedup();
    names
}

/// The tables PLAN feeds, in its order.
pub(super) fn plan_tables() -> Vec<&'static str> {
    let mut tables: Vec<&str> = Vec::new();
    for row in plan_rows() {
        if !tables.contains(&row[0]) {
            tables.push(row[0]);
        }
    }
    tables
}

fn plan_rows() -> impl Iterator<Item = Vec<&'static str>> {
    (crate::data::rows(PLAN, "|").map(|(_, row)| row))
        .inspect(|row| assert_eq!(row.len(), 7, "a PLAN row has 7 columns: {row:?}"))
}

/// One program run per round.
pub(super) struct PlannedRun {
    pub(super) table: &'static str,
    pub(super) language: &'static str,
    /// `*`: each summary names its series
    pub(super) series: String,
    pub(super) workers: usize,
    pub(super) label: String,
    pub(super) program: PathBuf,
    pub(super) args: Vec<String>,
    /// The summary key that holds the value: a number, or a map of series to numbers
    pub(super) value: &'static str,
    /// Keys kept beside the value when a summary has them (a series per
    /// summary: not where the value is a map of series).
    pub(super) beside: Vec<&'static str>,
}

impl PlannedRun {
    /// The samples in a run's summaries.
    pub(super) fn read(&self, summaries: &[Summary]) -> Result<Vec<Sample>> {
        let sample = |series: &str, value: f64, result: Option<String>| Sample {
            table: self.table,
            language: self.language,
            series: series.to_string(),
            workers: self.workers,
            value,
            key: self.value,
            primary: true,
            result,
        };
        // A summary's value as `series`, then the keys kept beside it.
        let one = |series: &str, summary: &Summary, result: Option<String>| {
            let value =
                (summary.number(self.value)).map_err(|e| anyhow::anyhow!("{}: {e}", self.label))?;
            let mut found = vec![sample(series, value, result)];
            for &key in &self.beside {
                if let Ok(value) = summary.number(key) {
                    let primary = false;
                    found.push(Sample {
                        key,
                        primary,
                        ..sample(series, value, None)
                    });
                }
            }
            anyhow::Ok(found)
        };
        if self.series != "*" {
            let [summary] = summaries else {
                bail!(
                    "{}: expected one summary, got {}",
                    self.label,
                    summaries.len()
                );
            };
            return one(&self.series, summary, summary.extra.get("result").map(text));
        }
        let mut found = Vec::new();
        for summary in summaries {
            match summary.extra.get(self.value) {
                Some(Value::Object(map)) => {
                    for (series, value) in map {
                        let value = value.as_f64().with_context(|| {
                            format!("{}: {}.{series} is not a number", self.label, self.value)
                        })?;
                        found.push(sample(series, value, None));
                    }
                }
                _ => found.extend(one(&summary.mode, summary, None)?),
            }
        }
        Ok(found)
    }
}

pub(super) fn text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// Every run of a round, from [`PLAN`]; Python's only where it can run.
pub(super) fn jobs(
    config: &Config,
    python: Option<&Python>,
    urls: &Path,
    scratch: &Path,
) -> Vec<PlannedRun> {
    let values = Placeholders::new(config, urls);
    let mut jobs = Vec::new();
    for (row_number, row) in plan_rows().enumerate() {
        let [table, language, series, workers, program, flags, keys] = row[..] else {
            unreachable!("plan_rows checks the columns")
        };
        let mut keys = keys.split_whitespace();
        let value = keys.next().expect("a PLAN row names its value's key");
        let beside: Vec<&'static str> = keys.collect();
        let program_path = match language {
            "Rust" => config.examples.join(program),
            "Python free-threaded" => match python.map(|p| &p.free_threaded) {
                Some(Ok(interpreter)) => PathBuf::from(interpreter),
                _ => continue,
            },
            _ => {
                let Some(python) = python else { continue };
                let needs = python_needs(program);
                if needs == Some("requests") && python.requests.is_err()
                    || needs == Some("Pillow") && python.pillow.is_err()
                {
                    continue;
                }
                PathBuf::from(&python.program)
            }
        };
        let counts = match workers.strip_prefix("each ") {
            Some(list) => values.fill(list, &[]),
            None => values.fill(workers, &[]),
        };
        for w in counts.split_whitespace() {
            let out = scratch
                .join(format!("run-{row_number}-{w}"))
                .display()
                .to_string();
            let mut args: Vec<String> = (flags.split_whitespace())
                .map(|word| values.fill(word, &[("w", w), ("out", &out)]))
                .collect();
            let label = format!("{program} {}", args.join(" "));
            if language != "Rust" {
                let script = config.root.join("python").join(program);
                args.insert(0, script.display().to_string());
            }
            args.push("--json".into());
            jobs.push(PlannedRun {
                table,
                language,
                series: values.fill(series, &[]),
                workers: w.parse().expect("worker counts are whole numbers"),
                label,
                program: program_path.clone(),
                args,
                value,
                beside: beside.clone(),
            });
        }
    }
    jobs
}

/// "1 worker", "4 workers".
pub(super) fn workers_text(workers: usize) -> String {
    if workers == 1 {
        "1 worker".into()
    } else {
        format!("{workers} workers")
    }
}

pub(super) use harness::cli::cores;

/// The generated photos of this size, under the target folder that holds
/// `examples` (the folder cargo marks with `CACHEDIR.TAG`, as
/// `harness::target_dir` finds it from a program's path).
fn photo_dir(examples: &Path, width: u32, height: u32) -> PathBuf {
    let target = (examples.ancestors())
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .unwrap_or(examples);
    target.join("test-images").join(format!("{width}x{height}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python(pillow: bool) -> Python {
        Python {
            program: "python3".into(),
            version: "3".into(),
            pillow: if pillow {
                Ok("11".into())
            } else {
                Err("missing".into())
            },
            requests: Ok("2".into()),
            free_threaded: Err("not found".into()),
        }
    }

    #[test]
    fn the_plan_fills_every_value_and_expands_worker_lists() {
        let config = Config::quick(Path::new("/repo"));
        let (urls, scratch) = (Path::new("/s/urls.txt"), Path::new("/s"));
        let rust = jobs(&config, None, urls, scratch);
        // sleep 3, cpu 1 + 3 rayon + 1, downloads 5, photos 8, timely 4 + 8 in
        // the sweep, starts 1, chunks 1, primitives 1, task costs 2
        assert_eq!(rust.len(), 3 + 5 + 5 + 8 + 4 + 8 + 1 + 1 + 1 + 2);
        let rayon: Vec<usize> = (rust.iter())
            .filter(|job| job.series == "rayon")
            .map(|job| job.workers)
            .collect();
        assert_eq!(rayon, config.cpu.2);
        let download = rust.iter().find(|job| job.table == "downloads").unwrap();
        assert_eq!(
            download.args,
            [
                "--urls-file",
                "/s/urls.txt",
                "--workers",
                "1",
                "--out",
                "/s/run-14-1"
            ]
            .iter()
            .chain(&["--mode", "pool", "--json"])
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
        );
        let all = jobs(&config, Some(&python(true)), urls, scratch);
        // Python: sleep 3, cpu 1 + 3 + 3 + 1, downloads 5, photos 3 fast + 3 exact,
        // starts 1, chunks 1, primitives 1, task costs 2
        assert_eq!(all.len() - rust.len(), 3 + 8 + 5 + 6 + 1 + 1 + 1 + 2);
        // The series column is filled too: `tokio-tasks, {waiting_many}`.
        let many = format!("tokio-tasks, {}", config.waiting_tasks.1);
        assert!(rust.iter().any(|job| job.series == many));
        let script = &all
            .iter()
            .find(|job| job.language == "Python")
            .unwrap()
            .args[0];
        assert_eq!(script, "/repo/python/sleep_tasks.py");
        let no_pillow = jobs(&config, Some(&python(false)), urls, scratch);
        assert_eq!(
            all.len() - no_pillow.len(),
            6,
            "no Pillow, no Python photos"
        );
        assert!(planned_examples().contains(&"fork_vs_spawn"));
        // A free-threaded interpreter adds its threads rows, one per worker count.
        let free = Python {
            free_threaded: Ok("python3.14t".into()),
            ..python(true)
        };
        let with_free = jobs(&config, Some(&free), urls, scratch);
        let added: Vec<&PlannedRun> = (with_free.iter())
            .filter(|job| job.language == "Python free-threaded")
            .collect();
        assert_eq!(added.len(), config.cpu.2.len());
        assert!(
            added
                .iter()
                .all(|job| job.program == Path::new("python3.14t"))
        );
        assert_eq!(with_free.len(), all.len() + added.len());
    }

    #[test]
    fn a_map_of_values_gives_a_sample_per_key_and_a_number_one_per_summary() {
        let config = Config::quick(Path::new("/repo"));
        let all = jobs(
            &config,
            Some(&python(true)),
            Path::new("/u"),
            Path::new("/s"),
        );
        let starts: Vec<&PlannedRun> = all.iter().filter(|j| j.table == "start-costs").collect();
        let rust = Summary::from_json(
            r#"{"example":"fork_vs_spawn","mode":"start-cost","tasks":2,"workers":1,
                "elapsed_s":0.1,"per_start_us":{"thread":20.5,"fork":300}}"#,
        )
        .unwrap();
        let python = |mode: &str| {
            Summary::new("start_costs", mode, 2, 1, Duration::ZERO).with("per_start_us", 7.5)
        };
        let found = starts[0].read(&[rust]).unwrap();
        let pairs: Vec<(&str, f64)> = found.iter().map(|s| (s.series.as_str(), s.value)).collect();
        assert_eq!(pairs, [("fork", 300.0), ("thread", 20.5)]);
        let found = starts[1].read(&[python("thread"), python("fork")]).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[1].series.as_str(), found[1].language),
            ("fork", "Python")
        );
        let bad = Summary::new("start_costs", "x", 1, 1, Duration::ZERO);
        let error = starts[1].read(&[bad]).unwrap_err().to_string();
        assert!(error.contains("per_start_us"), "{error}");
        let seq = all.iter().find(|j| j.table == "sleep-tasks").unwrap();
        let error = seq.read(&[]).unwrap_err().to_string();
        assert!(error.contains("expected one summary"), "{error}");
    }
}
