//! "Thread pools and futures": pool_submit, as_completed, pool_map.
//! Assertions are about order, outcomes and overlap, never about speed.

use crate::common::{assert_rejected, flags, run_example, stdout_of, summaries, summary};
use serde_json::json;
use std::time::Duration;

#[test]
fn submit_returns_results_in_submission_order_on_a_bounded_pool() {
    let s = summary(
        "pool_submit",
        &flags("--mode submit --tasks 5 --workers 2 --seconds 0.1"),
    );
    assert_eq!(s["ok"], 5, "{s}");
    assert_eq!(s["finished"], 5);
    assert_eq!(
        s["max_overlap"], 2,
        "two workers run two tasks at once: {s}"
    );
    assert_eq!(s["threads_used"], 2);
}

#[test]
fn a_timeout_returns_early_and_the_task_still_finishes() {
    let out = stdout_of("pool_submit", &flags("--mode timeout --seconds 0.4 --json"));
    assert!(out.contains("Err(Timeout)"), "{out}");
    assert!(out.contains("the task is still Running"), "{out}");
    assert!(out.contains("result 1: Done sleeping 0.40 s"), "{out}");
    let s: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(
        (s["timed_out"].clone(), s["ok"].clone()),
        (json!(1), json!(1))
    );
}

#[test]
fn an_error_and_a_panic_are_reported_per_task_while_the_others_finish() {
    let output = run_example(
        "pool_submit",
        &flags("--mode errors --tasks 5 --workers 2 --seconds 0.1 --json"),
        Duration::from_secs(30),
    );
    assert!(
        output.status.success(),
        "the pool must survive a panicking task"
    );
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        out.contains("result 1: failed: task 1 could not open its input"),
        "{out}"
    );
    assert!(
        out.contains("result 2: panicked: task 2 hit a bug"),
        "{out}"
    );
    let s: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(s["ok"], 3, "{s}");
    assert_eq!(s["failed"], 1);
    assert_eq!(s["panicked"], 1);
}

#[test]
fn cancel_and_shutdown_cancel_only_queued_tasks() {
    let args = ["--tasks", "5", "--workers", "2", "--seconds", "0.3"];
    for mode in ["cancel", "shutdown"] {
        let mut with_mode = vec!["--mode", mode];
        with_mode.extend(args);
        let s = summary("pool_submit", &with_mode);
        // Two tasks were on the two workers; the three still queued were cancelled.
        assert_eq!(s["ok"], 2, "{mode}: {s}");
        assert_eq!(s["cancelled"], 3, "{mode}: {s}");
        assert_eq!(s["finished"], 2, "cancelled tasks never ran: {s}");
    }
}

#[test]
fn as_completed_handles_results_in_completion_order() {
    for s in summaries("as_completed", &flags("--tasks 5 --seconds 0.5"), 2) {
        // Task 0 sleeps longest, task 4 shortest: they finish in reverse.
        assert_eq!(s["order"], json!([4, 3, 2, 1, 0]), "{s}");
        assert_eq!(s["max_overlap"], 5, "{s}");
    }
}

#[test]
fn as_completed_on_fewer_workers_still_handles_every_result_once() {
    let args = ["--tasks", "6", "--workers", "2", "--seconds", "0.1"];
    for s in summaries("as_completed", &args, 2) {
        let mut order: Vec<u64> = serde_json::from_value(s["order"].clone()).unwrap();
        order.sort();
        assert_eq!(order, vec![0, 1, 2, 3, 4, 5], "{s}");
        assert_eq!(s["max_overlap"], 2, "{s}");
    }
}

#[test]
fn pool_map_returns_results_in_submission_order_whatever_finishes_first() {
    let all = summaries("pool_map", &flags("--tasks 4 --seconds 0.4"), 3);
    for s in &all[..2] {
        assert_eq!(s["completion_order"], json!([3, 2, 1, 0]), "{s}");
        assert_eq!(
            s["results"],
            json!([
                "Done sleeping 0.40 s",
                "Done sleeping 0.30 s",
                "Done sleeping 0.20 s",
                "Done sleeping 0.10 s"
            ]),
            "{s}"
        );
    }
    let failing = &all[2];
    assert_eq!(failing["mode"], "failing");
    assert_eq!(failing["failed"], 1, "item 1 fails: {failing}");
    assert_eq!(failing["results"][1], "error: item 1 is corrupt");
    assert_eq!(failing["results"][3], "Done sleeping 0.10 s");
}

#[test]
fn pool_map_failing_also_shows_the_all_or_nothing_result() {
    let out = stdout_of("pool_map", &flags("--mode failing --seconds 0.05"));
    // With several failures rayon returns one of them, whichever it met
    // first: not always the first in input order.
    let item = (out.split("all or nothing: Err(\"item ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no all-or-nothing error: {out}"));
    assert!(
        out.contains(&format!("result {item}: error: item {item} is corrupt")),
        "the error is one of the items that failed: {out}"
    );
}

#[test]
fn pool_examples_reject_bad_counts() {
    assert_rejected("pool_submit", &["--workers 0", "--tasks many"]);
    assert_rejected("as_completed", &["--workers -2"]);
    assert_rejected("pool_map", &["--tasks 0", "--mode lazy"]);
}

#[test]
fn after_the_first_result_or_error_no_new_task_starts() {
    let runs = crate::common::summaries("wait_first", &["--tasks", "9", "--seconds", "0.5"], 2);
    assert_eq!(runs[1]["first_task"], 3, "the failing task: {}", runs[1]);
    for run in &runs {
        // Each worker notes the time before reading the flag, main after
        // raising it: none can be noted after, whatever the interleaving.
        assert_eq!(run["started_after_stop"], 0, "{run}");
        let never = run["never_started"].as_u64().unwrap();
        assert!(never >= 1, "the queue still held tasks at the stop: {run}");
        assert_eq!(run["started"].as_u64().unwrap() + never, 9, "{run}");
    }
}

#[test]
fn chunk_size_sets_the_pieces_of_work_and_ordered_modes_keep_order() {
    let runs = crate::common::summaries("chunks", &["--tasks", "5000", "--chunk", "1000"], 5);
    let by_mode = |name: &str| runs.iter().find(|r| r["mode"] == name).unwrap();
    // with_max_len(1): a piece per task; with_min_len(1000): a piece per
    // thousand at most. (Each run fails by itself if a result is missing.)
    assert_eq!(by_mode("chunk-one")["pieces"], 5000);
    let chunked = by_mode("chunked")["pieces"].as_u64().unwrap();
    assert!((1..=5).contains(&chunked), "{}", by_mode("chunked"));
    for ordered in ["chunk-one", "chunked", "adaptive"] {
        assert_eq!(by_mode(ordered)["in_order"], true, "{}", by_mode(ordered));
    }
}

#[test]
fn every_task_gets_one_callback_and_a_cancelled_one_never_runs() {
    let all = summaries(
        "done_callbacks",
        &flags("--tasks 5 --workers 2 --seconds 0.1 --cancel 2"),
        2,
    );
    for s in &all {
        assert_eq!(
            s["callbacks"], 5,
            "one callback per task, cancelled too: {s}"
        );
        assert_eq!(s["cancelled"], 2, "{s}");
        assert_eq!(s["started"], 3, "a cancelled task never starts: {s}");
        let mut order: Vec<u64> = (s["order"].as_array().unwrap().iter())
            .map(|n| n.as_u64().unwrap())
            .collect();
        order.sort();
        assert_eq!(order, [0, 1, 2, 3, 4], "each task once: {s}");
    }
    // A callback runs on the thread that finishes its task (a pool worker);
    // the channel brings every outcome to the main thread instead.
    assert_eq!(
        (all[0]["mode"].as_str(), all[0]["on_workers"].as_u64()),
        (Some("callback"), Some(3))
    );
    assert_eq!(
        (all[1]["mode"].as_str(), all[1]["on_workers"].as_u64()),
        (Some("channel"), Some(0))
    );
}

#[test]
fn each_worker_sets_up_once_however_many_tasks_it_runs() {
    for s in summaries(
        "worker_setup",
        &flags("--tasks 6 --workers 2 --seconds 0.05 --setup-seconds 0.05"),
        2,
    ) {
        assert_eq!(s["finished"], 6, "{s}");
        assert_eq!(s["setups"], 2, "one set-up per worker, not per task: {s}");
    }
}

#[test]
fn a_failed_setup_is_an_error_naming_the_worker() {
    for (mode, says) in [
        (
            "threads",
            "could not set up: failed: cannot reach the database",
        ),
        ("processes", "set-up failed: cannot reach the database"),
    ] {
        let args = ["--mode", mode, "--fail-setup", "--setup-seconds", "0.01"];
        let output = run_example("worker_setup", &args, Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{mode}: {stderr}");
        assert!(stderr.contains(says), "{mode}: {stderr}");
        assert!(!String::from_utf8_lossy(&output.stdout).contains("used connection"));
    }
}
