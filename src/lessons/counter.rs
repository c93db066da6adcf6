//! Adding one to a shared counter, right and wrong: the lost-updates lesson of
//! "Queues, pipes and shared memory", kept here so that the `shared_memory`
//! example and the loom model checks in `tests/loom.rs` run the same code.

use crate::lessons::sync::{AtomicU64, Ordering};

// ANCHOR: add_one
/// One indivisible read-modify-write: no update is ever lost.
pub fn add_one(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Two steps, a load and then a store: another thread can store in between,
/// and then one of the two additions is lost.
pub fn add_one_racy(counter: &AtomicU64) {
    let seen = counter.load(Ordering::Relaxed);
    counter.store(seen + 1, Ordering::Relaxed);
}
// ANCHOR_END: add_one

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn add_one_counts_every_update_from_many_threads() {
        let count = AtomicU64::new(0);
        thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| (0..10_000).for_each(|_| add_one(&count)));
            }
        });
        assert_eq!(count.load(Ordering::Relaxed), 40_000);
    }
}
