//! Ported from threading's primitives (lock_tests.py): semaphores, barriers, conditions and events.

use super::*;

/// cpython: lock_tests.py BaseSemaphoreTests.test_acquire
/// behaviour: a semaphore of n gives at most n permits at once, and a released permit lets a waiter in
#[test]
fn semaphore_limits_holders() {
    let semaphore = Arc::new(Semaphore::new(2));
    let first = semaphore.acquire();
    let _second = semaphore.acquire();
    assert!(semaphore.try_acquire().is_none());
    let waiter = thread::spawn({
        let semaphore = Arc::clone(&semaphore);
        move || {
            let _permit = semaphore.acquire();
        }
    });
    thread::sleep(SHORT);
    assert!(!waiter.is_finished(), "the third waits");
    drop(first);
    waiter.join().unwrap();
}

/// cpython: lock_tests.py BaseSemaphoreTests.test_acquire_contended
/// behaviour: many threads through a semaphore of 3 never hold more than 3 permits
#[test]
fn semaphore_acquire_contended() {
    let semaphore = Arc::new(Semaphore::new(3));
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let (semaphore, now, most) = (semaphore.clone(), now.clone(), most.clone());
            thread::spawn(move || {
                let _permit = semaphore.acquire();
                let holders = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(holders, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert!(most.load(Ordering::SeqCst) <= 3);
    assert_eq!(semaphore.in_use(), 0);
}

/// cpython: lock_tests.py BaseSemaphoreTests.test_try_acquire
/// behaviour: acquire(blocking=False) takes a free permit and fails at once when none is free
#[test]
fn semaphore_try_acquire() {
    let semaphore = Semaphore::new(2);
    let a = semaphore.try_acquire();
    let b = semaphore.try_acquire();
    assert!(a.is_some() && b.is_some());
    assert!(semaphore.try_acquire().is_none());
}

/// cpython: lock_tests.py BaseSemaphoreTests.test_constructor
/// behaviour: a semaphore with a value below zero is refused
/// differs: Python refuses a negative value with ValueError and accepts 0; the book's `Semaphore::new` takes a `usize` (no negative value compiles) and refuses 0 with a panic, since it would block for ever
#[test]
fn semaphore_of_zero_is_refused() {
    assert!(std::panic::catch_unwind(|| Semaphore::new(0)).is_err());
}

/// cpython: lock_tests.py BoundedSemaphoreTests.test_release_unacquired
/// behaviour: a bounded semaphore cannot be released more than it was acquired
/// differs: Python raises ValueError on the extra release(); the book's permit is given back when it is dropped, so an extra release cannot be written
#[test]
fn bounded_semaphore_release_unacquired() {
    let semaphore = Semaphore::new(1);
    drop(semaphore.acquire());
    assert_eq!(semaphore.in_use(), 0, "one acquire, one give-back");
}

/// cpython: lock_tests.py BarrierTests.test_barrier
/// behaviour: no thread passes the barrier until all parties have arrived
#[test]
fn barrier_holds_until_all_arrive() {
    let barrier = Arc::new(Barrier::new(3));
    let arrived = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (barrier, arrived) = (barrier.clone(), arrived.clone());
            thread::spawn(move || {
                arrived.fetch_add(1, Ordering::SeqCst);
                barrier.wait();
                arrived.load(Ordering::SeqCst)
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 3);
    }
}

/// cpython: lock_tests.py BarrierTests.test_wait_return
/// behaviour: what barrier.wait() tells each waiter
/// differs: Python's wait() gives each thread a distinct index from 0 to n - 1; std's tells only whether it is the leader, true for exactly one
#[test]
fn barrier_has_one_leader() {
    let barrier = Arc::new(Barrier::new(4));
    let leaders: usize = (0..4)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || barrier.wait().is_leader())
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| usize::from(t.join().unwrap()))
        .sum();
    assert_eq!(leaders, 1);
}

/// cpython: lock_tests.py BarrierTests.test_barrier_10
/// behaviour: a barrier is reusable: the same parties pass it round after round
#[test]
fn barrier_is_reusable() {
    let barrier = Arc::new(Barrier::new(3));
    let rounds = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (barrier, rounds) = (barrier.clone(), rounds.clone());
            thread::spawn(move || {
                for round in 0..5 {
                    rounds.lock().unwrap().push(round);
                    barrier.wait();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let rounds = rounds.lock().unwrap();
    assert!(
        rounds
            .chunks(3)
            .enumerate()
            .all(|(i, c)| c.iter().all(|&r| r == i))
    );
}

/// cpython: lock_tests.py BarrierTests.test_timeout
/// behaviour: a wait with a timeout breaks the barrier when the others do not come
/// differs: std's `Barrier` has no timeout and no abort(): a party that never comes blocks the others for ever (the barrier page says so)
#[test]
fn barrier_has_no_timeout() {
    let barrier = Arc::new(Barrier::new(2));
    let waiter = thread::spawn({
        let barrier = Arc::clone(&barrier);
        move || barrier.wait().is_leader()
    });
    thread::sleep(SHORT);
    assert!(!waiter.is_finished(), "still waiting for the second party");
    barrier.wait(); // the second party comes, so the test ends
    waiter.join().unwrap();
}

/// cpython: lock_tests.py ConditionTests.test_waitfor
/// behaviour: wait_for(predicate) returns once the predicate holds (Rust's wait_while takes its negation)
#[test]
fn condition_wait_for() {
    let state = Arc::new((Mutex::new(0), Condvar::new()));
    let setter = thread::spawn({
        let state = Arc::clone(&state);
        move || {
            for _ in 0..5 {
                thread::sleep(Duration::from_millis(5));
                *state.0.lock().unwrap() += 1;
                state.1.notify_all();
            }
        }
    });
    let (lock, changed) = &*state;
    let count = changed
        .wait_while(lock.lock().unwrap(), |n| *n < 5)
        .unwrap();
    assert_eq!(*count, 5);
    drop(count);
    setter.join().unwrap();
}

/// cpython: lock_tests.py ConditionTests.test_waitfor_timeout
/// behaviour: wait_for with a timeout gives up and reports that the predicate still fails
#[test]
fn condition_wait_for_timeout() {
    let (lock, changed) = (Mutex::new(false), Condvar::new());
    let (still, result) = changed
        .wait_timeout_while(lock.lock().unwrap(), SHORT, |ready| !*ready)
        .unwrap();
    assert!(result.timed_out());
    assert!(!*still);
}

/// cpython: lock_tests.py ConditionTests.test_notify
/// behaviour: notify_all() wakes every waiter
#[test]
fn condition_notify_all() {
    let state = Arc::new((Mutex::new(false), Condvar::new()));
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                let (lock, changed) = &*state;
                drop(changed.wait_while(lock.lock().unwrap(), |go| !*go).unwrap());
            })
        })
        .collect();
    thread::sleep(SHORT);
    *state.0.lock().unwrap() = true;
    state.1.notify_all();
    waiters.into_iter().for_each(|w| w.join().unwrap());
}

/// cpython: lock_tests.py EventTests.test_is_set
/// behaviour: an Event as an AtomicBool: false at first, true once set, false again once cleared
#[test]
fn event_is_set() {
    use std::sync::atomic::AtomicBool;
    let event = AtomicBool::new(false);
    assert!(!event.load(Ordering::SeqCst));
    event.store(true, Ordering::SeqCst);
    assert!(event.load(Ordering::SeqCst));
    event.store(false, Ordering::SeqCst);
    assert!(!event.load(Ordering::SeqCst));
}

/// cpython: lock_tests.py EventTests.test_notify
/// behaviour: every waiter on an event wakes when it is set
/// differs: an `AtomicBool` cannot be waited on: the quick reference's stop flag is polled between steps; to wait, use a `Mutex<bool>` with a `Condvar` (as here)
#[test]
fn event_wakes_every_waiter() {
    let event = Arc::new((Mutex::new(false), Condvar::new()));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                let (set, changed) = &*event;
                *changed
                    .wait_while(set.lock().unwrap(), |set| !*set)
                    .unwrap()
            })
        })
        .collect();
    thread::sleep(SHORT);
    *event.0.lock().unwrap() = true;
    event.1.notify_all();
    assert!(waiters.into_iter().all(|w| w.join().unwrap()));
}
