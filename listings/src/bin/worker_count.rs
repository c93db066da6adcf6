// How many workers? The same 100 jobs that wait 10 ms each, on more and more
// threads sharing one queue. Needs crossbeam (`cargo add crossbeam`).
use std::thread;
use std::time::{Duration, Instant};

use crossbeam::channel;

fn run_on(workers: usize, jobs: usize) -> f64 {
    let (queue, next) = channel::unbounded();
    for job in 0..jobs {
        queue.send(job).expect("the queue is open");
    }
    drop(queue); // workers stop when it is empty
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..workers {
            let next = next.clone();
            scope.spawn(move || {
                for _job in next {
                    thread::sleep(Duration::from_millis(10)); // waiting, like I/O
                }
            });
        }
    });
    start.elapsed().as_secs_f64()
}

fn main() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    println!("100 jobs of 10 ms, {cores} cores");
    for workers in [1, 2, 4, 10, 50, 100, 500] {
        println!("{workers:4} workers: {:.3} s", run_on(workers, 100));
    }
}
