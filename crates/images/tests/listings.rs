//! The photo chapter's whole program (`crates/images/listings/`), the first
//! listing of "Real-world CPU: processing images": a reader pastes it into
//! `src/main.rs` of a new project. It is compiled here as a module, with its
//! `main`, and run on a few small generated photos; nothing asserts speed.

use std::path::PathBuf;

use test_support::scratch;

#[allow(dead_code)] // its `main` is the reader's, not ours
#[path = "../listings/blur_photos.rs"]
mod blur_photos;

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
