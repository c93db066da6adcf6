//! A queue that threads share: `push` adds an item and wakes a waiting
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
        todo!("lock, push_back, notify")
    }

    /// Takes the item at the front, waiting while there is none.
    pub fn pop(&self) -> T {
        todo!("lock, wait while empty, pop_front")
    }
}

impl<T> Default for BlockingQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}
