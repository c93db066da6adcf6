//! The notes' synchronous script calls `do_something` n times, one after
//! another. Run the n calls on n threads instead, all at the same time, and
//! wait for all of them. Practises "Manual threads" and "Many threads in a
//! loop".

use std::time::Duration;

pub use timeline;

/// The notes' task: sleeps `seconds`, marked on the timeline as task `task`.
pub fn do_something(task: usize, seconds: Duration) {
    let _span = timeline::task_span(task);
    std::thread::sleep(seconds);
}

/// `do_something(task, seconds)` for tasks 0..tasks, all at once; returns
/// when every one has finished.
pub fn run_on_threads(tasks: usize, seconds: Duration) {
    todo!("spawn one thread per task, then join every one of them")
}
