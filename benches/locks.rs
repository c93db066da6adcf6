//! Mutex, RwLock and atomics under read-heavy and write-heavy work: the
//! table in "RwLock".
//!
//! `cargo bench --bench locks`
//!
//! Four threads each do 2,000 operations on 64 shared numbers. A read sums
//! them all (a few dozen nanoseconds of work under the lock); a write adds
//! one to one of them. `read_heavy`: one operation in 100 is a write;
//! `write_heavy`: one in 2. Each iteration also starts and joins the four
//! threads, the same cost in every row.
//!
//! `primitives/*`: one operation of each coordinating tool, per operation
//! (the same operations `primitive_costs` times beside Python's).
//!
//! The atomic rows keep each number in an `AtomicU64` and take no lock: a read
//! then sums numbers that writers may change in the middle of the sum, which
//! is fine for statistics and wrong for anything that must be consistent.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::thread;
use std::time::Instant;

use concurrency_book::lessons;
use criterion::{Criterion, criterion_group, criterion_main};

const THREADS: usize = 4;
const OPS: usize = 2_000;
const NUMBERS: usize = 64;

/// Runs the four threads: operation `i` of each is a write when `i` is a
/// multiple of `write_every`, otherwise a read.
fn run(write_every: usize, read: impl Fn() -> u64 + Sync, write: impl Fn(usize) + Sync) {
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for i in 0..OPS {
                    if i % write_every == 0 {
                        write(i % NUMBERS);
                    } else {
                        black_box(read());
                    }
                }
            });
        }
    });
}

fn locks(c: &mut Criterion) {
    for (name, write_every) in [("read_heavy", 100), ("write_heavy", 2)] {
        let mut group = c.benchmark_group(name);
        group.sample_size(20);
        let mutex = Mutex::new([0u64; NUMBERS]);
        group.bench_function("mutex", |b| {
            b.iter(|| {
                run(
                    write_every,
                    || mutex.lock().unwrap().iter().sum(),
                    |at| mutex.lock().unwrap()[at] += 1,
                )
            })
        });
        let rwlock = RwLock::new([0u64; NUMBERS]);
        group.bench_function("rwlock", |b| {
            b.iter(|| {
                run(
                    write_every,
                    || rwlock.read().unwrap().iter().sum(),
                    |at| rwlock.write().unwrap()[at] += 1,
                )
            })
        });
        let atomics: [AtomicU64; NUMBERS] = std::array::from_fn(|_| AtomicU64::new(0));
        group.bench_function("atomics", |b| {
            b.iter(|| {
                run(
                    write_every,
                    || atomics.iter().map(|n| n.load(Ordering::Relaxed)).sum(),
                    |at| {
                        atomics[at].fetch_add(1, Ordering::Relaxed);
                    },
                )
            })
        });
        group.finish();
    }
}

/// One operation of each coordinating tool (`src/lessons/primitives.rs`),
/// timed per operation: `iters` operations per sample.
fn primitives(c: &mut Criterion) {
    let mut group = c.benchmark_group("primitives");
    for (name, work) in lessons::primitives::primitives() {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                work(iters as usize);
                started.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, locks, primitives);
criterion_main!(benches);
