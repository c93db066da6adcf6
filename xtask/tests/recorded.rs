//! Every program output the book shows is recorded under `recorded/` by
//! `cargo xtask outputs`. This test runs each recorded command again and
//! fails when the output has drifted from its recording (after masking what
//! varies: see `xtask::recorded`).
//!
//! The few recordings made with `--release` (the CPU-bound chapters' full
//! runs) are left to `cargo xtask outputs --check --release-only`, which `.ci/run` runs:
//! with this package built at `opt-level = 1` for tests they take minutes,
//! and `cargo test` must stay under six.

use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use xtask::recorded::{self, Recording};

use test_support::example_binary;

/// Runs at once: most recorded runs sleep or wait more than they compute.
const AT_ONCE: usize = 4;

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
        // Input fetched by hand (`# needs PATH`) may be missing: skipped then.
        .filter(|(_, (recording, _))| {
            !recording.release && (recording.needs.as_ref()).is_none_or(|p| root.join(p).exists())
        })
        .unzip();
    // Build every example first, one cargo at a time (rustc's listings have none).
    let binaries: Vec<_> = (recordings.iter())
        .filter(|(recording, _)| !recording.rustc)
        .map(|(recording, _)| example_binary(&recording.example))
        .collect();
    let examples = binaries[0].parent().unwrap().to_path_buf();

    let queue = Mutex::new(paths.into_iter().zip(&recordings).collect::<Vec<_>>());
    let problems = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..AT_ONCE {
            scope.spawn(|| {
                loop {
                    // Its own statement: a `while let` would hold the queue's
                    // lock through the whole run, one recording at a time.
                    let next = queue.lock().unwrap().pop();
                    let Some((path, (recording, before))) = next else {
                        break;
                    };
                    let name = path.strip_prefix(root).unwrap().display();
                    let output = recording.run(&examples, root, Duration::from_secs(300));
                    let problem = match output {
                        Err(e) => Some(e),
                        Ok(output) if output.exit_code != Some(recording.exit_code) => {
                            Some(format!(
                                "exited with {:?}, recorded {}:\n{}",
                                output.exit_code, recording.exit_code, output.text
                            ))
                        }
                        Ok(output) => recording
                            .matches(before, &output.text)
                            .err()
                            .map(|diff| format!("(- recorded, + now)\n{diff}")),
                    };
                    if let Some(problem) = problem {
                        let chapters = recorded::chapters_including(root, path).join(", ");
                        let message = format!("{name} (shown in {chapters}): {problem}");
                        problems.lock().unwrap().push(message);
                    }
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
