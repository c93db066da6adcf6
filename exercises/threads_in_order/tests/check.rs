//! Checks for "threads_in_order". Each test says what a failure means.

use std::sync::Barrier;
use std::thread;
use std::time::Duration;

use exercise_support::within;
use exercise_threads_in_order::run_all;

#[test]
fn results_come_back_in_the_order_of_the_inputs() {
    // Later inputs finish first: collecting in finishing order fails here.
    let results = run_all((0..8u64).collect(), |i| {
        thread::sleep(Duration::from_millis((8 - i) * 15));
        i * 10
    });
    assert_eq!(
        results,
        [0, 10, 20, 30, 40, 50, 60, 70],
        "results must be in input order, not the order the threads finished in"
    );
}

#[test]
fn every_input_runs_at_the_same_time() {
    // Each call waits until all four are running: a version that waits for
    // one thread before starting the next never gets there, and the
    // watchdog fails it within 15 s.
    let results = within(
        "the four calls to run at the same time (start every thread before you join any)",
        || {
            let all_four = Barrier::new(4);
            run_all(vec![1, 2, 3, 4], |i| {
                all_four.wait();
                i + 1
            })
        },
    );
    assert_eq!(results, [2, 3, 4, 5]);
}

#[test]
fn no_input_no_thread_and_no_result() {
    let results: Vec<u8> = run_all(Vec::<u8>::new(), |i| i);
    assert!(results.is_empty());
}
