//! "CPU-bound work" and "Worker counts and common mistakes": cpu_bound,
//! worker_count, common_mistakes. Speed is never asserted here (the benches
//! measure it); correctness, structure and clean-up are.

use crate::common::{assert_rejected, flags, stdout_of, summaries, summary};
use serde_json::json;

/// sum of i*i for i < n
fn expected(n: u128) -> String {
    (n * (n - 1) * (2 * n - 1) / 6).to_string()
}

#[test]
fn every_cpu_bound_mode_computes_the_same_right_answer() {
    let all = summaries("cpu_bound", &flags("--tasks 3 --n 2e5"), 4);
    let modes: Vec<_> = all.iter().map(|s| s["mode"].clone()).collect();
    assert_eq!(
        modes,
        json!(["seq", "threads", "rayon", "processes"])
            .as_array()
            .unwrap()
            .clone()
    );
    for s in &all {
        assert_eq!(s["result"], expected(200_000), "{s}");
        assert_eq!(s["finished"], 3, "{s}");
        assert!(s["speedup"].as_f64().unwrap() > 0.0, "{s}");
        assert!(s["efficiency"].is_number(), "{s}");
    }
    assert_eq!(all[0]["max_overlap"], 1, "seq runs one task at a time");
    assert_eq!(all[1]["threads_used"], 3, "one thread per task");
    assert_eq!(all[3]["threads_used"], 3, "one process per task");
}

#[test]
fn the_processes_mode_runs_one_child_process_per_task() {
    // Reaping is tested in the `worker` module, where the test is the parent.
    let out = stdout_of("cpu_bound", &flags("--mode processes --tasks 2 --n 1000"));
    let pids: Vec<u32> = out
        .lines()
        .filter_map(|line| line.split("pid ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(
        pids.len(),
        2,
        "two worker processes on the timeline:\n{out}"
    );
    assert_ne!(pids[0], pids[1]);
    assert!(!pids.contains(&std::process::id()));
}

#[test]
fn the_worker_flag_computes_one_task() {
    let out = stdout_of("cpu_bound", &["--compute-one", "10"]);
    assert_eq!(out.trim(), expected(10));
}

#[test]
fn a_single_mode_has_no_speedup_without_a_sequential_baseline() {
    let s = summary("cpu_bound", &flags("--mode rayon --n 1000 --workers 3"));
    assert_eq!(s["workers"], 3);
    assert!(s.get("speedup").is_none(), "{s}");
}

#[test]
fn cpu_bound_rejects_bad_values() {
    assert_rejected(
        "cpu_bound",
        &["--n 0", "--n 1.5", "--workers 0", "--tasks x"],
    );
}

#[test]
fn worker_count_tries_doubling_counts_up_to_the_largest() {
    let args = [
        "--tasks",
        "8",
        "--workers",
        "20",
        "--seconds",
        "0.01",
        "--n",
        "1000",
    ];
    for s in summaries("worker_count", &args, 2) {
        let counts: Vec<_> = s["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|run| run["workers"].as_u64().unwrap())
            .collect();
        assert_eq!(counts, vec![1, 2, 4, 8, 16, 20], "{s}");
        assert_eq!(s["runs"][0]["speedup"], 1.0, "the baseline is one worker");
    }
}

#[test]
fn worker_count_rejects_zero_workers() {
    assert_rejected("worker_count", &["--workers 0"]);
}

/// The summary of one common_mistakes mode: `line` holds its flags.
fn mistake(line: &str) -> serde_json::Value {
    summary("common_mistakes", &flags(line))
}

#[test]
fn a_wait_with_a_timeout_returns_although_the_task_never_does() {
    let s = mistake("--mode no-timeout --seconds 0.1");
    assert_eq!(s["timed_out"], true, "{s}");
}

#[test]
fn results_read_before_join_are_missing_and_a_scope_fixes_it() {
    let s = mistake("--mode no-join --tasks 4 --seconds 0.2");
    assert_eq!(s["without_join"], 0, "{s}");
    assert_eq!(s["with_scope"], 4, "{s}");
}

#[test]
fn a_lock_held_across_the_slow_call_serializes_the_threads() {
    let s = mistake("--mode lock-held --tasks 3 --seconds 0.1");
    assert_eq!(s["held_max_overlap"], 1, "{s}");
    assert_eq!(s["released_max_overlap"], 3, "{s}");
}

#[test]
fn opposite_lock_orders_deadlock_and_the_same_order_does_not() {
    let s = mistake("--mode lock-order --seconds 0.1");
    assert!(s["opposite_order_finished"].as_u64().unwrap() < 2, "{s}");
    assert_eq!(s["same_order_finished"], 2, "{s}");
}
