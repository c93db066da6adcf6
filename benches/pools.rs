//! The figures behind "Thread pools and futures", "CPU-bound work" and "Worker
//! counts and common mistakes".
//!
//! `cargo bench --bench pools` (add a group name to run one: `-- cpu_bound`)
//!
//! - `rayon_task/join`: one `rayon::join` of two empty closures, the smallest
//!   unit of rayon work, called from inside the pool (`join_from_outside`: from
//!   a thread that is not rayon's, which must wake a worker and wait). `rayon_task/par_iter_10k` and `iter_10k`: one cheap
//!   operation on 10,000 items, in parallel and not; criterion reports time per
//!   element, so the difference is rayon's cost per item.
//! - `round_trip/*`: submit one empty task and wait for its result: the book's
//!   tiny pool, `rayon::spawn` with a channel, and a new thread each time.
//! - `cpu_bound/*`: four tasks of `compute(2e7)` on 1..=cores workers with
//!   threads, rayon and worker processes (this bench binary run again with a
//!   hidden argument), against `seq`: the speedup and efficiency table.
//!   `one_task` vs `one_task_folded`: what `black_box` prevents.
//! - `cpu_by_n/N/*`: the same four tasks with `n` from 10^5 to 10^8, on every
//!   core: how the speedup of threads, rayon and processes grows with the size
//!   of each task.
//! - `channel/*`: 100,000 messages through std's mpsc and crossbeam's channel,
//!   one producer and four producers.

use std::hint::black_box;

mod common;
use common::compute;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use concurrency_book::lessons::pool::Pool;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group};
use crossbeam::channel;
use processes::worker::{self, Worker};
use rayon::prelude::*;

fn rayon_task(c: &mut Criterion) {
    let mut group = c.benchmark_group("rayon_task");
    // From a thread of the pool (where rayon code normally runs) and from
    // outside it, which hands the work to the pool and waits to be woken.
    group.bench_function("join", |b| {
        rayon::scope(|_| b.iter(|| rayon::join(|| black_box(1), || black_box(2))));
    });
    group.bench_function("join_from_outside", |b| {
        b.iter(|| rayon::join(|| black_box(1), || black_box(2)));
    });
    let items: Vec<u64> = (0..10_000).collect();
    group.throughput(Throughput::Elements(items.len() as u64));
    group.bench_function("par_iter_10k", |b| {
        b.iter(|| items.par_iter().map(|&x| black_box(x) * 3).sum::<u64>());
    });
    group.bench_function("iter_10k", |b| {
        b.iter(|| items.iter().map(|&x| black_box(x) * 3).sum::<u64>());
    });
    group.finish();
}

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("round_trip");
    let pool = Pool::new(2);
    group.bench_function("tiny_pool", |b| {
        b.iter(|| {
            let task = pool.submit(|| black_box(1));
            task.result(Duration::from_secs(10)).unwrap()
        });
    });
    group.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| {
            let (sender, receiver) = channel::bounded(1);
            rayon::spawn(move || sender.send(black_box(1)).unwrap());
            receiver.recv_timeout(Duration::from_secs(10)).unwrap()
        });
    });
    group.bench_function("thread_spawn_join", |b| {
        b.iter(|| thread::spawn(|| black_box(1)).join().unwrap());
    });
    group.finish();
}

/// `compute` without `black_box` inside the loop: the optimizer replaces the
/// loop with its closed form, and the "work" takes nanoseconds.
fn compute_folded(n: u64) -> u128 {
    let mut count: u128 = 0;
    for i in 0..n {
        count += i as u128 * i as u128;
    }
    count
}

const TASKS: usize = 4;
const N: u64 = 20_000_000;

fn cpu_bound(c: &mut Criterion) {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("cpu_bound");
    group.sample_size(10);
    group.bench_function("one_task", |b| b.iter(|| compute(black_box(N))));
    group.bench_function("one_task_folded", |b| {
        b.iter(|| compute_folded(black_box(N)));
    });
    group.bench_function("seq", |b| b.iter(|| seq(N)));
    for workers in 1..=cores {
        group.bench_with_input(BenchmarkId::new("threads", workers), &workers, |b, &w| {
            b.iter(|| threads(N, w));
        });
        group.bench_with_input(BenchmarkId::new("processes", workers), &workers, |b, &w| {
            b.iter(|| processes(N, w));
        });
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()
            .unwrap();
        group.bench_with_input(BenchmarkId::new("rayon", workers), &workers, |b, _| {
            b.iter(|| rayon_on(&pool, N));
        });
    }
    group.finish();
}

/// The same four tasks at sizes from 0.1 ms to 100 ms each, on every core:
/// where threads and processes start to pay.
fn cpu_by_n(c: &mut Criterion) {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("cpu_by_n");
    // Ten runs of each, not criterion's growing batches: 10^8 takes a second.
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    let sizes: [(&str, u64); 4] = [
        ("1e5", 100_000),
        ("1e6", 1_000_000),
        ("1e7", 10_000_000),
        ("1e8", 100_000_000),
    ];
    for (label, n) in sizes {
        group.bench_function(BenchmarkId::new(label, "seq"), |b| b.iter(|| seq(n)));
        group.bench_function(BenchmarkId::new(label, "threads"), |b| {
            b.iter(|| threads(n, cores));
        });
        group.bench_function(BenchmarkId::new(label, "rayon"), |b| {
            b.iter(|| rayon_on(&pool, n));
        });
        group.bench_function(BenchmarkId::new(label, "processes"), |b| {
            b.iter(|| processes(n, cores));
        });
    }
    group.finish();
}

/// `TASKS` tasks of `compute(n)`, one after another.
fn seq(n: u64) -> u128 {
    (0..TASKS).map(|_| compute(black_box(n))).sum()
}

/// `TASKS` tasks on `w` scoped threads: worker `k` runs tasks k, k + w, ...
fn threads(n: u64, w: usize) -> u128 {
    thread::scope(|scope| {
        let handles: Vec<_> = (0..w)
            .map(|k| {
                scope.spawn(move || {
                    (k..TASKS)
                        .step_by(w)
                        .map(|_| compute(black_box(n)))
                        .sum::<u128>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

/// `TASKS` tasks on a rayon pool.
fn rayon_on(pool: &rayon::ThreadPool, n: u64) -> u128 {
    pool.install(|| {
        (0..TASKS)
            .into_par_iter()
            .map(|_| compute(black_box(n)))
            .sum()
    })
}

/// `TASKS` tasks on `w` worker processes (this bench binary run again), each
/// running its share: started, run and reaped every time.
fn processes(n: u64, w: usize) -> u128 {
    let workers: Vec<Worker> = (0..w)
        .map(|k| {
            let share = (k..TASKS).step_by(w).count();
            let args = [WORKER_FLAG.into(), n.to_string(), share.to_string()];
            Worker::spawn(k, &args).unwrap()
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let outputs = worker::collect(workers, deadline).unwrap();
    (outputs.iter())
        .map(|line| line.trim().parse::<u128>().unwrap())
        .sum()
}

const MESSAGES: u64 = 100_000;

/// `producers` scoped threads send `MESSAGES` numbers in all down one channel
/// made by `$channel` (a `(sender, receiver)` pair); this thread receives them.
macro_rules! fan_in {
    ($channel:expr, $producers:expr) => {{
        let (sender, receiver) = $channel;
        let per_producer = MESSAGES / $producers;
        thread::scope(|scope| {
            for _ in 0..$producers {
                let sender = sender.clone();
                scope.spawn(move || (0..per_producer).for_each(|i| sender.send(i).unwrap()));
            }
            drop(sender);
            receiver.iter().sum::<u64>()
        })
    }};
}

fn channels(c: &mut Criterion) {
    let mut group = c.benchmark_group("channel");
    group.throughput(Throughput::Elements(MESSAGES));
    for producers in [1, 4] {
        group.bench_with_input(
            BenchmarkId::new("std_mpsc", producers),
            &producers,
            |b, &p| {
                b.iter(|| fan_in!(mpsc::channel(), p));
            },
        );
        group.bench_with_input(
            BenchmarkId::new("crossbeam", producers),
            &producers,
            |b, &p| {
                b.iter(|| fan_in!(channel::unbounded(), p));
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches, rayon_task, round_trip, cpu_bound, cpu_by_n, channels
);

/// The hidden argument that makes this bench binary a worker process for
/// `cpu_bound/processes`: `--bench-worker N TASKS` runs `compute(N)` TASKS times.
const WORKER_FLAG: &str = "--bench-worker";

fn run_as_worker() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let [_, flag, n, tasks] = &args[..] else {
        return false;
    };
    if flag != WORKER_FLAG {
        return false;
    }
    let (n, tasks): (u64, usize) = (n.parse().unwrap(), tasks.parse().unwrap());
    println!("{}", (0..tasks).map(|_| compute(n)).sum::<u128>());
    true
}

// criterion_main!, plus the worker-process entry point.
fn main() {
    if run_as_worker() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
