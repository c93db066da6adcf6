//! `cargo xtask exercise NAME`: runs one exercise's tests against the
//! reader's file (or, with `--solution`, the worked solution) and says what
//! to do next. `--check-all` is CI's proof that every exercise can fail and
//! can pass: each solution passes, each untouched starter fails.
//!
//! Each exercise is a small crate, `exercises/NAME`: the reader writes
//! `src/yours.rs`, the tests are `tests/check.rs`, the solution is
//! `solution/yours.rs` (the crate's `solution` feature swaps it in).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

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
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut features = Vec::new();
    if solution {
        features.push("solution");
    }
    if exercise.loom {
        features.push("loom");
    }
    let package = format!("exercise-{}", exercise.name.replace('_', "-"));
    let mut command = Command::new(cargo);
    command
        .args(["test", "--quiet", "--package", &package, "--test", "check"])
        .current_dir(root)
        .env("RUST_BACKTRACE", "0")
        // One test per core, whatever RUST_TEST_THREADS says elsewhere:
        // loom's models compute, and each test's watchdog must not fire
        // because others took its core.
        .env("RUST_TEST_THREADS", cores().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let mut child = command.spawn().context("cannot run cargo")?;
    // Both pipes are read on threads of their own, so that a hung test run
    // cannot keep this wait from ending at LIMIT.
    let read = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read(Box::new(child.stdout.take().expect("piped")));
    let stderr = read(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > LIMIT {
            // The test binary first (cargo's child), then cargo. (Not a
            // process group of their own: Ctrl-C must still reach them.)
            let cargo = child.id().to_string();
            let _ = Command::new("pkill").args(["-KILL", "-P", &cargo]).status();
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{}: still running after {} s, so it was stopped: a deadlock that no \
                 test's watchdog caught?",
                exercise.name,
                LIMIT.as_secs()
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    let mut output = stdout.join().unwrap_or_default();
    output.push_str(&stderr.join().unwrap_or_default());
    Ok(Run {
        passed: status.success(),
        output,
    })
}

/// The machine's cores (at least 1).
fn cores() -> usize {
    thread::available_parallelism().map_or(1, usize::from)
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
        if !starter.output.contains("not yet implemented") {
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
