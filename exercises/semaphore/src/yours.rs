//! A semaphore: at most `permits` threads past `acquire` at once. Build it
//! from a `Mutex` (the free permits) and a `Condvar` (to sleep until one is
//! given back). Practises "Semaphore: at most N at once".

use crate::sync::{Condvar, Mutex};

pub struct Semaphore {
    free: Mutex<usize>,
    given_back: Condvar,
}

impl Semaphore {
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            free: Mutex::new(permits),
            given_back: Condvar::new(),
        }
    }

    /// Waits until a permit is free, and takes it.
    pub fn acquire(&self) {
        todo!("lock, wait on the condvar while none is free, take one")
    }

    /// Gives a permit back, and wakes a waiting thread.
    pub fn release(&self) {
        todo!("lock, give one back, notify")
    }
}
