//! The cluster pages' whole programs (`crates/cluster/listings/`), the first
//! listings of "Beyond one machine" and "Running on several hosts": a reader
//! pastes one into `src/main.rs` of a new project. They are compiled here as
//! modules, with their `main`, and run on loopback; nothing asserts speed.

#[allow(dead_code)] // its `main` is the reader's, not ours
#[path = "../listings/timely_workers.rs"]
mod timely_workers;

#[allow(dead_code)]
#[path = "../listings/timely_cluster.rs"]
mod timely_cluster;

#[test]
fn timely_workers_routes_task_i_to_worker_i_mod_workers_and_gathers_every_answer() {
    let answers = timely_workers::run(timely::Config::process(3), 7).expect("the run");
    let tasks: Vec<u64> = answers.iter().map(|&(task, ..)| task).collect();
    assert_eq!(
        tasks,
        (0..7).collect::<Vec<_>>(),
        "every task, once, on worker 0"
    );
    for &(task, worker, primes) in &answers {
        assert_eq!(
            worker as u64,
            task % 3,
            "task {task}: exchange routes by value"
        );
        assert_eq!(
            primes,
            timely_workers::primes_below(100_000 + task * 10_000)
        );
    }
    assert_eq!(timely_workers::primes_below(100), 25);
}

/// Two processes of one cluster, here two threads of the test on free
/// loopback ports, each with two workers: worker 0 hears all four.
#[test]
fn timely_cluster_connects_two_processes_and_worker_0_hears_every_worker() {
    let addresses = cluster::free_loopback_addresses(2).expect("free ports");
    let members: Vec<_> = (0..2)
        .map(|process| {
            let config = timely_cluster::cluster(addresses.clone(), process, 2);
            std::thread::spawn(move || timely_cluster::greet(config))
        })
        .collect();
    let heard: Vec<Vec<String>> = (members.into_iter())
        .map(|member| member.join().expect("no panic").expect("the run"))
        .collect();
    let all: Vec<String> = (0..4)
        .map(|w| format!("worker {w} of 4 says hello"))
        .collect();
    assert_eq!(heard[0], all, "process 0 holds worker 0");
    assert!(heard[1].is_empty(), "process 1's workers keep nothing");
}
