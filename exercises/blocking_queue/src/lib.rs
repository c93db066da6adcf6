//! Exercise "blocking_queue": a blocking queue from a Mutex and a Condvar.
//!
//! Write your answer in `src/yours.rs`; `cargo xtask exercise blocking_queue` checks it.
//! The page "Exercises" in the book has the goal and hints.

pub use exercise_support::sync;
// The starter's todo!()s leave what it names unused until you write it.
#[cfg(not(feature = "solution"))]
#[allow(unused_variables, unused_imports, dead_code)]
mod yours;
#[cfg(feature = "solution")]
#[path = "../solution/yours.rs"]
mod yours;

pub use yours::*;
