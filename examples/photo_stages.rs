//! Where the time goes in one photo: each stage (decode, blur, resize,
//! encode, write) of the exact and the fast pipeline, one photo at a time,
//! and how far the fast output is from the exact one, in PSNR.
//!
//! `cargo run --release --example photo_stages -- --input ~/Pictures`

use std::fs;
use std::path::{Path, PathBuf};
use std::process;
use std::time::Duration;

use clap::Parser;
use concurrency_book::blur::psnr;
use concurrency_book::charts::{self, Bar};
use concurrency_book::cli::{self, Summary};
use concurrency_book::images::{self, Quality, Settings, Stages};
use concurrency_book::testimages;

/// Time each stage of the exact and the fast photo pipeline, and compare their outputs.
#[derive(Parser)]
struct Args {
    /// Use the JPEGs in this folder (default: generated test photos)
    #[arg(long)]
    input: Option<PathBuf>,
    /// Write the outputs here (the write stage is timed too)
    #[arg(long, default_value = "target/photo-stages")]
    out: PathBuf,
    /// How many photos to use (the first ones, by name)
    #[arg(long, value_parser = cli::parse_count, default_value = "5", allow_hyphen_values = true)]
    tasks: usize,
    /// Size of the generated photos, WIDTHxHEIGHT
    #[arg(long, value_parser = cli::parse_size, default_value = "3000x2000")]
    size: (u32, u32),
    /// Gaussian blur sigma, in pixels of the photo
    #[arg(long, value_parser = cli::parse_sigma, default_value = "15", allow_hyphen_values = true)]
    sigma: f32,
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
    fs::create_dir_all(&out_dir).map_err(|e| format!("--out {}: {e}", out_dir.display()))?;
    let done = images::process_photo(input, &out_dir, settings).map_err(|e| e.to_string())?;
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

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let inputs = match &args.input {
        Some(dir) => images::images_in(dir)
            .unwrap_or_else(|e| fail(&format!("--input {}: {e}", dir.display()))),
        None => {
            let (width, height) = args.size;
            testimages::ensure(args.tasks, width, height)
                .unwrap_or_else(|e| fail(&format!("test photos: {e}")))
        }
    };
    let inputs: Vec<PathBuf> = inputs.into_iter().take(args.tasks).collect();
    if inputs.is_empty() {
        fail("no images to process");
    }
    if cfg!(debug_assertions) {
        println!("(a debug build: add --release for the real speed)");
    }
    // Both pipelines run on every photo: the fast one is compared with the
    // exact one even when only one is reported.
    let (mut exact_sum, mut fast_sum) = (Stages::default(), Stages::default());
    let mut decibels = Vec::new();
    for input in &inputs {
        let settings = |quality| Settings {
            sigma: args.sigma,
            quality,
            ..Settings::default()
        };
        let exact = run(input, &args.out, &settings(Quality::Exact));
        let fast = run(input, &args.out, &settings(Quality::Fast));
        let (exact, fast) = match (exact, fast) {
            (Ok(exact), Ok(fast)) => (exact, fast),
            (Err(error), _) | (_, Err(error)) => fail(&error),
        };
        let db = psnr(exact.pixels.as_raw(), fast.pixels.as_raw());
        let name = input.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{name}: decoded at {}x{} (fast) instead of {}x{}; fast is {db:.1} dB from exact",
            fast.decoded.0, fast.decoded.1, exact.decoded.0, exact.decoded.1
        );
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
        let name = cli::mode_name(&quality);
        println!("\n== {name}: mean per photo, one photo at a time ==");
        let per_photo: Vec<f64> = sum.seconds().iter().map(|s| s / count).collect();
        let total = sum.total() / count;
        let mut summary = Summary::new(
            "photo_stages",
            &name,
            inputs.len(),
            1,
            Duration::from_secs_f64(sum.total()),
        );
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
        summary = summary.with("total_ms", round(total * 1000.0));
        if quality == Quality::Fast {
            let min = decibels.iter().copied().fold(f64::INFINITY, f64::min);
            let mean = decibels.iter().sum::<f64>() / count;
            println!(
                "{:.1}x less time than exact; PSNR against exact: min {min:.1} dB, mean {mean:.1} dB",
                exact_total / total
            );
            summary = summary
                .with("min_psnr_db", round(min))
                .with("mean_psnr_db", round(mean))
                .with("times_faster_than_exact", round(exact_total / total));
        }
        summaries.push(summary);
        bars.push((name, per_photo.iter().map(|s| s * 1000.0).collect()));
    }
    if let Some(path) = &args.svg {
        let bars: Vec<Bar> = (bars.iter())
            .map(|(label, values)| Bar {
                label: label.as_str(),
                values: values.clone(),
            })
            .collect();
        let title = format!("Where the time goes: mean of {} photos", inputs.len());
        let svg = charts::stacked_bars(&title, "milliseconds per photo", &Stages::NAMES, &bars)
            .unwrap_or_else(|e| fail(&format!("--svg {}: {e}", path.display())));
        cli::write_file(path, svg.as_bytes(), "--svg").unwrap_or_else(|e| fail(&e));
    }
    cli::print_json(&summaries, args.json);
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    process::exit(1);
}
