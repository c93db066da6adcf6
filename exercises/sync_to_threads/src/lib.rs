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

use std::time::Duration;

/// What the checks use to see which tasks overlapped.
pub use timeline;

/// The notes' task: sleeps `seconds`, marked on the checks' timeline as
/// task `task`.
pub fn do_something(task: usize, seconds: Duration) {
    let _span = timeline::task_span(task);
    std::thread::sleep(seconds);
}
