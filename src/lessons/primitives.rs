//! "Coordinating threads": one operation of each tool, done many times, so
//! that its cost per operation can be timed: by the `primitive_costs`
//! example (beside Python's in `cargo xtask report`) and by criterion in
//! `benches/locks.rs`.

use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, RwLock};
use std::thread;

use crossbeam::channel;

/// Two threads (this one and one more) each run `work(ops / 2)`.
fn on_two_threads(ops: usize, work: impl Fn(usize) + Sync) {
    thread::scope(|s| {
        s.spawn(|| work(ops / 2));
        work(ops - ops / 2);
    });
}

/// An operation, done as many times as the argument says.
pub type Operation = fn(usize);

// ANCHOR: costs
/// Each primitive's name and its operation, done `ops` times.
pub fn primitives() -> Vec<(&'static str, Operation)> {
    vec![
        ("lock, alone", |ops| {
            let count = Mutex::new(0u64);
            (0..ops).for_each(|_| *count.lock().unwrap() += 1);
        }),
        ("lock, two threads", |ops| {
            let count = Mutex::new(0u64);
            on_two_threads(ops, |n| (0..n).for_each(|_| *count.lock().unwrap() += 1));
        }),
        ("atomic add, alone", |ops| {
            let count = AtomicU64::new(0);
            (0..ops).for_each(|_| _ = count.fetch_add(1, Ordering::Relaxed));
        }),
        ("atomic add, two threads", |ops| {
            let count = AtomicU64::new(0);
            on_two_threads(ops, |n| {
                (0..n).for_each(|_| _ = count.fetch_add(1, Ordering::Relaxed));
            });
        }),
        ("read lock, alone", |ops| {
            let value = RwLock::new(1u64);
            (0..ops).for_each(|_| _ = black_box(*value.read().unwrap()));
        }),
        ("condvar hand-off", |ops| {
            // A turn flag passed back and forth: each pass wakes the other thread.
            let (turn, changed) = (Mutex::new(false), Condvar::new());
            let pass = |mine: bool, n: usize| {
                for _ in 0..n {
                    let guard = turn.lock().unwrap();
                    let mut guard = changed.wait_while(guard, |t| *t != mine).unwrap();
                    *guard = !mine;
                    changed.notify_one();
                }
            };
            let each = ops.div_ceil(2); // one pass each at least
            thread::scope(|s| {
                s.spawn(|| pass(true, each));
                pass(false, each);
            });
        }),
        ("channel send + receive", |ops| {
            let (send, receive) = channel::bounded(1024);
            thread::scope(|s| {
                s.spawn(move || (0..ops).for_each(|i| send.send(i).unwrap()));
                receive.iter().for_each(|i| _ = black_box(i));
            });
        }),
        ("thread-local add", |ops| {
            thread_local! { static COUNT: Cell<u64> = const { Cell::new(0) }; }
            (0..ops).for_each(|_| COUNT.with(|c| c.set(black_box(c.get() + 1))));
        }),
    ]
}
// ANCHOR_END: costs
