//! The photo examples' shared flags (`process_images`, `photo_stages`,
//! `distributed_images`) and the measuring around one mode of
//! `process_images`: timeline, peak memory, photos per second, speedup.
//!
//! Example code that binds the photo lesson to the harness, so it sits with
//! the examples (each includes it as `mod photos`), not in the harness, which
//! imports no lesson.
#![allow(dead_code)] // each example uses its own part of it

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::Args;

use harness::cli::{self, Summary};
use harness::memory;
use harness::println;
use harness::speedup::{Speedup, round2};
use harness::timeline::{self, Ideal, Timeline};
use images::pipeline::{self, Failed, Processed, Quality, Settings};

/// Where the photos come from, and the blur: the flags every photo example shares.
#[derive(Args, Debug, Clone)]
pub struct PhotoArgs {
    /// Process the photos in this folder (default: generated test photos)
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// How many test photos to generate (without --input), at most 100
    #[arg(long, value_parser = parse_photo_count, default_value = "15", allow_hyphen_values = true)]
    pub tasks: usize,
    /// Size of the generated photos, WIDTHxHEIGHT
    #[arg(long, value_parser = cli::parse_size, default_value = "3000x2000")]
    pub size: (u32, u32),
    /// Gaussian blur sigma, in pixels of the photo
    #[arg(long, value_parser = cli::parse_sigma, default_value = "15", allow_hyphen_values = true)]
    pub sigma: f32,
}

/// A count of photos: at most [`test_photos::MAX_DISTINCT`], the cache's bound.
fn parse_photo_count(text: &str) -> Result<usize, String> {
    match cli::parse_count(text)? {
        n if n > test_photos::MAX_DISTINCT => Err(format!(
            "must be at most {}: more generated photos would fill the disk \
             (process a folder of your own with --input)",
            test_photos::MAX_DISTINCT
        )),
        n => Ok(n),
    }
}

impl PhotoArgs {
    /// The photos, in name order: the `--input` folder's, or `--tasks`
    /// generated ones (made on first use, then cached). The error names the
    /// folder; no photo at all is an error too.
    pub fn paths(&self) -> Result<Vec<PathBuf>, String> {
        let paths = match &self.input {
            Some(dir) => {
                pipeline::images_in(dir).map_err(|e| format!("--input {}: {e}", dir.display()))?
            }
            None => {
                let (width, height) = self.size;
                if !test_photos::cache_dir(width, height).exists() {
                    eprintln!("generating test photos of {width}x{height} (cached afterwards)");
                }
                test_photos::ensure(self.tasks, width, height)
                    .map_err(|e| format!("test photos: {e}"))?
            }
        };
        if paths.is_empty() {
            return Err("no photos to process".into());
        }
        Ok(paths)
    }

    /// The photos for a run that writes into `out`, checked before any work:
    /// `out` apart from `--input`, no two photos with one output name, `out`
    /// made, temporary files that killed runs left there removed, and this
    /// run's own removed on Ctrl-C or SIGTERM.
    pub fn inputs_for(&self, out: &Path) -> Result<Vec<PathBuf>, String> {
        if let Some(input) = &self.input {
            atomic_write::refuse_overlap(input, out)?;
        }
        let paths = self.paths()?;
        let mut outputs: HashMap<PathBuf, &Path> = HashMap::new();
        for path in &paths {
            if let Some(other) = outputs.insert(pipeline::output_path(path, out), path) {
                return Err(format!(
                    "{} and {} would both be written as {}: rename one of them",
                    other.display(),
                    path.display(),
                    pipeline::output_path(path, out).display()
                ));
            }
        }
        let prepared = atomic_write::create_folder(out)
            .and_then(|()| atomic_write::remove_stale_temporaries(out));
        prepared.map_err(|e| format!("--out {}: {e}", out.display()))?;
        atomic_write::clean_up_on_interrupt(out);
        Ok(paths)
    }

    /// Refuses `--input` or `out` when it is not UTF-8: worker processes
    /// are sent their paths in JSON messages or on a command line, and a
    /// path that cannot be written there would reach them changed, or not
    /// at all.
    pub fn require_utf8_paths(&self, out: &Path) -> Result<(), String> {
        let flags = [("--input", self.input.as_deref()), ("--out", Some(out))];
        for (flag, path) in flags {
            if let Some(path) = path.filter(|p| p.to_str().is_none()) {
                return Err(format!(
                    "{flag} {}: not UTF-8, which worker processes cannot be sent \
                     (rename it, or use a mode without processes)",
                    path.display()
                ));
            }
        }
        Ok(())
    }

    /// The pipeline's settings for these flags and a quality.
    pub fn settings(&self, quality: Quality) -> Settings {
        Settings {
            sigma: self.sigma,
            quality,
            ..Settings::default()
        }
    }

    /// The same flags as command-line arguments, for a copy of the program.
    pub fn to_flags(&self) -> Vec<String> {
        let (width, height) = self.size;
        let mut flags = vec![
            format!("--tasks={}", self.tasks),
            format!("--size={width}x{height}"),
            format!("--sigma={}", self.sigma),
        ];
        if let Some(input) = &self.input {
            flags.push(format!("--input={}", input.display()));
        }
        flags
    }
}

/// Each photo's result, in submission order.
pub type PhotoResults = Vec<Result<Processed, Failed>>;

/// One mode's run of the photo job, measured.
pub struct PhotoRun {
    pub outcomes: PhotoResults,
    pub timeline: Timeline,
    /// This process's peak memory during the run, MiB (Linux)
    pub peak_mib: Option<f64>,
}

/// Runs `work`, recording its timeline (drawn against `ideal`) and this
/// process's peak memory.
pub fn measure(ideal: Ideal, work: impl FnOnce() -> PhotoResults) -> PhotoRun {
    memory::reset_peak();
    let (outcomes, timeline) = timeline::record(ideal, work);
    PhotoRun {
        outcomes,
        timeline,
        peak_mib: memory::peak_mib(),
    }
}

impl PhotoRun {
    /// Prints the failures, the timeline and one line of figures, and returns
    /// the mode's summary. `workers` is how many threads or processes ran;
    /// `with_children` adds the largest worker process's peak memory (call it
    /// after the workers were reaped).
    pub fn report(
        &self,
        example: &'static str,
        mode: &str,
        workers: usize,
        speedup: Option<Speedup>,
        with_children: bool,
    ) -> Summary {
        let failed: Vec<&Failed> = (self.outcomes.iter())
            .filter_map(|o| o.as_ref().err())
            .collect();
        for failure in &failed {
            eprintln!("error: {failure}");
        }
        println!("{}", self.timeline.chart(60));
        let elapsed = self.timeline.elapsed;
        let done = self.outcomes.len() - failed.len();
        let per_second = done as f64 / elapsed.as_secs_f64();
        println!(
            "{done} photos in {:.2} s: {per_second:.1} per second{}{}\n",
            elapsed.as_secs_f64(),
            speedup.map_or(String::new(), |s| format!(", {:.2}x sequential", s.speedup)),
            (self.peak_mib).map_or(String::new(), |p| format!(", peak memory {p} MiB"))
        );
        let mut summary = Summary::new(example, mode, self.outcomes.len(), workers, elapsed)
            .with_timeline(&self.timeline)
            .with("images_per_s", round2(per_second))
            .with("failed", failed.len())
            .with("max_overlap", self.timeline.max_overlap());
        if let Some(speedup) = speedup {
            summary = summary.with("speedup", round2(speedup.speedup));
        }
        if let Some(peak) = self.peak_mib {
            summary = summary.with("peak_memory_mib", peak);
        }
        if let Some(peak) = with_children.then(memory::children_peak_mib).flatten() {
            summary = summary.with("worker_peak_memory_mib", peak);
        }
        summary
    }
}
