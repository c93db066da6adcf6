//! A worked solution. A semaphore: at most `permits` threads past `acquire` at once. Build it
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
        let mut free = self.free.lock().unwrap();
        // `while`, not `if`: another thread may take the permit between the
        // notify and this thread's wake-up (and wake-ups can be spurious).
        while *free == 0 {
            free = self.given_back.wait(free).unwrap();
        }
        *free -= 1;
    }

    /// Gives a permit back, and wakes a waiting thread.
    pub fn release(&self) {
        *self.free.lock().unwrap() += 1;
        self.given_back.notify_one(); // no waiter may sleep through a free permit
    }
}
