//! Checks for "sync_to_threads", from the timeline of what ran: no clock
//! limit, only what overlapped and what had finished.

use std::sync::Mutex;
use std::time::Duration;

use exercise_support::within;
use exercise_sync_to_threads::timeline::{self, Ideal};
use exercise_sync_to_threads::{GATE, run_on_threads};

/// The timeline recorder is global: its tests take turns.
static ONE_RECORDING_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn every_task_runs_at_the_same_time_and_all_finish_before_it_returns() {
    let _turn = ONE_RECORDING_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    // Each task in turn is held back for 1.5 s, past the others' 400 ms:
    // joining only some threads, or sleeping instead of joining, returns
    // before the held one ends in at least one of the four rounds.
    for held in 0..4 {
        GATE.hold(held);
        let opener = std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(1500));
            GATE.open();
        });
        let ran = within("run_on_threads(4, 400 ms) to return", || {
            let ((), ran) = timeline::record(Ideal::LongestTask, || {
                run_on_threads(4, Duration::from_millis(400))
            });
            ran
        });
        opener.join().unwrap();
        let mut tasks: Vec<usize> = ran.spans.iter().map(|span| span.task).collect();
        tasks.sort();
        assert_eq!(
            tasks,
            [0, 1, 2, 3],
            "with task {held} held back, tasks 0 to 3 must all have finished when \
             run_on_threads returns: did you join every thread, and number the tasks from 0?"
        );
        assert_eq!(
            ran.max_overlap(),
            4,
            "the four tasks never all ran at once:\n{ran}\nstart every thread before joining any"
        );
    }
}

#[test]
fn no_task_no_thread() {
    let _turn = ONE_RECORDING_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let ((), ran) = timeline::record(Ideal::LongestTask, || run_on_threads(0, Duration::ZERO));
    assert!(ran.spans.is_empty());
}
