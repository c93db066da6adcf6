//! The figures behind "Real-world I/O: downloading images".
//!
//! `cargo bench --bench downloads` (add a group name to run one: `-- makespan`)
//!
//! - `makespan/pool/N`: 15 photos from the embedded server at 100 ms latency,
//!   on a pool of N = 1, 2, 4, 8, 15 threads. The ideal is one latency plus one
//!   transfer: the slowest single download.
//! - `many/threads/N` and `many/async/N`: N = 100 and 1,000 requests for 1 KB
//!   at once (no added latency), one thread each against one tokio task
//!   each. Beside criterion's figures (`target/criterion/peak-memory.json`,
//!   Linux): the peak memory of a fresh process (this bench binary run again)
//!   doing the same twice.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group};
use downloads::download::{self, Policy};
use harness::memory;
use image_server::{ImageServer, ServerConfig};

static NEVER: AtomicBool = AtomicBool::new(false);

fn out_dir(name: &str) -> PathBuf {
    let dir = harness::target_dir().join("bench-downloads").join(name);
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

fn with_tokio(
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    urls: &[String],
    targets: &[PathBuf],
    policy: &Policy,
) {
    runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (url, target) in urls.iter().zip(targets) {
            let (client, url, target) = (client.clone(), url.clone(), target.clone());
            let download = download::download_async(client, url, target, *policy, &NEVER);
            tasks.spawn(async move { download.await.unwrap() });
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

/// The server, clients and runtime the `many` benches share.
struct Many {
    server: ImageServer,
    policy: Policy,
    client: reqwest::blocking::Client,
    runtime: tokio::runtime::Runtime,
    async_client: reqwest::Client,
}

impl Many {
    fn start() -> Many {
        let config = ServerConfig {
            photos: 1,
            latency: Duration::ZERO,
            ..ServerConfig::default()
        };
        let policy = Policy {
            timeout: Duration::from_secs(60),
            ..Policy::default()
        };
        let runtime = tokio::runtime::Runtime::new().unwrap();
        // One client each, reused: their pools keep connections open between runs.
        let async_client = runtime.block_on(async { download::async_client(&policy) });
        Many {
            server: ImageServer::start(config).unwrap(),
            client: download::blocking_client(&policy),
            policy,
            runtime,
            async_client,
        }
    }

    /// `count` requests at once, a thread or a task each.
    fn run(&self, mode: &str, urls: &[String], targets: &[PathBuf]) {
        match mode {
            "threads" => threads(urls, targets, &self.client, &self.policy),
            _ => with_tokio(
                &self.runtime,
                &self.async_client,
                urls,
                targets,
                &self.policy,
            ),
        }
    }
}

fn many(c: &mut Criterion) {
    let many = Many::start();
    // Requests all at once, 100 and then 1,000: each in flight costs a
    // thread or a task, a client socket, a server socket (the server is in
    // this process) and a file.
    let criterion = harness::target_dir().join("criterion");
    let mut group = c.benchmark_group("many");
    group.sample_size(10);
    for count in [100, 1000] {
        let (urls, targets) = tiny_jobs(&many.server, count, &format!("many-{count}"));
        for mode in ["threads", "async"] {
            let id = format!("{mode}/{count}");
            group.bench_function(&id, |b| b.iter(|| many.run(mode, &urls, &targets)));
            // Memory in a fresh process: in this one, what earlier benches
            // allocated and the allocator kept would count too.
            let peak = peak_in_a_fresh_process(mode, count);
            memory::save_bench_peak(&criterion, &format!("many/{id}"), peak).unwrap();
        }
    }
    group.finish();
}

/// The hidden argument that makes this bench binary run `many` once and
/// print its peak memory: `--peak-memory MODE COUNT`.
const PEAK_FLAG: &str = "--peak-memory";

fn peak_in_a_fresh_process(mode: &str, count: usize) -> f64 {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([PEAK_FLAG, mode, &count.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{mode} {count}: {text}");
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("not MiB: {text}"))
}

/// With `--peak-memory MODE COUNT`: one run (after one to warm up the
/// clients' connection pools, as criterion's warm-up does), then the peak.
fn run_for_peak_memory() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let [_, flag, mode, count] = &args[..] else {
        return false;
    };
    if flag != PEAK_FLAG {
        return false;
    }
    let many = Many::start();
    let (urls, targets) = tiny_jobs(&many.server, count.parse().unwrap(), "many-peak");
    many.run(mode, &urls, &targets);
    many.run(mode, &urls, &targets);
    println!(
        "{}",
        memory::peak_mib().expect("peak memory is read from /proc (Linux)")
    );
    true
}

criterion_group!(benches, makespan, many);

fn main() {
    if run_for_peak_memory() {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
