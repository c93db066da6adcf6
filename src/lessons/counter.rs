//! Adding one to a shared counter, right and wrong: the lost-updates lesson of
//! "Queues, pipes and shared memory", kept here so that the `shared_memory`
//! example and the loom model checks in `tests/loom.rs` run the same code.
//! And handing out IDs up to a limit with `compare_exchange` ("Event and
//! stop flags").

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

// ANCHOR: next_id
/// The next ID below `limit`, or `None` once all are handed out. Unlike
/// `fetch_add`, which would push the counter past the limit for every late
/// caller, `compare_exchange` stores the new value only if the counter still
/// holds the one this thread read; if another thread got there first, it
/// tries again with the value that thread left.
pub fn next_id(counter: &AtomicU64, limit: u64) -> Option<u64> {
    let mut seen = counter.load(Ordering::Relaxed);
    loop {
        if seen >= limit {
            return None;
        }
        match counter.compare_exchange_weak(seen, seen + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(seen), // ours: nobody changed it in between
            Err(now) => seen = now,     // taken, or a spurious failure: retry
        }
    }
}
// ANCHOR_END: next_id

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

    #[test]
    fn next_id_hands_out_each_id_below_the_limit_once() {
        let counter = AtomicU64::new(0);
        let mut ids: Vec<u64> = thread::scope(|scope| {
            let takers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        std::iter::from_fn(|| next_id(&counter, 1000)).collect::<Vec<_>>()
                    })
                })
                .collect();
            takers.into_iter().flat_map(|t| t.join().unwrap()).collect()
        });
        ids.sort();
        assert_eq!(ids, (0..1000).collect::<Vec<_>>());
        assert_eq!(
            counter.load(Ordering::Relaxed),
            1000,
            "never past the limit"
        );
    }
}
