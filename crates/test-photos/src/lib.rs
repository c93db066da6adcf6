//! Deterministic photo-like test images for "Real-world CPU: processing
//! images": generated on first use into a cache folder, never committed.
//!
//! Each image has what makes photos costly to compress and blur: smooth
//! gradients (a sky), hard edges (hills, discs) and fine texture (noise).
//! The same seed gives the same pixels on every machine.

use std::fs;
use std::io;
use std::path::PathBuf;

use image::RgbImage;
use rayon::prelude::*;

/// The notes' 15 photos.
pub const DEFAULT_COUNT: usize = 15;
/// Large enough to be photo-sized work, small enough to generate in seconds.
pub const DEFAULT_SIZE: (u32, u32) = (3000, 2000);

/// A cheap, well-mixed hash of a pixel's position: deterministic noise.
fn noise(x: u32, y: u32, seed: u64) -> u8 {
    let mut h = (u64::from(x) << 32 | u64::from(y)) ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h & 0xff) as u8
}

/// A photo-like picture: a sky gradient, two hills, a few discs, and grain.
pub fn photo_like(width: u32, height: u32, seed: u64) -> RgbImage {
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let discs: Vec<(f32, f32, f32, [f32; 3])> = (0..5)
        .map(|i| {
            let n = |k: u32| f32::from(noise(i, k, seed)) / 255.0;
            (
                n(1) * w,
                n(2) * h * 0.6,
                (0.03 + 0.08 * n(3)) * w.min(h),
                [n(4) * 255.0, n(5) * 255.0, n(6) * 255.0],
            )
        })
        .collect();
    let tint = f32::from(noise(9, 9, seed)) / 255.0;
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / w, y as f32 / h);
        let hill = 0.6 + 0.12 * (fx * 7.0 + tint * 6.0).sin() + 0.05 * (fx * 23.0).sin();
        let mut rgb = if fy < hill {
            [
                90.0 + 100.0 * fy,
                140.0 + 80.0 * fy,
                230.0 - 60.0 * fy * tint,
            ] // sky
        } else {
            [60.0 + 50.0 * tint, 110.0 - 40.0 * fy, 40.0 + 30.0 * fx] // ground
        };
        for &(cx, cy, r, color) in &discs {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            if dx * dx + dy * dy < r * r {
                rgb = color;
            }
        }
        let grain = (f32::from(noise(x, y, seed)) - 127.5) * 0.12;
        image::Rgb(rgb.map(|v| (v + grain).clamp(0.0, 255.0) as u8))
    })
}

/// The cache folder for images of this size: `target/test-images/WxH`.
pub fn cache_dir(width: u32, height: u32) -> PathBuf {
    harness::target_dir()
        .join("test-images")
        .join(format!("{width}x{height}"))
}

/// The most distinct photos generated for one size: the cache stays within
/// 100 photos per size (about 100 MB at 3000 x 2000), and more tasks reuse them.
pub const MAX_DISTINCT: usize = 100;

/// Paths of `count` test photos of this size (at most [`MAX_DISTINCT`]),
/// generating (in parallel) the ones not yet in the cache. Temporary files
/// that an interrupted generation left are removed first.
pub fn ensure(count: usize, width: u32, height: u32) -> io::Result<Vec<PathBuf>> {
    if count > MAX_DISTINCT {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("at most {MAX_DISTINCT} distinct test photos per size, not {count}"),
        ));
    }
    let dir = cache_dir(width, height);
    fs::create_dir_all(&dir)?;
    atomic_write::remove_stale_temporaries(&dir)?;
    let paths: Vec<PathBuf> = (0..count)
        .map(|i| dir.join(format!("photo-{:02}.jpg", i + 1)))
        .collect();
    if paths.iter().all(|path| path.exists()) {
        return Ok(paths);
    }
    // One process generates, the others wait and then find the photos made:
    // several programs started at once (tests, recordings) would otherwise
    // each generate every photo.
    let _alone = generating_alone(&dir)?;
    paths
        .par_iter()
        .enumerate()
        .filter(|(_, path)| !path.exists())
        .try_for_each(|(i, path)| {
            atomic_write::write_atomically(path, &jpeg(&photo_like(width, height, i as u64 + 1))?)
        })?;
    Ok(paths)
}

/// A test photo as a JPEG at quality 90, as a camera would save it.
fn jpeg(photo: &RgbImage) -> io::Result<Vec<u8>> {
    use image::ImageEncoder;
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
    let (width, height) = photo.dimensions();
    (encoder.write_image(
        photo.as_raw(),
        width,
        height,
        image::ExtendedColorType::Rgb8,
    ))
    .map_err(io::Error::other)?;
    Ok(bytes)
}

/// An exclusive lock on `DIR.lock`, beside the cache folder, held until the
/// value is dropped (or the process dies: the system releases it then).
#[cfg(unix)]
fn generating_alone(dir: &std::path::Path) -> io::Result<nix::fcntl::Flock<fs::File>> {
    let mut options = fs::OpenOptions::new();
    let file = options.create(true).truncate(false).write(true);
    let file = file.open(dir.with_extension("lock"))?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, errno)| io::Error::from(errno))
}

#[cfg(not(unix))]
fn generating_alone(_dir: &std::path::Path) -> io::Result<()> {
    Ok(())
}
