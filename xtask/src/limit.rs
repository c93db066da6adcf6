//! The photo job's limit on this machine, `measured/bench-limit.md`: for each
//! stage of one 3000 x 2000 photo, the fastest candidate measured; their sum
//! per photo, times the fifteen photos, over the cores, is the job's limit,
//! and the table sets the pipelines' measured time on rayon against it.
//!
//! The limit is what the fastest code we could measure does, stage by stage,
//! not a bound from physics: a faster library would lower it. One part of it
//! is a floor for any decoder, though: reading and entropy-decoding every bit
//! of the file (`limit/entropy`), which no DCT scale can skip.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::benches::{Estimate, estimate, time};

/// The `cargo bench` arguments that run the benches only this table reads;
/// it reads the `stages` and `candidates` tables' benches too.
pub const BENCH: &str = "--bench images -- limit";

/// How many photos the measured runs process (`limit/rayon/*`).
const PHOTOS: f64 = 15.0;

/// One stage: its name, and the benches that do its work in each pipeline.
struct Stage {
    name: &'static str,
    exact: &'static [&'static str],
    fast: &'static [&'static str],
}

const STAGES: &[Stage] = &[
    Stage {
        name: "read the file",
        exact: &["limit/read"],
        fast: &["limit/read"],
    },
    Stage {
        name: "decode (exact: every pixel; fast: at 1/8)",
        exact: &[
            "candidates/decode/zune_full",
            "candidates/decode/mozjpeg_8_8",
        ],
        fast: &[
            "candidates/decode/mozjpeg_1_8",
            "candidates/decode/mozjpeg_1_8_plain_upsampling",
            "candidates/decode/jpeg_decoder_eighth",
        ],
    },
    Stage {
        name: "blur (exact: 3000 x 2000; fast: 375 x 250)",
        exact: &["stages/exact/blur"],
        fast: &["stages/fast/blur"],
    },
    Stage {
        name: "resize to 1200 x 800",
        exact: &[
            "candidates/resize/image_thumbnail",
            "candidates/resize/fast_image_resize",
        ],
        fast: &["stages/fast/resize"],
    },
    Stage {
        name: "encode 1200 x 800 (exact: 4:4:4; fast: 4:2:0)",
        exact: &[
            "candidates/encode/image",
            "candidates/encode/mozjpeg_full_colour",
        ],
        fast: &[
            "candidates/encode/jpeg_encoder",
            "candidates/encode/mozjpeg_half_colour",
        ],
    },
    Stage {
        name: "write the file",
        exact: &["stages/write"],
        fast: &["stages/write"],
    },
];

/// The fastest of `ids`, and its ID.
fn fastest<'a>(folders: &HashMap<String, PathBuf>, ids: &[&'a str]) -> Result<(Estimate, &'a str)> {
    let mut best: Option<(Estimate, &str)> = None;
    for id in ids {
        let e = estimate(folders, id)?;
        if best.as_ref().is_none_or(|(b, _)| e.seconds < b.seconds) {
            best = Some((e, id));
        }
    }
    best.context("a stage without benches")
}

/// The limit of each pipeline, and the ratio of its measured time to it.
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
    let mut text = String::from(
        "| stage of one photo | exact: fastest measured | by | fast: fastest measured | by |\n\
         |---|---|---|---|---|\n",
    );
    let mut sums = [0.0; 2];
    for stage in STAGES {
        let (exact, exact_id) = fastest(folders, stage.exact)?;
        let (fast, fast_id) = fastest(folders, stage.fast)?;
        sums[0] += exact.seconds;
        sums[1] += fast.seconds;
        writeln!(
            text,
            "| {} | {} | `{exact_id}` | {} | `{fast_id}` |",
            stage.name,
            time(exact.seconds),
            time(fast.seconds)
        )?;
    }
    let entropy = estimate(folders, "limit/entropy")?.seconds;
    let mut limits = [Limit {
        per_photo: 0.0,
        limit: 0.0,
        measured: 0.0,
    }; 2];
    for (i, name) in ["exact", "fast"].into_iter().enumerate() {
        limits[i] = Limit {
            per_photo: sums[i],
            limit: sums[i] * PHOTOS / cores as f64,
            measured: estimate(folders, &format!("limit/rayon/{name}"))?.seconds,
        };
    }
    let [exact, fast] = limits;
    let row = |text: &mut String, what: &str, exact: String, fast: String| {
        writeln!(text, "| {what} | {exact} | | {fast} | |")
    };
    row(
        &mut text,
        "**one photo, every stage at its fastest**",
        format!("**{}**", time(exact.per_photo)),
        format!("**{}**", time(fast.per_photo)),
    )?;
    row(
        &mut text,
        "of which entropy decoding (`limit/entropy`), which no scale can skip",
        time(entropy),
        time(entropy),
    )?;
    row(
        &mut text,
        &format!("**the limit**: {PHOTOS} photos on {cores} cores"),
        format!("**{}**", time(exact.limit)),
        format!("**{}**", time(fast.limit)),
    )?;
    row(
        &mut text,
        &format!("{PHOTOS} photos through the pipeline on rayon (`limit/rayon/*`)"),
        time(exact.measured),
        time(fast.measured),
    )?;
    row(
        &mut text,
        "**pipeline / limit**",
        format!("**{:.2}x**", exact.ratio()),
        format!("**{:.2}x**", fast.ratio()),
    )?;
    write!(
        text,
        "\n<small>criterion's means of `cargo bench --bench images -- 'stages|candidates|limit'`; the limit is the sum of each \
         stage's fastest candidate, times {PHOTOS} photos, over {cores} cores. {footer}</small>\n"
    )?;
    Ok((text, limits))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Criterion's two files for `id`, with a mean of `ms` milliseconds.
    fn bench(root: &std::path::Path, id: &str, ms: f64) {
        let dir = root.join(id.replace('/', "_")).join("new");
        std::fs::create_dir_all(&dir).unwrap();
        let ns = ms * 1e6;
        std::fs::write(
            dir.join("estimates.json"),
            format!(
                r#"{{"mean":{{"point_estimate":{ns},"confidence_interval":{{"lower_bound":{ns},"upper_bound":{ns}}}}}}}"#
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("benchmark.json"),
            format!(r#"{{"full_id":"{id}"}}"#),
        )
        .unwrap();
    }

    #[test]
    fn the_limit_sums_each_stages_fastest_candidate_over_the_cores() {
        let dir = tempfile::tempdir().unwrap();
        let mut ids: Vec<&str> = STAGES
            .iter()
            .flat_map(|s| s.exact.iter().chain(s.fast))
            .copied()
            .collect();
        ids.sort();
        ids.dedup();
        for id in &ids {
            bench(dir.path(), id, 10.0);
        }
        // The fastest candidates: 1 ms to decode every pixel, 2 ms to encode.
        bench(dir.path(), "candidates/decode/mozjpeg_8_8", 1.0);
        bench(dir.path(), "candidates/encode/mozjpeg_full_colour", 2.0);
        bench(dir.path(), "candidates/encode/jpeg_encoder", 2.0);
        bench(dir.path(), "limit/entropy", 0.5);
        bench(dir.path(), "limit/rayon/exact", 300.0);
        bench(dir.path(), "limit/rayon/fast", 450.0);
        let folders = crate::benches::bench_folders(dir.path()).unwrap();
        let (text, [exact, fast]) = table(&folders, 2, "footer").unwrap();
        // exact: read, decode 1, blur, resize, encode 2, write = 43 ms
        assert!((exact.per_photo - 0.043).abs() < 1e-9, "{exact:?}");
        assert!((exact.limit - 0.043 * 15.0 / 2.0).abs() < 1e-9);
        assert!((exact.ratio() - 0.3 / (0.043 * 7.5)).abs() < 1e-9);
        // fast: read, decode 10, blur, resize, encode 2, write = 52 ms
        assert!((fast.per_photo - 0.052).abs() < 1e-9, "{fast:?}");
        assert!(
            text.contains("| 1.00 ms | `candidates/decode/mozjpeg_8_8` |"),
            "{text}"
        );
        assert!(text.contains("| **0.93x** | | **1.15x** | |"), "{text}");
        // A missing bench is named.
        std::fs::remove_dir_all(dir.path().join("limit_entropy")).unwrap();
        let folders = crate::benches::bench_folders(dir.path()).unwrap();
        let error = format!("{:#}", table(&folders, 2, "").unwrap_err());
        assert!(error.contains("limit/entropy"), "{error}");
    }
}
