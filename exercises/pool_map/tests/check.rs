//! Checks for "pool_map". Each test says what a failure means.

use std::sync::{Barrier, OnceLock};
use std::thread;
use std::time::Duration;

use concurrency_book::lessons::pool::{Pool, Shutdown, TaskError};
use exercise_pool_map::map_in_order;
use exercise_support::within;

const WAIT: Duration = Duration::from_secs(10);

fn slow_double(i: u64) -> Result<u64, String> {
    thread::sleep(Duration::from_millis((6 - i) * 15)); // later items finish first
    Ok(i * 2)
}

#[test]
fn outcomes_come_back_in_item_order() {
    let pool = Pool::new(3);
    let outcomes = map_in_order(&pool, (0..6).collect(), slow_double);
    let expected: Vec<Result<u64, TaskError>> = (0..6).map(|i| Ok(i * 2)).collect();
    assert_eq!(outcomes, expected, "outcomes must be in item order");
    pool.shutdown(Shutdown::RunPending, WAIT).unwrap();
}

static BOTH: OnceLock<Barrier> = OnceLock::new();

fn meet(i: u64) -> Result<u64, String> {
    BOTH.get_or_init(|| Barrier::new(2)).wait();
    Ok(i)
}

#[test]
fn items_run_on_the_workers_at_the_same_time() {
    // Both items wait for each other: submitting one and waiting for it
    // before submitting the next never gets there (the watchdog says so).
    let outcomes = within(
        "the two items to run at once (submit every item before you wait for any result)",
        || map_in_order(&Pool::new(2), vec![7, 8], meet),
    );
    assert_eq!(outcomes, [Ok(7), Ok(8)]);
}

fn picky(i: u64) -> Result<u64, String> {
    match i {
        1 => Err("one is not allowed".into()),
        2 => panic!("two hit a bug"),
        _ => Ok(i),
    }
}

#[test]
fn a_failing_item_gives_an_error_in_its_place_and_the_rest_finish() {
    let pool = Pool::new(2);
    let outcomes = map_in_order(&pool, vec![0, 1, 2, 3], picky);
    assert_eq!(
        outcomes,
        [
            Ok(0),
            Err(TaskError::Failed("one is not allowed".into())),
            Err(TaskError::Panicked("two hit a bug".into())),
            Ok(3),
        ],
        "each item's own outcome, in its place"
    );
    pool.shutdown(Shutdown::RunPending, WAIT).unwrap();
}
