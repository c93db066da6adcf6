//! `cargo xtask bench-tables`: the chapters' tables of criterion figures,
//! made from criterion's own estimates instead of copied from a terminal.
//!
//! `cargo bench` leaves, for every bench, its mean time and confidence
//! interval in `target/criterion/GROUP/ID/new/estimates.json` (and what it
//! measured in `benchmark.json`). Each table below names its rows by bench
//! ID; the command reads their estimates, computes the ratios a chapter
//! discusses, and writes `measured/bench-NAME.md` with the bench command and
//! the machine and date line, for the chapter to include.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;

/// One table of a chapter.
#[derive(Debug, Deserialize)]
pub struct BenchTable {
    /// Written to `measured/bench-NAME.md`.
    pub name: String,
    /// The `cargo bench` arguments that run its benches.
    pub bench: String,
    /// Header of the second column (what each row runs).
    pub what: String,
    /// Rows: criterion's ID, and what that bench runs.
    pub rows: Vec<(String, String)>,
    /// A column of each row's time as a ratio to one row's.
    pub ratio: Option<Ratio>,
    /// A column of the process's peak memory during each bench, which the
    /// bench saved with `memory::save_bench_peak`.
    pub memory: bool,
}

/// How a ratio column is computed.
#[derive(Debug, Deserialize)]
pub struct Ratio {
    pub header: String,
    /// The row the others are compared with: a bench ID, or a last segment
    /// alone (`seq`) to compare each row with its sibling of that name
    /// (`cpu_by_n/1e6/threads` with `cpu_by_n/1e6/seq`).
    pub baseline: String,
    /// true: baseline / time (a speedup); false: time / baseline (a cost).
    pub speedup: bool,
}

/// Every table the chapters include, from `xtask/data/bench-tables.toml`.
pub fn all_tables() -> Vec<BenchTable> {
    #[derive(Deserialize)]
    struct File {
        table: Vec<BenchTable>,
    }
    let file: File = toml::from_str(include_str!("../data/bench-tables.toml"))
        .expect("xtask/data/bench-tables.toml is a list of [[table]]s");
    file.table
}

/// A bench's figures from criterion: the mean time in seconds, its 95%
/// confidence interval, and the elements per iteration if it declared them.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub seconds: f64,
    pub low: f64,
    pub high: f64,
    pub elements: Option<f64>,
}

/// Where criterion keeps each bench's figures, by its full ID: read from
/// every `benchmark.json` under `criterion` (criterion writes `a/b/c` as the
/// folder `a/b_c` when `b/c` is one function's name).
pub fn bench_folders(criterion: &Path) -> Result<HashMap<String, PathBuf>> {
    let mut folders = HashMap::new();
    let mut pending = vec![criterion.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue; // no benches run yet: every table will say which to run
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "report") {
                pending.push(path);
            } else if path.ends_with("new/benchmark.json") {
                let text = std::fs::read_to_string(&path)?;
                let info: Value = serde_json::from_str(&text)
                    .with_context(|| format!("{}: not criterion's JSON", path.display()))?;
                if let (Some(id), Some(folder)) = (info["full_id"].as_str(), path.parent()) {
                    folders.insert(id.to_string(), folder.to_path_buf());
                }
            }
        }
    }
    Ok(folders)
}

/// Reads `id`'s estimate from its folder (see [`bench_folders`]).
pub fn estimate(folders: &HashMap<String, PathBuf>, id: &str) -> Result<Estimate> {
    let folder = folders.get(id).with_context(|| {
        format!("no figures for `{id}` in target/criterion: run its bench first")
    })?;
    let read = |file: &str| -> Result<Value> {
        let path = folder.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("no figures for `{id}` ({})", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not criterion's JSON", path.display()))
    };
    let estimates = read("estimates.json")?;
    let mean = &estimates["mean"];
    let number = |value: &Value| {
        value
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .with_context(|| format!("`{id}`: estimates.json has no mean"))
    };
    let elements = read("benchmark.json")?["throughput"]["Elements"].as_f64();
    Ok(Estimate {
        seconds: number(&mean["point_estimate"])? / 1e9,
        low: number(&mean["confidence_interval"]["lower_bound"])? / 1e9,
        high: number(&mean["confidence_interval"]["upper_bound"])? / 1e9,
        elements,
    })
}

/// A duration as criterion prints it: three significant digits, in ns, µs, ms or s.
pub fn time(seconds: f64) -> String {
    let (value, unit) = match seconds {
        s if s < 1e-6 => (s * 1e9, "ns"),
        s if s < 1e-3 => (s * 1e6, "µs"),
        s if s < 1.0 => (s * 1e3, "ms"),
        s => (s, "s"),
    };
    let digits = match value {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    format!("{value:.digits$} {unit}")
}

/// The table's markdown: one row per bench, the mean and its interval, the
/// rate when the benches count elements, the ratio; then where it comes from.
pub fn render(
    table: &BenchTable,
    estimates: &[Estimate],
    peaks: &HashMap<String, f64>,
    footer: &str,
) -> Result<String> {
    let per_second = estimates.iter().all(|e| e.elements.is_some());
    let mut header = vec!["bench", &table.what, "mean time (95% interval)"];
    if per_second {
        header.push("per second");
    }
    if let Some(ratio) = &table.ratio {
        header.push(&ratio.header);
    }
    if table.memory {
        header.push("peak memory of the process");
    }
    let mut text = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for ((id, what), e) in table.rows.iter().zip(estimates) {
        let mut cells = vec![
            format!("`{id}`"),
            what.to_string(),
            format!("{} ({} to {})", time(e.seconds), time(e.low), time(e.high)),
        ];
        if let (true, Some(elements)) = (per_second, e.elements) {
            let millions = elements / e.seconds / 1e6;
            let digits = if millions >= 10.0 { 1 } else { 2 };
            cells.push(format!("{millions:.digits$} million"));
        }
        if let Some(ratio) = &table.ratio {
            let base = baseline_of(id, &ratio.baseline);
            let at = (table.rows.iter().position(|(id, _)| *id == base))
                .with_context(|| format!("table {}: no row {base}", table.name))?;
            let (base, this) = (estimates[at].seconds, e.seconds);
            let r = if ratio.speedup {
                base / this
            } else {
                this / base
            };
            cells.push(format!("{r:.2}x"));
        }
        if table.memory {
            let peak = peaks.get(id).with_context(|| {
                format!(
                    "no peak memory for {id}: run `cargo bench {}` first",
                    table.bench
                )
            })?;
            cells.push(format!("{peak:.0} MiB"));
        }
        text.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    text.push_str(&format!(
        "\n<small>criterion's mean of `cargo bench {}`. {footer}</small>\n",
        table.bench
    ));
    Ok(text)
}

/// The peak memory the benches saved, by bench ID (none saved: empty).
fn peak_memory(criterion: &Path) -> Result<HashMap<String, f64>> {
    let path = criterion.join(harness::memory::BENCH_PEAK_MEMORY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{}: not a map of bench IDs to MiB", path.display())),
        Err(_) => Ok(HashMap::new()),
    }
}

/// The ID of the row that `id` is compared with (see [`Ratio::baseline`]).
fn baseline_of(id: &str, baseline: &str) -> String {
    match (baseline.contains('/'), id.rsplit_once('/')) {
        (false, Some((group, _))) => format!("{group}/{baseline}"),
        _ => baseline.to_string(),
    }
}

/// Every table's file and text, from the estimates in `criterion`; an error
/// names the first bench without figures.
pub fn tables(criterion: &Path, measured: &Path, footer: &str) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let folders = bench_folders(criterion)?;
    let peaks = peak_memory(criterion)?;
    let mut files = Vec::new();
    for table in &all_tables() {
        let estimates = (table.rows.iter())
            .map(|(id, _)| estimate(&folders, id))
            .collect::<Result<Vec<_>>>()
            .with_context(|| format!("table {} (`cargo bench {}`)", table.name, table.bench))?;
        let text = render(table, &estimates, &peaks, footer)?;
        files.push((
            measured.join(format!("bench-{}.md", table.name)),
            text.into_bytes(),
        ));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (limit, _) = crate::limit::table(&folders, cores, footer)
        .with_context(|| format!("the limit table (`cargo bench {}`)", crate::limit::BENCH))?;
    files.push((measured.join("bench-limit.md"), limit.into_bytes()));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate_at(seconds: f64) -> Estimate {
        Estimate {
            seconds,
            low: seconds * 0.9,
            high: seconds * 1.1,
            elements: None,
        }
    }

    #[test]
    fn times_read_like_criterion() {
        assert_eq!(time(26.6e-6), "26.6 µs");
        assert_eq!(time(0.0457), "45.7 ms");
        assert_eq!(time(4.0e-9), "4.00 ns");
        assert_eq!(time(1.573), "1.57 s");
        assert_eq!(time(0.595), "595 ms");
    }

    #[test]
    fn a_table_has_its_rows_ratios_and_source() {
        let tables = all_tables();
        let table = &tables[1]; // cpu-bound: a speedup over seq
        let estimates: Vec<Estimate> = [0.0457, 0.044, 0.045, 0.051, 0.0243, 0.0241, 0.0301]
            .map(estimate_at)
            .to_vec();
        let text = render(
            table,
            &estimates,
            &HashMap::new(),
            "Measured on 2026-11-28.",
        )
        .unwrap();
        assert!(
            text.contains(
                "| `cpu_bound/threads/2` | 2 threads | 24.3 ms (21.9 ms to 26.7 ms) | 1.88x |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| `cpu_bound/seq` | none: one loop | 45.7 ms"),
            "{text}"
        );
        assert!(
            text.contains("`cargo bench --bench pools -- cpu_bound`. Measured on 2026-11-28."),
            "{text}"
        );
        assert_eq!(text.lines().filter(|l| l.starts_with("| `")).count(), 7);
    }

    #[test]
    fn a_baseline_without_a_group_is_each_rows_sibling() {
        let tables = all_tables();
        let table = tables.iter().find(|t| t.name == "cpu-by-n").unwrap();
        // seq at 10 ms then 100 ms; each size's other rows at half its seq
        let estimates: Vec<Estimate> = (0..table.rows.len())
            .map(|row| {
                let seq = 0.01 * 10f64.powi(row as i32 / 4);
                estimate_at(if row % 4 == 0 { seq } else { seq / 2.0 })
            })
            .collect();
        let text = render(table, &estimates, &HashMap::new(), "").unwrap();
        let ratios: Vec<&str> = (text.lines().filter(|l| l.starts_with("| `")))
            .map(|l| l.rsplit(" | ").next().unwrap().trim_end_matches(" |"))
            .collect();
        assert_eq!(ratios.len(), 16, "{text}");
        for (row, ratio) in ratios.iter().enumerate() {
            let expected = if row % 4 == 0 { "1.00x" } else { "2.00x" };
            assert_eq!(*ratio, expected, "row {row}: {text}");
        }
        assert_eq!(baseline_of("a/b/c", "seq"), "a/b/seq");
        assert_eq!(baseline_of("a/b/c", "x/y"), "x/y");
    }

    #[test]
    fn peak_memory_goes_beside_the_time_and_a_missing_one_is_named() {
        let tables = all_tables();
        let table = tables.iter().find(|t| t.name == "many").unwrap();
        let estimates: Vec<Estimate> = table.rows.iter().map(|_| estimate_at(0.5)).collect();
        let mut peaks: HashMap<String, f64> = (table.rows.iter())
            .map(|(id, _)| (id.to_string(), 61.6))
            .collect();
        let text = render(table, &estimates, &peaks, "").unwrap();
        assert!(text.contains("| peak memory of the process |"), "{text}");
        assert_eq!(text.matches(" | 62 MiB |").count(), 4, "{text}");
        peaks.remove("many/async/1000");
        let error = render(table, &estimates, &peaks, "").unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("many/async/1000") && message.contains("--bench downloads"),
            "{message}"
        );
    }

    #[test]
    fn a_missing_bench_is_named_with_what_to_run() {
        let empty = tempfile::tempdir().unwrap();
        let error = tables(empty.path(), empty.path(), "").unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("round_trip/tiny_pool") && message.contains("run its bench first"),
            "{message}"
        );
        assert!(
            message.contains("cargo bench --bench pools -- round_trip"),
            "{message}"
        );
    }

    #[test]
    fn estimates_are_found_by_their_full_id() {
        let dir = tempfile::tempdir().unwrap();
        // criterion's folder for the function `decode/zune_full` of `candidates`.
        let new = dir.path().join("candidates/decode_zune_full/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"mean":{"point_estimate":11400000.0,"confidence_interval":{"lower_bound":11000000.0,"upper_bound":11800000.0}}}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"full_id":"candidates/decode/zune_full","throughput":{"Elements":100000}}"#,
        )
        .unwrap();
        let folders = bench_folders(dir.path()).unwrap();
        let e = estimate(&folders, "candidates/decode/zune_full").unwrap();
        assert_eq!(
            e,
            Estimate {
                seconds: 0.0114,
                low: 0.011,
                high: 0.0118,
                elements: Some(100000.0)
            }
        );
        assert!(estimate(&folders, "candidates/decode_zune_full").is_err());
    }
}
