//! "Real-world CPU: processing images": process_images on small photos.
//! Every faithful mode writes identical files; outputs keep the aspect ratio;
//! bad inputs are reported by name while the other photos are processed.

use std::fs;
use std::path::Path;
use std::time::Duration;

use images::blur::psnr;
use images::pipeline;
use test_support::{assert_rejected, files, run_example, scratch, summaries, svg_chart};

/// `count` small photos, 4:3 and 3:4, in `dir`.
fn small_photos(dir: &Path, count: usize) {
    for i in 0..count {
        let (w, h) = if i % 2 == 0 { (320, 240) } else { (180, 240) };
        let jpeg = pipeline::encode_jpeg(&test_photos::photo_like(w, h, i as u64), 90).unwrap();
        fs::write(dir.join(format!("photo-{i}.jpg")), jpeg).unwrap();
    }
}

#[test]
fn every_mode_writes_the_same_files() {
    let input = scratch("modes-input");
    small_photos(&input, 4);
    // One photo large enough for the fast mode's reduced-scale decoding.
    let eighths = images::pipeline::dct_scale((1600, 1200), (1200, 900), 4.0);
    assert_eq!(eighths, 2, "decoded at 2/8 scale, 400x300");
    let big = pipeline::encode_jpeg(&test_photos::photo_like(1600, 1200, 7), 90).unwrap();
    fs::write(input.join("large.jpg"), big).unwrap();
    for quality in ["fast", "exact"] {
        every_mode_writes_the_same_files_in(&input, quality);
    }
}

fn every_mode_writes_the_same_files_in(input: &Path, quality: &str) {
    let mut results = Vec::new();
    for mode in ["seq", "threads", "rayon", "processes", "rayon-inner"] {
        let out = scratch(&format!("modes-{mode}-{quality}"));
        let args = in_out(
            input,
            &out,
            &["--mode", mode, "--sigma", "4", "--quality", quality],
        );
        let s = summaries("process_images", &args, 1).remove(0);
        assert_eq!(s["failed"], 0, "{s}");
        assert_eq!(s["tasks"], 5, "{s}");
        assert_eq!(s["quality"], quality, "{s}");
        results.push((mode, files(&out)));
    }
    let (first_mode, first) = &results[0];
    assert_eq!(first.len(), 5);
    for (mode, outputs) in &results[1..] {
        assert!(
            outputs == first,
            "{quality}: {mode} wrote different files than {first_mode}"
        );
    }
}

/// Decoded RGB pixels of a JPEG file.
fn pixels(path: &Path) -> image::RgbImage {
    image::open(path).unwrap().into_rgb8()
}

#[test]
fn the_fast_quality_stays_within_35_db_of_the_exact_one() {
    let input = scratch("quality-input");
    small_photos(&input, 2);
    // At sigma 15 everything decodes at 1/8, is blurred, then enlarged; at
    // sigma 2, 3000x2000 decodes at 1/2 and is shrunk, 2400x1600 decodes at
    // 1/2 straight to the output size.
    for (name, (w, h), seed) in [("wide", (3000, 2000), 21), ("exact-half", (2400, 1600), 22)] {
        let jpeg = pipeline::encode_jpeg(&test_photos::photo_like(w, h, seed), 90).unwrap();
        fs::write(input.join(format!("{name}.jpg")), jpeg).unwrap();
    }
    let run = |quality: &str, sigma: &str| {
        let out = scratch(&format!("quality-{quality}-{sigma}"));
        let args = in_out(
            &input,
            &out,
            &["--mode", "rayon", "--quality", quality, "--sigma", sigma],
        );
        let s = summaries("process_images", &args, 1).remove(0);
        assert_eq!(s["failed"], 0, "{s}");
        out
    };
    for sigma in ["15", "2"] {
        let (exact, fast) = (run("exact", sigma), run("fast", sigma));
        let names: Vec<String> = files(&exact).into_iter().map(|(name, _)| name).collect();
        assert_eq!(names.len(), 4);
        for name in &names {
            let (a, b) = (pixels(&exact.join(name)), pixels(&fast.join(name)));
            assert_eq!(a.dimensions(), b.dimensions(), "{name}");
            assert_ne!(a, b, "{name}: the fast pipeline did not run");
            let db = psnr(a.as_raw(), b.as_raw());
            assert!(
                db >= 35.0,
                "sigma {sigma}, {name}: fast is {db:.1} dB from exact"
            );
        }
    }
}

#[test]
fn outputs_fit_the_box_and_keep_the_aspect_ratio() {
    let input = scratch("fit-input");
    small_photos(&input, 2);
    // Write one large photo too: 1600x900 must become 1200x675.
    let big = pipeline::encode_jpeg(&test_photos::photo_like(1600, 900, 9), 90).unwrap();
    fs::write(input.join("wide.jpg"), big).unwrap();
    let out = scratch("fit-out");
    let args = in_out(&input, &out, &["--mode", "seq"]);
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
    // A JPEG whose frame header lies about its length: libjpeg (the fast
    // decoder) fails by unwinding out of C, which must become an error.
    let mut scrambled = good.clone();
    let frame = scrambled
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .unwrap();
    scrambled[frame + 2..frame + 4].copy_from_slice(&[0x00, 0x02]);
    fs::write(input.join("scrambled.jpg"), scrambled).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(input.join("gone.jpg"), input.join("missing.jpg")).unwrap();
    for (mode, quality) in [
        ("seq", "fast"),
        ("seq", "exact"),
        ("processes", "fast"),
        ("processes", "exact"),
    ] {
        let out = scratch(&format!("bad-out-{mode}-{quality}"));
        let args = in_out(&input, &out, &["--mode", mode, "--quality", quality]);
        let mode = format!("{mode} {quality}");
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
        assert!(
            stderr.contains("scrambled.jpg: not a readable image"),
            "{mode}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{mode}: {stderr}");
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
    let args = in_out(&input, &out, &["--mode", "seq"]);
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
    assert_rejected(
        "process_images",
        &[
            "--size 3000by2000",
            "--size 0x10",
            "--workers 0",
            "--mode gpu",
            "--quality best",
            "--sigma -1",
            "--sigma NaN",
        ],
    );
}

#[test]
fn photo_stages_times_every_stage_and_compares_fast_with_exact() {
    let input = scratch("stages-input");
    small_photos(&input, 2);
    let big = pipeline::encode_jpeg(&test_photos::photo_like(2400, 1600, 3), 90).unwrap();
    fs::write(input.join("large.jpg"), big).unwrap();
    let out = scratch("stages-out");
    let svg = out.join("stages.svg");
    let args = in_out(&input, &out, &["--svg", svg.to_str().unwrap()]);
    let runs = summaries("photo_stages", &args, 2);
    assert_chart_has_one_segment_per_pipeline_and_stage(&fs::read_to_string(&svg).unwrap());
    let (exact, fast) = (&runs[0], &runs[1]);
    assert_eq!(
        (exact["mode"].as_str(), fast["mode"].as_str()),
        (Some("exact"), Some("fast"))
    );
    for s in &runs {
        assert_eq!(s["tasks"], 3, "{s}");
        for stage in ["decode", "blur", "resize", "encode", "write", "total"] {
            let ms = s[format!("{stage}_ms")].as_f64();
            assert!(ms.is_some_and(|ms| ms > 0.0), "every stage is timed: {s}");
        }
    }
    assert!(fast["min_psnr_db"].as_f64().unwrap() >= 35.0, "{fast}");
    assert!(fast["mean_psnr_db"].as_f64() >= fast["min_psnr_db"].as_f64());
    // Both pipelines' outputs are written, whole.
    for quality in ["exact", "fast"] {
        let written: Vec<String> = files(&out.join(quality))
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            written,
            ["large.jpg", "photo-0.jpg", "photo-1.jpg"],
            "{quality}"
        );
    }
    let one = summaries(
        "photo_stages",
        &[&args[..], &["--mode", "fast"]].concat(),
        1,
    );
    assert_eq!(one[0]["mode"], "fast");
    let stderr = |args: &[&str]| {
        let output = run_example("photo_stages", args, Duration::from_secs(30));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(stderr(&["--input", "/no/such/folder"]).contains("--input /no/such/folder"));
    let unwritable = out.join("stages.svg").join("chart.svg");
    let message = stderr(&[&args[..4], &["--svg", unwritable.to_str().unwrap()]].concat());
    assert!(message.contains("--svg"), "{message}");
    fs::write(input.join("zz-notes.jpg"), b"not a photo").unwrap();
    assert!(stderr(&args).contains("zz-notes.jpg: not a readable image"));
    assert_rejected("photo_stages", &["--mode best", "--tasks 0", "--sigma inf"]);
}

/// The stages chart parses as SVG, names both pipelines and every stage, and
/// draws each stage once per pipeline plus once in the legend.
fn assert_chart_has_one_segment_per_pipeline_and_stage(svg: &str) {
    let (texts, filled) = svg_chart(svg);
    for label in [
        "exact", "fast", "decode", "blur", "resize", "encode", "write",
    ] {
        assert!(
            texts.iter().any(|t| t == label),
            "no {label} in the chart: {texts:?}"
        );
    }
    assert_eq!(
        filled[..5],
        [3; 5],
        "each stage: two bars and a legend entry"
    );
}

/// `--input INPUT --out OUT`, then `more`.
fn in_out<'a>(input: &'a Path, out: &'a Path, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    args
}

#[test]
fn an_output_folder_that_is_no_folder_is_refused_by_name() {
    let dir = scratch("out-not-a-folder");
    let file = dir.join("a-file");
    fs::write(&file, b"keep me").unwrap();
    for example in [
        "download_images",
        "process_images",
        "photo_stages",
        "stop_well",
        "distributed_images",
    ] {
        for (out, what) in [
            ("/dev/null", "a device"),
            (file.to_str().unwrap(), "a file"),
        ] {
            let output = run_example(
                example,
                &["--tasks", "1", "--out", out],
                Duration::from_secs(60),
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{example} --out {out}: {stderr}"
            );
            let expected = format!("--out {out}: {what} is there, not a folder");
            assert!(
                stderr.contains(&expected),
                "{example} --out {out}: {stderr}"
            );
        }
    }
    assert_eq!(fs::read(&file).unwrap(), b"keep me");
}

/// Runs an example with arguments that need not be UTF-8; its output.
#[cfg(unix)]
fn run_with_os_args(name: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    use std::process::{Command, Stdio};
    let child = Command::new(test_support::example_binary(name))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    test_support::output_within(child, Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{name} still ran after 60 s"))
}

#[test]
#[cfg(unix)]
fn paths_that_worker_processes_cannot_be_sent_are_refused_or_fail_at_once() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let in_processes = |input: &Path, out: &Path| {
        let flags = [OsStr::new("--mode"), OsStr::new("processes")];
        let paths = [OsStr::new("--input"), input.as_os_str()];
        let outs = [OsStr::new("--out"), out.as_os_str()];
        run_with_os_args("process_images", &[&flags[..], &paths, &outs].concat())
    };
    // An --out that is not UTF-8: refused before any work, naming the flag.
    let input = scratch("non-utf8-input");
    small_photos(&input, 2);
    let out = scratch("non-utf8").join(OsStr::from_bytes(b"out-\xff"));
    let output = in_processes(&input, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--out") && stderr.contains("not UTF-8"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing was made");

    // A photo whose name is not UTF-8, among good ones: its task fails at
    // once (it cannot be sent), the others are written, the run fails.
    let odd = input.join(OsStr::from_bytes(b"photo-\xff.jpg"));
    fs::copy(input.join("photo-0.jpg"), &odd).unwrap();
    let out = scratch("non-utf8-photo-out");
    let output = in_processes(&input, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("cannot be sent to a worker"),
        "{stdout}\n{stderr}"
    );
    let written: Vec<String> = files(&out).into_iter().map(|(name, _)| name).collect();
    assert_eq!(written, ["photo-0.jpg", "photo-1.jpg"], "{stdout}");
}
