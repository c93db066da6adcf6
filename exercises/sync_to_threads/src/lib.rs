//! Exercise "sync_to_threads": the synchronous script, on threads.
//!
//! Write your answer in `src/yours.rs`; `cargo xtask exercise sync_to_threads` checks it.
//! The page "Exercises" in the book has the goal and hints.

// The starter's todo!()s leave what it names unused until you write it.
#[cfg(not(feature = "solution"))]
#[allow(unused_variables, unused_imports, dead_code)]
mod yours;
#[cfg(feature = "solution")]
#[path = "../solution/yours.rs"]
mod yours;

pub use yours::*;

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// What the checks use to see which tasks overlapped.
pub use timeline;

/// Where the checks hold one task back: it does not finish until they open
/// the gate. Holding each task in turn catches an answer that returns before
/// joining every thread (or that sleeps instead of joining), whichever
/// thread it skips.
pub static GATE: Gate = Gate {
    held: Mutex::new(None),
    opened: Condvar::new(),
};

pub struct Gate {
    held: Mutex<Option<usize>>,
    opened: Condvar,
}

impl Gate {
    /// Holds task `task` back until [`Gate::open`] (15 s at most).
    pub fn hold(&self, task: usize) {
        *self.held.lock().unwrap() = Some(task);
    }

    pub fn open(&self) {
        *self.held.lock().unwrap() = None;
        self.opened.notify_all();
    }

    fn pass(&self, task: usize) {
        let held = self.held.lock().unwrap();
        let wait = Duration::from_secs(15);
        let _ = (self.opened).wait_timeout_while(held, wait, |held| *held == Some(task));
    }
}

/// The notes' task: sleeps `seconds` (then waits at the checks' gate, if
/// they hold it back), marked on the checks' timeline as task `task`.
pub fn do_something(task: usize, seconds: Duration) {
    let _span = timeline::task_span(task);
    std::thread::sleep(seconds);
    GATE.pass(task);
}
