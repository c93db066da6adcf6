//! Checks for "sync_to_threads", from the timeline of what ran: no clock
//! limit, only what overlapped and what had finished.

use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Duration;

use exercise_support::within;
use exercise_sync_to_threads::timeline::{self, Ideal};
use exercise_sync_to_threads::{FIRST_TASK_EXTRA_MS, run_on_threads};

/// The timeline recorder is global: its tests take turns.
static ONE_RECORDING_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn every_task_runs_at_the_same_time_and_all_finish_before_it_returns() {
    let _turn = ONE_RECORDING_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    // Task 0 is the slowest (by 300 ms): joining only the last thread, or
    // sleeping as long as one task instead of joining, returns before it ends.
    FIRST_TASK_EXTRA_MS.store(300, Ordering::SeqCst);
    let ran = within("run_on_threads(4, 200 ms) to return", || {
        let ((), ran) = timeline::record(Ideal::LongestTask, || {
            run_on_threads(4, Duration::from_millis(200))
        });
        ran
    });
    FIRST_TASK_EXTRA_MS.store(0, Ordering::SeqCst);
    assert_eq!(
        ran.spans.len(),
        4,
        "four tasks must have finished when run_on_threads returns: \
         did you join every thread?"
    );
    assert_eq!(
        ran.max_overlap(),
        4,
        "the four tasks never all ran at once:\n{ran}\nstart every thread before joining any"
    );
}

#[test]
fn no_task_no_thread() {
    let _turn = ONE_RECORDING_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let ((), ran) = timeline::record(Ideal::LongestTask, || run_on_threads(0, Duration::ZERO));
    assert!(ran.spans.is_empty());
}
