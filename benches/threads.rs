//! What a thread costs: the figures behind "Manual threads" and "Many threads in a loop".
//!
//! `cargo bench --bench threads`
//!
//! - `spawn_join/one`: start one OS thread that does nothing, and join it. The
//!   loop-join chapter's wrong version pays this once per task on top of
//!   running its tasks one at a time.
//! - `spawn_join/ten_two_loops` vs `ten_join_in_loop` vs `ten_scoped`: the three
//!   modes of `loop_join` with empty tasks, so only the thread management is timed.

use std::hint::black_box;
use std::thread;

use criterion::{Criterion, criterion_group, criterion_main};

fn spawn_join(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn_join");
    group.bench_function("one", |b| {
        b.iter(|| thread::spawn(|| black_box(1)).join().unwrap());
    });
    group.bench_function("ten_two_loops", |b| {
        b.iter(|| {
            let handles: Vec<_> = (0..10)
                .map(|i| thread::spawn(move || black_box(i)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum::<i32>()
        });
    });
    group.bench_function("ten_join_in_loop", |b| {
        b.iter(|| {
            (0..10)
                .map(|i| thread::spawn(move || black_box(i)).join().unwrap())
                .sum::<i32>()
        });
    });
    group.bench_function("ten_scoped", |b| {
        b.iter(|| {
            thread::scope(|s| {
                let handles: Vec<_> = (0..10).map(|i| s.spawn(move || black_box(i))).collect();
                handles.into_iter().map(|h| h.join().unwrap()).sum::<i32>()
            })
        });
    });
    group.finish();
}

criterion_group!(benches, spawn_join);
criterion_main!(benches);
