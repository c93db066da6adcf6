//! The photo pages' whole programs (`crates/images/listings/`), the first
//! listings of "Real-world CPU: processing images" and "Doing less work per
//! photo": a reader pastes one into `src/main.rs` of a new project. They are
//! compiled here as modules, with their `main`, and run on small generated
//! photos; nothing asserts speed.

use std::path::PathBuf;

use test_support::scratch;

#[allow(dead_code)] // its `main` is the reader's, not ours
#[path = "../listings/blur_photos.rs"]
mod blur_photos;

#[allow(dead_code)]
#[path = "../listings/box_blur.rs"]
mod box_blur;

/// A folder of four small test photos, plus a file that is not a JPEG.
fn photo_folder() -> (PathBuf, Vec<PathBuf>) {
    let input = scratch("listing-blur-photos-in");
    let made = test_photos::ensure(4, 320, 240).expect("test photos");
    for photo in &made {
        std::fs::copy(photo, input.join(photo.file_name().unwrap())).unwrap();
    }
    std::fs::write(input.join("notes.txt"), "not a photo").unwrap();
    let photos = blur_photos::photos_in(&input).expect("the folder lists");
    (input, photos)
}

#[test]
fn blur_photos_gives_the_same_files_both_ways_and_in_input_order() {
    let (_input, photos) = photo_folder();
    assert_eq!(photos.len(), 4, "only the JPEGs: {photos:?}");
    let mut outputs = Vec::new();
    for (name, way) in [
        (
            "seq",
            blur_photos::one_after_another as fn(&[PathBuf], &std::path::Path) -> _,
        ),
        ("rayon", blur_photos::on_every_core),
    ] {
        let out = scratch(&format!("listing-blur-photos-{name}"));
        let saved: Vec<PathBuf> = (way(&photos, &out).into_iter())
            .map(|result| result.expect("every photo is processed"))
            .collect();
        let names = |paths: &[PathBuf]| -> Vec<_> {
            paths
                .iter()
                .map(|path| path.file_name().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            names(&saved),
            names(&photos),
            "{name}: results in input order"
        );
        for path in &saved {
            let image = image::open(path).expect("a JPEG that decodes");
            assert!(image.width() <= 1200 && image.height() <= 1200);
        }
        let files: Vec<Vec<u8>> = saved.iter().map(|p| std::fs::read(p).unwrap()).collect();
        outputs.push(files);
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            4,
            "{name}: no .part file left"
        );
    }
    assert_eq!(
        outputs[0], outputs[1],
        "the same bytes, whichever thread made them"
    );
}

#[test]
fn blur_photos_names_a_photo_that_does_not_decode() {
    let input = scratch("listing-blur-photos-bad");
    std::fs::write(input.join("broken.jpg"), b"\xff\xd8\xff not really").unwrap();
    let out = scratch("listing-blur-photos-bad-out");
    let photos = blur_photos::photos_in(&input).unwrap();
    let results = blur_photos::on_every_core(&photos, &out);
    let error = results[0].as_ref().unwrap_err();
    assert!(error.contains("broken.jpg"), "{error}");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "nothing written"
    );
    assert!(
        blur_photos::photos_in(&input.join("missing"))
            .unwrap_err()
            .contains("missing")
    );
}

#[test]
fn three_box_blurs_have_a_gaussians_spread_and_come_close_to_its_picture() {
    for sigma in [2.0f32, 4.0, 15.0] {
        let widths = box_widths_checked(sigma);
        // A box of width w has variance (w^2 - 1) / 12; three add up.
        let variance: f32 = widths.iter().map(|&w| ((w * w - 1) as f32) / 12.0).sum();
        // Odd whole widths cannot hit every variance: close for a wide blur,
        // within a fifth for a narrow one.
        let relative = (variance - sigma * sigma).abs() / (sigma * sigma);
        let within = if sigma >= 10.0 { 0.05 } else { 0.2 };
        assert!(
            relative < within,
            "sigma {sigma}: widths {widths:?}, variance {variance}"
        );
    }
    let photo = test_photos::ensure(1, 320, 240).expect("a test photo");
    let gray = image::open(&photo[0]).unwrap().to_luma8();
    let gaussian = image::imageops::blur(&gray, 4.0);
    let boxes = box_blur::box_blur(&gray, 4.0);
    let db = box_blur::psnr(&gaussian, &boxes);
    assert!(
        db >= 35.0,
        "{db:.1} dB between three boxes and image's Gaussian"
    );
    let unblurred = box_blur::psnr(&gaussian, &gray);
    assert!(
        unblurred < db - 5.0,
        "the blur changes the picture ({unblurred:.1} dB unblurred)"
    );
}

fn box_widths_checked(sigma: f32) -> Vec<usize> {
    let widths = box_blur::box_widths(sigma, 3);
    assert_eq!(widths.len(), 3);
    assert!(widths.iter().all(|w| w % 2 == 1), "odd widths: {widths:?}");
    assert!(
        widths.windows(2).all(|pair| pair[0] <= pair[1]),
        "{widths:?}"
    );
    widths
}
