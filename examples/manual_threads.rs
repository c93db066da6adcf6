//! Manual threads: spawn, join, forgetting to join, and a thread that panics.
//!
//! `cargo run --example manual_threads -- --mode join`

use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use concurrency_book::panic_message;
use harness::cli::{self, Summary};
use harness::println;
use harness::timeline::{self, Ideal};

/// Start two threads by hand and wait for them (or, to see why you should, don't).
#[derive(Parser)]
struct Args {
    /// How long each thread sleeps, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "1", allow_hyphen_values = true)]
    seconds: Duration,
    /// Print one JSON summary line per mode, after everything else
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    files: cli::TimelineFiles,
    /// Run only this mode (default: all, in the order listed)
    #[arg(long, value_enum)]
    mode: Option<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Spawn two threads, then join both
    Join,
    /// The second thread panics; join() reports it as an Err
    Panic,
    /// Spawn two threads and never join them: main ends first, and so do they
    NoJoin,
}

// ANCHOR: do_something
fn do_something(seconds: Duration) {
    let _span = timeline::next_task_span(); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
    println!("Sleeping {:.1} second(s)...", seconds.as_secs_f64());
    thread::sleep(seconds);
    println!("Done sleeping.");
}
// ANCHOR_END: do_something

/// Like `do_something`, but it only prints when it is done (if it ever is).
fn sleep_quietly(seconds: Duration) {
    let _span = timeline::next_task_span(); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
    thread::sleep(seconds);
    println!("Done sleeping.");
}

// ANCHOR: join
fn join(seconds: Duration) {
    let t1 = thread::spawn(move || do_something(seconds));
    let t2 = thread::spawn(move || do_something(seconds));

    t1.join().expect("task 1 panicked");
    t2.join().expect("task 2 panicked");
}
// ANCHOR_END: join

// ANCHOR: panic
fn panic(seconds: Duration) -> usize {
    let t1 = thread::spawn(move || do_something(seconds));
    let t2 = thread::spawn(move || {
        do_something(seconds);
        panic!("the disk is full");
    });

    let mut panicked = 0;
    for (name, handle) in [("t1", t1), ("t2", t2)] {
        match handle.join() {
            Ok(()) => println!("{name} finished"),
            Err(payload) => {
                panicked += 1;
                println!("{name} panicked: {}", panic_message(&*payload));
            }
        }
    }
    panicked
}
// ANCHOR_END: panic

// ANCHOR: no_join
fn no_join(seconds: Duration) {
    let _t1 = thread::spawn(move || sleep_quietly(seconds));
    let _t2 = thread::spawn(move || sleep_quietly(seconds));
    // No join: main carries on at once. When main returns, the process exits
    // and takes any thread still running with it.
}
// ANCHOR_END: no_join

fn main() {
    let Args {
        seconds,
        json,
        mode,
        files,
    } = cli::parse_with_defaults(&[]);
    let mut summaries = Vec::new();
    for mode in cli::modes(mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let start = Instant::now();
        let (panicked, timeline) = timeline::record(Ideal::LongestTask, || match mode {
            Mode::Join => {
                join(seconds);
                0
            }
            Mode::Panic => panic(seconds),
            Mode::NoJoin => {
                no_join(seconds);
                0
            }
        });
        println!("Finished in {:.2} second(s)", start.elapsed().as_secs_f64());
        println!("{timeline}");
        summaries.push(
            Summary::from_timeline("manual_threads", name, 2, 2, &timeline)
                .with("panicked", panicked),
        );
    }
    // Threads nobody joined may still be running. Hold stdout so that they
    // cannot print after the summary, then exit, which ends them as returning would.
    let _stdout = std::io::stdout().lock();
    cli::finish(&summaries, json, &files);
    std::process::exit(0);
}
