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

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What the checks use to see which tasks overlapped.
pub use timeline;

/// How much longer than the others task 0 takes, in milliseconds: the
/// checks make the first task the slowest, so that an answer that waits for
/// the last thread only, or sleeps instead of joining, returns too early.
pub static FIRST_TASK_EXTRA_MS: AtomicU64 = AtomicU64::new(0);

/// The notes' task: sleeps `seconds` (task 0 longer, when a check says so),
/// marked on the checks' timeline as task `task`.
pub fn do_something(task: usize, seconds: Duration) {
    let _span = timeline::task_span(task);
    let extra = match task {
        0 => Duration::from_millis(FIRST_TASK_EXTRA_MS.load(Ordering::SeqCst)),
        _ => Duration::ZERO,
    };
    std::thread::sleep(seconds + extra);
}
