//! Unit tests of `pipeline`.

use super::*;
use test_photos;

#[test]
fn resize_hits_the_exact_size_and_keeps_a_flat_colour() {
    let flat = RgbImage::from_pixel(40, 20, image::Rgb([10, 200, 30]));
    let resized = resize(&flat, 10, 5).unwrap();
    assert_eq!(resized.dimensions(), (10, 5));
    assert!(resized.pixels().all(|p| p.0 == [10, 200, 30]));
    let short = photo_kernels::resize_rgb(flat.as_raw(), (40, 21), (10, 5));
    assert!(short.is_err(), "fewer pixels than 40x21");
}

#[test]
fn encode_fast_writes_a_whole_jpeg_and_rejects_sides_over_65535() {
    let jpeg = encode_fast(&RgbImage::new(16, 8), 85).unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]) && jpeg.ends_with(&[0xFF, 0xD9]));
    let error = photo_kernels::encode_rgb(&[], (70_000, 1), 85).unwrap_err();
    assert!(error.contains("70000"), "{error}");
    let error = photo_kernels::encode_rgb(&[0; 10], (4, 4), 85).unwrap_err();
    assert!(error.contains("fewer than 4x4"), "{error}");
}

#[test]
fn fitting_keeps_the_aspect_ratio_and_never_enlarges() {
    assert_eq!(fit_within(3000, 2000, 1200), (1200, 800));
    assert_eq!(fit_within(2000, 3000, 1200), (800, 1200));
    assert_eq!(fit_within(4000, 1000, 1200), (1200, 300));
    assert_eq!(fit_within(640, 480, 1200), (640, 480));
    assert_eq!(fit_within(10_000, 1, 1200), (1200, 1));
}

#[test]
fn the_dct_scale_is_the_smallest_that_loses_nothing_the_output_shows() {
    // Without a blur, the decoded image must cover the output.
    let sharp = |full, target| dct_scale(full, target, 0.0);
    assert_eq!(sharp((3000, 2000), (1200, 800)), 4, "1500x1000 covers it");
    assert_eq!(sharp((2400, 1600), (1200, 800)), 4, "exactly 1200x800");
    assert_eq!(sharp((2399, 1600), (1200, 800)), 4, "1199.5 rounds up");
    assert_eq!(sharp((2398, 1600), (1200, 800)), 8, "1199 is one short");
    assert_eq!(sharp((9600, 6400), (1200, 800)), 1);
    assert_eq!(sharp((4800, 3200), (1200, 800)), 2);
    assert_eq!(sharp((1600, 900), (1200, 675)), 8);
    assert_eq!(sharp((640, 480), (640, 480)), 8, "never below the output");
    // A blur at least as wide as a decoded pixel hides what it drops.
    let blurred = |sigma| dct_scale((3000, 2000), (1200, 800), sigma);
    assert_eq!(blurred(15.0), 1, "8 <= 15");
    assert_eq!(blurred(7.9), 2, "4 <= 7.9 < 8");
    assert_eq!(blurred(4.0), 2);
    assert_eq!(blurred(3.9), 4, "covers it");
    assert_eq!(dct_scale((640, 480), (640, 480), 2.0), 4);
}

#[test]
fn the_fast_pipeline_decodes_less_and_writes_the_same_size() {
    let photo = test_photos::photo_like(3000, 2000, 5);
    let jpeg = encode_jpeg(&photo, 90).unwrap();
    let exact = Settings {
        quality: Quality::Exact,
        ..Settings::default()
    };
    let fast = render(&jpeg, &Settings::default()).unwrap();
    let full = render(&jpeg, &exact).unwrap();
    assert_eq!(full.decoded, (3000, 2000));
    assert_eq!(fast.decoded, (375, 250), "1/8: sigma 15 hides the rest");
    assert_eq!((fast.width, fast.height), (1200, 800));
    assert_eq!((full.width, full.height), (1200, 800));
    let decode = |bytes: &[u8]| image::load_from_memory(bytes).unwrap().into_rgb8();
    let db = blur::psnr(decode(&fast.jpeg).as_raw(), decode(&full.jpeg).as_raw());
    assert!(db >= 35.0, "{db:.1} dB");
}

fn pixels(jpeg: &[u8]) -> Vec<u8> {
    decode_any(jpeg).unwrap().into_raw()
}

#[test]
fn the_exact_pipeline_stays_within_50_db_of_the_one_it_replaced() {
    // Before libjpeg and fast_image_resize: zune-jpeg, the `image`
    // crate's `thumbnail` and its encoder.
    let jpeg = encode_jpeg(&test_photos::photo_like(1500, 1000, 3), 90).unwrap();
    let exact = Settings {
        quality: Quality::Exact,
        ..Settings::default()
    };
    let today = render(&jpeg, &exact).unwrap();
    let blurred = blur_image(&decode_any(&jpeg).unwrap(), exact.sigma, exact.blur);
    let small = imageops::thumbnail(&blurred, 1200, 800);
    let before = encode_jpeg(&small, exact.jpeg_quality).unwrap();
    let db = blur::psnr(&pixels(&today.jpeg), &pixels(&before));
    assert!(db >= 50.0, "{db:.1} dB");
}

#[test]
fn reused_buffers_give_the_same_bytes_as_fresh_ones() {
    let mut buffers = Buffers::default();
    // Each photo finds the previous one's pixels in the buffers: of the
    // same size, then smaller, then larger; in both pipelines, and at a
    // sigma where the fast one shrinks before it blurs.
    let qualities = [
        (Quality::Exact, 15.0),
        (Quality::Fast, 15.0),
        (Quality::Fast, 1.0),
    ];
    let photos = [(900, 600, 1), (900, 600, 3), (640, 480, 2), (1500, 1000, 4)];
    for (quality, sigma) in qualities {
        let settings = Settings {
            quality,
            sigma,
            ..Settings::default()
        };
        for (width, height, seed) in photos {
            let jpeg = encode_jpeg(&test_photos::photo_like(width, height, seed), 90).unwrap();
            let reused = render_with(&jpeg, &settings, &mut buffers).unwrap();
            let fresh = render(&jpeg, &settings).unwrap();
            assert_eq!(
                reused.jpeg, fresh.jpeg,
                "{quality:?} {sigma} {width}x{height}"
            );
        }
    }
    assert!(
        buffers.photo.capacity() >= 1500 * 1000 * 3,
        "the buffers came back"
    );
    assert!(
        buffers.resized.capacity() >= 900 * 600 * 3,
        "the buffers came back"
    );
}

#[test]
fn libjpeg_decodes_and_encodes_as_the_rust_codecs_do() {
    let photo = test_photos::photo_like(640, 480, 2);
    let jpeg = encode_jpeg(&photo, 90).unwrap();
    let (decoded, full) = decode_libjpeg(&jpeg, |_| Some(8)).unwrap().unwrap();
    assert_eq!(full, (640, 480));
    let db = blur::psnr(decoded.as_raw(), &pixels(&jpeg));
    assert!(db >= 60.0, "libjpeg against zune-jpeg: {db:.1} dB");
    assert!(decode_libjpeg(&jpeg, |_| None).unwrap().is_none());
    let (quarter, _) = decode_libjpeg(&jpeg, |_| Some(2)).unwrap().unwrap();
    assert_eq!(quarter.dimensions(), (160, 120));
    let full_colour = encode_libjpeg(&photo, 85, Chroma::Full).unwrap();
    let half_colour = encode_libjpeg(&photo, 85, Chroma::Half).unwrap();
    assert!(full_colour.len() > half_colour.len(), "4:4:4 keeps more");
    // Quality 85 on a photo with grain: not the same pixels, but close.
    for encoded in [full_colour, half_colour] {
        let db = blur::psnr(&pixels(&encoded), photo.as_raw());
        assert!(db >= 30.0, "{db:.1} dB");
    }
}

#[test]
fn a_broken_jpeg_is_an_error_not_a_panic() {
    let mut bytes = encode_jpeg(&test_photos::photo_like(320, 240, 1), 90).unwrap();
    let frame = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[frame + 2..frame + 4].copy_from_slice(&[0x00, 0x02]); // a bogus length
    let error = render(&bytes, &Settings::default()).unwrap_err();
    assert_eq!(
        error,
        "not a readable image: libjpeg fatal error: Bogus marker length"
    );
    let exact = Settings {
        quality: Quality::Exact,
        ..Settings::default()
    };
    let error = render(&bytes, &exact).unwrap_err();
    assert!(error.starts_with("not a readable image"), "{error}");
}
