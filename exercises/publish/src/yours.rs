//! Hand a value from one thread to another through a flag: the writer
//! stores the value, then raises the flag; a reader that sees the flag up
//! must see the value too. Choose the orderings that promise it.
//! Practises "Event and stop flags".

use crate::sync::{AtomicBool, AtomicU64, Ordering};

/// One value, handed from one thread to others through a flag.
pub struct Mailbox {
    value: AtomicU64,
    full: AtomicBool,
}

impl Mailbox {
    pub fn new() -> Mailbox {
        Mailbox {
            value: AtomicU64::new(0),
            full: AtomicBool::new(false),
        }
    }

    /// Stores `value`, then raises the flag.
    pub fn put(&self, value: u64) {
        todo!("store the value, then the flag: which ordering on the flag?")
    }

    /// The value, if the flag is up.
    pub fn take(&self) -> Option<u64> {
        todo!("load the flag (which ordering?), then the value")
    }
}

impl Default for Mailbox {
    fn default() -> Self {
        Mailbox::new()
    }
}
