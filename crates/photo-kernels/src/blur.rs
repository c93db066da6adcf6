//! A fast Gaussian blur for "Real-world CPU: processing images": three box
//! blurs in a row approximate a Gaussian (the central limit theorem at work),
//! as Pillow's `GaussianBlur` does.
//!
//! A box blur with running sums costs the same per pixel whatever the radius,
//! where a true Gaussian kernel of sigma 15 has 91 taps per pixel per pass.
//! Both passes read memory in order: the horizontal pass walks each row, and
//! the vertical pass keeps one running sum per column and walks the image row
//! by row, instead of striding down columns (a cache miss per pixel).
//! [`blur_rgb_parallel`] splits the same work across rayon's threads and gives
//! bit-identical output.

use rayon::prelude::*;

/// Three box widths (odd) whose successive application approximates a
/// Gaussian of standard deviation `sigma` (W. Jarosz, "Fast image convolutions").
pub fn box_sizes(sigma: f32) -> [usize; 3] {
    let n = 3.0f64;
    let sigma = f64::from(sigma.max(0.0));
    let ideal = (12.0 * sigma * sigma / n + 1.0).sqrt();
    let mut lower = ideal.floor() as i64;
    if lower % 2 == 0 {
        lower -= 1;
    }
    let lower = lower.max(1);
    let upper = lower + 2;
    let lower_f = lower as f64;
    let m = ((12.0 * sigma * sigma - n * lower_f * lower_f - 4.0 * n * lower_f - 3.0 * n)
        / (-4.0 * lower_f - 4.0))
        .round() as i64;
    let width = |i: i64| (if i < m { lower } else { upper }) as usize;
    [width(0), width(1), width(2)]
}

// ANCHOR: passes
/// Dividing by the box width is the hot operation: multiply by a fixed-point
/// reciprocal instead (exact enough: the sums stay below 2^12 * 255).
#[derive(Clone, Copy)]
struct Divide {
    reciprocal: u32,
}

impl Divide {
    const SHIFT: u32 = 20;

    fn by(span: u32) -> Divide {
        Divide {
            reciprocal: ((1u32 << Self::SHIFT) + span / 2) / span,
        }
    }

    #[inline(always)]
    fn apply(self, sum: u32) -> u8 {
        ((sum * self.reciprocal + (1 << (Self::SHIFT - 1))) >> Self::SHIFT) as u8
    }
}

/// One horizontal box pass over one row of RGB pixels, edges extended.
fn box_row(source: &[u8], target: &mut [u8], radius: usize) {
    let (pixels, _) = source.as_chunks::<3>();
    let (outputs, _) = target.as_chunks_mut::<3>();
    let width = pixels.len();
    let divide = Divide::by((2 * radius + 1) as u32);
    let pixel = |x: usize| pixels[x.min(width - 1)];
    // The window [x - radius, x + radius], summed once, then slid: the pixel
    // at x + radius + 1 enters, the one at x - radius leaves.
    let mut sums = pixels[0].map(|first| u32::from(first) * radius as u32);
    for x in 0..=radius {
        for (sum, value) in sums.iter_mut().zip(pixel(x)) {
            *sum += u32::from(value);
        }
    }
    let slide = |sums: &mut [u32; 3], out: &mut [u8; 3], enter: [u8; 3], leave: [u8; 3]| {
        for c in 0..3 {
            out[c] = divide.apply(sums[c]);
            sums[c] = sums[c] + u32::from(enter[c]) - u32::from(leave[c]);
        }
    };
    // Where the whole window lies inside the row, no edge to clamp to: the
    // hot loop. The few pixels near either edge take the clamped way.
    let head_len = radius.min(width);
    let (head, rest) = outputs.split_at_mut(head_len);
    let (middle, tail) = rest.split_at_mut(width.saturating_sub(2 * radius + 1));
    for (x, out) in head.iter_mut().enumerate() {
        slide(&mut sums, out, pixel(x + radius + 1), pixel(0));
    }
    let entering = &pixels[(2 * radius + 1).min(width)..];
    for ((out, &enter), &leave) in middle.iter_mut().zip(entering).zip(pixels) {
        slide(&mut sums, out, enter, leave);
    }
    for (x, out) in (head_len + middle.len()..).zip(tail) {
        slide(
            &mut sums,
            out,
            pixel(x + radius + 1),
            pixel(x.saturating_sub(radius)),
        );
    }
}

/// One vertical box pass, edges extended, writing the rows of `target`
/// (which start at row `first` of the image). Walks row by row with one
/// running sum per column: every read is a whole row, in order.
fn box_columns(source: &[u8], target: &mut [u8], stride: usize, first: usize, radius: usize) {
    let height = source.len() / stride;
    let divide = Divide::by((2 * radius + 1) as u32);
    let row = |y: isize| {
        let start = y.clamp(0, height as isize - 1) as usize * stride;
        &source[start..start + stride]
    };
    let (first, radius_i) = (first as isize, radius as isize);
    let mut sums = vec![0u32; stride];
    for y in first - radius_i..=first + radius_i {
        for (sum, &value) in sums.iter_mut().zip(row(y)) {
            *sum += u32::from(value);
        }
    }
    for (i, out) in target.chunks_mut(stride).enumerate() {
        let y = first + i as isize;
        for (value, &sum) in out.iter_mut().zip(&sums) {
            *value = divide.apply(sum);
        }
        for ((sum, &add), &sub) in sums
            .iter_mut()
            .zip(row(y + radius_i + 1))
            .zip(row(y - radius_i))
        {
            *sum = *sum + u32::from(add) - u32::from(sub);
        }
    }
}
// ANCHOR_END: passes

/// Blurs an RGB image (`width * 3` bytes per row) with sigma `sigma`, on this thread.
pub fn blur_rgb(pixels: &[u8], width: usize, sigma: f32) -> Vec<u8> {
    let mut image = Vec::new();
    blur_rgb_into(pixels, width, sigma, &mut image, &mut Vec::new());
    image
}

/// [`blur_rgb`] into `image`, with `scratch` between the passes: buffers a
/// caller can reuse from photo to photo, so that the allocator does not give
/// their memory back and fault it in again for every photo.
pub fn blur_rgb_into(
    pixels: &[u8],
    width: usize,
    sigma: f32,
    image: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) {
    let stride = width * 3;
    image.clear();
    image.extend_from_slice(pixels);
    // Every byte of `scratch` is written before it is read: only its size matters.
    scratch.resize(pixels.len(), 0);
    for size in box_sizes(sigma) {
        let radius = size / 2;
        for (source, target) in image.chunks(stride).zip(scratch.chunks_mut(stride)) {
            box_row(source, target, radius);
        }
        box_columns(scratch, image, stride, 0, radius);
    }
}

// ANCHOR: parallel
/// The same blur, with rows and blocks of rows spread over rayon's threads.
/// Every output byte is computed exactly as in [`blur_rgb`].
pub fn blur_rgb_parallel(pixels: &[u8], width: usize, sigma: f32) -> Vec<u8> {
    let stride = width * 3;
    // A few blocks of rows per thread: each block first sums the rows above
    // it again, so blocks should be large compared with the box.
    let rows = (pixels.len() / stride.max(1))
        .div_ceil(4 * rayon::current_num_threads())
        .max(64);
    let mut image = pixels.to_vec();
    let mut scratch = vec![0u8; pixels.len()];
    for size in box_sizes(sigma) {
        let radius = size / 2;
        (image.par_chunks(stride).zip(scratch.par_chunks_mut(stride)))
            .for_each(|(source, target)| box_row(source, target, radius));
        (image.par_chunks_mut(rows * stride).enumerate())
            .for_each(|(i, block)| box_columns(&scratch, block, stride, i * rows, radius));
    }
    image
}
// ANCHOR_END: parallel

/// An exact Gaussian blur (kernel to 4 sigma, f64 sums), edges extended. Slow:
/// the reference the tests compare against.
pub fn exact_gaussian_rgb(pixels: &[u8], width: usize, sigma: f64) -> Vec<u8> {
    let radius = (4.0 * sigma).ceil() as isize;
    let kernel: Vec<f64> = (-radius..=radius)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f64 = kernel.iter().sum();
    let kernel: Vec<f64> = kernel.iter().map(|k| k / total).collect();
    let height = pixels.len() / (width * 3);
    let mut rows = vec![0f64; pixels.len()];
    for y in 0..height {
        for x in 0..width {
            for c in 0..3 {
                rows[(y * width + x) * 3 + c] = (-radius..=radius)
                    .map(|i| {
                        let xi = (x as isize + i).clamp(0, width as isize - 1) as usize;
                        kernel[(i + radius) as usize] * f64::from(pixels[(y * width + xi) * 3 + c])
                    })
                    .sum();
            }
        }
    }
    let mut out = vec![0u8; pixels.len()];
    for y in 0..height {
        for x in 0..width {
            for c in 0..3 {
                let value: f64 = (-radius..=radius)
                    .map(|i| {
                        let yi = (y as isize + i).clamp(0, height as isize - 1) as usize;
                        kernel[(i + radius) as usize] * rows[(yi * width + x) * 3 + c]
                    })
                    .sum();
                out[(y * width + x) * 3 + c] = value.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

/// Peak signal-to-noise ratio between two images of equal size, in dB
/// (infinite when identical). 35 dB and up: differences hard to see.
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "images of different sizes");
    let squared: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    let mse = squared / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}
