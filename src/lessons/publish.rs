//! "Event and stop flags": publishing a value through a flag. The writer
//! stores the value, then raises the flag; a reader that sees the flag reads
//! the value. Whether it is sure to see the value the writer stored depends
//! on the flag's orderings: `Release` on the store and `Acquire` on the load
//! make it so, `Relaxed` does not. `tests/loom.rs` checks both.

use crate::lessons::sync::{AtomicBool, AtomicU64, Ordering};

// ANCHOR: publication
/// One value, handed from one thread to others through a flag.
pub struct Publication {
    value: AtomicU64,
    ready: AtomicBool,
}

impl Publication {
    pub fn new() -> Publication {
        Publication {
            value: AtomicU64::new(0),
            ready: AtomicBool::new(false),
        }
    }

    /// Stores `value`, then raises the flag with `order`.
    pub fn publish(&self, value: u64, order: Ordering) {
        self.value.store(value, Ordering::Relaxed);
        self.ready.store(true, order);
    }

    /// The value, if the flag (read with `order`) is up.
    pub fn read(&self, order: Ordering) -> Option<u64> {
        match self.ready.load(order) {
            true => Some(self.value.load(Ordering::Relaxed)),
            false => None,
        }
    }
}
// ANCHOR_END: publication

impl Default for Publication {
    fn default() -> Self {
        Publication::new()
    }
}
