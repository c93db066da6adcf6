//! The notes' synchronous script calls `do_something` n times, one after
//! another. Run the n calls on n threads instead, all at the same time, and
//! wait for all of them. Practises "Manual threads" and "Many threads in a
//! loop".

use std::time::Duration;

// The notes' task, `do_something(task, seconds)`: it sleeps `seconds`
// (src/lib.rs; the checks watch when each one runs).
use crate::do_something;

/// `do_something(task, seconds)` for tasks 0..tasks, all at once; returns
/// when every one has finished.
pub fn run_on_threads(tasks: usize, seconds: Duration) {
    todo!("spawn one thread per task, then join every one of them")
}
