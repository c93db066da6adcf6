//! `cargo xtask exercise NAME`: runs one exercise's tests against the
//! reader's file (or, with `--solution`, the worked solution) and says what
//! to do next. `--check-all` is CI's proof that every exercise can fail and
//! can pass: each solution passes, each untouched starter fails.
//!
//! Each exercise is a small crate, `exercises/NAME`: the reader writes
//! `src/yours.rs`, the tests are `tests/check.rs`, the solution is
//! `solution/yours.rs` (the crate's `solution` feature swaps it in).

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// One exercise: its folder under `exercises/`, the chapter it practises,
/// how hard it is, and whether its tests run under loom.
#[derive(Debug, Deserialize)]
pub struct Exercise {
    pub name: String,
    pub chapter: String,
    pub difficulty: String,
    pub loom: bool,
    /// A starter that compiles and runs, with a bug to find (`fix = true`),
    /// instead of `todo!()`s to fill in: its checks fail on what it does.
    #[serde(default)]
    pub fix: bool,
}

/// Every exercise, in the order of the chapters they practise, from
/// `xtask/data/exercises.toml`.
pub fn all() -> Vec<Exercise> {
    #[derive(Deserialize)]
    struct File {
        exercise: Vec<Exercise>,
    }
    let file: File = toml::from_str(include_str!("../data/exercises.toml"))
        .expect("xtask/data/exercises.toml is a list of [[exercise]]s");
    file.exercise
}

/// The longest one exercise's build and tests may take: a deadlock that
/// neither a watchdog nor loom caught is ended here, test process and all.
const LIMIT: Duration = Duration::from_secs(300);

pub fn find(name: &str) -> Result<Exercise> {
    let exercises = all();
    let names: Vec<String> = exercises.iter().map(|e| e.name.clone()).collect();
    exercises
        .into_iter()
        .find(|e| e.name == name)
        .with_context(|| format!("no exercise {name:?}; there are: {}", names.join(", ")))
}

/// What one run of an exercise's tests found.
pub struct Run {
    pub passed: bool,
    pub output: String,
}

/// Runs `exercise`'s tests, against the solution if `solution`.
pub fn run(root: &Path, exercise: &Exercise, solution: bool) -> Result<Run> {
    let mut features = Vec::new();
    if solution {
        features.push("solution");
    }
    if exercise.loom {
        features.push("loom");
    }
    let package = format!("exercise-{}", exercise.name.replace('_', "-"));
    // The run's own temporary folder (TMPDIR), checked empty afterwards and
    // removed: what the learner's code leaves in "the system's temporary
    // folder" is seen, and nothing is left in the real one.
    let temp =
        std::env::temp_dir().join(format!("exercise-{}-{}", exercise.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
    let run = run_in(root, exercise, &package, &features, &temp);
    let left: Vec<_> = (std::fs::read_dir(&temp).into_iter().flatten().flatten())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let _ = std::fs::remove_dir_all(&temp);
    let mut run = run?;
    if !left.is_empty() {
        run.passed = false;
        run.output.push_str(&format!(
            "\nThe tests left {left:?} in the temporary folder (TMPDIR): remove every \
             temporary file, on success and on failure.\n"
        ));
    }
    Ok(run)
}

fn run_in(
    root: &Path,
    exercise: &Exercise,
    package: &str,
    features: &[&str],
    temp: &Path,
) -> Result<Run> {
    let mut command = test_support::cargo();
    command
        .args(["test", "--package", package, "--test", "check"])
        .env("TMPDIR", temp)
        .current_dir(root)
        .env("RUST_BACKTRACE", "0")
        // One test per core, whatever RUST_TEST_THREADS says elsewhere:
        // loom's models compute, and each test's watchdog must not fire
        // because others took its core.
        .env("RUST_TEST_THREADS", harness::cli::cores().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let child = command.spawn().context("cannot run cargo")?;
    // The test binary (cargo's child) and cargo are stopped at LIMIT. (Not
    // a process group of their own: Ctrl-C must still reach them.)
    let text = |output: Output| {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        text
    };
    match test_support::output_within(child, LIMIT) {
        Ok(output) => Ok(Run {
            passed: output.status.success(),
            output: text(output),
        }),
        Err(so_far) => {
            let so_far = text(so_far);
            let unfinished = unfinished_tests(&so_far);
            bail!(
                "{}: still running after {} s, so it was stopped: a deadlock that no \
                 test's watchdog caught?\n{}\nWhat the tests printed so far:\n{}",
                exercise.name,
                LIMIT.as_secs(),
                match unfinished.is_empty() {
                    true => "No test had been running for a minute yet.".to_string(),
                    false => format!("Still running: {}", unfinished.join(", ")),
                },
                condensed(&so_far)
            );
        }
    }
}

/// The tests still running when a run was stopped: libtest notes
/// `test NAME has been running for over 60 seconds` for each, and prints
/// `test NAME ... ok` (or `FAILED`) once one ends.
fn unfinished_tests(output: &str) -> Vec<String> {
    let ended: Vec<&str> = (output.lines())
        .filter_map(|line| {
            line.strip_prefix("test ")?
                .split_once(" ... ")
                .map(|(name, _)| name)
        })
        .collect();
    let mut running: Vec<String> = (output.lines())
        .filter_map(|line| {
            line.strip_prefix("test ")?
                .strip_suffix(" has been running for over 60 seconds")
        })
        .filter(|name| !ended.contains(name))
        .map(String::from)
        .collect();
    running.dedup();
    running
}

/// A test run's output as a learner needs it: the panic messages and what
/// the checks say, without stack backtraces, and without the noise loom
/// makes when it stops a model (a second panic in its own code, the abort
/// that follows), which are how loom ends a failing run, not more bugs.
pub fn condensed(output: &str) -> String {
    let mut kept = Vec::new();
    let mut skipping = false;
    for line in output.lines() {
        let frame = line.starts_with("  ")
            && (line.trim_start().starts_with("at ")
                || line
                    .trim_start()
                    .split(':')
                    .next()
                    .is_some_and(|n| n.trim().parse::<u32>().is_ok()));
        if line.starts_with("stack backtrace:") || (skipping && (frame || line.trim().is_empty())) {
            skipping = true;
            continue;
        }
        skipping = false;
        let loom_internal = line.contains("/src/rt/thread.rs") && line.contains("loom-");
        if loom_internal {
            skipping = true; // its message line follows
            continue;
        }
        let noise = [
            "panic in a destructor during cleanup",
            "thread caused non-unwinding panic. aborting.",
            "note: run with `RUST_BACKTRACE=1`",
            "called `Option::unwrap()` on a `None` value",
            "Caused by:",
        ];
        let cargo = ["Compiling ", "Finished ", "Running "]
            .iter()
            .any(|word| line.trim_start().starts_with(word));
        let in_std = line.contains("panicked at /rustc/"); // the abort's own panic
        if cargo || in_std || noise.iter().any(|text| line.contains(text)) {
            continue;
        }
        if line.contains("process didn't exit successfully") && line.contains("SIGABRT") {
            kept.push("(loom stopped the test process after its report above: that is how it ends a failing model)".to_string());
            continue;
        }
        kept.push(line.to_string());
    }
    kept.join("\n")
}

/// What to try, from what a failed run printed.
pub fn advice(exercise: &Exercise, output: &str) -> Vec<String> {
    let yours = format!("exercises/{}/src/yours.rs", exercise.name);
    let mut advice = Vec::new();
    if output.contains("not yet implemented") {
        advice.push(format!("Replace each todo!() in {yours} with your code."));
    }
    if output.contains("error[E") {
        advice.push(format!(
            "{yours} does not compile yet: the compiler's errors are above."
        ));
    }
    if output.to_lowercase().contains("deadlock") {
        advice.push(
            "loom found an interleaving in which every thread waits for another: a deadlock."
                .into(),
        );
    }
    advice.push(format!(
        "The goal and hints: the book's page \"Exercises\" (src/exercises.md#{}), \
         and the chapter it practises (src/{}).",
        exercise.name, exercise.chapter
    ));
    advice
}

/// CI's check: every solution passes, every untouched starter fails.
pub fn check_all(root: &Path) -> Result<()> {
    let mut wrong = Vec::new();
    for exercise in &all() {
        let solution = run(root, exercise, true)?;
        let starter = run(root, exercise, false)?;
        let verdict = |run: &Run| if run.passed { "passes" } else { "fails" };
        println!(
            "{:<18} solution {:<7} starter {}",
            exercise.name,
            verdict(&solution),
            verdict(&starter)
        );
        if !solution.passed {
            wrong.push(format!(
                "{}: the solution fails:\n{}",
                exercise.name, solution.output
            ));
        }
        if starter.passed {
            wrong.push(format!("{}: the untouched starter passes", exercise.name));
        }
        if !exercise.fix && !starter.output.contains("not yet implemented") {
            wrong.push(format!(
                "{}: the starter fails without saying that it is not written yet:\n{}",
                exercise.name, starter.output
            ));
        }
    }
    if !wrong.is_empty() {
        bail!("{}", wrong.join("\n\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a failing loom model printed (shortened): the report, loom's
    /// second panic with its backtrace, and the abort.
    const LOOM_FAILURE: &str = "\
running 2 tests
test one_permit ... ok

thread 'two_permits' (7968) panicked at /x/loom-0.7.3/src/rt/execution.rs:215:13:
deadlock; threads = [(Id(0), Blocked(Location(None))), (Id(1), Terminated)]
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

thread 'two_permits' (7968) panicked at /x/loom-0.7.3/src/rt/thread.rs:276:39:
called `Option::unwrap()` on a `None` value
stack backtrace:
   0:     0x5641e27d2bca - std::backtrace_rs::backtrace::libunwind::trace
                               at /rustc/x/library/std/src/backtrace.rs:117:9
  41:                0x0 - <unknown>

thread 'two_permits' (7968) panicked at /rustc/x/library/core/src/panicking.rs:233:5:
panic in a destructor during cleanup
thread caused non-unwinding panic. aborting.
error: test failed, to rerun pass `-p exercise-semaphore --test check`

Caused by:
  process didn't exit successfully: `check --quiet` (signal: 6, SIGABRT: process abort signal)
";

    #[test]
    fn a_loom_failure_is_shown_as_its_report_without_the_noise() {
        let shown = condensed(LOOM_FAILURE);
        assert!(shown.contains("deadlock; threads = "), "{shown}");
        assert!(shown.contains("test one_permit ... ok"), "{shown}");
        assert!(shown.contains("loom stopped the test process"), "{shown}");
        for noise in [
            "stack backtrace",
            "libunwind",
            "<unknown>",
            "SIGABRT",
            "non-unwinding",
        ] {
            assert!(!shown.contains(noise), "{noise} is still shown:\n{shown}");
        }
        assert!(shown.lines().count() < 12, "{shown}");
    }

    #[test]
    fn the_tests_still_running_at_the_limit_are_named() {
        let output = "\
running 3 tests
test a ... ok
test b has been running for over 60 seconds
test c has been running for over 60 seconds
test c ... FAILED
";
        assert_eq!(unfinished_tests(output), ["b"]);
    }
}
