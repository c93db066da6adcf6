//! The image pipeline of "Real-world CPU: processing images": decode, blur,
//! shrink to fit, encode, write atomically. One function per photo, so the
//! example can run it in any mode and the chapter can show the concurrency.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::{ImageReader, RgbImage, imageops};
use serde::{Deserialize, Serialize};

use crate::{blur, testimages};

/// Which blur to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Blur {
    /// The book's three box passes, on the calling thread ([`blur::blur_rgb`])
    Boxes,
    /// The same, spread over rayon's threads inside the image
    BoxesParallel,
    /// The `image` crate's exact `blur` (a true Gaussian kernel)
    ImageBlur,
    /// The `image` crate's `fast_blur` (box passes too)
    ImageFastBlur,
}

/// What to do to each photo.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Settings {
    /// Standard deviation of the Gaussian blur (Pillow's `GaussianBlur(15)`)
    pub sigma: f32,
    /// The output fits in a `fit` x `fit` box, aspect ratio kept
    pub fit: u32,
    /// JPEG quality of the output
    pub quality: u8,
    pub blur: Blur,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sigma: 15.0,
            fit: 1200,
            quality: 85,
            blur: Blur::Boxes,
        }
    }
}

/// One photo done.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Processed {
    pub output: PathBuf,
    pub width: u32,
    pub height: u32,
    pub seconds: f64,
}

/// A photo that could not be processed, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failed {
    pub input: PathBuf,
    pub reason: String,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.input.display(), self.reason)
    }
}

/// The size that fits in `fit` x `fit` with the same aspect ratio (never larger).
pub fn fit_within(width: u32, height: u32, fit: u32) -> (u32, u32) {
    let scale = (f64::from(fit) / f64::from(width.max(1)))
        .min(f64::from(fit) / f64::from(height.max(1)))
        .min(1.0);
    let scaled = |side: u32| ((f64::from(side) * scale).round() as u32).max(1);
    (scaled(width), scaled(height))
}

/// Blurs an RGB image the chosen way.
pub fn blur_image(image: &RgbImage, sigma: f32, how: Blur) -> RgbImage {
    let (width, height) = image.dimensions();
    let raw = |pixels: Vec<u8>| RgbImage::from_raw(width, height, pixels).expect("same size");
    match how {
        Blur::Boxes => raw(blur::blur_rgb(image.as_raw(), width as usize, sigma)),
        Blur::BoxesParallel => raw(blur::blur_rgb_parallel(
            image.as_raw(),
            width as usize,
            sigma,
        )),
        Blur::ImageBlur => imageops::blur(image, sigma),
        Blur::ImageFastBlur => imageops::fast_blur(image, sigma),
    }
}

// ANCHOR: process_photo
/// Decodes `input`, blurs it, shrinks it to fit, and writes it as a JPEG of
/// the same name into `out_dir`, atomically (no partial file, ever).
pub fn process_photo(
    input: &Path,
    out_dir: &Path,
    settings: &Settings,
) -> Result<Processed, Failed> {
    let started = Instant::now();
    let fail = |reason: String| Failed {
        input: input.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(input).map_err(|e| fail(format!("cannot open: {e}")))?;
    check_complete(&bytes).map_err(|e| fail(format!("not a readable image: {e}")))?;
    let photo = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| fail(format!("cannot read: {e}")))?
        .decode()
        .map_err(|e| fail(format!("not a readable image: {e}")))?
        .into_rgb8();
    let blurred = blur_image(&photo, settings.sigma, settings.blur);
    let (width, height) = fit_within(photo.width(), photo.height(), settings.fit);
    let small = imageops::thumbnail(&blurred, width, height);
    let jpeg = testimages::encode_jpeg(&small, settings.quality)
        .map_err(|e| fail(format!("cannot encode: {e}")))?;
    let name = input.file_stem().unwrap_or_default().to_string_lossy();
    let output = out_dir.join(format!("{name}.jpg"));
    testimages::write_atomically(&output, &jpeg)
        .map_err(|e| fail(format!("cannot write {}: {e}", output.display())))?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Processed {
        output,
        width,
        height,
        seconds,
    })
}
// ANCHOR_END: process_photo

/// A JPEG must end with its end-of-image marker (0xFF 0xD9, maybe followed by
/// padding). The decoder would quietly fill a cut-off file with grey.
fn check_complete(bytes: &[u8]) -> Result<(), String> {
    let is_jpeg = bytes.starts_with(&[0xFF, 0xD8]);
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    if is_jpeg && !bytes[..end].ends_with(&[0xFF, 0xD9]) {
        return Err("a truncated JPEG (no end-of-image marker)".into());
    }
    Ok(())
}

/// The images in a folder (by extension), sorted by name.
pub fn images_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            ["jpg", "jpeg", "png"].contains(&extension.to_ascii_lowercase().as_str())
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// This process's peak resident memory since the last [`reset_peak_memory`],
/// in MiB (Linux only; `None` elsewhere).
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

/// The largest peak resident memory of any child process reaped so far, in
/// MiB (Unix only): what one worker process of the processes mode used.
pub fn children_peak_memory_mib() -> Option<f64> {
    #[cfg(unix)]
    {
        use nix::sys::resource::{UsageWho, getrusage};
        let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
        let kib = usage.max_rss() as f64; // Linux reports KiB
        if kib > 0.0 {
            return Some((kib / 1024.0 * 10.0).round() / 10.0);
        }
    }
    None
}

/// Starts a new peak-memory measurement (Linux: writes 5 to `/proc/self/clear_refs`).
pub fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Rounds a duration for printing.
pub fn seconds(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_keeps_the_aspect_ratio_and_never_enlarges() {
        assert_eq!(fit_within(3000, 2000, 1200), (1200, 800));
        assert_eq!(fit_within(2000, 3000, 1200), (800, 1200));
        assert_eq!(fit_within(4000, 1000, 1200), (1200, 300));
        assert_eq!(fit_within(640, 480, 1200), (640, 480));
        assert_eq!(fit_within(10_000, 1, 1200), (1200, 1));
    }
}
