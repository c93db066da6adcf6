//! A worked solution. A counter that many threads increment at once. `increment` returns the
//! new value, and no two calls may return the same one: no update may be
//! lost. Practises "Lock and RLock" and "Event and stop flags" (atomics).

use crate::sync::{AtomicU64, Ordering};

/// A counter shared by threads (behind an `Arc`, or borrowed in a scope).
pub struct Counter {
    value: AtomicU64,
}

impl Counter {
    pub fn new() -> Counter {
        Counter {
            value: AtomicU64::new(0),
        }
    }

    /// Adds one; returns the value after this call's addition.
    pub fn increment(&self) -> u64 {
        // One indivisible read-modify-write: no other increment can slip in
        // between reading the old value and writing the new one.
        self.value.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The value now.
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::SeqCst)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}
