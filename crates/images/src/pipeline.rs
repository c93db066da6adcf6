//! The image pipeline of "Real-world CPU: processing images": decode, blur,
//! shrink to fit, encode, write atomically. One function per photo, so the
//! example can run it in any mode and the chapter can show the concurrency.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::{ImageReader, RgbImage, imageops};
use serde::{Deserialize, Serialize};

use crate::blur;
use atomic_write::write_atomically;

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

/// How much work to do per photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum Quality {
    /// Every pixel decoded, blurred at full size, then shrunk: the notes' pipeline
    Exact,
    /// Decoded at a reduced scale, the smaller of it and the output blurred
    Fast,
}

/// What to do to each photo.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Settings {
    /// Standard deviation of the Gaussian blur (Pillow's `GaussianBlur(15)`)
    pub sigma: f32,
    /// The output fits in a `fit` x `fit` box, aspect ratio kept
    pub fit: u32,
    /// JPEG quality of the output
    pub jpeg_quality: u8,
    pub blur: Blur,
    pub quality: Quality,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sigma: 15.0,
            fit: 1200,
            jpeg_quality: 85,
            blur: Blur::Boxes,
            quality: Quality::Fast,
        }
    }
}

/// Seconds spent in each stage of one photo.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Stages {
    pub decode: f64,
    pub blur: f64,
    pub resize: f64,
    pub encode: f64,
    pub write: f64,
}

impl Stages {
    pub const NAMES: [&str; 5] = ["decode", "blur", "resize", "encode", "write"];

    /// The stages in the order of [`Stages::NAMES`].
    pub fn seconds(&self) -> [f64; 5] {
        [self.decode, self.blur, self.resize, self.encode, self.write]
    }

    pub fn total(&self) -> f64 {
        self.seconds().iter().sum()
    }

    /// Adds another photo's stages to these.
    pub fn add(&mut self, other: &Stages) {
        self.decode += other.decode;
        self.blur += other.blur;
        self.resize += other.resize;
        self.encode += other.encode;
        self.write += other.write;
    }
}

/// One photo done.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Processed {
    pub output: PathBuf,
    pub width: u32,
    pub height: u32,
    /// The size the decoder produced (smaller than the photo in fast mode)
    pub decoded: (u32, u32),
    pub seconds: f64,
    pub stages: Stages,
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
    process_photo_with(input, out_dir, settings, &mut Buffers::default())
}

/// [`process_photo`], reusing a worker's [`Buffers`].
pub fn process_photo_with(
    input: &Path,
    out_dir: &Path,
    settings: &Settings,
    buffers: &mut Buffers,
) -> Result<Processed, Failed> {
    let started = Instant::now();
    let fail = |reason: String| Failed {
        input: input.to_path_buf(),
        reason,
    };
    let mut bytes = std::mem::take(&mut buffers.bytes);
    read_into(input, &mut bytes).map_err(|e| fail(format!("cannot open: {e}")))?;
    let rendered = render_with(&bytes, settings, buffers);
    buffers.bytes = bytes;
    let rendered = rendered.map_err(fail)?;
    let write_started = Instant::now();
    let output = output_path(input, out_dir);
    write_atomically(&output, &rendered.jpeg)
        .map_err(|e| fail(format!("cannot write {}: {e}", output.display())))?;
    let stages = Stages {
        write: write_started.elapsed().as_secs_f64(),
        ..rendered.stages
    };
    Ok(Processed {
        output,
        width: rendered.width,
        height: rendered.height,
        decoded: rendered.decoded,
        seconds: started.elapsed().as_secs_f64(),
        stages,
    })
}
// ANCHOR_END: process_photo

/// Reads a whole file into `bytes`, replacing what was there.
fn read_into(path: &Path, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read;
    bytes.clear();
    std::fs::File::open(path)?.read_to_end(bytes)?;
    Ok(())
}

/// Where the result for `input` goes: its name with `.jpg`, in `out_dir`.
pub fn output_path(input: &Path, out_dir: &Path) -> PathBuf {
    let name = input.file_stem().unwrap_or_default().to_string_lossy();
    out_dir.join(format!("{name}.jpg"))
}

/// One photo processed in memory: the output JPEG and where the time went.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub decoded: (u32, u32),
    /// Every stage but `write`
    pub stages: Stages,
}

/// Decodes, blurs, shrinks and encodes one photo (the bytes of its file),
/// timing each stage. The error says what was wrong with the input.
pub fn render(bytes: &[u8], settings: &Settings) -> Result<Rendered, String> {
    render_with(bytes, settings, &mut Buffers::default())
}

// ANCHOR: buffers
/// A photo's big buffers: its file's bytes; the exact pipeline's decoded
/// and blurred pixels (18 MB each at 3000 x 2000) and the blur's scratch;
/// the fast pipeline's resized pixels. A worker that keeps them from photo
/// to photo (rayon's `map_init`) spares the allocator from giving the memory
/// back and faulting it in again for every photo.
#[derive(Debug, Default)]
pub struct Buffers {
    bytes: Vec<u8>,
    photo: Vec<u8>,
    blurred: Vec<u8>,
    scratch: Vec<u8>,
    resized: Vec<u8>,
}
// ANCHOR_END: buffers

/// [`render`], reusing a worker's [`Buffers`].
pub fn render_with(
    bytes: &[u8],
    settings: &Settings,
    buffers: &mut Buffers,
) -> Result<Rendered, String> {
    check_complete(bytes).map_err(|e| format!("not a readable image: {e}"))?;
    let mut stages = Stages::default();
    let (jpeg, (width, height), decoded) = match settings.quality {
        Quality::Exact => render_exact(bytes, settings, &mut stages, buffers)?,
        Quality::Fast => render_fast(bytes, settings, &mut stages, buffers)?,
    };
    Ok(Rendered {
        jpeg,
        width,
        height,
        decoded,
        stages,
    })
}

/// What a way to render returns: the JPEG, its size, and the size decoded.
type Output = (Vec<u8>, (u32, u32), (u32, u32));

/// Times consecutive stages.
struct Laps(Instant);

impl Laps {
    fn start() -> Laps {
        Laps(Instant::now())
    }

    /// Seconds since the previous lap (or the start).
    fn lap(&mut self) -> f64 {
        let now = Instant::now();
        let seconds = (now - self.0).as_secs_f64();
        self.0 = now;
        seconds
    }
}

// ANCHOR: render_exact
fn render_exact(
    bytes: &[u8],
    settings: &Settings,
    stages: &mut Stages,
    buffers: &mut Buffers,
) -> Result<Output, String> {
    let mut laps = Laps::start();
    let photo = decode_full_into(bytes, std::mem::take(&mut buffers.photo))?;
    stages.decode = laps.lap();
    let blurred = blur_image_into(&photo, settings, buffers);
    stages.blur = laps.lap();
    let (width, height) = fit_within(photo.width(), photo.height(), settings.fit);
    let small = resize(&blurred, width, height)?;
    stages.resize = laps.lap();
    let jpeg = encode_exact(&small, settings.jpeg_quality)?;
    stages.encode = laps.lap();
    let decoded = photo.dimensions();
    (buffers.photo, buffers.blurred) = (photo.into_raw(), blurred.into_raw());
    // ANCHOR_END: render_exact
    Ok((jpeg, (width, height), decoded))
}

/// Blurs `photo` the way `settings` say; the book's blur into the worker's
/// buffers (they come back in the image), the others into new ones.
fn blur_image_into(photo: &RgbImage, settings: &Settings, buffers: &mut Buffers) -> RgbImage {
    if settings.blur != Blur::Boxes {
        return blur_image(photo, settings.sigma, settings.blur);
    }
    let (width, height) = photo.dimensions();
    let mut pixels = std::mem::take(&mut buffers.blurred);
    let scratch = &mut buffers.scratch;
    blur::blur_rgb_into(
        photo.as_raw(),
        width as usize,
        settings.sigma,
        &mut pixels,
        scratch,
    );
    RgbImage::from_raw(width, height, pixels).expect("same size")
}

// ANCHOR: render_fast
fn render_fast(
    bytes: &[u8],
    settings: &Settings,
    stages: &mut Stages,
    buffers: &mut Buffers,
) -> Result<Output, String> {
    let mut laps = Laps::start();
    let (photo, (full_width, full_height)) = decode_scaled(bytes, settings.fit, settings.sigma)?;
    stages.decode = laps.lap();
    let (width, height) = fit_within(full_width, full_height, settings.fit);
    // Blur the smaller of the decoded and the output image, with the sigma
    // scaled to match: shrinking an image by `scale` shrinks blurs by `scale`.
    let sigma_at = |image_width: u32| settings.sigma * image_width as f32 / full_width as f32;
    let resized = std::mem::take(&mut buffers.resized);
    let (blurred, resized) = if photo.width() <= width {
        let blurred = blur_image(&photo, sigma_at(photo.width()), settings.blur);
        stages.blur = laps.lap();
        let enlarged = resize_into(&blurred, width, height, resized)?;
        stages.resize = laps.lap();
        (enlarged, None)
    } else {
        let small = resize_into(&photo, width, height, resized)?;
        stages.resize = laps.lap();
        let blurred = blur_image(&small, sigma_at(width), settings.blur);
        stages.blur = laps.lap();
        (blurred, Some(small))
    };
    let jpeg = encode_fast(&blurred, settings.jpeg_quality)?;
    stages.encode = laps.lap();
    // ANCHOR_END: render_fast
    buffers.resized = resized.unwrap_or(blurred).into_raw();
    Ok((jpeg, (width, height), photo.dimensions()))
}

/// Every pixel: a JPEG with libjpeg where it has its SIMD code, anything
/// else (and every JPEG without it) with the `image` crate, which decodes
/// JPEGs with zune-jpeg. Measured in "Choosing the libraries".
pub fn decode_full(bytes: &[u8]) -> Result<RgbImage, String> {
    decode_full_into(bytes, Vec::new())
}

/// [`decode_full`] into `buffer` where libjpeg decodes (its capacity reused).
pub fn decode_full_into(bytes: &[u8], buffer: Vec<u8>) -> Result<RgbImage, String> {
    if cfg!(libjpeg_simd)
        && bytes.starts_with(&[0xFF, 0xD8])
        && let Some((photo, _)) = decode_libjpeg_into(bytes, |_| Some(8), buffer)?
    {
        return Ok(photo);
    }
    decode_any(bytes)
}

/// Every pixel, with the `image` crate (zune-jpeg for JPEGs).
pub fn decode_any(bytes: &[u8]) -> Result<RgbImage, String> {
    Ok(ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?
        .decode()
        .map_err(|e| format!("not a readable image: {e}"))?
        .into_rgb8())
}

// ANCHOR: dct_scale
/// The smallest JPEG decoding scale, `eighths / 8` with `eighths` 1, 2, 4 or
/// 8, that loses nothing the output shows. libjpeg then drops the detail
/// inside its inverse DCT instead of decoding it and throwing it away.
///
/// One decoded pixel stands for `8 / eighths` pixels of the photo. That is
/// fine when the decoded image still covers `target`, or when the blur is at
/// least as wide: a Gaussian of standard deviation `sigma` keeps under 1% of
/// any pattern whose period is `2 * sigma` or shorter.
pub fn dct_scale((width, height): (u32, u32), target: (u32, u32), sigma: f32) -> u8 {
    let covers = |eighths: u32| {
        (width * eighths).div_ceil(8) >= target.0 && (height * eighths).div_ceil(8) >= target.1
    };
    let blurred_away = |eighths: u32| 8.0 / eighths as f32 <= sigma;
    let fine_enough = |eighths: u32| covers(eighths) || blurred_away(eighths);
    [1, 2, 4].into_iter().find(|&e| fine_enough(e)).unwrap_or(8) as u8
}
// ANCHOR_END: dct_scale

/// A decoded photo, and the size of the photo in its file.
pub type Decoded = (RgbImage, (u32, u32));

/// A JPEG at the smallest scale that loses nothing its `fit` output blurred
/// by `sigma` shows (see [`dct_scale`]), and the photo's full size. A photo
/// needed in full, or not a JPEG, goes to [`decode_full`] instead.
pub fn decode_scaled(bytes: &[u8], fit: u32, sigma: f32) -> Result<Decoded, String> {
    // In full, zune-jpeg is faster than libjpeg without its SIMD code.
    let eighths = |full: (u32, u32)| {
        let eighths = dct_scale(full, fit_within(full.0, full.1, fit), sigma);
        (eighths < 8 || cfg!(libjpeg_simd)).then_some(eighths)
    };
    if bytes.starts_with(&[0xFF, 0xD8])
        && let Some(decoded) = decode_libjpeg(bytes, eighths)?
    {
        return Ok(decoded);
    }
    let photo = decode_full(bytes)?;
    let size = photo.dimensions();
    Ok((photo, size))
}

/// A JPEG decoded by libjpeg (mozjpeg) at `eighths(full size) / 8` of its
/// size, and its full size; `None` if `eighths` says not to decode it.
pub fn decode_libjpeg(
    bytes: &[u8],
    eighths: impl Fn((u32, u32)) -> Option<u8>,
) -> Result<Option<Decoded>, String> {
    decode_libjpeg_into(bytes, eighths, Vec::new())
}

/// [`decode_libjpeg`] into `buffer` (its capacity reused).
pub fn decode_libjpeg_into(
    bytes: &[u8],
    eighths: impl Fn((u32, u32)) -> Option<u8>,
    mut buffer: Vec<u8>,
) -> Result<Option<Decoded>, String> {
    // libjpeg reports errors by unwinding out of its C code; mozjpeg's
    // documented contract is to catch that and turn it into an error. A
    // panic inside leaves nothing half-changed: `eighths` is only read.
    let decoded = std::panic::catch_unwind(AssertUnwindSafe(|| -> std::io::Result<_> {
        let mut decoder = mozjpeg::Decompress::new_mem(bytes)?;
        let full = (decoder.width() as u32, decoder.height() as u32);
        let Some(eighths) = eighths(full) else {
            return Ok(None);
        };
        decoder.scale(eighths);
        let mut started = decoder.rgb()?;
        let (width, height) = (started.width() as u32, started.height() as u32);
        // libjpeg writes every byte: only the size matters.
        buffer.resize(width as usize * height as usize * 3, 0);
        started.read_scanlines_into(&mut buffer)?;
        started.finish()?;
        Ok(Some((RgbImage::from_raw(width, height, buffer), full)))
    }));
    match decoded {
        Ok(Ok(None)) => Ok(None),
        Ok(Ok(Some((Some(photo), full)))) => Ok(Some((photo, full))),
        Ok(Ok(Some((None, _)))) => Err("not a readable image: fewer pixels than its size".into()),
        Ok(Err(error)) => Err(format!("not a readable image: {error}")),
        Err(panic) => Err(format!(
            "not a readable image: {}",
            panic
                .downcast_ref::<String>()
                .map_or("libjpeg failed", String::as_str)
        )),
    }
}

/// Shrinks to exactly `width` x `height` with fast_image_resize's SIMD
/// convolution (a bilinear filter widened to the scale, so no aliasing).
pub fn resize(photo: &RgbImage, width: u32, height: u32) -> Result<RgbImage, String> {
    resize_into(photo, width, height, Vec::new())
}

/// [`resize`] into `buffer` (its capacity reused).
pub fn resize_into(
    photo: &RgbImage,
    width: u32,
    height: u32,
    mut buffer: Vec<u8>,
) -> Result<RgbImage, String> {
    if photo.dimensions() == (width, height) {
        buffer.clear();
        buffer.extend_from_slice(photo.as_raw());
    } else {
        let (from, to) = (photo.dimensions(), (width, height));
        photo_kernels::resize_rgb_into(photo.as_raw(), from, to, &mut buffer)?;
    }
    RgbImage::from_raw(width, height, buffer).ok_or_else(|| "cannot resize".into())
}

/// Encodes an RGB image as a JPEG of quality `quality`, with the `image`
/// crate's encoder (no chroma subsampling). The book's test photos are made
/// with it, the same with every build.
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> std::io::Result<Vec<u8>> {
    use image::ImageEncoder;
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(std::io::Error::other)?;
    Ok(bytes)
}

/// How much colour detail a JPEG keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// Colour at every pixel (4:4:4), as the `image` crate's encoder writes
    Full,
    /// Colour at every other pixel both ways (4:2:0), as jpeg-encoder,
    /// Pillow and most cameras write
    Half,
}

/// Encodes with libjpeg (mozjpeg) at libjpeg-turbo's fast settings:
/// mozjpeg's slow defaults (trellis quantisation, progressive scans,
/// optimised Huffman tables) off, libjpeg's standard quantisation tables.
pub fn encode_libjpeg(image: &RgbImage, quality: u8, chroma: Chroma) -> Result<Vec<u8>, String> {
    let encoded = std::panic::catch_unwind(|| -> std::io::Result<Vec<u8>> {
        let mut compress = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        compress.set_fastest_defaults();
        if chroma == Chroma::Full {
            compress.set_chroma_sampling_pixel_sizes((1, 1), (1, 1));
        }
        compress.set_size(image.width() as usize, image.height() as usize);
        compress.set_quality(f32::from(quality));
        let mut started = compress.start_compress(Vec::new())?;
        started.write_scanlines(image.as_raw())?;
        started.finish()
    });
    match encoded {
        Ok(Ok(jpeg)) => Ok(jpeg),
        Ok(Err(error)) => Err(format!("cannot encode: {error}")),
        Err(_) => Err("cannot encode: libjpeg failed".into()),
    }
}

/// The exact pipeline's encoder: libjpeg where it has its SIMD code, else
/// the `image` crate's; both without chroma subsampling (PSNR 54 dB apart).
pub fn encode_exact(image: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    if cfg!(libjpeg_simd) {
        return encode_libjpeg(image, quality, Chroma::Full);
    }
    encode_jpeg(image, quality).map_err(|e| format!("cannot encode: {e}"))
}

// ANCHOR: encode_fast
/// The fast pipeline's encoder: libjpeg where it has its SIMD code, else
/// jpeg-encoder (AVX2 where the CPU has it); both 4:2:0.
pub fn encode_fast(image: &RgbImage, quality: u8) -> Result<Vec<u8>, String> {
    if cfg!(libjpeg_simd) {
        return encode_libjpeg(image, quality, Chroma::Half);
    }
    photo_kernels::encode_rgb(image.as_raw(), image.dimensions(), quality)
}
// ANCHOR_END: encode_fast

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
            ["jpg", "jpeg"].contains(&extension.to_ascii_lowercase().as_str())
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// Rounds a duration for printing.
pub fn seconds(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests;
