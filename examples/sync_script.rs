//! The synchronous script: tasks run one after the other, so their times add up.
//!
//! `cargo run --example sync_script -- --tasks 2 --seconds 1`

use std::thread;
use std::time::{Duration, Instant};

use harness::cli::{self, Summary, TaskArgs};
use harness::println;
use harness::timeline::{self, Ideal};

// ANCHOR: do_something
fn do_something(seconds: Duration) {
    let _span = timeline::next_task_span(); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
    println!("Sleeping {:.1} second(s)...", seconds.as_secs_f64());
    thread::sleep(seconds);
    println!("Done sleeping.");
}
// ANCHOR_END: do_something

// ANCHOR: main
fn sync_script(tasks: usize, seconds: Duration) {
    let start = Instant::now();
    for _ in 0..tasks {
        do_something(seconds);
    }
    let finish = start.elapsed();
    println!("Finished in {:.2} second(s)", finish.as_secs_f64());
}
// ANCHOR_END: main

fn main() {
    let run: TaskArgs = cli::parse_shared(
        "Run a few sleeping tasks one after another, and time them",
        &[],
    );
    let ((), timeline) =
        timeline::record(Ideal::SumOfTasks, || sync_script(run.tasks, run.seconds));
    println!("{timeline}");
    let summary = Summary::from_timeline("sync_script", "seq", run.tasks, 1, &timeline);
    cli::finish(&[summary], run.json, &run.files);
}
