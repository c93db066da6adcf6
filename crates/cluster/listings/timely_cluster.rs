//! One process of a timely cluster, started with timely's own networking:
//! every host runs this same program with the same hostfile (one
//! `host:port` per line, in process order) and its own line's number. Each
//! worker sends a greeting to worker 0, which prints every one once all the
//! processes have connected.
//!
//! Cargo.toml: `timely = "0.32"`
//! Run, on two hosts: `cargo run -- hosts.txt 0` and `cargo run -- hosts.txt 1`

use std::cell::RefCell;
use std::rc::Rc;

use timely::CommunicationConfig;
use timely::dataflow::operators::{Exchange, Input, Inspect, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};

/// Process `process` of the cluster at `addresses`, with `threads` workers.
/// timely connects the processes itself: it waits for each missing one,
/// retrying once a second, with no time limit.
pub fn cluster(addresses: Vec<String>, process: usize, threads: usize) -> timely::Config {
    timely::Config {
        communication: CommunicationConfig::Cluster {
            threads,
            process,
            addresses,
            report: true, // print each connection as it is made
            zerocopy: false,
        },
        worker: timely::WorkerConfig::default(),
    }
}

/// Runs the greeting on `config`'s workers; worker 0's greetings, sorted.
pub fn greet(config: timely::Config) -> Result<Vec<String>, String> {
    let guards = timely::execute(config, |worker| {
        let (me, peers) = (worker.index(), worker.peers());
        let greetings = Rc::new(RefCell::new(Vec::new()));
        let mut input = InputHandle::new();
        let probe = ProbeHandle::new();
        worker.dataflow::<u64, _, _>(|scope| {
            let greetings = Rc::clone(&greetings);
            scope
                .input_from(&mut input)
                .container::<Vec<String>>()
                .exchange(|_| 0) // everything to worker 0
                .inspect(move |greeting: &String| greetings.borrow_mut().push(greeting.clone()))
                .probe_with(&probe);
        });
        input.send(format!("worker {me} of {peers} says hello"));
        drop(input);
        while worker.step_or_park(None) {}
        greetings.take()
    })?;
    let mut greetings = Vec::new();
    for worker in guards.join() {
        greetings.extend(worker?);
    }
    greetings.sort();
    Ok(greetings)
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [hostfile, process] = args.as_slice() else {
        return Err("usage: timely_cluster HOSTFILE PROCESS".into());
    };
    let text = std::fs::read_to_string(hostfile).map_err(|e| format!("{hostfile}: {e}"))?;
    let addresses: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let process: usize = process
        .parse()
        .map_err(|_| format!("`{process}` is not a process number"))?;
    if process >= addresses.len() {
        return Err(format!(
            "{hostfile} lists {} processes: 0 to {}",
            addresses.len(),
            addresses.len().saturating_sub(1)
        ));
    }
    for greeting in greet(cluster(addresses, process, 1))? {
        println!("{greeting}");
    }
    Ok(())
}
