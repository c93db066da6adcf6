//! Exercise "unblock_runtime": find the blocking calls that stall a tokio
//! runtime, and fix them.
//!
//! Write your answer in `src/yours.rs`; `cargo xtask exercise unblock_runtime` checks it.
//! The page "Exercises" in the book has the goal and hints.

#[cfg(not(feature = "solution"))]
mod yours;
#[cfg(feature = "solution")]
#[path = "../solution/yours.rs"]
mod yours;

pub use yours::*;

/// What the exercise's work costs: a checksum of `bytes`, computed slowly,
/// as a real hash or a decoder would (about 100 ms for 100 KB here). It is
/// CPU work: it never awaits.
pub fn slow_checksum(bytes: &[u8]) -> u64 {
    let mut sum = 0u64;
    for _ in 0..200 {
        for &byte in bytes {
            sum = sum.wrapping_mul(31).wrapping_add(u64::from(byte));
        }
    }
    std::hint::black_box(sum)
}
