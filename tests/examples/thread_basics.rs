//! Part I examples: sync_script, manual_threads, loop_join, thread_args.
//! Assertions are about structure (what overlapped, what finished, in which
//! order), never about how fast this machine is.

use crate::common::{assert_rejected, flags, stdout_of, summaries, summary};
use serde_json::json;

#[test]
fn sync_script_runs_tasks_one_at_a_time() {
    let s = summary("sync_script", &flags("--tasks 3 --seconds 0.1"));
    assert_eq!(s["mode"], "seq");
    assert_eq!(s["tasks"], 3);
    assert_eq!(s["finished"], 3);
    assert_eq!(s["max_overlap"], 1, "sequential tasks never overlap: {s}");
    assert_eq!(s["threads_used"], 1);
    // Sequential sleeps cannot take less than their sum.
    assert!(s["elapsed_s"].as_f64().unwrap() >= s["ideal_s"].as_f64().unwrap() * 0.99);
}

#[test]
fn sync_script_prints_its_timeline() {
    let out = stdout_of("sync_script", &flags("--tasks 2 --seconds 0.05"));
    assert_eq!(out.matches("Done sleeping.").count(), 2, "{out}");
    assert!(out.contains("task worker"), "no timeline header:\n{out}");
    assert!(out.contains("   1 main "), "no row for task 1:\n{out}");
    assert!(out.contains("Finished in"), "{out}");
}

#[test]
fn manual_threads_join_overlaps_both_threads() {
    let s = summary("manual_threads", &flags("--mode join --seconds 0.2"));
    assert_eq!(s["finished"], 2);
    assert_eq!(s["max_overlap"], 2, "{s}");
    assert_eq!(s["threads_used"], 2);
}

#[test]
fn manual_threads_reports_a_panic_through_join() {
    let out = stdout_of(
        "manual_threads",
        &flags("--mode panic --seconds 0.1 --json"),
    );
    assert!(out.contains("t1 finished"), "{out}");
    assert!(out.contains("t2 panicked: the disk is full"), "{out}");
    let s: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(s["panicked"], 1);
    assert_eq!(
        s["finished"], 2,
        "the panicking task still ended its span: {s}"
    );
}

#[test]
fn manual_threads_without_join_ends_before_its_threads() {
    let out = stdout_of(
        "manual_threads",
        &flags("--mode no-join --seconds 0.3 --json"),
    );
    assert!(
        !out.contains("Done sleeping."),
        "a thread finished after all:\n{out}"
    );
    let s: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(s["mode"], "no-join");
    assert_eq!(s["finished"], 0, "{s}");
}

#[test]
fn manual_threads_runs_every_mode_by_default() {
    let all = summaries("manual_threads", &["--seconds", "0.05"], 3);
    let modes: Vec<_> = all.iter().map(|s| s["mode"].clone()).collect();
    assert_eq!(modes, [json!("join"), json!("panic"), json!("no-join")]);
}

#[test]
fn loop_join_two_loops_and_scope_overlap_all_tasks_but_join_in_loop_does_not() {
    let all = summaries("loop_join", &flags("--tasks 6 --seconds 0.1"), 3);
    let by_mode = |mode: &str| all.iter().find(|s| s["mode"] == mode).unwrap().clone();
    for mode in ["two-loops", "scope"] {
        let s = by_mode(mode);
        assert_eq!(s["finished"], 6, "{s}");
        assert_eq!(
            s["max_overlap"], 6,
            "{mode} should run all tasks at once: {s}"
        );
    }
    let wrong = by_mode("join-in-loop");
    assert_eq!(wrong["finished"], 6);
    assert_eq!(
        wrong["max_overlap"], 1,
        "joining in the loop serializes: {wrong}"
    );
    assert!(wrong["elapsed_s"].as_f64().unwrap() >= 6.0 * 0.1 * 0.99);
}

#[test]
fn thread_args_results_come_back_in_the_promised_order() {
    // Task i sleeps (n - i) / n of the longest time: the first submitted finishes last.
    let all = summaries("thread_args", &flags("--tasks 4 --seconds 0.6"), 4);
    let order = |mode: &str| all.iter().find(|s| s["mode"] == mode).unwrap()["order"].clone();
    assert_eq!(
        order("results"),
        json!([0, 1, 2, 3]),
        "join returns in submission order"
    );
    assert_eq!(order("arc"), json!([0, 1, 2, 3]));
    assert_eq!(
        order("mutex-map"),
        json!([0, 1, 2, 3]),
        "every task's result is in the map"
    );
    assert_eq!(
        order("channel"),
        json!([3, 2, 1, 0]),
        "a channel delivers in completion order"
    );
    for s in &all {
        assert_eq!(s["max_overlap"], 4, "{s}");
        assert_eq!(s["finished"], 4, "{s}");
    }
}

const EXAMPLES: [&str; 4] = ["sync_script", "manual_threads", "loop_join", "thread_args"];

#[test]
fn every_example_explains_itself_with_help() {
    for name in EXAMPLES {
        let out = stdout_of(name, &["--help"]);
        assert!(out.contains("--json"), "{name} --help:\n{out}");
        assert!(out.contains("--seconds"), "{name} --help:\n{out}");
    }
}

/// The first line of every example's `--help` says what that example does:
/// its source has the line (its `about`), so it is no doc comment of the
/// harness's shared flags that clap took instead.
#[test]
fn every_example_starts_its_help_with_its_own_line() {
    let sources = crate::example_sources();
    for name in crate::examples_in_the_repository() {
        let help = stdout_of(&name, &["--help"]);
        let first = help.lines().next().unwrap_or_default();
        // The example's file, or the file of that name it includes
        // (`unix/fork_vs_spawn.rs`).
        let says_it = (sources.iter())
            .filter(|path| path.file_stem().is_some_and(|stem| *stem == *name))
            .any(|path| std::fs::read_to_string(path).unwrap().contains(first));
        assert!(
            !first.is_empty() && says_it,
            "{name} --help starts with {first:?}, which its source does not say"
        );
    }
}

#[test]
fn bad_flags_exit_with_code_2_and_a_clear_message() {
    for name in EXAMPLES {
        assert_rejected(
            name,
            &[
                "--seconds -1",
                "--seconds soon",
                "--seconds NaN",
                "--no-such-flag",
            ],
        );
    }
    for name in ["sync_script", "loop_join", "thread_args"] {
        assert_rejected(name, &["--tasks 0", "--tasks ten"]);
    }
    for name in ["manual_threads", "loop_join", "thread_args"] {
        assert_rejected(name, &["--mode bogus"]);
    }
}
