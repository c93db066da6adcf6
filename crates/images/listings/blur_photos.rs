//! The notes' photo job, as one Rust program: every JPEG in a folder is
//! blurred, shrunk to fit 1200 x 1200 and saved into another folder; first
//! one photo after another, then one photo per core with rayon. No GIL: the
//! threads of one process decode, blur and encode on every core at once.
//!
//! Cargo.toml: `image = "0.25"` and `rayon = "1"`
//! Run: `cargo run --release -- photos/ blurred/`

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::ImageFormat;
use rayon::prelude::*;

/// Blurs one photo, shrinks it and saves it in `out` under the same name.
/// The saved file is written beside its place and renamed into it, so that
/// an interrupted run leaves no half-written JPEG.
pub fn process_photo(photo: &Path, out: &Path) -> Result<PathBuf, String> {
    let at = |why: String| format!("{}: {why}", photo.display());
    let image = image::open(photo).map_err(|e| at(e.to_string()))?;
    let processed = image.fast_blur(15.0).thumbnail(1200, 1200);
    let name = photo.file_name().ok_or_else(|| at("no file name".into()))?;
    let target = out.join(name);
    let temporary = out.join(format!(".{}.part", name.to_string_lossy()));
    let saved = (processed
        .to_rgb8()
        .save_with_format(&temporary, ImageFormat::Jpeg))
    .map_err(|e| e.to_string())
    .and_then(|()| fs::rename(&temporary, &target).map_err(|e| e.to_string()));
    if let Err(error) = saved {
        let _ = fs::remove_file(&temporary);
        return Err(at(error));
    }
    Ok(target)
}

/// The JPEGs of `folder`, in name order.
pub fn photos_in(folder: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut photos: Vec<PathBuf> = (entries.flatten())
        .map(|entry| entry.path())
        .filter(|path| {
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            matches!(extension.to_ascii_lowercase().as_str(), "jpg" | "jpeg")
        })
        .collect();
    photos.sort();
    Ok(photos)
}

/// One photo after another, as the notes' first script does.
pub fn one_after_another(photos: &[PathBuf], out: &Path) -> Vec<Result<PathBuf, String>> {
    photos
        .iter()
        .map(|photo| process_photo(photo, out))
        .collect()
}

/// rayon's `par_iter`: its pool has one thread per core, and `collect`
/// keeps the input order.
pub fn on_every_core(photos: &[PathBuf], out: &Path) -> Vec<Result<PathBuf, String>> {
    photos
        .par_iter()
        .map(|photo| process_photo(photo, out))
        .collect()
}

fn main() -> Result<(), String> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, out] = args.as_slice() else {
        return Err("usage: blur_photos INPUT_FOLDER OUTPUT_FOLDER".into());
    };
    let photos = photos_in(input)?;
    fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    type Way = fn(&[PathBuf], &Path) -> Vec<Result<PathBuf, String>>;
    for (way, process_all) in [
        ("one after another", one_after_another as Way),
        ("on every core", on_every_core),
    ] {
        let start = Instant::now();
        let results = process_all(&photos, out);
        for error in results.iter().filter_map(|result| result.as_ref().err()) {
            eprintln!("error: {error}");
        }
        let saved = results.iter().filter(|result| result.is_ok()).count();
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{way}: {saved} of {} photos in {seconds:.2} s",
            photos.len()
        );
    }
    Ok(())
}
