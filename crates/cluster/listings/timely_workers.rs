//! timely dataflow spreads tasks over workers. Worker 0 sends out task
//! numbers; `exchange` routes task i to worker i % workers; each worker does
//! its tasks (counting primes: CPU work, no waiting) and sends its answers
//! back to worker 0, which prints them. The same code runs unchanged when
//! the workers are threads of several processes (see "Running on several
//! hosts").
//!
//! Cargo.toml: `timely = "0.32"`
//! Run: `cargo run --release -- 4` (four worker threads)

use std::cell::RefCell;
use std::rc::Rc;

use timely::dataflow::operators::vec::Map;
use timely::dataflow::operators::{Exchange, Input, Inspect, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};

/// How many primes are below `bound`, by trial division.
pub fn primes_below(bound: u64) -> u64 {
    let is_prime = |n: u64| {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| !n.is_multiple_of(d))
    };
    (0..bound).filter(|&n| is_prime(n)).count() as u64
}

/// One worker's part: every worker runs this. On worker 0 it returns
/// `(task, worker, answer)` for every task; on the others, nothing.
fn worker_part(worker: &mut timely::worker::Worker, tasks: u64) -> Vec<(u64, usize, u64)> {
    let me = worker.index();
    let gathered = Rc::new(RefCell::new(Vec::new()));
    let mut input = InputHandle::new();
    let probe = ProbeHandle::new();
    worker.dataflow::<u64, _, _>(|scope| {
        let gathered = Rc::clone(&gathered);
        scope
            .input_from(&mut input)
            .container::<Vec<u64>>()
            .exchange(|task| *task) // task i goes to worker i % workers
            .map(move |task| (task, me, primes_below(100_000 + task * 10_000)))
            .exchange(|_| 0) // every answer goes back to worker 0
            .inspect(move |answer| gathered.borrow_mut().push(*answer))
            .probe_with(&probe);
    });
    if me == 0 {
        for task in 0..tasks {
            input.send(task);
        }
    }
    drop(input); // no more input: the dataflow can finish
    while worker.step_or_park(None) {} // until every worker's dataflow is done
    gathered.take()
}

/// Runs `tasks` tasks on the workers `config` describes; the answers, by task.
pub fn run(config: timely::Config, tasks: u64) -> Result<Vec<(u64, usize, u64)>, String> {
    let guards = timely::execute(config, move |worker| worker_part(worker, tasks))?;
    let mut answers = Vec::new();
    for worker in guards.join() {
        answers.extend(worker?);
    }
    answers.sort_unstable();
    Ok(answers)
}

fn main() -> Result<(), String> {
    let workers = match std::env::args().nth(1) {
        Some(text) => text
            .parse()
            .map_err(|_| format!("`{text}` is not a number of workers"))?,
        None => 2,
    };
    for (task, worker, primes) in run(timely::Config::process(workers), 8)? {
        println!("task {task} on worker {worker}: {primes} primes");
    }
    Ok(())
}
