//! "Semaphore": at most N holders at once. std has no semaphore; this one is
//! a count in a `Mutex` and a `Condvar` to wait on, the way Python's
//! `threading.Semaphore` is built on a `Condition`. `tests/loom.rs` checks it
//! under every interleaving up to a preemption bound, and catches [`Semaphore::acquire_check_then_take`],
//! which checks and takes under two separate lockings.

use crate::lessons::sync::{self, Condvar, Mutex};

// ANCHOR: semaphore
/// At most `limit` permits out at once.
pub struct Semaphore {
    in_use: Mutex<usize>,
    limit: usize,
    released: Condvar,
}

/// A permit, given back when it is dropped: it cannot be given back twice, or
/// by code that never took it (Python's `BoundedSemaphore` checks that at run
/// time; here there is no `release` to call).
#[must_use = "a permit is given back as soon as it is dropped"]
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
}

impl Semaphore {
    pub fn new(limit: usize) -> Semaphore {
        assert!(
            limit > 0,
            "a semaphore with no permits would block for ever"
        );
        Semaphore {
            in_use: Mutex::new(0),
            limit,
            released: Condvar::new(),
        }
    }

    /// Waits until a permit is free, and takes it.
    pub fn acquire(&self) -> Permit<'_> {
        let mut in_use = sync::lock(&self.in_use);
        // A loop, not an `if`: a wake-up is a hint, not a promise. Another
        // thread may take the permit first, or the wake-up may be spurious.
        while *in_use == self.limit {
            in_use = sync::wait(&self.released, in_use);
        }
        *in_use += 1; // taken under the same lock that saw it free
        Permit { semaphore: self }
    }

    /// A permit if one is free now (Python's `acquire(blocking=False)`).
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut in_use = sync::lock(&self.in_use);
        (*in_use < self.limit).then(|| {
            *in_use += 1;
            Permit { semaphore: self }
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *sync::lock(&self.semaphore.in_use) -= 1;
        self.semaphore.released.notify_one(); // one permit: wake one waiter
    }
}
// ANCHOR_END: semaphore

impl Semaphore {
    /// Permits out now.
    pub fn in_use(&self) -> usize {
        *sync::lock(&self.in_use)
    }

    // ANCHOR: racy
    /// **Wrong**, for the model check: sees a free permit under one locking
    /// and takes it under another. Between the two, another thread can see
    /// the same free permit, and both take it.
    pub fn acquire_check_then_take(&self) -> Permit<'_> {
        loop {
            let free = *sync::lock(&self.in_use) < self.limit;
            if free {
                *sync::lock(&self.in_use) += 1;
                return Permit { semaphore: self };
            }
            let in_use = sync::lock(&self.in_use);
            if *in_use == self.limit {
                drop(sync::wait(&self.released, in_use));
            }
        }
    }
    // ANCHOR_END: racy
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Duration;

    #[test]
    fn never_more_than_the_limit_and_every_permit_comes_back() {
        let semaphore = Semaphore::new(2);
        let (holders, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    let _permit = semaphore.acquire();
                    let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    thread::sleep(Duration::from_millis(20));
                    holders.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        // The limit held (tests/loom.rs checks it for every interleaving up
        // to its bound),
        // and every permit came back.
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert_eq!(semaphore.in_use(), 0);
    }

    #[test]
    fn try_acquire_fails_when_all_are_out() {
        let semaphore = Semaphore::new(2);
        let first = semaphore.try_acquire().expect("two are free");
        let _second = semaphore.acquire();
        assert!(semaphore.try_acquire().is_none());
        drop(first);
        assert!(semaphore.try_acquire().is_some());
    }
}
