//! The photo pipeline's compute kernels, on plain RGB buffers: the book's box
//! blur ([`blur`]), and the fast pipeline's two SIMD steps (see "Doing less
//! work" in `src/processing-images.md`), resizing with fast_image_resize and
//! encoding with jpeg-encoder.
//!
//! A crate of its own so that they are always optimized and compiled once:
//! the book's package is built at opt-level 1 by `cargo test`, where the blur
//! ran 25 times slower, and generic SIMD kernels are compiled in whichever
//! crate calls them.

pub mod blur;

use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::U8x3;
use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};

/// Resizes `width` x `height` RGB pixels to exactly `to_width` x `to_height`
/// with a bilinear filter widened to the scale (so no aliasing when shrinking).
pub fn resize_rgb(pixels: &[u8], from: (u32, u32), to: (u32, u32)) -> Result<Vec<u8>, String> {
    let mut resized = Vec::new();
    resize_rgb_into(pixels, from, to, &mut resized)?;
    Ok(resized)
}

/// [`resize_rgb`] into `resized`, a buffer a caller can reuse.
pub fn resize_rgb_into(
    pixels: &[u8],
    (width, height): (u32, u32),
    (to_width, to_height): (u32, u32),
    resized: &mut Vec<u8>,
) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("cannot resize: {e}");
    let source =
        TypedImageRef::<U8x3>::from_buffer(width, height, pixels).map_err(|e| failed(&e))?;
    // The resizer writes every byte: only the size matters.
    resized.resize(to_width as usize * to_height as usize * 3, 0);
    let mut target =
        TypedImage::<U8x3>::from_buffer(to_width, to_height, resized).map_err(|e| failed(&e))?;
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    // The typed call compiles the resizer for RGB only; the untyped `resize`
    // would compile it for all thirteen pixel types.
    Resizer::new()
        .resize_typed(&source, &mut target, &options)
        .map_err(|e| failed(&e))
}

/// Encodes `width` x `height` RGB pixels as a JPEG (AVX2 where the CPU has it).
pub fn encode_rgb(
    pixels: &[u8],
    (width, height): (u32, u32),
    quality: u8,
) -> Result<Vec<u8>, String> {
    let side = |n: u32| {
        u16::try_from(n).map_err(|_| format!("cannot encode: {n} pixels is too wide for JPEG"))
    };
    let (w, h) = (side(width)?, side(height)?);
    if pixels.len() < usize::from(w) * usize::from(h) * 3 {
        return Err(format!(
            "cannot encode: fewer than {width}x{height} RGB pixels"
        ));
    }
    let mut jpeg = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut jpeg, quality);
    // The same two paths `encode(.., ColorType::Rgb)` takes, named here: its
    // match over nine colour types compiled the encoder nine times.
    #[cfg(target_arch = "x86_64")]
    let encoded = if std::is_x86_feature_detected!("avx2") {
        encoder.encode_image(jpeg_encoder::RgbImageAVX2(pixels, w, h))
    } else {
        encoder.encode_image(jpeg_encoder::RgbImage(pixels, w, h))
    };
    #[cfg(not(target_arch = "x86_64"))]
    let encoded = encoder.encode_image(jpeg_encoder::RgbImage(pixels, w, h));
    encoded.map_err(|e| format!("cannot encode: {e}"))?;
    Ok(jpeg)
}
