//! Checks for "semaphore". `cargo xtask exercise semaphore` runs them with
//! loom: a thread let in past the limit, or a waiter that sleeps for ever
//! (loom then reports a deadlock), is found in every run.

use exercise_semaphore::Semaphore;
use exercise_semaphore::sync::{Arc, AtomicUsize, Ordering, thread};

/// Three threads, one permit: never two inside at once, and all get in.
fn three_threads_one_permit() {
    let semaphore = Arc::new(Semaphore::new(1));
    let inside = Arc::new(AtomicUsize::new(0));
    let visit = {
        let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
        move || {
            semaphore.acquire();
            let before = inside.fetch_add(1, Ordering::SeqCst);
            assert_eq!(before, 0, "two threads inside with one permit");
            inside.fetch_sub(1, Ordering::SeqCst);
            semaphore.release();
        }
    };
    let others: Vec<_> = (0..2).map(|_| thread::spawn(visit.clone())).collect();
    visit();
    for other in others {
        other.join().unwrap();
    }
}

#[cfg(feature = "loom")]
#[test]
fn one_permit_lets_one_thread_in_at_a_time_in_any_interleaving() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(2);
    model.check(three_threads_one_permit);
}

#[cfg(not(feature = "loom"))]
#[test]
fn one_permit_lets_one_thread_in_at_a_time_in_one_run() {
    three_threads_one_permit();
}
