//! Runs every whole-program listing and checks what it promises: it ends
//! well, and its output shows the order of events the chapter describes.

use std::process::Command;

/// Runs a listing's program; its stdout's lines, once it has exited with 0.
fn run(binary: &str) -> Vec<String> {
    let output = Command::new(binary).output().expect("the listing starts");
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
