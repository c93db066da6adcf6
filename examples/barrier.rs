//! Python's `threading.Barrier` in Rust: `std::sync::Barrier`. Each worker
//! does a first phase of uneven length, waits at the barrier, then a second
//! phase; no second phase starts before the last first phase ends.
//!
//! `cargo run --example barrier`

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use harness::cli::{self, Summary, TaskArgs};
use harness::println;
use harness::timeline::{self, Ideal};

/// Barrier: workers meet between two phases of work.
#[derive(Parser)]
struct Args {
    /// --tasks is the number of workers; --seconds the longest first phase
    #[command(flatten)]
    run: TaskArgs,
}

/// When a worker ended its first phase and started its second.
struct Phases {
    one_ended: Instant,
    two_started: Instant,
    leader: bool,
}

// ANCHOR: barrier
fn two_phases(workers: usize, longest: Duration) -> Vec<Phases> {
    let barrier = Barrier::new(workers); // opens when `workers` threads wait
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let barrier = &barrier;
                scope.spawn(move || {
                    {
                        let _one = timeline::task_span(w); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                        thread::sleep(longest * (w as u32 + 1) / workers as u32);
                    }
                    let one_ended = Instant::now();
                    let leader = barrier.wait().is_leader(); // exactly one is
                    let two_started = Instant::now();
                    let _two = timeline::task_span(workers + w); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                    thread::sleep(longest / 4);
                    Phases {
                        one_ended,
                        two_started,
                        leader,
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
// ANCHOR_END: barrier

fn main() {
    let Args { run } = cli::parse_with_defaults(&[("tasks", "4"), ("seconds", "0.4")]);
    println!(
        "== barrier: {} workers; tasks 0-{} are phase one, the rest phase two ==",
        run.tasks,
        run.tasks - 1
    );
    let (phases, timeline) =
        timeline::record(Ideal::LongestTask, || two_phases(run.tasks, run.seconds));
    println!("{timeline}");
    let last_one_ended = phases.iter().map(|p| p.one_ended).max().unwrap();
    let first_two_started = phases.iter().map(|p| p.two_started).min().unwrap();
    let leaders = phases.iter().filter(|p| p.leader).count();
    let gap = first_two_started.saturating_duration_since(last_one_ended);
    println!(
        "the first phase two started {:.2} ms after the last phase one ended; {leaders} leader",
        gap.as_secs_f64() * 1e3
    );
    let summary = Summary::from_timeline("barrier", "barrier", 2 * run.tasks, run.tasks, &timeline)
        .with("leaders", leaders)
        .with("waited_for_all", first_two_started >= last_one_ended);
    cli::finish(&[summary], run.json, &run.files);
}
