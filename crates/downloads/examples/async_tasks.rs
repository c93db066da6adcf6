//! Coroutines, futures, tasks: a future does nothing until it is awaited;
//! awaited one after another, futures run in turn; spawned as tokio tasks,
//! they wait side by side, here on one thread, as asyncio's tasks do on its
//! event loop. A future that is never awaited never runs.
//!
//! `cargo run --example async_tasks -- --tasks 3 --seconds 0.1`

use std::time::Duration;

use clap::ValueEnum;
use harness::cli::{self, Summary, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal};

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// `.await` each future in turn: asyncio's `await work()` in a loop
    InTurn,
    /// `tokio::spawn` each, then await the handles: `asyncio.create_task`
    Spawned,
    /// Make the futures and drop them: the forgotten `await`
    NeverAwaited,
}

// ANCHOR: work
/// The task: waits without holding the thread.
async fn work(task: usize, seconds: Duration) {
    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
    tokio::time::sleep(seconds).await;
}
// ANCHOR_END: work

// ANCHOR: modes
async fn in_turn(tasks: usize, seconds: Duration) {
    for task in 0..tasks {
        work(task, seconds).await; // the next starts when this one ends
    }
}

async fn spawned(tasks: usize, seconds: Duration) {
    let handles: Vec<_> = (0..tasks)
        .map(|task| tokio::spawn(work(task, seconds)))
        .collect();
    for handle in handles {
        handle.await.expect("a task panicked");
    }
}

async fn never_awaited(tasks: usize, seconds: Duration) {
    let futures: Vec<_> = (0..tasks).map(|task| work(task, seconds)).collect();
    drop(futures); // never polled: not one line of `work` ran
}
// ANCHOR_END: modes

fn main() {
    let run: TaskModes<Mode> = cli::parse_shared(
        "Run sleeping tasks as futures: awaited in turn, spawned, or never awaited",
        &[("tasks", "3"), ("seconds", "0.1")],
    );
    // One thread, like asyncio's event loop: the tasks share it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap_or_else(|e| cli::fail(format!("cannot start tokio: {e}")));
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let ((), timeline) = timeline::record(Ideal::LongestTask, || {
            runtime.block_on(async {
                match mode {
                    Mode::InTurn => in_turn(run.tasks, run.seconds).await,
                    Mode::Spawned => spawned(run.tasks, run.seconds).await,
                    Mode::NeverAwaited => never_awaited(run.tasks, run.seconds).await,
                }
            })
        });
        println!("{timeline}");
        let ran = timeline.spans.len();
        println!("{ran} of {} tasks ran\n", run.tasks);
        summaries.push(
            Summary::from_timeline("async_tasks", name, run.tasks, 1, &timeline).with("ran", ran),
        );
    }
    cli::finish(&summaries, run.json, &run.files);
}
