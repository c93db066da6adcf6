//! The photo job's limit on this machine, `measured/bench-limit.md`: each
//! stage of one 3000 x 2000 photo benched alone on one core, summed; that
//! sum times the fifteen photos, over the cores, is the job's limit, and the
//! table sets the pipelines' measured time on rayon against it.
//!
//! Each stage is the pipeline's own code, which the candidates table found
//! the fastest we have for it: the limit is what the fastest code we could
//! measure does, not a bound from physics, and a faster library would lower
//! it. One part of it is a floor for any decoder, though: reading and
//! entropy-decoding every bit of the file (`stages/entropy`), which no DCT
//! scale can skip. The rayon runs are benched right after the stages, so
//! that a shared machine's changing speed affects both alike.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;

use crate::benches::{estimate, time};

/// The `cargo bench` arguments that run every bench the table reads (the
/// stages table's).
pub const BENCH: &str = "--bench images -- 'stages|pipeline'";

/// How many photos the measured runs process (`stages/rayon/*`).
const PHOTOS: usize = 15;

/// Each stage of one photo: its name, and its bench in the exact and in the
/// fast pipeline.
const STAGES: &[(&str, &str, &str)] = &[
    ("read the file", "stages/read", "stages/read"),
    (
        "decode (exact: every pixel; fast: at 1/8)",
        "stages/exact/decode",
        "stages/fast/decode",
    ),
    (
        "blur (exact: 3000 x 2000; fast: 375 x 250)",
        "stages/exact/blur",
        "stages/fast/blur",
    ),
    (
        "resize to 1200 x 800 (exact: shrink; fast: enlarge)",
        "stages/exact/resize",
        "stages/fast/resize",
    ),
    (
        "encode 1200 x 800 (exact: 4:4:4; fast: 4:2:0)",
        "stages/exact/encode",
        "stages/fast/encode",
    ),
    ("write the file", "stages/write", "stages/write"),
];

/// A pipeline's stages summed, its limit, and its measured time on rayon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub per_photo: f64,
    pub limit: f64,
    pub measured: f64,
}

impl Limit {
    pub fn ratio(&self) -> f64 {
        self.measured / self.limit
    }
}

/// The table's markdown, and each pipeline's limit (exact, fast).
pub fn table(
    folders: &HashMap<String, PathBuf>,
    cores: usize,
    footer: &str,
) -> Result<(String, [Limit; 2])> {
    let mut text =
        String::from("| stage of one photo, on one core | exact | fast |\n|---|---|---|\n");
    let mut sums = [0.0; 2];
    for (name, exact, fast) in STAGES {
        let (exact, fast) = (estimate(folders, exact)?, estimate(folders, fast)?);
        sums[0] += exact.seconds;
        sums[1] += fast.seconds;
        writeln!(
            text,
            "| {name} | {} | {} |",
            time(exact.seconds),
            time(fast.seconds)
        )?;
    }
    let limit = |i: usize, name: &str| -> Result<Limit> {
        Ok(Limit {
            per_photo: sums[i],
            limit: sums[i] * PHOTOS as f64 / cores as f64,
            measured: estimate(folders, &format!("stages/rayon/{name}"))?.seconds,
        })
    };
    let (exact, fast) = (limit(0, "exact")?, limit(1, "fast")?);
    let entropy = time(estimate(folders, "stages/entropy")?.seconds);
    let bold = |value: String| format!("**{value}**");
    let mut row =
        |what: &str, exact: String, fast: String| writeln!(text, "| {what} | {exact} | {fast} |");
    let (e, f) = (&exact, &fast);
    row(
        "**one photo, every stage**",
        bold(time(e.per_photo)),
        bold(time(f.per_photo)),
    )?;
    let alone = "entropy decoding alone (`stages/entropy`), which no scale can skip";
    row(alone, entropy.clone(), entropy)?;
    let limit = format!("**the limit**: {PHOTOS} photos on {cores} cores");
    row(&limit, bold(time(e.limit)), bold(time(f.limit)))?;
    let measured = format!("{PHOTOS} photos through the pipeline on rayon (`stages/rayon/*`)");
    row(&measured, time(e.measured), time(f.measured))?;
    let ratio = |l: &Limit| bold(format!("{:.2}x", l.ratio()));
    row("**pipeline / limit**", ratio(e), ratio(f))?;
    write!(
        text,
        "\n<small>criterion's means of `cargo bench {BENCH}`; the limit is the sum of the \
         stages, times {PHOTOS} photos, over {cores} cores. {footer}</small>\n"
    )?;
    Ok((text, [exact, fast]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Criterion's two files for `id`, with a mean of `ms` milliseconds.
    fn bench(root: &std::path::Path, id: &str, ms: f64) {
        let dir = root.join(id.replace('/', "_")).join("new");
        std::fs::create_dir_all(&dir).unwrap();
        let ns = ms * 1e6;
        let interval = format!(r#"{{"lower_bound":{ns},"upper_bound":{ns}}}"#);
        let mean = format!(r#"{{"point_estimate":{ns},"confidence_interval":{interval}}}"#);
        std::fs::write(dir.join("estimates.json"), format!(r#"{{"mean":{mean}}}"#)).unwrap();
        let info = format!(r#"{{"full_id":"{id}"}}"#);
        std::fs::write(dir.join("benchmark.json"), info).unwrap();
    }

    #[test]
    fn the_limit_sums_the_stages_over_the_cores_and_names_a_missing_bench() {
        let dir = tempfile::tempdir().unwrap();
        for (_, exact, fast) in STAGES {
            bench(dir.path(), exact, 10.0);
            bench(dir.path(), fast, 10.0);
        }
        bench(dir.path(), "stages/exact/decode", 1.0);
        bench(dir.path(), "stages/fast/encode", 2.0);
        bench(dir.path(), "stages/entropy", 0.5);
        bench(dir.path(), "stages/rayon/exact", 300.0);
        bench(dir.path(), "stages/rayon/fast", 450.0);
        let folders = crate::benches::bench_folders(dir.path()).unwrap();
        let (text, [exact, fast]) = table(&folders, 2, "footer").unwrap();
        // exact: read, decode 1, blur, resize, encode, write = 51 ms
        assert!((exact.per_photo - 0.051).abs() < 1e-9, "{exact:?}");
        assert!((exact.limit - 0.051 * 15.0 / 2.0).abs() < 1e-9, "{exact:?}");
        // fast: read, decode, blur, resize, encode 2, write = 52 ms
        assert!((fast.per_photo - 0.052).abs() < 1e-9, "{fast:?}");
        assert!(text.contains("| decode (exact: every pixel; fast: at 1/8) | 1.00 ms | 10.0 ms |"));
        // 300 / (51 * 7.5) and 450 / (52 * 7.5)
        assert!(
            text.contains("| **pipeline / limit** | **0.78x** | **1.15x** |"),
            "{text}"
        );
        std::fs::remove_dir_all(dir.path().join("stages_entropy")).unwrap();
        let folders = crate::benches::bench_folders(dir.path()).unwrap();
        let error = format!("{:#}", table(&folders, 2, "").unwrap_err());
        assert!(error.contains("stages/entropy"), "{error}");
    }
}
