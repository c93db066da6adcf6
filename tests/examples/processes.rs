//! Part II, processes: processes, process_pool, fork_vs_spawn,
//! pipes_and_queues, shared_memory. Exit statuses, crash detection and retry,
//! copy-on-write, message integrity, shared counters; never speed.
//! (Reaping is checked in tests/reaping.rs, which runs alone.)

#![cfg(unix)]

use crate::common::{assert_rejected, flags, run_example, stdout_of, summaries, summary};
use serde_json::{Value, json};
use std::time::Duration;

fn texts(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap()
}

#[test]
fn processes_send_jobs_and_read_answers_through_pipes() {
    let s = summary("processes", &flags("--mode pipes --tasks 3 --seconds 0.1"));
    assert_eq!(s["answers"], 3, "{s}");
    assert_eq!(
        s["max_overlap"], 3,
        "the children ran at the same time: {s}"
    );
    for status in texts(&s["statuses"]) {
        assert!(status.ends_with("exit code 0 (success)"), "{status}");
    }
}

#[test]
fn an_exited_child_is_a_zombie_until_waited_for_and_gone_after() {
    let s = summary("zombies", &flags("--tasks 3"));
    assert_eq!(s["tasks"], 3, "{s}");
    assert_eq!(
        s["zombies_before_wait"], 3,
        "every child stayed behind as a zombie until the wait: {s}"
    );
    assert_eq!(
        s["left_after_wait"], 0,
        "the wait removed every zombie: {s}"
    );
    assert_rejected("zombies", &["--tasks 0", "--tasks many"]);
}

#[test]
fn processes_report_how_each_child_ended() {
    let s = summary("processes", &flags("--mode exit-status --seconds 0.05"));
    let statuses = texts(&s["statuses"]);
    let expected = [
        "exit code 0 (success)",
        "exit code 3, no answer",
        "exit code 101 (a Rust panic), no answer",
        "killed by SIGABRT",
        "killed by SIGKILL, no answer",
    ];
    for (status, wanted) in statuses.iter().zip(expected) {
        assert!(status.contains(wanted), "{status} should say {wanted}");
    }
    assert_eq!(s["answers"], 1, "only the child that succeeded answered");
}

#[test]
fn the_process_pool_returns_completion_order_and_map_order() {
    let args = ["--tasks", "4", "--workers", "2", "--seconds", "0.2"];
    let all = summaries(
        "process_pool",
        &[&args[..], &["--mode", "completion"]].concat(),
        1,
    );
    let mut completion: Vec<u64> = serde_json::from_value(all[0]["order"].clone()).unwrap();
    assert_eq!(all[0]["ok"], 4);
    // Tasks 0 and 1 start first; 1 is shorter, so it finishes before 0.
    assert_eq!(&completion[..2], &[1, 0], "{}", all[0]);
    completion.sort();
    assert_eq!(completion, vec![0, 1, 2, 3]);

    let map = summary("process_pool", &[&args[..], &["--mode", "map"]].concat());
    assert_eq!(map["order"], json!([0, 1, 2, 3]), "{map}");
    assert_eq!(map["max_overlap"], 2, "two worker processes: {map}");
}

#[test]
fn a_worker_is_replaced_after_its_maximum_of_tasks() {
    let args = "--mode map --tasks 6 --workers 1 --seconds 0.02";
    let once = summary("process_pool", &flags(args));
    assert_eq!(once["threads_used"], 1, "one worker did every task: {once}");
    let capped = summary(
        "process_pool",
        &flags(&format!("{args} --max-tasks-per-worker 2")),
    );
    // Every task done, in order, by three workers of two tasks each.
    assert_eq!(capped["ok"], 6, "{capped}");
    assert_eq!(capped["order"], json!([0, 1, 2, 3, 4, 5]), "{capped}");
    assert_eq!(capped["threads_used"], 3, "{capped}");
}

#[test]
fn crashed_and_hung_workers_are_replaced_and_their_tasks_retried_once() {
    let output = run_example(
        "process_pool",
        &flags("--mode crash --tasks 5 --workers 2 --seconds 0.05 --task-timeout 0.5 --json"),
        Duration::from_secs(60),
    );
    // Tasks 3 and 4 fail on every try: the run reports them and exits with 1.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 task(s) failed, in crash"), "{stderr}");
    let out = String::from_utf8(output.stdout).unwrap();
    // Task 1 panics once, task 2 is killed once: both succeed on the retry.
    assert!(
        out.contains("task 1 done by pid") && out.contains("(attempt 2)"),
        "{out}"
    );
    assert!(
        out.contains("died running task 1: exit code 101 (a Rust panic); retrying"),
        "{out}"
    );
    assert!(
        out.contains("died running task 2: killed by SIGKILL; retrying"),
        "{out}"
    );
    // Task 3 aborts every time, task 4 hangs every time: both fail after two attempts.
    assert!(
        out.contains("task 3 failed: killed by SIGABRT; then killed by SIGABRT"),
        "{out}"
    );
    assert!(
        out.contains("died running task 4: killed by SIGKILL, after overrunning"),
        "{out}"
    );
    assert!(out.contains("giving up"), "{out}");
    assert_eq!(
        out.matches("started worker pid").count(),
        6,
        "one replacement per death:\n{out}"
    );
    let s: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(
        (s["ok"].clone(), s["failed"].clone()),
        (json!(3), json!(2)),
        "{s}"
    );
}

/// Ctrl-Z, then `fg` after longer than the task timeout: the pool and its
/// workers were stopped together, so no task overran, and none is killed.
#[test]
fn a_pause_longer_than_the_task_timeout_kills_no_healthy_worker() {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::thread;
    use std::time::Instant;

    let pool = Command::new(crate::common::example_binary("process_pool"))
        .args(flags(
            "--mode map --tasks 2 --workers 2 --seconds 0.6 --task-timeout 1.5 --json",
        ))
        .process_group(0) // its own group, as a shell's job is: Ctrl-Z stops them all
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("process_pool starts");
    let group = Pid::from_raw(pool.id() as i32);
    // The workers take their tasks (each opens a span named after its pid).
    let deadline = Instant::now() + Duration::from_secs(20);
    while crate::common::children_of(pool.id()).len() < 2 {
        assert!(Instant::now() < deadline, "no workers started");
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(200));
    killpg(group, Signal::SIGSTOP).expect("SIGSTOP sent to the group");
    thread::sleep(Duration::from_secs(3)); // twice the task timeout
    killpg(group, Signal::SIGCONT).expect("SIGCONT sent to the group");
    let output = crate::common::output_within(pool, Duration::from_secs(30))
        .expect("the pool did not finish after SIGCONT");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{out}");
    assert!(!out.contains("died"), "a healthy worker was killed:\n{out}");
    let s: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(
        (s["ok"].clone(), s["failed"].clone()),
        (json!(2), json!(0)),
        "{s}"
    );
}

#[test]
fn a_forked_child_writes_through_a_pipe_and_has_its_own_copy_of_memory() {
    let fork = summary("fork_vs_spawn", &["--mode", "fork"]);
    assert_eq!(fork["child_said"], "hello from the child");
    assert_eq!(fork["exited_ok"], true);
    let cow = summary("fork_vs_spawn", &["--mode", "copy-on-write"]);
    assert_eq!(
        (
            cow["child_saw"].clone(),
            cow["child_set"].clone(),
            cow["parent_has"].clone()
        ),
        (json!(100), json!(999), json!(100)),
        "{cow}"
    );
}

#[test]
fn a_lock_held_by_another_thread_at_fork_stays_locked_in_the_child() {
    let s = summary("fork_vs_spawn", &["--mode", "lock-hazard"]);
    assert_eq!(s["child_found_lock_held"], true, "{s}");
}

#[test]
fn start_cost_times_every_method() {
    let s = summary("fork_vs_spawn", &flags("--mode start-cost --tasks 3"));
    let table = s["per_start_us"].as_object().expect("a table of costs");
    for method in [
        "thread spawn+join",
        "fork+wait",
        "fork+exec+wait",
        "posix_spawn+wait",
        "Command::status",
    ] {
        assert!(table[method].as_f64().unwrap() > 0.0, "{method}: {s}");
    }
}

#[test]
fn every_message_arrives_once_in_order_through_channels_and_a_pipe() {
    for s in summaries("pipes_and_queues", &["--tasks", "5000"], 3) {
        assert_eq!(s["received"], 5000, "{s}");
        assert_eq!(s["intact"], true, "{s}");
    }
}

#[test]
fn a_producer_dying_mid_message_is_a_clear_error_not_a_hang() {
    let output = run_example(
        "pipes_and_queues",
        &flags("--mode pipe --tasks 1000 --die-at 100"),
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("after 100 messages"), "{stderr}");
    assert!(
        stderr.contains("the pipe closed in the middle of a message"),
        "{stderr}"
    );
    assert!(stderr.contains("exit code 3"), "{stderr}");
}

#[test]
fn shared_counters_add_up_with_atomics_and_lose_updates_without() {
    let args = ["--workers", "4", "--increments", "2e5"];
    for mode in ["threads", "processes"] {
        let s = summary("shared_memory", &[&args[..], &["--mode", mode]].concat());
        assert_eq!(s["counter"], 800_000, "{s}");
        assert_eq!(
            s["slots_total"], 800_000,
            "every worker wrote its slot: {s}"
        );
    }
    // Lost updates need two workers on two cores at the same moment; on a busy
    // machine one run may not get that, so allow a few runs.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores > 1 {
        let racy = [
            "--workers",
            "4",
            "--increments",
            "2e6",
            "--mode",
            "lost-updates",
        ];
        let runs: Vec<Value> = (0..5).map(|_| summary("shared_memory", &racy)).collect();
        for run in &runs {
            assert_eq!(run["slots_total"], 8_000_000, "{run}");
            assert!(run["counter"].as_u64().unwrap() <= 8_000_000, "{run}");
        }
        assert!(
            runs.iter().any(|run| run["lost"].as_u64().unwrap() > 0),
            "load-then-store never lost an update in 5 runs: {runs:?}"
        );
    }
}

#[test]
fn process_examples_reject_bad_flags() {
    assert_rejected(
        "process_pool",
        &["--workers 0", "--task-timeout -1", "--task-timeout 0"],
    );
    assert_rejected("processes", &["--tasks none"]);
    assert_rejected("fork_vs_spawn", &["--tasks 0"]);
    assert_rejected("pipes_and_queues", &["--mode carrier-pigeon"]);
    assert_rejected("shared_memory", &["--workers 65", "--increments 0"]);
}

#[test]
fn examples_print_a_table_people_can_read() {
    let out = stdout_of("shared_memory", &flags("--mode threads --increments 1000"));
    assert!(
        out.contains("4 workers x 1000 increments = 4000 expected"),
        "{out}"
    );
}
