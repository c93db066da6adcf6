//! "Testing concurrent code": the stress_test example. The model checks
//! themselves are in tests/loom.rs (`cargo test --features loom --test loom`).
//! Whether a stress run finds a bug is chance, so it is never asserted here;
//! what the example reports, and how it counts, is.

use crate::common::{assert_rejected, flags, run_example, summaries};
use std::time::Duration;

#[test]
fn each_mode_reports_its_rounds_and_failures() {
    let all = summaries("stress_test", &flags("--rounds 200 --seconds 20"), 2);
    let modes: Vec<_> = all.iter().map(|s| s["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["counter", "queue"]);
    for s in &all {
        let rounds = s["rounds"].as_u64().unwrap();
        let failures = s["failures"].as_u64().unwrap();
        assert_eq!(rounds, 200, "the round limit is reached first: {s}");
        assert_eq!(s["tasks"], 200, "{s}");
        assert_eq!(s["workers"], 2, "{s}");
        assert!(failures <= rounds, "{s}");
        assert_eq!(s["found"], failures > 0, "{s}");
        match s["first_failure_round"].as_u64() {
            Some(first) => assert!((1..=rounds).contains(&first), "{s}"),
            None => assert_eq!(failures, 0, "{s}"),
        }
    }
}

#[test]
fn the_time_limit_ends_a_mode() {
    let all = summaries(
        "stress_test",
        &flags("--mode counter --rounds 1e9 --seconds 0.2"),
        1,
    );
    assert!(all[0]["rounds"].as_u64().unwrap() < 1_000_000_000);
    assert!(all[0]["elapsed_s"].as_f64().unwrap() >= 0.2);
}

#[test]
fn the_queue_bug_panics_quietly_and_is_counted() {
    // Eight workers and no pauses find the bug within a second most of the
    // time; ten tries make a miss practically impossible, even on a machine
    // busy with other work (five once missed there). loom finds the same bug
    // every run (tests/loom.rs): this test is about how the example reports it.
    let args = [
        "--mode",
        "queue",
        "--workers",
        "8",
        "--rounds",
        "1e9",
        "--seconds",
        "1",
        "--jitter-us",
        "0",
        "--json",
    ];
    for _ in 0..10 {
        let output = run_example("stress_test", &args, Duration::from_secs(60));
        assert!(output.status.success());
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary: serde_json::Value =
            serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        if summary["failures"].as_u64().unwrap() > 0 {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("after the wake-up"), "{stderr}");
            return;
        }
    }
    panic!("ten seconds of stress with eight workers never met the queue's bug");
}

#[test]
fn bad_flags_are_named() {
    assert_rejected(
        "stress_test",
        &["--workers 1", "--rounds -5", "--mode both"],
    );
}
