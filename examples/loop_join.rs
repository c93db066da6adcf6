//! Many threads in a loop: start them all, then join them all (and the wrong way).
//!
//! `cargo run --example loop_join -- --mode two-loops --tasks 10`

use std::thread;
use std::time::Duration;

use clap::ValueEnum;
use harness::cli::{self, Summary, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal};

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// One loop spawns every thread, a second loop joins them
    TwoLoops,
    /// WRONG: joins each thread in the loop that spawns it, so nothing overlaps
    JoinInLoop,
    /// std::thread::scope joins every thread for you at the end of the scope
    Scope,
}

fn do_something(seconds: Duration) {
    let _span = timeline::next_task_span();
    thread::sleep(seconds);
}

// ANCHOR: two_loops
fn two_loops(tasks: usize, seconds: Duration) {
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let handle = thread::spawn(move || do_something(seconds));
        handles.push(handle);
    }

    for handle in handles {
        handle.join().expect("a task panicked");
    }
}
// ANCHOR_END: two_loops

// ANCHOR: join_in_loop
fn join_in_loop(tasks: usize, seconds: Duration) {
    for _ in 0..tasks {
        let handle = thread::spawn(move || do_something(seconds));
        handle.join().expect("a task panicked"); // WRONG: waits right here
    }
}
// ANCHOR_END: join_in_loop

// ANCHOR: scope
fn scope(tasks: usize, seconds: Duration) {
    thread::scope(|s| {
        for _ in 0..tasks {
            s.spawn(|| do_something(seconds));
        }
    }); // every thread spawned on `s` has been joined here
}
// ANCHOR_END: scope

fn main() {
    let run: TaskModes<Mode> = cli::parse_shared(
        "Start ten threads in a loop and wait for all of them",
        &[("tasks", "10"), ("seconds", "0.3")],
    );
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let ((), timeline) = timeline::record(Ideal::LongestTask, || match mode {
            Mode::TwoLoops => two_loops(run.tasks, run.seconds),
            Mode::JoinInLoop => join_in_loop(run.tasks, run.seconds),
            Mode::Scope => scope(run.tasks, run.seconds),
        });
        println!("{timeline}");
        summaries.push(Summary::from_timeline(
            "loop_join",
            name,
            run.tasks,
            run.tasks,
            &timeline,
        ));
    }
    cli::finish(&summaries, run.json, &run.files);
}
