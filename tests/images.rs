//! "Real-world CPU: processing images": process_images on small photos.
//! Every faithful mode writes identical files; outputs keep the aspect ratio;
//! bad inputs are reported by name while the other photos are processed.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::{assert_rejected, run_example, scratch, summaries};
use concurrency_book::testimages;

/// `count` small photos, 4:3 and 3:4, in `dir`.
fn small_photos(dir: &Path, count: usize) {
    for i in 0..count {
        let (w, h) = if i % 2 == 0 { (320, 240) } else { (180, 240) };
        let jpeg = testimages::encode_jpeg(&testimages::photo_like(w, h, i as u64), 90).unwrap();
        fs::write(dir.join(format!("photo-{i}.jpg")), jpeg).unwrap();
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_mode_writes_the_same_files() {
    let input = scratch("modes-input");
    small_photos(&input, 4);
    let mut results = Vec::new();
    for mode in ["seq", "threads", "rayon", "processes", "rayon-inner"] {
        let out = scratch(&format!("modes-{mode}"));
        let args = [
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--mode",
            mode,
            "--sigma",
            "4",
        ];
        let s = summaries("process_images", &args, 1).remove(0);
        assert_eq!(s["failed"], 0, "{s}");
        assert_eq!(s["tasks"], 4, "{s}");
        results.push((mode, files(&out)));
    }
    let (first_mode, first) = &results[0];
    assert_eq!(first.len(), 4);
    for (mode, outputs) in &results[1..] {
        assert!(
            outputs == first,
            "{mode} wrote different files than {first_mode}"
        );
    }
}

#[test]
fn outputs_fit_the_box_and_keep_the_aspect_ratio() {
    let input = scratch("fit-input");
    small_photos(&input, 2);
    // Write one large photo too: 1600x900 must become 1200x675.
    let big = testimages::encode_jpeg(&testimages::photo_like(1600, 900, 9), 90).unwrap();
    fs::write(input.join("wide.jpg"), big).unwrap();
    let out = scratch("fit-out");
    let args = [
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mode",
        "seq",
    ];
    summaries("process_images", &args, 1);
    let size = |name: &str| image::image_dimensions(out.join(name)).unwrap();
    assert_eq!(size("wide.jpg"), (1200, 675));
    assert_eq!(size("photo-0.jpg"), (320, 240), "never enlarged");
    assert_eq!(size("photo-1.jpg"), (180, 240));
}

#[test]
fn bad_inputs_are_named_the_rest_is_processed_and_nothing_partial_is_left() {
    let input = scratch("bad-input");
    small_photos(&input, 2);
    let good = fs::read(input.join("photo-0.jpg")).unwrap();
    fs::write(input.join("truncated.jpg"), &good[..good.len() / 3]).unwrap();
    fs::write(
        input.join("notes.jpg"),
        b"these are not the pixels you are looking for",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(input.join("gone.jpg"), input.join("missing.jpg")).unwrap();
    let out = scratch("bad-out");
    for mode in ["seq", "processes"] {
        let args = [
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--mode",
            mode,
        ];
        let output = run_example("process_images", &args, Duration::from_secs(60));
        assert_eq!(
            output.status.code(),
            Some(1),
            "{mode}: a failed photo means a non-zero exit"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("truncated.jpg: not a readable image"),
            "{mode}: {stderr}"
        );
        assert!(
            stderr.contains("notes.jpg: not a readable image"),
            "{mode}: {stderr}"
        );
        #[cfg(unix)]
        assert!(
            stderr.contains("missing.jpg: cannot open"),
            "{mode}: {stderr}"
        );
        let written: Vec<String> = files(&out).into_iter().map(|(name, _)| name).collect();
        assert_eq!(
            written,
            vec!["photo-0.jpg", "photo-1.jpg"],
            "{mode}: only whole outputs, no temporary files"
        );
    }
}

#[test]
fn an_output_folder_that_cannot_be_created_is_a_clear_error() {
    let input = scratch("unwritable-input");
    small_photos(&input, 1);
    let not_a_folder = scratch("unwritable").join("a-file");
    fs::write(&not_a_folder, b"").unwrap();
    let out = not_a_folder.join("out");
    let args = [
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mode",
        "seq",
    ];
    let output = run_example("process_images", &args, Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--out") && stderr.contains("a-file/out"),
        "{stderr}"
    );
}

#[test]
fn a_missing_input_folder_is_a_clear_error() {
    let output = run_example(
        "process_images",
        &["--input", "/no/such/folder"],
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--input /no/such/folder"));
}

#[test]
fn process_images_rejects_bad_flags() {
    assert_rejected("process_images", &["--size", "3000by2000"], "--size");
    assert_rejected("process_images", &["--size", "0x10"], "--size");
    assert_rejected("process_images", &["--workers", "0"], "--workers");
    assert_rejected("process_images", &["--mode", "gpu"], "--mode");
}
