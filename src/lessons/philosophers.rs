//! "Deadlock": the dining philosophers. N philosophers sit at a round table
//! with a fork between each two; to eat, one needs both forks beside them.
//! Taking the left fork and then the right can deadlock: every philosopher
//! holds a left fork and waits for a right one that never comes free.
//! Two fixes: take the lower-numbered fork first (a global lock order), or
//! take the second with `try_lock` and put the first back when it fails.
//! `tests/loom.rs` finds the deadlock and proves the lock order.

use std::sync::TryLockError;
use std::time::Duration;

use crate::lessons::sync::{self, Mutex};

/// How a philosopher picks up forks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Left, then right: can deadlock.
    LeftThenRight,
    /// The lower-numbered fork first: no cycle of waiting, no deadlock.
    Ordered,
    /// Left, then `try_lock` right; on failure put left back, wait, retry.
    TryLock,
}

/// The forks, each counting the meals it served.
pub struct Table {
    forks: Vec<Mutex<u64>>,
}

impl Table {
    pub fn new(seats: usize) -> Table {
        assert!(seats >= 2, "a table needs two forks at least");
        Table {
            forks: (0..seats).map(|_| Mutex::new(0)).collect(),
        }
    }

    /// Meals each fork served.
    pub fn uses(&self) -> Vec<u64> {
        self.forks.iter().map(|f| *sync::lock(f)).collect()
    }

    // ANCHOR: eat
    /// Philosopher `me` eats one meal. `holding_one` runs between the first
    /// fork and the second (a pause, or a rendezvous that forces the worst
    /// interleaving). Returns how many times the philosopher had to put a
    /// fork back and try again.
    pub fn eat(&self, me: usize, strategy: Strategy, holding_one: &dyn Fn()) -> u32 {
        let (left, right) = (me, (me + 1) % self.forks.len());
        let (first, second) = match strategy {
            Strategy::Ordered => (left.min(right), left.max(right)),
            _ => (left, right),
        };
        let mut put_back = 0;
        loop {
            let mut one = sync::lock(&self.forks[first]);
            holding_one();
            let mut two = match strategy {
                Strategy::TryLock => match self.forks[second].try_lock() {
                    Ok(fork) => fork,
                    Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
                    Err(TryLockError::WouldBlock) => {
                        drop(one); // put it back, so that a neighbour can eat
                        put_back += 1;
                        // Each waits a different time: in lockstep, all would
                        // take, fail and put back together for ever (livelock).
                        std::thread::sleep(Duration::from_micros(50 * (me as u64 + 1)));
                        continue;
                    }
                },
                _ => sync::lock(&self.forks[second]),
            };
            *one += 1; // eating
            *two += 1;
            return put_back;
        }
    }
    // ANCHOR_END: eat
}
