//! What one operation of each coordinating tool costs: a lock taken alone and
//! fought over, an atomic increment, an `RwLock` read, a hand-off through a
//! `Condvar`, a message through a channel, a thread-local access. Each is
//! timed over `--tasks` operations and printed in nanoseconds per operation;
//! `python/primitive_costs.py` times Python's counterparts, and
//! `cargo xtask report` puts both in one table. The operations are in
//! `src/lessons/primitives.rs`.
//!
//! `cargo run --release --example primitive_costs`

use std::time::{Duration, Instant};

use clap::Parser;
use concurrency_book::lessons::primitives::{Operation, primitives};
use harness::cli::{self, Summary};
use harness::println;

/// Costs of locks, atomics, condvars, channels and thread-locals, per operation.
#[derive(Parser)]
struct Args {
    /// Operations per measurement (each is the fastest of three runs)
    #[arg(long, value_parser = cli::parse_item_count, default_value = "200000", allow_hyphen_values = true)]
    tasks: usize,
    /// Print one JSON summary line, after everything else
    #[arg(long)]
    json: bool,
}

/// Nanoseconds per operation: the fastest of three runs of `ops` operations.
fn per_op_ns(work: Operation, ops: usize) -> f64 {
    let fastest = (0..3)
        .map(|_| {
            let started = Instant::now();
            work(ops);
            started.elapsed()
        })
        .min()
        .unwrap_or(Duration::ZERO);
    fastest.as_secs_f64() * 1e9 / ops as f64
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    cli::note_debug_build();
    let started = Instant::now();
    let mut costs = serde_json::Map::new();
    println!("{} operations each, the fastest of 3 runs\n", args.tasks);
    println!("{:<26} {:>12}", "primitive", "per operation");
    for (name, work) in primitives() {
        let ns = per_op_ns(work, args.tasks);
        println!("{name:<26} {ns:>9.1} ns");
        costs.insert(name.into(), serde_json::json!((ns * 10.0).round() / 10.0));
    }
    let summary = Summary::new("primitive_costs", "all", args.tasks, 2, started.elapsed())
        .with("per_op_ns", costs);
    cli::print_json(&[summary], args.json);
}
