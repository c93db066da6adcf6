//! Checks for "semaphore". `cargo xtask exercise semaphore` runs them with
//! loom: a thread let in past the limit, or a waiter that sleeps for ever
//! (loom then reports a deadlock), is found in every run.

use exercise_semaphore::Semaphore;
use exercise_semaphore::sync::{Arc, AtomicUsize, Ordering, thread};

/// `threads` threads through a semaphore of `permits`: never more than
/// `permits` inside at once, and all get in (a waiter nobody wakes is a
/// deadlock, which loom reports).
fn threads_through_permits(threads: usize, permits: usize) {
    let semaphore = Arc::new(Semaphore::new(permits));
    let inside = Arc::new(AtomicUsize::new(0));
    let visit = {
        let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
        move || {
            semaphore.acquire();
            let before = inside.fetch_add(1, Ordering::SeqCst);
            assert!(
                before < permits,
                "{} threads inside with {permits} permit(s)",
                before + 1
            );
            inside.fetch_sub(1, Ordering::SeqCst);
            semaphore.release();
        }
    };
    let others: Vec<_> = (1..threads).map(|_| thread::spawn(visit.clone())).collect();
    visit();
    for other in others {
        other.join().unwrap();
    }
}

fn three_threads_one_permit() {
    threads_through_permits(3, 1);
}

/// Two permits, both held while two threads come to wait, then given back
/// one after the other: each release must wake a waiter. A release that
/// wakes one only when the count goes from 0 to 1 leaves the second waiter
/// asleep with a permit free, which loom reports as a deadlock.
fn two_waiters_two_permits() {
    let semaphore = Arc::new(Semaphore::new(2));
    semaphore.acquire();
    semaphore.acquire();
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || {
                semaphore.acquire();
                semaphore.release();
            })
        })
        .collect();
    semaphore.release();
    semaphore.release();
    for waiter in waiters {
        waiter.join().unwrap();
    }
}

exercise_support::scenario_tests!(
    three_threads_one_permit,
    preemptions: 2,
    loom: one_permit_lets_one_thread_in_at_a_time_in_any_interleaving,
    one_run: one_permit_lets_one_thread_in_at_a_time_in_one_run,
);

exercise_support::scenario_tests!(
    two_waiters_two_permits,
    preemptions: 2,
    loom: two_permits_wake_every_waiter_in_any_interleaving,
    one_run: two_permits_let_two_threads_in_in_one_run,
);
