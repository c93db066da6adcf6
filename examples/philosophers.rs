//! Deadlock, and two ways out: the dining philosophers. `left-then-right`
//! forces the unlucky interleaving (every philosopher holds a left fork
//! before any reaches for a right one) and detects the deadlock at
//! `--deadline`; `ordered` and `try-lock` eat every meal.
//!
//! `cargo run --example philosophers`

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use concurrency_book::lessons::philosophers::{Strategy, Table};
use crossbeam::channel;
use harness::cli;
use harness::println;
use serde_json::{Value, json};

/// Dining philosophers: a deadlock, detected within a bound, and two fixes.
#[derive(Parser)]
struct Args {
    /// Philosophers (and forks) at the table, two at least
    #[arg(long, value_parser = parse_seats, default_value = "5", allow_hyphen_values = true)]
    workers: usize,
    /// Meals each philosopher eats
    #[arg(long, value_parser = cli::parse_count, default_value = "50", allow_hyphen_values = true)]
    tasks: usize,
    /// How long a philosopher holds one fork before reaching for the other, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.001", allow_hyphen_values = true)]
    seconds: Duration,
    /// Declare a deadlock if the meals are not all eaten by then, in seconds
    #[arg(long, value_parser = cli::parse_timeout, default_value = "2", allow_hyphen_values = true)]
    deadline: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Left fork, then right, with every left fork taken first: deadlock
    LeftThenRight,
    /// The lower-numbered fork first
    Ordered,
    /// Left fork, then try the right; put the left back if it is taken
    TryLock,
}

// ANCHOR: dinner
/// Seats `seats` philosophers, each eating `meals` meals on a thread of its
/// own; waits for them until `deadline`. Returns each finished
/// philosopher's put-backs, and the table.
fn dinner(
    seats: usize,
    meals: usize,
    strategy: Strategy,
    hold: Duration,
    deadline: Duration,
) -> (Vec<u32>, Arc<Table>) {
    let table = Arc::new(Table::new(seats));
    // The worst case, forced: nobody reaches for a second fork until
    // everybody holds a first one. Only left-then-right can get there.
    let all_hold_one = Arc::new(Barrier::new(seats));
    let (finished, finishes) = channel::unbounded();
    for me in 0..seats {
        let (table, all_hold_one, finished) =
            (table.clone(), all_hold_one.clone(), finished.clone());
        // Detached threads: a deadlocked one can never be joined.
        thread::spawn(move || {
            let mut put_back = 0;
            for meal in 0..meals {
                put_back += table.eat(me, strategy, &|| match strategy {
                    Strategy::LeftThenRight if meal == 0 => drop(all_hold_one.wait()),
                    _ => thread::sleep(hold),
                });
            }
            let _ = finished.send(put_back);
        });
    }
    let until = Instant::now() + deadline;
    let done = (0..seats)
        .map_while(|_| finishes.recv_deadline(until).ok())
        .collect();
    (done, table)
}
// ANCHOR_END: dinner

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let seats = args.workers;
    cli::run_modes("philosophers", args.modes.mode, args.modes.json, |mode| {
        let strategy = match mode {
            Mode::LeftThenRight => Strategy::LeftThenRight,
            Mode::Ordered => Strategy::Ordered,
            Mode::TryLock => Strategy::TryLock,
        };
        let started = Instant::now();
        let (done, table) = dinner(seats, args.tasks, strategy, args.seconds, args.deadline);
        let findings = report(seats, &done, &table, started.elapsed());
        (seats * args.tasks, seats, findings)
    });
}

fn parse_seats(text: &str) -> Result<usize, String> {
    match cli::parse_count(text)? {
        1 => Err("a table needs two philosophers at least".into()),
        seats => Ok(seats),
    }
}

/// Prints and returns what happened: every meal eaten, or a deadlock.
fn report(seats: usize, done: &[u32], table: &Table, took: Duration) -> Value {
    let deadlocked = done.len() < seats;
    if deadlocked {
        println!(
            "deadlock: {} of {seats} philosophers finished in {:.1} s; the others each hold \
             one fork and wait for the next, for ever",
            done.len(),
            took.as_secs_f64()
        );
        return json!({ "deadlocked": true, "finished": done.len() });
    }
    let uses = table.uses();
    let put_back: u32 = done.iter().sum();
    println!(
        "all {seats} finished in {:.2} s; forks used {uses:?} times; {put_back} fork(s) put back",
        took.as_secs_f64()
    );
    json!({ "deadlocked": false, "finished": seats, "fork_uses": uses, "put_back": put_back })
}
