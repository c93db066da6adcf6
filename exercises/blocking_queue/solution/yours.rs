//! A worked solution. A queue that threads share: `push` adds an item and wakes a waiting
//! consumer; `pop` takes the oldest item, waiting while the queue is empty.
//! Build it from a `Mutex<VecDeque>` and a `Condvar`, as Python's
//! `queue.Queue` is built from a lock and conditions. Practises "Barrier and
//! Condition".

use std::collections::VecDeque;

use crate::sync::{Condvar, Mutex};

pub struct BlockingQueue<T> {
    items: Mutex<VecDeque<T>>,
    not_empty: Condvar,
}

impl<T> BlockingQueue<T> {
    pub fn new() -> Self {
        BlockingQueue {
            items: Mutex::new(VecDeque::new()),
            not_empty: Condvar::new(),
        }
    }

    /// Adds `item` at the back, and wakes one waiting `pop`.
    pub fn push(&self, item: T) {
        self.items.lock().unwrap().push_back(item);
        self.not_empty.notify_one(); // a sleeping pop must hear of it
    }

    /// Takes the item at the front, waiting while there is none.
    pub fn pop(&self) -> T {
        let mut items = self.items.lock().unwrap();
        // A loop: another consumer may have taken the item first.
        loop {
            if let Some(item) = items.pop_front() {
                return item;
            }
            items = self.not_empty.wait(items).unwrap();
        }
    }
}

impl<T> Default for BlockingQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}
