//! The report's jobs: every run of a round, the Rust example or Python
//! script and its arguments, and the samples read from its JSON lines.

use std::path::{Path, PathBuf};
use std::thread;

use anyhow::{Context, Result, bail};
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
    /// compute(n)'s result, to check the two languages agree.
    pub(super) result: Option<String>,
}

impl Sample {
    pub(super) fn json(&self) -> Value {
        serde_json::json!({
            "table": self.table, "language": self.language, "series": self.series,
            "workers": self.workers, "value": self.value,
        })
    }
}

/// One program run per round.
pub(super) struct Job {
    pub(super) table: &'static str,
    pub(super) language: &'static str,
    pub(super) series: String,
    pub(super) workers: usize,
    pub(super) label: String,
    pub(super) program: PathBuf,
    pub(super) args: Vec<String>,
}

impl Job {
    /// The samples in a run's JSON lines.
    pub(super) fn read(&self, lines: &[Value]) -> Result<Vec<Sample>> {
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

pub(super) fn text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// Every run of a round, in the order they alternate.
pub(super) fn jobs(
    config: &Config,
    python: Option<&Python>,
    urls: &Path,
    scratch: &Path,
) -> Vec<Job> {
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
pub(super) fn workers_text(workers: usize) -> String {
    if workers == 1 {
        "1 worker".into()
    } else {
        format!("{workers} workers")
    }
}

pub(super) fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}
