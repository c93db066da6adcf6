//! What several benches share.

use std::hint::black_box;

/// The `cpu_bound` example's `compute(n)`: the sum of `i * i` for `i` below
/// `n`, with `black_box` keeping the optimizer from folding the loop.
pub fn compute(n: u64) -> u128 {
    let mut count: u128 = 0;
    for i in 0..n {
        let i = black_box(i) as u128;
        count += i * i;
    }
    count
}
