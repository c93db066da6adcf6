//! Medians and ranges, and the timing table every section shares.

use std::fmt::Write as _;

use concurrency_book::harness::charts::{self};

pub(super) struct Row {
    pub(super) language: &'static str,
    pub(super) series: String,
    pub(super) workers: usize,
    pub(super) values: Vec<f64>,
}

/// Median, min and max.
pub(super) fn stats(values: &[f64]) -> (f64, f64, f64) {
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
pub(super) fn timing_table(rows: &[Row]) -> String {
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
