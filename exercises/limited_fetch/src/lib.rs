//! Exercise "limited_fetch": fetch many items at most N at once, each with
//! its own timeout.
//!
//! Write your answer in `src/yours.rs`; `cargo xtask exercise limited_fetch` checks it.
//! The page "Exercises" in the book has the goal and hints.

// The starter's todo!()s leave what it names unused until you write it.
#[cfg(not(feature = "solution"))]
#[allow(unused_variables, unused_imports, dead_code)]
mod yours;
#[cfg(feature = "solution")]
#[path = "../solution/yours.rs"]
mod yours;

pub use yours::*;
