//! Runs every whole-program listing and checks what it promises: it ends
//! well, and its output shows the order of events the chapter describes.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Runs a listing's program; its stdout's lines, once it has exited with 0.
/// A program still running after a minute (a deadlock, say) is killed and
/// the test fails.
fn run(binary: &str) -> Vec<String> {
    let mut child = Command::new(binary)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the listing starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("waiting on the listing").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{binary} still ran after 60 s");
        }
        thread::sleep(Duration::from_millis(10));
    }
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let _ = child.stdout.take().expect("piped").read_to_end(&mut stdout);
    let _ = child.stderr.take().expect("piped").read_to_end(&mut stderr);
    let output = std::process::Output {
        status: child.wait().expect("reaped"),
        stdout,
        stderr,
    };
    assert!(
        output.status.success(),
        "{binary}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(String::from)
        .collect()
}

/// The index of each line that starts with `prefix`.
fn positions(lines: &[String], prefix: &str) -> Vec<usize> {
    (lines.iter().enumerate())
        .filter(|(_, line)| line.starts_with(prefix))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn the_sync_script_finishes_one_task_before_it_starts_the_next() {
    let lines = run(env!("CARGO_BIN_EXE_sync_script"));
    assert_eq!(
        lines[..4],
        [
            "Sleeping 1 second...",
            "Done sleeping.",
            "Sleeping 1 second...",
            "Done sleeping."
        ]
    );
    assert!(lines[4].starts_with("Finished in "), "{lines:?}");
}

#[test]
fn manual_threads_start_both_tasks_before_either_ends() {
    let lines = run(env!("CARGO_BIN_EXE_manual_threads"));
    let (started, done) = (positions(&lines, "Sleeping"), positions(&lines, "Done"));
    assert_eq!((started.len(), done.len()), (2, 2), "{lines:?}");
    assert!(started[1] < done[0], "both sleep at once: {lines:?}");
}

#[test]
fn ten_threads_all_start_before_the_first_ends() {
    let lines = run(env!("CARGO_BIN_EXE_loop_join"));
    let (started, done) = (positions(&lines, "Sleeping"), positions(&lines, "Done"));
    assert_eq!((started.len(), done.len()), (10, 10), "{lines:?}");
    assert!(started[9] < done[0], "all ten sleep at once: {lines:?}");
    assert!(lines.last().unwrap().starts_with("Finished in "));
}

#[test]
fn thread_results_come_back_in_the_order_they_were_asked_for() {
    let lines = run(env!("CARGO_BIN_EXE_thread_args"));
    let results: Vec<&String> = lines.iter().filter(|l| l.starts_with("Done")).collect();
    assert_eq!(
        results,
        [
            "Done sleeping 1 second(s)",
            "Done sleeping 0.8 second(s)",
            "Done sleeping 0.6 second(s)",
            "Done sleeping 0.4 second(s)",
            "Done sleeping 0.2 second(s)"
        ]
    );
}

/// The results the programs print, in the order they print them.
fn results(lines: &[String]) -> Vec<&str> {
    (lines.iter())
        .filter(|line| line.starts_with("Done"))
        .map(String::as_str)
        .collect()
}

const IN_SUBMISSION_ORDER: [&str; 5] = [
    "Done sleeping 1 second(s)",
    "Done sleeping 0.8 second(s)",
    "Done sleeping 0.6 second(s)",
    "Done sleeping 0.4 second(s)",
    "Done sleeping 0.2 second(s)",
];

#[test]
fn futures_give_their_results_in_the_order_they_were_submitted() {
    let lines = run(env!("CARGO_BIN_EXE_pool_submit"));
    assert_eq!(results(&lines), IN_SUBMISSION_ORDER, "{lines:?}");
}

#[test]
fn as_completed_prints_the_shortest_task_first() {
    let lines = run(env!("CARGO_BIN_EXE_as_completed"));
    let mut by_completion = IN_SUBMISSION_ORDER;
    by_completion.reverse();
    assert_eq!(results(&lines), by_completion, "{lines:?}");
}

#[test]
fn map_keeps_the_order_of_its_inputs() {
    let lines = run(env!("CARGO_BIN_EXE_pool_map"));
    assert_eq!(results(&lines), IN_SUBMISSION_ORDER, "{lines:?}");
    let (started, done) = (positions(&lines, "Sleeping"), positions(&lines, "Done"));
    assert!(started[4] < done[0], "all five sleep at once: {lines:?}");
}

#[test]
fn a_mutex_keeps_the_total_of_every_transfer() {
    let lines = run(env!("CARGO_BIN_EXE_locks"));
    assert_eq!(lines.last().unwrap(), "total = 200 (was 200)", "{lines:?}");
}

#[test]
fn readers_hold_a_read_lock_together_and_the_writer_waits_for_them() {
    let lines = run(env!("CARGO_BIN_EXE_rwlock"));
    let most: usize = (lines.iter())
        .find_map(|l| l.strip_prefix("at most ")?.split(' ').next()?.parse().ok())
        .expect("the most readers at once");
    // Four readers each hold their guard for 200 ms, all started together.
    assert!(most >= 2, "{lines:?}");
    assert_eq!(positions(&lines, "reader ").len(), 4);
    assert_eq!(
        lines.last().unwrap(),
        "now: \"blur 15, fit 1200, quality 85\""
    );
}

#[test]
fn workers_stop_after_the_flag_is_raised() {
    let lines = run(env!("CARGO_BIN_EXE_events"));
    let raised = positions(&lines, "main: stop")[0];
    let stopped = positions(&lines, "worker ");
    assert_eq!(stopped.len(), 2, "{lines:?}");
    assert!(stopped.iter().all(|&at| at > raised), "{lines:?}");
}

#[test]
fn nobody_passes_the_barrier_before_everyone_reaches_it() {
    let lines = run(env!("CARGO_BIN_EXE_barrier"));
    let phase_one: Vec<usize> = (lines.iter().enumerate())
        .filter(|(_, l)| l.ends_with("phase one done"))
        .map(|(i, _)| i)
        .collect();
    let after: Vec<usize> = (lines.iter().enumerate())
        .filter(|(_, l)| l.ends_with("phase two") || l.ends_with("done with phase one"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!((phase_one.len(), after.len()), (3, 4), "{lines:?}");
    assert!(phase_one.iter().max() < after.iter().min(), "{lines:?}");
}

#[test]
fn each_thread_reuses_its_own_buffer() {
    let lines = run(env!("CARGO_BIN_EXE_thread_local"));
    let addresses: Vec<&str> = (lines.iter())
        .filter_map(|l| l.split("one buffer at ").nth(1))
        .collect();
    assert_eq!(addresses.len(), 2, "{lines:?}");
    assert_ne!(addresses[0], addresses[1], "a buffer per thread: {lines:?}");
}

#[test]
fn philosophers_who_take_the_lower_fork_first_all_eat() {
    let lines = run(env!("CARGO_BIN_EXE_deadlock"));
    assert_eq!(positions(&lines, "philosopher ").len(), 5, "{lines:?}");
    assert_eq!(
        lines.last().unwrap(),
        "everyone ate; nobody waited for ever"
    );
}
