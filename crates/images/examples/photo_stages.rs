//! Where the time goes in one photo: each stage (decode, blur, resize,
//! encode, write) of the exact and the fast pipeline, one photo at a time,
//! and how far the fast output is from the exact one, in PSNR.
//!
//! `cargo run --release --example photo_stages -- --input ~/Pictures`

#[path = "shared/photos.rs"]
mod photos;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use harness::charts::{self, Bar};
use harness::cli::{self, Summary};
use harness::println;
use images::blur::psnr;
use images::pipeline::{self, Quality, Settings, Stages};
use photos::PhotoArgs;

/// Time each stage of the exact and the fast photo pipeline, and compare their outputs.
#[derive(Parser)]
struct Args {
    /// The photos: --tasks is how many to use (the first ones, by name)
    #[command(flatten)]
    photos: PhotoArgs,
    /// Write the outputs here (the write stage is timed too)
    #[arg(long, default_value = "target/photo-stages")]
    out: PathBuf,
    /// Run only this pipeline (default: exact, then fast)
    #[arg(long, value_enum)]
    mode: Option<Quality>,
    /// Also draw the mean time of each stage as a chart, into this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Print one JSON summary line per pipeline, after everything else
    #[arg(long)]
    json: bool,
}

/// One photo through one pipeline: its stages, and its output's pixels.
struct Run {
    stages: Stages,
    decoded: (u32, u32),
    pixels: image::RgbImage,
}

fn run(input: &Path, out_dir: &Path, settings: &Settings) -> Result<Run, String> {
    let out_dir = out_dir.join(cli::mode_name(&settings.quality));
    atomic_write::create_folder(&out_dir)
        .map_err(|e| format!("--out {}: {e}", out_dir.display()))?;
    let done = pipeline::process_photo(input, &out_dir, settings).map_err(|e| e.to_string())?;
    let written = fs::read(&done.output).map_err(|e| format!("{}: {e}", done.output.display()))?;
    let pixels = image::load_from_memory(&written)
        .map_err(|e| format!("{}: {e}", done.output.display()))?
        .into_rgb8();
    Ok(Run {
        stages: done.stages,
        decoded: done.decoded,
        pixels,
    })
}

/// One photo through both pipelines (the fast one is compared with the
/// exact one even when only one is reported): their runs and the PSNR.
fn both(input: &Path, args: &Args) -> (Run, Run, f64) {
    let exact = run(input, &args.out, &args.photos.settings(Quality::Exact));
    let fast = run(input, &args.out, &args.photos.settings(Quality::Fast));
    let (exact, fast) = match (exact, fast) {
        (Ok(exact), Ok(fast)) => (exact, fast),
        (Err(error), _) | (_, Err(error)) => cli::fail(error),
    };
    let db = psnr(exact.pixels.as_raw(), fast.pixels.as_raw());
    let name = input.file_name().unwrap_or_default().to_string_lossy();
    println!(
        "{name}: decoded at {}x{} (fast) instead of {}x{}; fast is {db:.1} dB from exact",
        fast.decoded.0, fast.decoded.1, exact.decoded.0, exact.decoded.1
    );
    (exact, fast, db)
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[("tasks", "5")]);
    let inputs = args
        .photos
        .inputs_for(&args.out)
        .unwrap_or_else(|e| cli::fail(e));
    let inputs: Vec<PathBuf> = inputs.into_iter().take(args.photos.tasks).collect();
    cli::note_debug_build();
    let (mut exact_sum, mut fast_sum) = (Stages::default(), Stages::default());
    let mut decibels = Vec::new();
    for input in &inputs {
        let (exact, fast, db) = both(input, &args);
        decibels.push(db);
        exact_sum.add(&exact.stages);
        fast_sum.add(&fast.stages);
    }
    let count = inputs.len() as f64;
    let exact_total = exact_sum.total() / count;
    let mut summaries = Vec::new();
    let mut bars: Vec<(String, Vec<f64>)> = Vec::new();
    for (quality, sum) in [(Quality::Exact, &exact_sum), (Quality::Fast, &fast_sum)] {
        if args.mode.is_some_and(|chosen| chosen != quality) {
            continue;
        }
        let (summary, per_photo_ms) = report(quality, sum, inputs.len());
        bars.push((summary.mode.clone(), per_photo_ms));
        summaries.push(match quality {
            Quality::Exact => summary,
            Quality::Fast => compare(summary, &decibels, exact_total, sum.total() / count),
        });
    }
    if let Some(path) = &args.svg {
        draw(path, &bars, inputs.len());
    }
    cli::print_json(&summaries, args.json);
}

/// `--svg`: each quality's stages as one stacked bar.
fn draw(path: &Path, bars: &[(String, Vec<f64>)], photos: usize) {
    let bars: Vec<Bar> = (bars.iter())
        .map(|(label, values)| Bar {
            label,
            values: values.clone(),
        })
        .collect();
    let title = format!("Where the time goes: mean of {photos} photos");
    let svg = charts::stacked_bars(&title, "milliseconds per photo", &Stages::NAMES, &bars)
        .unwrap_or_else(|e| cli::fail(format!("--svg {}: {e}", path.display())));
    cli::write_file(path, svg.as_bytes(), "--svg").unwrap_or_else(|e| cli::fail(e));
}

/// Prints one pipeline's mean time per stage; its summary, and the
/// milliseconds per stage for the chart.
fn report(quality: Quality, sum: &Stages, photos: usize) -> (Summary, Vec<f64>) {
    let name = cli::mode_name(&quality);
    println!("\n== {name}: mean per photo, one photo at a time ==");
    let count = photos as f64;
    let per_photo: Vec<f64> = sum.seconds().iter().map(|s| s / count).collect();
    let total = sum.total() / count;
    let elapsed = Duration::from_secs_f64(sum.total());
    let mut summary = Summary::new("photo_stages", &name, photos, 1, elapsed);
    for (stage, seconds) in Stages::NAMES.iter().zip(&per_photo) {
        let share = seconds / total;
        let bar = "#".repeat((share * 40.0).round() as usize);
        println!(
            "{stage:<7} {:>8.1} ms {:>4.0}% {bar}",
            seconds * 1000.0,
            share * 100.0
        );
        summary = summary.with(&format!("{stage}_ms"), round(seconds * 1000.0));
    }
    println!("{:<7} {:>8.1} ms", "total", total * 1000.0);
    let per_photo_ms = per_photo.iter().map(|s| s * 1000.0).collect();
    (
        summary.with("total_ms", round(total * 1000.0)),
        per_photo_ms,
    )
}

/// The fast pipeline against the exact one: time and PSNR.
fn compare(summary: Summary, decibels: &[f64], exact_total: f64, total: f64) -> Summary {
    let min = decibels.iter().copied().fold(f64::INFINITY, f64::min);
    let mean = decibels.iter().sum::<f64>() / decibels.len() as f64;
    println!(
        "{:.1}x less time than exact; PSNR against exact: min {min:.1} dB, mean {mean:.1} dB",
        exact_total / total
    );
    summary
        .with("min_psnr_db", round(min))
        .with("mean_psnr_db", round(mean))
        .with("times_faster_than_exact", round(exact_total / total))
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
