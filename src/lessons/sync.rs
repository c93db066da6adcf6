//! The one place the library takes its threads, locks and atomics from.
//!
//! A normal build uses `std`. With the `loom` feature (which sets `cfg(loom)`,
//! see `build.rs`) the same names come from [loom](https://docs.rs/loom), whose
//! types let `loom::model` run a test under the interleavings of its threads, up
//! to a preemption bound.
//! The pool, its queue and the counter are written once against these names, so
//! the code loom checks is the code the examples run. `tests/loom.rs` holds the
//! model checks; "Testing concurrent code" in the book walks through them.

// ANCHOR: facade
#[cfg(not(loom))]
pub use std::{
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard},
    thread,
};

#[cfg(loom)]
pub use loom::{
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::{Arc, Condvar, Mutex, MutexGuard},
    thread,
};
// ANCHOR_END: facade

use std::sync::PoisonError;
use std::time::Duration;

/// Locks `mutex`, taking over a poisoned lock: the library never panics while
/// holding one of its locks (tasks run outside them), so the data is whole.
#[track_caller] // loom's reports name the caller's line
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `Condvar::wait`, taking over a poisoned lock like [`lock`].
#[track_caller]
pub fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// `Condvar::wait_timeout_while`: sleeps while `waiting` holds, at most
/// `timeout`; the `bool` is true if the time ran out first.
///
/// loom does not model time (its `wait_timeout` never times out), so under
/// loom this waits until `waiting` is false, however long that takes. A model
/// that never gets there is reported by loom as a deadlock, which is how a
/// lost wake-up shows.
#[track_caller]
pub fn wait_timeout_while<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    timeout: Duration,
    waiting: impl FnMut(&mut T) -> bool,
) -> (MutexGuard<'a, T>, bool) {
    #[cfg(not(loom))]
    {
        let (guard, result) = condvar
            .wait_timeout_while(guard, timeout, waiting)
            .unwrap_or_else(PoisonError::into_inner);
        (guard, result.timed_out())
    }
    #[cfg(loom)]
    {
        let _ = timeout;
        let (mut guard, mut waiting) = (guard, waiting);
        while waiting(&mut guard) {
            guard = wait(condvar, guard);
        }
        (guard, false)
    }
}
