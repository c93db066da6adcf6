//! Medians and ranges, and the timing table every section shares.

use std::fmt::Write as _;

use harness::charts::{self};

pub(super) struct TimingRow {
    pub(super) language: &'static str,
    pub(super) series: String,
    pub(super) workers: usize,
    pub(super) values: Vec<f64>,
}

/// Median, min and max.
pub(crate) fn stats(values: &[f64]) -> (f64, f64, f64) {
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

/// The word a series starts with when its rows must be compared like for
/// like: the photo job's `fast` and `exact` pipelines.
fn like_for_like(series: &str) -> Option<&str> {
    ["fast", "exact"]
        .into_iter()
        .find(|quality| series.split(' ').next() == Some(quality))
}

/// Whether two rows do the same work (for the speedup and Python's best).
fn same_work(a: &TimingRow, b: &TimingRow) -> bool {
    like_for_like(&a.series) == like_for_like(&b.series)
}

/// A Markdown table of timings: median, min, max, the speedup over the
/// language's first row, and how many times faster than Python's best.
/// Rows whose series starts with `fast` or `exact` are compared only with
/// rows of the same quality.
pub(super) fn timing_table(rows: &[TimingRow]) -> String {
    let python_best = |row: &TimingRow| {
        (rows.iter())
            .filter(|other| other.language == "Python" && same_work(other, row))
            .map(|other| stats(&other.values).0)
            .reduce(f64::min)
    };
    let with_python = rows.iter().any(|row| row.language == "Python");
    let mut text = String::from("| | mode | workers | median | min | max | speedup |");
    text.push_str(if with_python {
        " vs Python's best |\n"
    } else {
        "\n"
    });
    text.push_str("|---|---|---|---|---|---|---|");
    text.push_str(if with_python { "---|\n" } else { "\n" });
    for row in rows {
        let (median, min, max) = stats(&row.values);
        let first = rows
            .iter()
            .find(|r| r.language == row.language && same_work(r, row))
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
        match python_best(row) {
            Some(best) => write!(text, " {:.2}x |", best / median).unwrap(),
            None if with_python => text.push_str(" |"),
            None => {}
        }
        text.push('\n');
    }
    text
}
