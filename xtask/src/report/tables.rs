//! The report's Markdown tables, headlines and charts, from the samples.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Result, bail};
use concurrency_book::lessons::primitives::primitives;
use harness::charts::{self, Series, ValueBar};

use super::*;

pub(super) struct Tables<'a> {
    pub(super) config: &'a Config,
    pub(super) grouped: Grouped,
    /// Values kept beside a row's: (row's key, summary key) to samples.
    pub(super) beside: BTreeMap<(GroupKey, &'static str), Vec<f64>>,
    /// Each table's rows in the order the jobs ran.
    pub(super) order: Vec<(&'static str, &'static str, String, usize)>,
    pub(super) python: Option<&'a Python>,
    pub(super) skipped: &'a [String],
}

impl<'a> Tables<'a> {
    pub(super) fn new(
        config: &'a Config,
        samples: &[Sample],
        python: Option<&'a Python>,
        skipped: &'a [String],
    ) -> Result<Tables<'a>> {
        let mut grouped = Grouped::new();
        let mut beside = BTreeMap::new();
        let mut order = Vec::new();
        for s in samples {
            let key = (s.table, s.language, s.series.clone(), s.workers);
            if !s.primary {
                beside
                    .entry((key, s.key))
                    .or_insert_with(Vec::new)
                    .push(s.value);
                continue;
            }
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
            beside,
            order,
            python,
            skipped,
        })
    }

    /// A table's rows, Rust's first, each language's in the order they ran.
    pub(super) fn rows(&self, table: &str) -> Vec<TimingRow> {
        let mut rows: Vec<TimingRow> = (self.order.iter())
            .filter(|key| key.0 == table)
            .map(|key| TimingRow {
                language: key.1,
                series: key.2.clone(),
                workers: key.3,
                values: self.grouped[key].clone(),
            })
            .collect();
        rows.sort_by_key(|row| row.language != "Rust");
        rows
    }

    pub(super) fn markdown(&self) -> Vec<(&'static str, String)> {
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
                "`process_images` and `python/process_images.py` (Pillow), each in both qualities: \
                 `fast` rows are compared with `fast` rows only, `exact` with `exact`",
            ),
            (
                "chunks",
                format!(
                    "{} tiny tasks on {} workers, handed out one at a time or in chunks of 1000 \
                     (Rust: a few hundred nanoseconds each; Python: tens of microseconds)",
                    c.chunk_tasks,
                    cores()
                ),
                "`chunks` (rayon) and `python/chunks.py` (a `multiprocessing.Pool`)",
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
                    "chunks" => "chunks.md",
                    _ => "photos-vs-pillow.md",
                };
                (file, text)
            })
            .collect();
        files.push(("start-costs.md", self.start_costs_table()));
        files.push(("photos-modes.md", self.photo_modes_table()));
        files.push(("distributed-sweep.md", self.sweep_table()));
        files.push(("primitives.md", self.primitives_table()));
        files.push(("task-costs.md", self.task_costs_table()));
        files.push(("task-costs-headline.md", self.task_costs_headline()));
        files.push(("machine.md", self.machine()));
        files.extend(self.headlines());
        files
    }

    /// Whether a table was measured in this run (`--only` measures one).
    pub(super) fn has_rows(&self, table: &str) -> bool {
        self.order.iter().any(|key| key.0 == table)
    }

    /// The median of one row, if it was measured.
    pub(super) fn median(
        &self,
        table: &str,
        language: &str,
        series: &str,
        workers: usize,
    ) -> Option<f64> {
        (self.order.iter())
            .find(|k| k.0 == table && k.1 == language && k.2 == series && k.3 == workers)
            .map(|key| stats(&self.grouped[key]).0)
    }

    /// The best (smallest) median of a language's rows in a table, and its row.
    pub(super) fn best(
        &self,
        table: &str,
        language: &str,
        series: Option<&str>,
    ) -> Option<(f64, TimingRow)> {
        (self.rows(table).into_iter())
            .filter(|row| row.language == language && series.is_none_or(|s| row.series == s))
            .map(|row| (stats(&row.values).0, row))
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }

    pub(super) fn provenance(&self) -> String {
        format!("Measured on {} by `{}`.", today(), self.config.command)
    }

    pub(super) fn start_costs_table(&self) -> String {
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

    /// Each coordinating primitive's cost per operation, Rust beside Python.
    pub(super) fn primitives_table(&self) -> String {
        let rows = self.rows("primitives");
        let python = |series: &str| {
            (rows.iter())
                .find(|r| r.language == "Python" && r.series == series)
                .map(|r| stats(&r.values).0)
        };
        let mut text = String::from(
            "| primitive | Rust, per operation | Python, per operation | Python / Rust |\n\
             |---|---|---|---|\n",
        );
        // In the order the library lists them (the JSON map sorts its keys).
        let order: Vec<&str> = primitives().iter().map(|(name, _)| *name).collect();
        let mut rust: Vec<&TimingRow> = rows.iter().filter(|r| r.language == "Rust").collect();
        rust.sort_by_key(|r| order.iter().position(|name| *name == r.series));
        for row in rust {
            let rust = stats(&row.values).0;
            let (py, ratio) = match python(&row.series) {
                Some(py) => (
                    format!("{} ns", charts::significant(py)),
                    format!("{:.0}x", py / rust),
                ),
                None if self.python.is_some() => ("no counterpart".into(), "-".into()),
                None => ("not measured".into(), "-".into()),
            };
            let rust = charts::significant(rust);
            writeln!(text, "| {} | {rust} ns | {py} | {ratio} |", row.series).unwrap();
        }
        write!(
            text,
            "\n<small>{} operations per measurement, the fastest of 3 runs, median of {} \
             interleaved rounds, by `primitive_costs` and `python/primitive_costs.py` (a lock \
             is `threading.Lock`, a hand-off `threading.Condition`, a channel `queue.Queue`, a \
             thread-local `threading.local`; Python has no atomics and no reader-writer lock). \
             {}</small>\n",
            self.config.primitive_ops,
            self.config.rounds,
            self.provenance()
        )
        .unwrap();
        text
    }

    /// Each exact photo mode run alone: its time, rate and peak memory.
    pub(super) fn photo_modes_table(&self) -> String {
        let (photos, (width, height)) = self.config.photos;
        let mut text = format!(
            "| mode | workers | {photos} photos (median) | photos per second | peak memory |\n\
             |---|---|---|---|---|\n"
        );
        let exact = (self.rows("photos").into_iter())
            .filter(|row| row.language == "Rust" && row.series.starts_with("exact "));
        for row in exact {
            let key = ("photos", "Rust", row.series.clone(), row.workers);
            let median_of = |name: &'static str| {
                let values = self.beside.get(&(key.clone(), name))?;
                Some(stats(values).0)
            };
            let elapsed = stats(&row.values).0;
            let memory = match (
                median_of("peak_memory_mib"),
                median_of("worker_peak_memory_mib"),
            ) {
                (Some(own), Some(worker)) => format!("{own:.0} MiB + {worker:.0} MiB per worker"),
                (Some(own), None) => format!("{own:.0} MiB"),
                _ => "not measured".into(),
            };
            let mode = row.series.trim_start_matches("exact ");
            writeln!(
                text,
                "| `{mode}` | {} | {} s | {:.1} | {memory} |",
                workers_text(row.workers),
                charts::significant(elapsed),
                photos as f64 / elapsed,
            )
            .unwrap();
        }
        write!(
            text,
            "\n<small>{photos} photos of {width}x{height}, `process_images --quality exact --mode \
             MODE` with each mode in its own run, so that its peak memory is its own (a \
             process's peak resident memory; for `processes`, the parent's and the largest \
             worker's): median of {} interleaved rounds. {}</small>\n",
            self.config.rounds,
            self.provenance()
        )
        .unwrap();
        text
    }

    /// One worker against two processes, run by run, for fewer photos per
    /// run and then the full run's: where starting and connecting a second
    /// process starts to pay.
    pub(super) fn sweep_table(&self) -> String {
        let (photos, (width, height)) = self.config.photos;
        let mut text = String::from(
            "| photos per run | one worker | two processes | two processes' speedup |\n\
             |---|---|---|---|\n",
        );
        let sweep = SWEEP_PHOTOS.iter().map(|&n| {
            let median = |mode| self.median("distributed-sweep", "Rust", &sweep_series(mode, n), 1);
            let two = self.median(
                "distributed-sweep",
                "Rust",
                &sweep_series("processes", n),
                2,
            );
            (n, median("one-worker"), two)
        });
        let full = (
            photos,
            self.median("distributed", "Rust", "one-worker", 1),
            self.median("distributed", "Rust", "processes", 2),
        );
        for (n, one, two) in sweep.chain([full]) {
            let (Some(one), Some(two)) = (one, two) else {
                continue;
            };
            writeln!(
                text,
                "| {n} | {} s | {} s | {:.2}x |",
                charts::significant(one),
                charts::significant(two),
                one / two
            )
            .unwrap();
        }
        write!(
            text,
            "\n<small>photos of {width}x{height} (fast quality) on timely dataflow, \
             `distributed_images --tasks N --mode one-worker` against `--mode processes` \
             (two processes on 127.0.0.1, starting and connecting them included): median of {} \
             interleaved rounds. {}</small>\n",
            self.config.rounds,
            self.provenance()
        )
        .unwrap();
        text
    }

    pub(super) fn machine(&self) -> String {
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

    /// A chart of a table's rows on a log scale, the time of one start in
    /// µs (at least `floor`), Rust's bars and Python's.
    pub(super) fn log_bars(&self, table: &str, title: &str, floor: f64) -> Result<String> {
        let bars: Vec<ValueBar> = (self.rows(table).iter())
            .map(|row| ValueBar {
                label: row.series.clone(),
                value: stats(&row.values).0.max(floor),
                group: usize::from(row.language == "Python"),
            })
            .collect();
        let (unit, languages) = ("µs per start (log scale)", &["Rust", "Python"]);
        charts::bars(title, unit, languages, &bars, true).map_err(anyhow::Error::msg)
    }

    pub(super) fn charts(&self) -> Result<Vec<(&'static str, String)>> {
        let mut svgs = Vec::new();
        let median_of = |table: &str, language: &str, series: &str, workers: usize| {
            self.median(table, language, series, workers)
        };
        let cores = cores() as f64;

        if self.has_rows("cpu-bound") {
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
        }

        if self.has_rows("downloads") {
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
        }

        if self.has_rows("start-costs") {
            let title = "One start, then join or wait";
            svgs.push(("start-costs.svg", self.log_bars("start-costs", title, 0.0)?));
        }

        if self.has_rows("task-costs") {
            svgs.push(("task-costs.svg", self.task_costs_chart()?));
        }

        if self.has_rows("photos") {
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
        }
        Ok(svgs)
    }
}
