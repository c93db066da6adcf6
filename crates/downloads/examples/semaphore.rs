//! Python's `threading.BoundedSemaphore` in Rust: one thread per download,
//! at most `--permits` downloading at once, from the book's local photo
//! server. std has no semaphore: the `book` mode uses the one built from a
//! `Mutex` and a `Condvar` in `src/lessons/semaphore.rs`, the `tokio` mode
//! tokio's, with one task per download.
//!
//! `cargo run --example semaphore`

use std::sync::Arc;
use std::thread;

use clap::{Parser, ValueEnum};
use concurrency_book::lessons::semaphore::Semaphore;
use downloads::download::{self, Policy};
use harness::cli::{self, Summary, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal};
use image_server::{ImageServer, ServerConfig};

/// Semaphore: one thread (or task) per download, a few downloading at once.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: TaskModes<Mode>,
    /// How many may download at once
    #[arg(long, value_parser = cli::parse_count, default_value = "3", allow_hyphen_values = true)]
    permits: usize,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// A thread per download; the book's semaphore (Mutex + Condvar)
    Book,
    /// A tokio task per download; tokio::sync::Semaphore
    Tokio,
}

// ANCHOR: book
fn with_threads(urls: &[String], permits: usize) -> Vec<Result<usize, String>> {
    let semaphore = Semaphore::new(permits);
    let client = download::blocking_client(&Policy::default()); // shared; with a timeout
    thread::scope(|scope| {
        let handles: Vec<_> = (urls.iter().enumerate())
            .map(|(task, url)| {
                let (semaphore, client) = (&semaphore, &client);
                scope.spawn(move || {
                    let _permit = semaphore.acquire(); // waits while all are out
                    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                    let response = client.get(url).send().and_then(|r| r.error_for_status());
                    let bytes = response.and_then(|r| r.bytes());
                    bytes.map(|b| b.len()).map_err(|e| format!("{url}: {e}"))
                }) // the permit goes back here, whatever happened
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
// ANCHOR_END: book

// ANCHOR: tokio
fn with_tokio(urls: &[String], permits: usize) -> Vec<Result<usize, String>> {
    let runtime = tokio::runtime::Runtime::new().expect("the OS starts tokio's threads");
    runtime.block_on(async {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(permits));
        let client = download::async_client(&Policy::default());
        let tasks: Vec<_> = (urls.iter().enumerate())
            .map(|(task, url)| {
                let (semaphore, client, url) = (semaphore.clone(), client.clone(), url.clone());
                tokio::spawn(async move {
                    let _permit = semaphore.acquire().await.expect("never closed");
                    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                    let response = client.get(&url).send().await;
                    let response = response.and_then(|r| r.error_for_status());
                    let bytes = match response {
                        Ok(response) => response.bytes().await,
                        Err(e) => Err(e),
                    };
                    bytes.map(|b| b.len()).map_err(|e| format!("{url}: {e}"))
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("download tasks do not panic"));
        }
        results
    })
}
// ANCHOR_END: tokio

fn main() {
    let Args { run, permits } = cli::parse_with_defaults(&[("tasks", "10"), ("seconds", "0.2")]);
    let config = ServerConfig {
        photos: 1,
        size: (64, 48),
        latency: run.seconds, // each answer takes this long: a slow server
        bandwidth: None,
    };
    let server = ImageServer::start(config)
        .unwrap_or_else(|e| cli::fail(format!("cannot start the local server: {e}")));
    let urls: Vec<String> = (0..run.tasks)
        .map(|i| server.tiny_url(&format!("file-{i}.bin")))
        .collect();
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name}: {} downloads, {permits} at once ==", run.tasks);
        // The best possible: the downloads in waves of `permits`.
        let ideal = Ideal::SumOver { workers: permits };
        let (results, timeline) = timeline::record(ideal, || match mode {
            Mode::Book => with_threads(&urls, permits),
            Mode::Tokio => with_tokio(&urls, permits),
        });
        println!("{timeline}");
        let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        for failure in &failed {
            eprintln!("error: {failure}");
        }
        let bytes: usize = results.iter().flatten().sum();
        println!(
            "{} downloads, {bytes} bytes\n",
            results.len() - failed.len()
        );
        summaries.push(
            Summary::from_timeline("semaphore", name, run.tasks, run.tasks, &timeline)
                .with("permits", permits)
                .with("failed", failed.len())
                .with("bytes", bytes),
        );
    }
    cli::finish(&summaries, run.json, &run.files);
    cli::exit_if_any_failed(&summaries);
}
