//! Three box blurs in a row are almost a Gaussian blur, for a fraction of
//! the work: a box blur keeps a running sum (add the pixel that enters the
//! window, subtract the one that leaves), so its cost per pixel does not
//! depend on its width. This program blurs one photo both ways, times
//! them, and measures how close the two results are.
//!
//! Cargo.toml: `image = "0.25"`
//! Run: `cargo run --release -- photo.jpg`

use std::time::Instant;

use image::{GrayImage, Luma};

/// The widths of `boxes` box blurs whose sum has the spread (variance) of
/// a Gaussian of `sigma`: odd widths, the narrower ones first (Kovesi's
/// "fast almost-Gaussian filtering", as Pillow does it).
pub fn box_widths(sigma: f32, boxes: usize) -> Vec<usize> {
    let n = boxes as f32;
    let ideal = (12.0 * sigma * sigma / n + 1.0).sqrt();
    let mut lower = ideal.floor() as usize;
    if lower.is_multiple_of(2) {
        lower = lower.saturating_sub(1).max(1);
    }
    let l = lower as f32;
    let narrow =
        ((12.0 * sigma * sigma - n * l * l - 4.0 * n * l - 3.0 * n) / (-4.0 * l - 4.0)).round();
    (0..boxes)
        .map(|i| {
            if (i as f32) < narrow {
                lower
            } else {
                lower + 2
            }
        })
        .collect()
}

/// One box blur of every row, `2 * radius + 1` wide, the edge pixels
/// repeated past the edges: a running sum, whatever the width.
fn blur_rows(pixels: &[f32], width: usize, radius: usize) -> Vec<f32> {
    let mut out = vec![0.0; pixels.len()];
    let scale = 1.0 / (2 * radius + 1) as f32;
    for (row, blurred) in pixels.chunks(width).zip(out.chunks_mut(width)) {
        let at = |x: isize| row[x.clamp(0, width as isize - 1) as usize];
        let r = radius as isize;
        let mut sum: f32 = (-r..=r).map(at).sum();
        for (x, pixel) in blurred.iter_mut().enumerate() {
            *pixel = sum * scale;
            sum += at(x as isize + r + 1) - at(x as isize - r);
        }
    }
    out
}

/// Rows become columns: the vertical pass is the horizontal one, transposed.
fn transpose(pixels: &[f32], width: usize, height: usize) -> Vec<f32> {
    let mut out = vec![0.0; pixels.len()];
    for y in 0..height {
        for x in 0..width {
            out[x * height + y] = pixels[y * width + x];
        }
    }
    out
}

/// Three box blurs across, then three down.
pub fn box_blur(image: &GrayImage, sigma: f32) -> GrayImage {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut pixels: Vec<f32> = image.pixels().map(|p| p[0] as f32).collect();
    let radii: Vec<usize> = box_widths(sigma, 3).iter().map(|w| w / 2).collect();
    for &radius in &radii {
        pixels = blur_rows(&pixels, width, radius);
    }
    pixels = transpose(&pixels, width, height);
    for &radius in &radii {
        pixels = blur_rows(&pixels, height, radius);
    }
    pixels = transpose(&pixels, height, width);
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        Luma([pixels[y as usize * width + x as usize]
            .round()
            .clamp(0.0, 255.0) as u8])
    })
}

/// Peak signal-to-noise ratio in dB: 40 dB is hard to tell apart by eye.
pub fn psnr(a: &GrayImage, b: &GrayImage) -> f64 {
    let squares: f64 = (a.pixels().zip(b.pixels()))
        .map(|(p, q)| (p[0] as f64 - q[0] as f64).powi(2))
        .sum();
    let mean = squares / (a.width() * a.height()) as f64;
    10.0 * (255.0 * 255.0 / mean.max(1e-12)).log10()
}

fn main() -> Result<(), image::ImageError> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "photo.jpg".into());
    let photo = image::open(&path)?.to_luma8();
    let sigma = 15.0;
    let start = Instant::now();
    let gaussian = image::imageops::blur(&photo, sigma);
    println!("Gaussian blur:      {:.2} s", start.elapsed().as_secs_f64());
    let start = Instant::now();
    let boxes = box_blur(&photo, sigma);
    println!("three box blurs:    {:.2} s", start.elapsed().as_secs_f64());
    println!(
        "box widths {:?}, {:.1} dB apart",
        box_widths(sigma, 3),
        psnr(&gaussian, &boxes)
    );
    Ok(())
}
