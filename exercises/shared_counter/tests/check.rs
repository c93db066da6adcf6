//! Checks for "shared_counter". `cargo xtask exercise shared_counter` runs
//! them with loom, which tries every interleaving of the threads: a lost
//! update is found every time, not once in a while.

use exercise_shared_counter::Counter;
use exercise_shared_counter::sync::{Arc, thread};

/// Two threads increment twice each; every call returns a distinct value.
fn two_threads_two_increments() {
    let counter = Arc::new(Counter::new());
    let other = thread::spawn({
        let counter = Arc::clone(&counter);
        move || [counter.increment(), counter.increment()]
    });
    let mine = [counter.increment(), counter.increment()];
    let theirs = other.join().unwrap();
    let mut seen: Vec<u64> = mine.into_iter().chain(theirs).collect();
    seen.sort();
    assert_eq!(
        seen,
        [1, 2, 3, 4],
        "two increments returned the same value: an update was lost"
    );
    assert_eq!(counter.get(), 4, "an update was lost");
}

#[cfg(feature = "loom")]
#[test]
fn no_update_is_lost_in_any_interleaving() {
    exercise_support::within("loom to explore the interleavings", || {
        loom::model(two_threads_two_increments)
    });
}

#[cfg(not(feature = "loom"))]
#[test]
fn no_update_is_lost_in_one_run() {
    // Without loom this only tries the interleaving the OS happens to pick.
    two_threads_two_increments();
}
