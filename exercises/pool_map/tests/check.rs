//! Checks for "pool_map". Each test says what a failure means.

use std::sync::{Barrier, Condvar, Mutex, OnceLock};
use std::thread;
use std::time::Duration;

use concurrency_book::lessons::pool::{Pool, Shutdown, TaskError};
use exercise_pool_map::map_in_order;
use exercise_support::within;

const WAIT: Duration = Duration::from_secs(10);

/// `map_in_order` of `items` with `work` on a pool of `workers`, the pool
/// shut down after; all of it within the watchdog.
fn mapped(
    workers: usize,
    items: Vec<u64>,
    work: fn(u64) -> Result<u64, String>,
) -> Vec<Result<u64, TaskError>> {
    let waiting_for = format!("map_in_order of {} items to return", items.len());
    within(&waiting_for, move || {
        let pool = Pool::new(workers);
        let outcomes = map_in_order(&pool, items, work);
        pool.shutdown(Shutdown::RunPending, WAIT).unwrap();
        outcomes
    })
}

fn slow_double(i: u64) -> Result<u64, String> {
    thread::sleep(Duration::from_millis((6 - i) * 15)); // later items finish first
    Ok(i * 2)
}

#[test]
fn outcomes_come_back_in_item_order() {
    let outcomes = mapped(3, (0..6).collect(), slow_double);
    let expected: Vec<Result<u64, TaskError>> = (0..6).map(|i| Ok(i * 2)).collect();
    assert_eq!(outcomes, expected, "outcomes must be in item order");
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

static LAST_DONE: (Mutex<bool>, Condvar) = (Mutex::new(false), Condvar::new());

/// Item 0 waits (5 s at most) until item 8 has run; the others run at once.
fn first_waits_for_last(i: u64) -> Result<u64, String> {
    let (done, changed) = &LAST_DONE;
    match i {
        0 => {
            let wait = Duration::from_secs(5);
            let done = done.lock().unwrap();
            let (done, _) = changed
                .wait_timeout_while(done, wait, |done| !*done)
                .unwrap();
            if !*done {
                return Err("item 8 never ran while item 0 waited".into());
            }
        }
        8 => {
            *done.lock().unwrap() = true;
            changed.notify_all();
        }
        _ => {}
    }
    Ok(i)
}

#[test]
fn every_item_is_submitted_before_any_result_is_awaited() {
    // Nine items on two workers; item 0 waits until item 8 has run. Waiting
    // for each batch (of two, of four...) before submitting the next, item 8
    // is never submitted while item 0 waits.
    let outcomes = mapped(2, (0..9).collect(), first_waits_for_last);
    let expected: Vec<Result<u64, TaskError>> = (0..9).map(Ok).collect();
    assert_eq!(
        outcomes, expected,
        "submit every item before you wait for any result"
    );
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
    let outcomes = mapped(2, vec![0, 1, 2, 3], picky);
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
}
