//! The figures behind "Real-world CPU: processing images".
//!
//! `cargo bench --bench images` (add a group name to run one: `-- blur`)
//!
//! - `blur/*`: one 3000x2000 photo, sigma 15: the `image` crate's `blur` (an
//!   exact Gaussian kernel) and `fast_blur`, and the book's box blur on one
//!   thread and on all of them.
//! - `pipeline/one_photo`: decode, blur, shrink to fit 1200x1200, encode one
//!   3000x2000 photo on one thread: the figure compared with Pillow's.
//! - `modes/*`: 15 photos of 1500x1000 (a quarter of the example's size, so
//!   that the bench takes minutes, not tens of minutes) in each mode.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use concurrency_book::images::{self, Blur, Settings};
use concurrency_book::procpool::{self, Options, ProcessPool};
use concurrency_book::testimages;
use criterion::{Criterion, criterion_group};
use rayon::prelude::*;

fn blur(c: &mut Criterion) {
    let photo = testimages::photo_like(3000, 2000, 1);
    let mut group = c.benchmark_group("blur");
    group.sample_size(10);
    for (name, how) in [
        ("image_blur", Blur::ImageBlur),
        ("image_fast_blur", Blur::ImageFastBlur),
        ("boxes", Blur::Boxes),
        ("boxes_parallel", Blur::BoxesParallel),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| images::blur_image(black_box(&photo), 15.0, how))
        });
    }
    group.finish();
}

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-images")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn pipeline(c: &mut Criterion) {
    let inputs = testimages::ensure(1, 3000, 2000).unwrap();
    let out = out_dir("pipeline");
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.bench_function("one_photo", |b| {
        b.iter(|| images::process_photo(&inputs[0], &out, &Settings::default()).unwrap());
    });
    group.finish();
}

fn modes(c: &mut Criterion) {
    let inputs = testimages::ensure(15, 1500, 1000).unwrap();
    let settings = Settings::default();
    let out = out_dir("modes");
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("modes");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("seq", |b| {
        b.iter(|| {
            inputs
                .iter()
                .for_each(|p| drop(images::process_photo(p, &out, &settings).unwrap()))
        });
    });
    group.bench_function("threads", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for p in &inputs {
                    s.spawn(|| images::process_photo(p, &out, &settings).unwrap());
                }
            })
        });
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .unwrap();
    group.bench_function("rayon", |b| {
        b.iter(|| {
            pool.install(|| {
                inputs
                    .par_iter()
                    .for_each(|p| drop(images::process_photo(p, &out, &settings).unwrap()))
            })
        });
    });
    let options = Options {
        workers,
        task_timeout: Duration::from_secs(300),
        worker_args: vec![WORKER_FLAG.into()],
    };
    let mut processes = ProcessPool::start(options).unwrap();
    group.bench_function("processes", |b| {
        b.iter(|| {
            let jobs: Vec<(PathBuf, PathBuf)> =
                inputs.iter().map(|p| (p.clone(), out.clone())).collect();
            let outcomes = processes.run::<_, bool>(jobs, |_| {}).unwrap();
            assert_eq!(outcomes.len(), inputs.len());
        });
    });
    processes.shutdown(Duration::from_secs(10)).unwrap();
    let inside = Settings {
        blur: Blur::BoxesParallel,
        ..settings
    };
    group.bench_function("rayon_inner", |b| {
        b.iter(|| {
            pool.install(|| {
                inputs
                    .iter()
                    .for_each(|p| drop(images::process_photo(p, &out, &inside).unwrap()))
            })
        });
    });
    group.finish();
}

criterion_group!(benches, blur, pipeline, modes);

const WORKER_FLAG: &str = "--bench-image-worker";

// criterion_main!, plus the worker-process entry point of `modes/processes`.
fn main() {
    if std::env::args().nth(1).as_deref() == Some(WORKER_FLAG) {
        let work = |_, _, (input, out): (PathBuf, PathBuf)| {
            images::process_photo(&input, &out, &Settings::default()).is_ok()
        };
        procpool::serve(work).unwrap();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
