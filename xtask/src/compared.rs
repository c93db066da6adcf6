//! Figures a page shows twice, in a recording and in a report table beside
//! it (`xtask/data/compared-figures.txt`): `cargo xtask report` records those
//! recordings in the run that measures their table, and [`problems`] says
//! where the two figures disagree (the recorded figure lies farther from the
//! table's rounds than the rounds lie from each other, or than [`LONE_RUN`]
//! of their median, whichever is more), or where a recording was made apart
//! from its table's run.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The data file, from the repository root.
pub const FILE: &str = "xtask/data/compared-figures.txt";

/// One figure shown twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// The recording's name (`recorded/NAME.txt`).
    pub recording: String,
    /// Where the figure stands in it: `{}` for the number.
    pub pattern: String,
    pub table: String,
    pub language: String,
    pub series: String,
    pub key: String,
}

/// Every compared figure, in the file's order.
pub fn read(root: &Path) -> Result<Vec<Compared>> {
    let text = fs::read_to_string(root.join(FILE)).context(FILE)?;
    parse(&text)
}

fn parse(text: &str) -> Result<Vec<Compared>> {
    let mut figures = Vec::new();
    for (number, columns) in crate::data::rows(text, "|") {
        let [recording, pattern, table, language, series, key] = columns[..] else {
            bail!(
                "{FILE} line {number}: expected 6 columns, found {}",
                columns.len()
            );
        };
        if pattern.matches("{}").count() != 1 {
            bail!("{FILE} line {number}: the pattern needs one {{}}");
        }
        figures.push(Compared {
            recording: recording.into(),
            pattern: pattern.into(),
            table: table.into(),
            language: language.into(),
            series: series.into(),
            key: key.into(),
        });
    }
    Ok(figures)
}

/// The recordings the report makes, each with the table whose run makes it.
pub fn made_by_the_report(root: &Path) -> Result<BTreeMap<String, String>> {
    Ok((read(root)?.into_iter())
        .map(|figure| (figure.recording, figure.table))
        .collect())
}

/// The number `pattern` finds in `text` (its first match).
pub fn figure_in(text: &str, pattern: &str) -> Option<f64> {
    let figure = crate::figures::text_in(text, pattern)?;
    figure.replace(',', "").parse().ok()
}

/// How far a lone run may lie from the rounds whatever their spread, as a
/// share of their median.
pub const LONE_RUN: f64 = 0.10;

/// What the report's samples (`measured/report.json`) say of one row: its
/// median, its smallest and largest round, and the run that measured it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredRow {
    pub median: f64,
    pub smallest: f64,
    pub largest: f64,
    pub run: Option<String>,
}

impl MeasuredRow {
    /// The spread between rounds: the largest minus the smallest.
    pub fn spread(&self) -> f64 {
        self.largest - self.smallest
    }

    /// How far `figure` lies from the nearest round (0 within them).
    pub fn distance(&self, figure: f64) -> f64 {
        (self.smallest - figure).max(figure - self.largest).max(0.0)
    }
}

/// The row `figure` compares with, from the report's samples.
pub fn row(samples: &[Value], figure: &Compared) -> Option<MeasuredRow> {
    let matching: Vec<&Value> = (samples.iter())
        .filter(|s| {
            s["table"] == figure.table.as_str()
                && s["language"] == figure.language.as_str()
                && s["series"] == figure.series.as_str()
                && s["key"] == figure.key.as_str()
        })
        .collect();
    let values: Vec<f64> = (matching.iter())
        .filter_map(|s| s["value"].as_f64())
        .collect();
    if values.is_empty() {
        return None;
    }
    let (median, smallest, largest) = crate::report::stats::stats(&values);
    let run = matching[0]["run"].as_str().map(str::to_string);
    Some(MeasuredRow {
        median,
        smallest,
        largest,
        run,
    })
}

/// Where a compared figure disagrees with its table, or its recording was
/// made apart from the table's run; `runs` is each recording's report run
/// (from the fingerprints' file).
pub fn problems(
    figures: &[Compared],
    recording_text: impl Fn(&str) -> Option<String>,
    samples: &[Value],
    runs: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut apart = Vec::new(); // recordings already named as made apart
    for figure in figures {
        let name = &figure.recording;
        let redo = format!("cargo xtask report --only {}", figure.table);
        let Some(row) = row(samples, figure) else {
            problems.push(format!(
                "{name}: the report has no {} {} row {:?} ({}): {redo}",
                figure.table, figure.language, figure.series, figure.key
            ));
            continue;
        };
        let text = recording_text(name).unwrap_or_default();
        let Some(recorded) = figure_in(&text, &figure.pattern) else {
            problems.push(format!("{name}: no `{}` in the recording", figure.pattern));
            continue;
        };
        if (row.run.is_none() || runs.get(&format!("{name}.txt")) != row.run.as_ref())
            && !apart.contains(name)
        {
            apart.push(name.clone());
            problems.push(format!(
                "{name}: not recorded in the report run that measured its table \
                 ({}): {redo}",
                figure.table
            ));
        }
        // One more run disagrees when it lies farther from the rounds than
        // the rounds lie from each other, or than a tenth of their median:
        // five rounds can agree within 2 %, while a lone run, recorded after
        // them, came out 3 to 8 % slower than the interleaved rounds here.
        if row.distance(recorded) > row.spread().max(row.median * LONE_RUN) {
            problems.push(format!(
                "{name}: shows {recorded} where the {} table's {:?} row ({}) has a median of \
                 {:.3}, its rounds from {:.3} to {:.3}: {redo}",
                figure.table, figure.series, figure.key, row.median, row.smallest, row.largest
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn figure() -> Compared {
        parse("rec | in {} s: | photos | Rust | exact rayon | elapsed_s").unwrap()[0].clone()
    }

    fn samples(values: &[f64], run: &str) -> Vec<Value> {
        (values.iter())
            .map(|v| {
                json!({"table": "photos", "language": "Rust", "series": "exact rayon",
                       "key": "elapsed_s", "value": v, "run": run})
            })
            .collect()
    }

    fn runs(run: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("rec.txt".to_string(), run.to_string())])
    }

    /// The problems of a recording showing `shown` seconds, against rounds
    /// `values` of its own run.
    fn problems_showing(shown: &str, values: &[f64]) -> Vec<String> {
        let text = |_: &str| Some(format!("15 photos in {shown} s: 10 per second"));
        problems(&[figure()], text, &samples(values, "r1"), &runs("r1"))
    }

    #[test]
    fn one_more_run_may_fall_outside_the_rounds_by_less_than_their_spread() {
        let shows = |shown| problems_showing(shown, &[1.4, 1.45, 1.55]).len(); // a spread of 0.15
        assert_eq!((shows("1.50"), shows("1.65"), shows("1.30")), (0, 0, 0));
        assert_eq!((shows("1.75"), shows("1.20")), (1, 1));
        let found = problems_showing("3.25", &[1.4, 1.45, 1.55]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("shows 3.25") && found[0].contains("--only photos"));
    }

    #[test]
    fn rounds_that_agree_closely_still_allow_a_tenth_of_their_median() {
        let shows = |shown| problems_showing(shown, &[1.164, 1.166, 1.182]).len(); // a spread of 0.018
        assert_eq!(shows("1.20"), 0); // 0.018 past the rounds: within a tenth
        assert_eq!(shows("1.32"), 1); // 0.138 past them: more than a tenth
    }

    #[test]
    fn a_recording_from_another_run_or_none_is_caught() {
        let text = |_: &str| Some("in 1.5 s:".to_string());
        let samples = samples(&[1.4, 1.6], "r2");
        for made_in in [runs("r1"), BTreeMap::new()] {
            let found = problems(&[figure()], text, &samples, &made_in);
            assert!(
                found[0].contains("not recorded in the report run"),
                "{found:?}"
            );
        }
    }

    #[test]
    fn a_missing_row_or_figure_is_named() {
        let text = |_: &str| Some("nothing here".to_string());
        let none = problems(&[figure()], text, &[], &runs("r1"));
        assert!(none[0].contains("no photos Rust row"), "{none:?}");
        let found = problems(&[figure()], text, &samples(&[1.0], "r1"), &runs("r1"));
        assert!(found[0].contains("no `in {} s:`"), "{found:?}");
    }

    #[test]
    fn the_real_file_parses_and_a_bad_line_is_named() {
        let root = crate::repo_root();
        assert!(!read(&root).unwrap().is_empty());
        let error = parse("a | b {} | c").unwrap_err().to_string();
        assert!(
            error.contains("line 1") && error.contains("6 columns"),
            "{error}"
        );
    }
}
