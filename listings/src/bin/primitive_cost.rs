// What one lock costs, when nobody else wants it, against an atomic add and
// a plain add. Only std; run it with `cargo run --release`.
use std::hint::black_box;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

const TIMES: u32 = 1_000_000;

/// Nanoseconds per call of `op`, over a million calls.
fn per_call(mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..TIMES {
        op();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(TIMES)
}

fn main() {
    let lock = Mutex::new(0u64);
    let atomic = AtomicU64::new(0);
    let mut plain = 0u64;
    let locked = per_call(|| *lock.lock().unwrap() += 1);
    let atomic_add = per_call(|| {
        atomic.fetch_add(1, Ordering::Relaxed);
    });
    // black_box: without it, the optimizer would add a million at once.
    let plain_add = per_call(|| plain = black_box(plain + 1));
    println!("lock, add, unlock: {locked:6.1} ns");
    println!("atomic add:        {atomic_add:6.1} ns");
    println!("plain add:         {plain_add:6.1} ns");
    let total = *lock.lock().unwrap() + atomic.load(Ordering::Relaxed) + plain;
    println!("every add counted: {}", total == 3 * u64::from(TIMES));
}
