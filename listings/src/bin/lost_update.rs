// The counter that adds in two steps, a load and then a store, loses updates
// when two threads add at once; fetch_add, one indivisible step, loses none.
// Only std.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread;

fn main() {
    let two_steps = AtomicU64::new(0);
    let one_step = AtomicU64::new(0);
    thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..1_000_000 {
                    let seen = two_steps.load(Relaxed);
                    two_steps.store(seen + 1, Relaxed); // another add may come between
                    one_step.fetch_add(1, Relaxed);
                }
            });
        }
    });
    println!("load, then store: {} of 2000000", two_steps.load(Relaxed));
    println!("fetch_add:        {} of 2000000", one_step.load(Relaxed));
}
