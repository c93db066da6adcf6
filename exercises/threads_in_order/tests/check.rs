//! Checks for "threads_in_order". Each test says what a failure means.

use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use exercise_support::within;
use exercise_threads_in_order::run_all;

#[test]
fn results_come_back_in_the_order_of_the_inputs() {
    // Later inputs finish first: collecting in finishing order fails here.
    let results = within("run_all of 8 inputs to return", || {
        run_all((0..8u64).collect(), |i| {
            thread::sleep(Duration::from_millis((8 - i) * 15));
            i * 10
        })
    });
    assert_eq!(
        results,
        [0, 10, 20, 30, 40, 50, 60, 70],
        "results must be in input order, not the order the threads finished in"
    );
}

#[test]
fn every_input_runs_at_the_same_time() {
    // Each call waits until all 64 are running: a version that waits for
    // one thread before starting the next, or runs them in batches (of the
    // number of cores, say: no machine here has 64), never gets there, and
    // the watchdog fails it within 15 s.
    let results = within(
        "the 64 calls to run at the same time (start every thread before you join any)",
        || {
            let all = Barrier::new(64);
            run_all((0..64).collect(), |i| {
                all.wait();
                i + 1
            })
        },
    );
    assert_eq!(results, (1..=64).collect::<Vec<_>>());
}

#[test]
fn no_input_no_thread_and_no_result() {
    let results: Vec<u8> = within("run_all of no input to return", || {
        run_all(Vec::<u8>::new(), |i| i)
    });
    assert!(results.is_empty());
}
