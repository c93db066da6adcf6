//! `example | head -1`: every example ends quietly when its stdout closes,
//! and still writes the files it was asked to write.
//!
//! Each example runs with its stdout a pipe whose reading end is already
//! closed, so that its very first line meets the closed pipe. std's
//! `println!` would panic there (exit 101, or a hang when the panic comes
//! inside a scope); the examples print with `harness::println!`, which drops
//! the rest of the output and lets the run finish.

use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::thread;
use std::time::Duration;

use crate::{example_sources, examples_in_the_repository};

use super::common::{self, Limits, spawn_example};

/// Every example, with flags that make it quick, and the file it is asked to
/// write (`FILE` in the flags), if any. The test below fails if an example
/// in the repository is missing here.
const RUNS: [(&str, &str); 41] = [
    ("as_completed", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("async_tasks", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("barrier", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("blocking_runtime", "--seconds 0.05 --mode spawn-blocking"),
    ("cancel_safety", "--tasks 20 --seconds 0.05"),
    ("chunks", "--tasks 200"),
    ("common_mistakes", "--tasks 2 --seconds 0.02 --mode no-join"),
    ("condvar", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("cpu_bound", "--tasks 2 --n 1000 --mode threads --svg FILE"),
    (
        "distributed_images",
        "--tasks 2 --size 120x80 --mode threads --out FILE",
    ),
    ("done_callbacks", "--tasks 3 --seconds 0.02 --svg FILE"),
    (
        "download_images",
        "--tasks 2 --size 120x80 --mode threads --out FILE",
    ),
    ("fork_vs_spawn", "--tasks 2 --mode fork"),
    (
        "image_server",
        "--tasks 1 --size 120x80 --stop-after 1 --urls-file FILE",
    ),
    ("locks", "--mode reenter"),
    ("loop_join", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("manual_threads", "--seconds 0.02 --mode join --svg FILE"),
    ("philosophers", "--tasks 2 --seconds 0.01"),
    (
        "photo_stages",
        "--tasks 1 --size 120x80 --mode fast --out FILE",
    ),
    ("pipes_and_queues", "--tasks 100"),
    ("pool_map", "--tasks 3 --seconds 0.02 --svg FILE"),
    (
        "pool_submit",
        "--tasks 3 --seconds 0.02 --mode submit --svg FILE",
    ),
    ("primitive_costs", "--tasks 1000"),
    (
        "process_images",
        "--tasks 2 --size 120x80 --mode threads --out FILE",
    ),
    (
        "process_pool",
        "--tasks 2 --seconds 0.02 --mode map --svg FILE",
    ),
    ("processes", "--tasks 2 --seconds 0.02 --svg FILE"),
    ("rwlock", "--workers 2 --seconds 0.1"),
    ("semaphore", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("shared_memory", "--workers 2 --increments 1000"),
    ("stop_flags", "--workers 2 --tasks 4 --seconds 0.02"),
    (
        "stop_well",
        "--tasks 3 --seconds 0.02 --mode threads --out FILE",
    ),
    ("stress_test", "--workers 2 --rounds 50"),
    ("sync_script", "--tasks 2 --seconds 0.02 --svg FILE"),
    ("task_costs", "--tasks 100 --seconds 0.01"),
    ("thread_args", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("thread_local", "--tasks 100 --workers 2"),
    ("wait_first", "--tasks 3 --seconds 0.02 --svg FILE"),
    ("worker_count", "--tasks 4 --workers 2 --seconds 0.02"),
    (
        "worker_setup",
        "--tasks 3 --seconds 0.02 --setup-seconds 0.01 --svg FILE",
    ),
    ("zombies", "--tasks 2"),
    ("sync_script", "--tasks 1 --seconds 0 --json"),
];

/// Runs `name` with its stdout's reader gone; returns how it ended and its
/// stderr, or `None` if it ran past a minute (and was killed).
fn run_with_closed_stdout(name: &str, args: &[&str]) -> Option<(ExitStatus, String)> {
    let mut child = spawn_example(name, args, Limits::default());
    // The reading end goes before the example writes its first line.
    drop(child.stdout.take());
    let output = crate::common::output_within(child, Duration::from_secs(60)).ok()?;
    Some((
        output.status,
        String::from_utf8_lossy(&output.stderr).into(),
    ))
}

/// Whether `file` exists, or (with several modes) one `file-MODE.svg` per mode.
fn wrote(file: &Path) -> bool {
    let name = file
        .file_name()
        .and_then(|name| name.to_str())
        .expect("a UTF-8 name");
    let folder = file.parent().expect("a scratch file");
    (std::fs::read_dir(folder)
        .expect("the scratch folder")
        .flatten())
    .any(|entry| entry.file_name().to_string_lossy().starts_with(name))
}

#[test]
fn every_example_is_run_with_a_closed_stdout() {
    let mut listed: Vec<String> = RUNS.iter().map(|(name, _)| name.to_string()).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(examples_in_the_repository(), listed);
}

/// The run below meets only the prints on its path; this finds the others.
#[test]
fn every_example_file_that_prints_uses_the_harness_println() {
    let unguarded: Vec<String> = (example_sources().into_iter())
        .filter(|path| {
            let text = std::fs::read_to_string(path).expect("an example's source");
            let prints = ["println!(", "print!("]
                .iter()
                .any(|call| (text.match_indices(call)).any(|(at, _)| !text[..at].ends_with('e')));
            let imports = text
                .lines()
                .any(|line| line.starts_with("use harness::") && line.contains("println"));
            prints && !imports
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        unguarded.is_empty(),
        "these print with std's println!, which panics on a closed stdout; \
         add `use harness::println;`: {unguarded:?}"
    );
}

#[test]
fn a_closed_stdout_ends_the_output_quietly_and_every_file_is_still_written() {
    let scratch = common::scratch("closed-stdout");
    let failures: Vec<String> = thread::scope(|scope| {
        let runs: Vec<_> = (RUNS.iter().enumerate())
            .map(|(index, &(name, flags))| {
                let file: PathBuf = scratch.join(format!("{index}-{name}"));
                scope.spawn(move || {
                    let file_text = file.to_str().expect("a UTF-8 scratch path");
                    let args: Vec<&str> = (flags.split(' '))
                        .map(|arg| if arg == "FILE" { file_text } else { arg })
                        .collect();
                    let Some((status, stderr)) = run_with_closed_stdout(name, &args) else {
                        return Some(format!("{name} {flags}: ran past 60 s (killed)"));
                    };
                    let mut wrong = Vec::new();
                    if !status.success() {
                        wrong.push(format!("ended with {status}"));
                    }
                    if stderr.contains("panicked") {
                        wrong.push("panicked".to_string());
                    }
                    if flags.contains("FILE") && !wrote(&file) {
                        wrong.push(format!("did not write {}", file.display()));
                    }
                    (!wrong.is_empty())
                        .then(|| format!("{name} {flags}: {}\n{stderr}", wrong.join(", ")))
                })
            })
            .collect();
        (runs.into_iter())
            .filter_map(|run| run.join().expect("the run's thread"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
