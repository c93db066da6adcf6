//! The book's image server on its own, for other programs to download from:
//! the Python scripts under `python/`, `curl`, or `download_images --urls-file`.
//! It serves on 127.0.0.1 only and stops by itself after `--stop-after`.
//!
//! `cargo run --example image_server -- --urls-file target/urls.txt`

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser;
use harness::cli::{self, Summary};
use harness::println;

#[path = "shared/server.rs"]
mod server;
use server::ServerArgs;

/// Serve the book's test photos on 127.0.0.1 until Ctrl-C or --stop-after.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    server: ServerArgs,
    /// Write the photos' URLs into this file, one per line
    #[arg(long)]
    urls_file: Option<PathBuf>,
    /// Stop by itself after this many seconds (at most a day)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400), default_value = "300")]
    stop_after: u64,
    /// Print one JSON summary line when it stops
    #[arg(long)]
    json: bool,
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let started = Instant::now();
    let server = args.server.start();
    if let Some(path) = &args.urls_file {
        let urls = server.photo_urls().join("\n") + "\n";
        cli::write_file(path, urls.as_bytes(), "--urls-file").unwrap_or_else(|e| cli::fail(e));
    }
    // Printed once the URLs file is written: a program that started this one
    // reads this line, and the address, and goes.
    println!("serving on http://{}/", server.addr());
    println!(
        "{} photos at http://{}/photos/photo-01.jpg ...; stops after {} s or on Ctrl-C",
        args.server.tasks,
        server.addr(),
        args.stop_after
    );

    let (stop, stopped) = mpsc::channel();
    cli::on_stop_signal(move |_| {
        let _ = stop.send(()); // Ctrl-C or SIGTERM: its normal end, exit code 0
    });
    let _ = stopped.recv_timeout(Duration::from_secs(args.stop_after)); // a signal, or the deadline

    let requests = server.requests();
    drop(server); // stops serving
    println!("served {requests} request(s)");
    let summary = Summary::new(
        "image_server",
        "serve",
        args.server.tasks,
        1,
        started.elapsed(),
    )
    .with("requests", requests);
    cli::print_json(&[summary], args.json);
}
