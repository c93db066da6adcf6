//! "Coordinating threads": Python's threading primitives beside std's.

use crate::common::{assert_rejected_naming, flags, summaries};

#[test]
fn a_panic_holding_the_lock_poisons_it_and_the_repair_clears_it() {
    let runs = summaries("locks", &["--mode", "poison"], 1);
    let poison = &runs[0];
    assert_eq!(poison["mode"], "poison");
    // The panic came between the two halves of the transfer: 10 are missing,
    // and only the poisoned lock says so.
    assert_eq!(poison["poisoned"], true, "{poison}");
    assert_eq!(poison["total_after_panic"], 190, "{poison}");
    assert_eq!(poison["total_repaired"], 200, "{poison}");
    assert_eq!(poison["poisoned_after_repair"], false, "{poison}");
}

#[test]
fn the_thread_holding_a_mutex_cannot_take_it_again() {
    let runs = summaries("locks", &["--mode", "reenter"], 1);
    let reenter = &runs[0];
    assert_eq!(reenter["second_lock"], "would block", "{reenter}");
    assert_eq!(reenter["entries"], 2, "both records made under one lock");
}

#[test]
fn every_mode_runs_by_default_and_bad_modes_are_refused() {
    let runs = summaries("locks", &[], 2);
    let modes: Vec<&str> = runs.iter().map(|s| s["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["poison", "reenter"]);
    assert_rejected_naming("locks", &flags("--mode rlock"), "--mode");
}

#[test]
fn a_stop_flag_stops_every_worker_and_every_step_is_counted() {
    let runs = summaries(
        "stop_flags",
        &flags("--mode stop-flag --workers 3 --seconds 0.2"),
        1,
    );
    let run = &runs[0];
    let per_worker: Vec<u64> = (run["per_worker"].as_array().unwrap().iter())
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(per_worker.len(), 3, "{run}");
    assert!(per_worker.iter().all(|&n| n > 0), "every worker ran: {run}");
    // The Relaxed counter, read after the joins, missed no step.
    assert_eq!(
        run["steps"].as_u64(),
        Some(per_worker.iter().sum()),
        "{run}"
    );
}

#[test]
fn the_waiter_sleeps_until_the_flag_is_set() {
    let runs = summaries("stop_flags", &flags("--mode wait --seconds 0.2"), 1);
    let run = &runs[0];
    assert!(run["wakeups"].as_u64().unwrap() >= 1, "{run}");
    // It cannot have passed its loop before the flag was set, 0.2 s in.
    assert!(run["waited_s"].as_f64().unwrap() >= 0.2, "{run}");
    assert_rejected_naming("stop_flags", &flags("--workers 0"), "--workers");
    // Busy threads past a bound would only share the cores, for minutes.
    for example in ["stop_flags", "thread_local"] {
        assert_rejected_naming(example, &flags("--workers 129"), "at most 128");
    }
}

#[test]
fn readers_overlap_on_an_rwlock_and_never_on_a_mutex() {
    let runs = summaries(
        "rwlock",
        &flags("--mode overlap --workers 4 --seconds 0.2"),
        1,
    );
    let run = &runs[0];
    assert_eq!(run["mutex_at_once"], 1, "{run}");
    // Four readers holding the lock 2 ms at a time, for 0.2 s: they overlap.
    assert!(run["rwlock_at_once"].as_u64().unwrap() >= 2, "{run}");
}

/// std's RwLock on Linux (futex-based) makes new readers wait behind a
/// waiting writer; other systems may not, so this checks Linux only.
#[cfg(target_os = "linux")]
#[test]
fn a_writer_is_not_starved_by_readers_that_keep_coming() {
    let runs = summaries(
        "rwlock",
        &flags("--mode writer --workers 4 --seconds 1.5"),
        1,
    );
    let waited = runs[0]["writer_waited_s"].as_f64().unwrap();
    // Starved, it would wait until the readers stop, a whole second later.
    assert!(waited < 0.5, "the writer waited {waited} s");
}

#[test]
fn a_semaphore_keeps_the_downloads_to_its_permits() {
    let runs = summaries(
        "semaphore",
        &flags("--tasks 6 --permits 2 --seconds 0.3"),
        2,
    );
    for run in &runs {
        // Never more than the permits (the loom model in tests/loom.rs proves
        // the book's semaphore for every interleaving); and with six threads
        // waiting on a server that takes 0.3 s, two did download together.
        assert_eq!(run["max_overlap"], 2, "{run}");
        assert_eq!(
            (run["failed"].as_u64(), run["finished"].as_u64()),
            (Some(0), Some(6)),
            "{run}"
        );
        assert_eq!(
            run["bytes"],
            6 * 1024,
            "every download arrived whole: {run}"
        );
    }
    let modes: Vec<&str> = runs.iter().map(|s| s["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["book", "tokio"]);
    assert_rejected_naming("semaphore", &flags("--permits 0"), "--permits");
}

#[test]
fn no_second_phase_starts_before_the_last_first_phase_ends() {
    let run = &summaries("barrier", &flags("--tasks 3 --seconds 0.15"), 1)[0];
    assert_eq!(run["waited_for_all"], true, "{run}");
    assert_eq!(run["leaders"], 1, "exactly one leader: {run}");
    assert_eq!(run["finished"], 6, "two phases of three workers: {run}");
}

#[test]
fn the_condition_is_checked_again_after_each_wake_up() {
    let run = &summaries(
        "condvar",
        &flags("--mode wait-while --tasks 4 --seconds 0.02"),
        1,
    )[0];
    // Once before the first item, then at least once per notify it woke
    // for: never fewer checks than items, and it returned only with all.
    let checks = run["checks"].as_u64().unwrap();
    assert!(checks >= 2, "{run}");
    assert_eq!(run["finished"], 4, "{run}");
}

#[test]
fn each_join_waits_for_its_whole_batch_and_the_workers_stay_up() {
    let run = &summaries(
        "condvar",
        &flags("--mode task-done --tasks 6 --workers 2 --seconds 0.03"),
        1,
    )[0];
    assert_eq!(
        run["finished_at_each_wait"],
        serde_json::json!([3, 6]),
        "{run}"
    );
    assert_eq!(
        run["threads_used"], 2,
        "the same two workers did both batches: {run}"
    );
}

#[test]
fn left_then_right_deadlocks_and_is_caught_within_the_deadline() {
    // The example forces the interleaving; tests/loom.rs finds it unforced.
    let runs = summaries(
        "philosophers",
        &flags("--mode left-then-right --deadline 0.5"),
        1,
    );
    assert_eq!(runs[0]["deadlocked"], true, "{}", runs[0]);
    assert_eq!(runs[0]["finished"], 0, "{}", runs[0]);
}

#[test]
fn both_fixes_eat_every_meal_under_contention() {
    // A bounded stress run: 5 philosophers, 300 meals each, no pause between
    // forks; a deadlock or a livelock would miss the 60 s deadline.
    for mode in ["ordered", "try-lock"] {
        let args = [
            "--mode",
            mode,
            "--tasks",
            "300",
            "--seconds",
            "0",
            "--deadline",
            "60",
        ];
        let run = &summaries("philosophers", &args, 1)[0];
        assert_eq!(run["deadlocked"], false, "{run}");
        assert_eq!(
            run["fork_uses"],
            serde_json::json!([600, 600, 600, 600, 600]),
            "{run}"
        );
    }
    assert_rejected_naming("philosophers", &flags("--workers 1"), "--workers");
}

#[test]
fn per_thread_state_is_made_once_per_thread_or_per_split() {
    let runs = summaries("thread_local", &flags("--tasks 5000 --workers 2"), 3);
    let made = |i: usize| runs[i]["buffers_made"].as_u64().unwrap();
    // thread_local!: one per thread that ran a task, made on first use.
    assert!((1..=2).contains(&made(0)), "{}", runs[0]);
    // map_init: one per piece rayon split off, never one per task.
    assert!((1..5000).contains(&made(1)), "{}", runs[1]);
    // start_handler: exactly one per thread of the pool.
    assert_eq!(made(2), 2, "{}", runs[2]);
    for run in &runs {
        assert!(
            run["bytes"].as_u64().unwrap() > 5000,
            "every task wrote: {run}"
        );
    }
}
