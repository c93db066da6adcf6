//! The figures behind "Real-world I/O: downloading images".
//!
//! `cargo bench --bench downloads` (add a group name to run one: `-- makespan`)
//!
//! - `makespan/pool/N`: 15 photos from the embedded server at 100 ms latency,
//!   on a pool of N = 1, 2, 4, 8, 15 threads. The ideal is one latency plus one
//!   transfer: the slowest single download.
//! - `many/threads/1000` and `many/async/1000`: 1,000 requests for 1 KB at
//!   once (no added latency), one thread each against one tokio task each.
//! - Before the groups, one run each of 10,000 requests, at most 1,000 in
//!   flight (1,000 threads, or 1,000 tasks on tokio's few threads), printed
//!   with its elapsed time and the process's peak memory (Linux).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use concurrency_book::harness::imageserver::{ImageServer, ServerConfig};
use concurrency_book::harness::memory;
use concurrency_book::lessons::download::{self, Policy};
use criterion::{BenchmarkId, Criterion, criterion_group};

static NEVER: AtomicBool = AtomicBool::new(false);

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-downloads")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn pool(
    urls: &[String],
    targets: &[PathBuf],
    workers: usize,
    client: &reqwest::blocking::Client,
    policy: &Policy,
) {
    let (queue_in, queue) = crossbeam::channel::unbounded();
    urls.iter()
        .zip(targets)
        .for_each(|job| queue_in.send(job).unwrap());
    drop(queue_in);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let queue = queue.clone();
            s.spawn(move || {
                for (url, target) in queue {
                    download::download(client, url, target, policy, &NEVER).unwrap();
                }
            });
        }
    });
}

fn threads(
    urls: &[String],
    targets: &[PathBuf],
    client: &reqwest::blocking::Client,
    policy: &Policy,
) {
    std::thread::scope(|s| {
        for (url, target) in urls.iter().zip(targets) {
            s.spawn(move || download::download(client, url, target, policy, &NEVER).unwrap());
        }
    });
}

const IN_FLIGHT: usize = 1000;

fn with_tokio(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    urls: &[String],
    targets: &[PathBuf],
    policy: &Policy,
    limit: usize,
) {
    runtime.block_on(async {
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(limit));
        let mut tasks = tokio::task::JoinSet::new();
        for (url, target) in urls.iter().zip(targets) {
            let (client, url, target) = (client.clone(), url.clone(), target.clone());
            let download = download::download_async(client, url, target, *policy, &NEVER);
            let permits = std::sync::Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire().await.unwrap();
                download.await.unwrap()
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
    });
}

fn makespan(c: &mut Criterion) {
    let config = ServerConfig {
        latency: Duration::from_millis(100),
        ..ServerConfig::default()
    };
    let server = ImageServer::start(config).unwrap();
    let urls = server.photo_urls();
    let out = out_dir("makespan");
    let targets = download::plan(&urls, &out);
    let policy = Policy::default();
    let client = download::blocking_client(&policy);
    let mut group = c.benchmark_group("makespan");
    group.sample_size(10);
    for workers in [1, 2, 4, 8, 15] {
        group.bench_with_input(BenchmarkId::new("pool", workers), &workers, |b, &w| {
            b.iter(|| pool(&urls, &targets, w, &client, &policy));
        });
    }
    group.finish();
}

fn tiny_jobs(server: &ImageServer, count: usize, name: &str) -> (Vec<String>, Vec<PathBuf>) {
    let urls: Vec<String> = (0..count)
        .map(|i| server.tiny_url(&format!("tiny-{i}.jpg")))
        .collect();
    let targets = download::plan(&urls, &out_dir(name));
    (urls, targets)
}

fn many(c: &mut Criterion) {
    let config = ServerConfig {
        photos: 1,
        latency: Duration::ZERO,
        ..ServerConfig::default()
    };
    let server = ImageServer::start(config).unwrap();
    let policy = Policy {
        timeout: Duration::from_secs(60),
        ..Policy::default()
    };
    let client = download::blocking_client(&policy);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // One client each, reused: their pools keep connections open between runs.
    let async_client = runtime.block_on(async { download::async_client(&policy) });

    // One run each of 10,000 requests, with peak memory, outside criterion's
    // loop. At most 1,000 in flight: each costs a client socket, a server
    // socket (the server is in this process) and a file, and idle pooled
    // connections stay open too; this machine allows 20,000 open files.
    for (mode, count) in [("async", 10_000), ("threads", 10_000)] {
        let (urls, targets) = tiny_jobs(&server, count, &format!("many-{mode}-{count}"));
        memory::reset_peak();
        let started = Instant::now();
        match mode {
            "async" => {
                let fresh = runtime.block_on(async { download::async_client(&policy) });
                with_tokio(&runtime, &fresh, &urls, &targets, &policy, IN_FLIGHT);
            }
            _ => {
                let fresh = download::blocking_client(&policy);
                pool(&urls, &targets, IN_FLIGHT, &fresh, &policy);
            }
        }
        let peak = memory::peak_mib().map_or("unknown".into(), |p| format!("{p} MiB"));
        eprintln!(
            "many/{mode}/{count}: {:.2} s, peak memory {peak}",
            started.elapsed().as_secs_f64()
        );
    }

    let (urls, targets) = tiny_jobs(&server, 1000, "many-1000");
    let mut group = c.benchmark_group("many");
    group.sample_size(10);
    group.bench_function("threads/1000", |b| {
        b.iter(|| threads(&urls, &targets, &client, &policy))
    });
    group.bench_function("async/1000", |b| {
        b.iter(|| with_tokio(&runtime, &async_client, &urls, &targets, &policy, 1000))
    });
    group.finish();
}

criterion_group!(benches, makespan, many);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
