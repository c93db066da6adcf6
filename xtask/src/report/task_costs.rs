//! The task-costs table, its headline and its chart ("How many at once"):
//! the time to start a waiting task and the memory it holds, tokio beside
//! asyncio and threads beside threads.

use std::fmt::Write as _;

use anyhow::Result;
use harness::charts;

use super::*;

const TABLE: &str = "task-costs";

/// A compared pair: what the row says, Rust's series and Python's.
type Pair = (String, String, String);

impl Tables<'_> {
    fn pairs(&self) -> Vec<Pair> {
        let (few, many) = self.config.waiting_tasks;
        vec![
            (
                format!("{few} tasks (tokio, asyncio)"),
                "tokio-tasks".into(),
                "asyncio-tasks".into(),
            ),
            (format!("{few} threads"), "threads".into(), "threads".into()),
            (
                format!("{many} tasks (tokio, asyncio)"),
                format!("tokio-tasks, {many}"),
                format!("asyncio-tasks, {many}"),
            ),
        ]
    }

    /// (µs to start one, KiB each) for a language's series, if measured.
    fn task_cost(&self, language: &str, series: &str) -> Option<(f64, f64)> {
        let start = self.median(TABLE, language, series, 1)?;
        let memory = (self.beside.iter())
            .find(|((k, name), _)| {
                *name == "kib_per_task" && k.0 == TABLE && k.1 == language && k.2 == series
            })
            .map(|(_, values)| stats(values).0)?;
        Some((start, memory))
    }

    pub(super) fn task_costs_table(&self) -> String {
        let mut text = String::from(
            "| waiting | Rust: start, per task | Rust: memory, per task | Python: start, per task \
             | Python: memory, per task | start: Python / Rust | memory: Python / Rust |\n\
             |---|---|---|---|---|---|---|\n",
        );
        let us = |v: f64| format!("{} µs", charts::significant(v));
        let kib = |v: f64| format!("{} KiB", charts::significant(v));
        for (what, rust, python) in self.pairs() {
            let Some((rust_start, rust_kib)) = self.task_cost("Rust", &rust) else {
                continue;
            };
            let python = self.task_cost("Python", &python);
            let cells = match python {
                Some((start, memory)) => [
                    us(start),
                    kib(memory),
                    format!("{:.1}x", start / rust_start),
                    format!("{:.1}x", memory / rust_kib),
                ],
                None => ["—", "—", "—", "—"].map(str::to_string),
            };
            writeln!(
                text,
                "| {what} | {} | {} | {} |",
                us(rust_start),
                kib(rust_kib),
                cells.join(" | ")
            )
            .unwrap();
        }
        write!(
            text,
            "\n<small>Tasks that each wait 0.5 s: the time until all of them have started \
             waiting (each run once, up to its first wait), divided by their number, and the \
             resident memory they add while all wait, per task. Median of {} interleaved \
             rounds, by `task_costs` and `python/task_costs.py`. {}</small>\n",
            self.config.rounds,
            self.provenance()
        )
        .unwrap();
        text
    }

    pub(super) fn task_costs_headline(&self) -> String {
        let (few, many) = self.config.waiting_tasks;
        let ratio = |python: f64, rust: f64| format!("{:.1}x", python / rust);
        let sentence = (|| {
            let (rust, python) = (
                self.task_cost("Rust", "tokio-tasks")?,
                self.task_cost("Python", "asyncio-tasks")?,
            );
            let (rust_many, python_many) = (
                self.task_cost("Rust", &format!("tokio-tasks, {many}"))?,
                self.task_cost("Python", &format!("asyncio-tasks, {many}"))?,
            );
            Some(format!(
                "In this run, with {few} waiting tasks, asyncio took {} as long as tokio to start \
                 a task ({} µs against {} µs) and held {} the memory per task ({} KiB against {} \
                 KiB); with {many} tasks, {} and {}.\n",
                ratio(python.0, rust.0),
                charts::significant(python.0),
                charts::significant(rust.0),
                ratio(python.1, rust.1),
                charts::significant(python.1),
                charts::significant(rust.1),
                ratio(python_many.0, rust_many.0),
                ratio(python_many.1, rust_many.1),
            ))
        })();
        sentence.unwrap_or_else(|| {
            "Python was skipped in this run (see the machine line above), so only Rust's rows \
             were measured.\n"
                .into()
        })
    }

    /// The time to start one waiting task or thread, log scale.
    pub(super) fn task_costs_chart(&self) -> Result<String> {
        self.log_bars(TABLE, "Starting one waiting task or thread", 1e-3)
    }
}
