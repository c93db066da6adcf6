// compute(n) four times: one after another, then on rayon's threads, one per
// core. No GIL: the threads compute at the same time. Needs rayon
// (`cargo add rayon`); run it with `cargo run --release` for real speed.
use std::hint::black_box;
use std::time::Instant;

use rayon::prelude::*;

fn compute(n: u64) -> u128 {
    let mut count = 0u128;
    for i in 0..n {
        // black_box: the optimizer may not replace the loop by its formula.
        let i = u128::from(black_box(i));
        count += i * i;
    }
    count
}

fn main() {
    let numbers = [30_000_000u64; 4];
    let start = Instant::now();
    let one_by_one: Vec<u128> = numbers.iter().map(|&n| compute(n)).collect();
    let sequential = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let parallel: Vec<u128> = numbers.par_iter().map(|&n| compute(n)).collect();
    let threads = start.elapsed().as_secs_f64();
    println!("one after another: {sequential:.2} s");
    println!(
        "on {} threads: {threads:.2} s, {:.1}x as fast",
        rayon::current_num_threads(),
        sequential / threads
    );
    println!("same results: {}", one_by_one == parallel);
}
