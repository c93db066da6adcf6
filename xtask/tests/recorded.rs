//! Every program output the book shows is recorded under `recorded/` by
//! `cargo xtask outputs`. This test runs each recorded command again and
//! fails when the output has drifted from its recording (after masking what
//! varies: see `xtask::recorded`).
//!
//! A recording that matched in an earlier run is run again only when what
//! produced it changed (`test_support::passed`): a warm `cargo test` checks
//! only the outputs a change can have moved. CI (where `CI` is set) and
//! `BOOK_RECHECK=1` run every one.
//!
//! The few recordings made with `--release` (the CPU-bound chapters' full
//! runs) are left to `cargo xtask outputs --check --release-only`, which `.ci/run` runs:
//! with this package built at `opt-level = 1` for tests they take minutes,
//! and `cargo test` must stay under six. The loom run's (`cargo test
//! --features loom`) is left to `.ci/run`'s loom step, which builds the
//! models anyway.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::thread;

use xtask::outputs::RUN_LIMIT;
use xtask::recorded::{self, Recording};

use test_support::{example_binary, passed};

/// Runs at once: most recorded runs sleep or wait more than they compute
/// (their times add up to about 67 s; eight at once take 12 s on two cores,
/// four took 19 s).
const AT_ONCE: usize = 8;

#[test]
fn every_recorded_output_still_matches_its_program() {
    let root = &xtask::repo_root();
    let paths = recorded::recordings(&root.join("recorded")).unwrap();
    assert!(paths.len() >= 40, "the recordings are missing: {paths:?}");
    let (paths, recordings): (Vec<_>, Vec<_>) = paths
        .iter()
        .map(|path| {
            (
                path,
                Recording::read(path).unwrap_or_else(|e| panic!("{e}")),
            )
        })
        // Input fetched by hand (`# needs PATH`) may be missing, and python3
        // with it: skipped then.
        .filter(|(_, (recording, _))| {
            !recording.release && !recording.loom && recording.unavailable(root).is_none()
        })
        .unzip();
    // Build every example first, one cargo at a time (rustc's listings have none).
    let mut binaries: HashMap<&str, PathBuf> = (recordings.iter())
        .filter(|(recording, _)| recording.runs_a_build() && !recording.bin)
        .map(|(recording, _)| {
            let name = recording.example.as_str();
            (name, example_binary(name))
        })
        .collect();
    // The listings' whole programs (`-p listings --bin NAME`).
    for (recording, _) in recordings.iter().filter(|(r, _)| r.bin) {
        let name = recording.example.as_str();
        binaries.insert(name, test_support::listing_binary(name));
    }
    let examples = example_binary("sync_script")
        .parent()
        .unwrap()
        .to_path_buf();

    // What produced a recording's output: its own text, the program it runs
    // (cargo rewrites the binary whenever its sources, the lock file or the
    // profile change) and the files its arguments name (a folder of photos).
    // One that matched is not run again until one of them, or this test,
    // changes. rustc's and python3's run every time: what they read (the
    // compiler, the interpreter, the modules a script imports) is not known.
    let to_run: Vec<_> = (paths.iter().zip(&recordings))
        .filter_map(|(path, (recording, before))| {
            if !recording.runs_a_build() {
                return Some((path, recording, before, None));
            }
            let binary = binaries.get(recording.example.as_str()).cloned();
            let named = (recording.args.iter())
                .map(|arg| root.join(arg.split_once('=').map_or(arg.as_str(), |(_, v)| v)));
            let inputs: Vec<PathBuf> = [path.to_path_buf()]
                .into_iter()
                .chain(binary)
                .chain(named)
                .collect();
            let check = format!("{}", path.strip_prefix(root).unwrap().display());
            let mark = passed::unless_passed_before(&check, &inputs)?;
            Some((path, recording, before, Some(mark)))
        })
        .collect();

    let queue = Mutex::new(to_run);
    let problems = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..AT_ONCE {
            scope.spawn(|| {
                loop {
                    // Its own statement: a `while let` would hold the queue's
                    // lock through the whole run, one recording at a time.
                    let next = queue.lock().unwrap().pop();
                    let Some((path, recording, before, mark)) = next else {
                        break;
                    };
                    let name = path.strip_prefix(root).unwrap().display();
                    let output = recording.run_to_its_end(&examples, root, RUN_LIMIT);
                    let problem = match output {
                        Err(e) => Some(e),
                        Ok(output) => recording
                            .matches(before, &output.text)
                            .err()
                            .map(|diff| format!("(- recorded, + now)\n{diff}")),
                    };
                    let Some(problem) = problem else {
                        if let Some(mark) = mark {
                            mark.passed();
                        }
                        continue;
                    };
                    let chapters = recorded::chapters_including(root, path).join(", ");
                    let message = format!("{name} (shown in {chapters}): {problem}");
                    problems.lock().unwrap().push(message);
                }
            });
        }
    });
    let problems = problems.into_inner().unwrap();
    assert!(
        problems.is_empty(),
        "{} output(s) drifted; run `cargo xtask outputs` to record them again, and read \
         the chapters that show them:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Each recording was made from the sources as they are now: a change to
/// an example, a library it uses, the lock file or the profiles, made
/// without recording its outputs again, fails here (its numbers would
/// otherwise pass for today's, masked as they are when compared).
#[test]
fn every_recording_was_made_from_the_sources_as_they_are() {
    let root = &xtask::repo_root();
    let sources = xtask::provenance::Sources::read(root).unwrap();
    let recorded = xtask::provenance::Manifest::read(root).prints;
    let by_report = xtask::compared::made_by_the_report(root).unwrap();
    let mut stale = Vec::new();
    for path in recorded::recordings(&root.join("recorded")).unwrap() {
        let (recording, _) = Recording::read(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let now = sources.fingerprint(&recording).unwrap();
        if recorded.get(&file) != Some(&now) {
            stale.push(path.file_stem().unwrap().to_string_lossy().into_owned());
        }
    }
    // The report records its own, with their tables.
    let (reports, others): (Vec<String>, Vec<String>) = stale
        .iter()
        .cloned()
        .partition(|name| by_report.contains_key(name));
    let mut redo = String::new();
    if !others.is_empty() {
        redo += &format!("cargo xtask outputs {}\n", others.join(" "));
    }
    let tables: std::collections::BTreeSet<&String> =
        reports.iter().map(|name| &by_report[name]).collect();
    for table in tables {
        redo += &format!("cargo xtask report --only {table}\n");
    }
    assert!(
        stale.is_empty(),
        "{} recording(s) were made from other sources than the tree's (a change since, \
         or never fingerprinted); record them again, then read the chapters that show them:\n{redo}",
        stale.len(),
    );
}

/// A figure a page shows twice, in a recording and in a report table beside
/// it, agrees within the table's own spread between rounds, and the
/// recording was made in the report run that measured the table.
#[test]
fn every_figure_shown_in_a_recording_and_a_table_agrees() {
    let root = &xtask::repo_root();
    let figures = xtask::compared::read(root).unwrap();
    let report = std::fs::read_to_string(root.join("measured/report.json")).unwrap();
    let samples: Vec<serde_json::Value> = serde_json::from_str(&report).unwrap();
    let runs = xtask::provenance::Manifest::read(root).report_runs;
    let text = |name: &str| {
        let path = root.join("recorded").join(format!("{name}.txt"));
        Recording::read(&path).ok().map(|(_, output)| output)
    };
    let problems = xtask::compared::problems(&figures, text, &samples, &runs);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A fingerprint reads what the program is built from, and nothing else: the
/// first chapter's example does not go stale when the photo code changes.
#[test]
fn a_fingerprint_reads_the_program_and_the_workspace_crates_it_uses() {
    let root = &xtask::repo_root();
    let sources = xtask::provenance::Sources::read(root).unwrap();
    let inputs = |line: &str| -> Vec<String> {
        let recording = Recording::parse(line).unwrap();
        (sources.inputs(&recording).unwrap().iter())
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    };
    let first = inputs("$ cargo run --example sync_script");
    assert_eq!(first[0], "examples/sync_script.rs");
    for needed in [
        "src/lessons/pool.rs",
        "crates/harness/src/cli.rs",
        "Cargo.toml",
    ] {
        assert!(
            first.iter().any(|f| f == needed),
            "{needed} not in {first:?}"
        );
    }
    assert!(
        !first.iter().any(|f| f.starts_with("crates/images/")),
        "{first:?}"
    );
    assert!(
        !first.iter().any(|f| f.starts_with("examples/pool_map")),
        "{first:?}"
    );
    let photos = inputs("$ cargo run --release --example process_images -- --mode rayon");
    for needed in [
        "crates/images/src/pipeline.rs",
        "crates/photo-kernels/src/blur.rs",
    ] {
        assert!(
            photos.iter().any(|f| f == needed),
            "{needed} not in {photos:?}"
        );
    }
    let release = Recording::parse("$ cargo run --release --example sync_script").unwrap();
    let dev = Recording::parse("$ cargo run --example sync_script").unwrap();
    assert_ne!(
        sources.fingerprint(&release).unwrap(),
        sources.fingerprint(&dev).unwrap(),
        "the profile is part of it"
    );
    let listing = inputs("$ rustc --edition 2024 listings/rc-to-a-thread.rs");
    assert_eq!(listing, ["listings/rc-to-a-thread.rs"]);
    let whole = inputs("$ cargo run -p listings --bin sync_script");
    assert_eq!(whole[0], "listings/src/bin/sync_script.rs");
    assert!(
        !whole.iter().any(|f| f.ends_with("manual_threads.rs")),
        "{whole:?}"
    );
}
