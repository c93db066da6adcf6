// submit and result with a real crate: a rayon pool of two threads runs the
// tasks, and a channel per task carries its result back, which is what a
// future is. Needs rayon (`cargo add rayon`).
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn do_something(seconds: f64) -> String {
    println!("Sleeping {seconds} second(s)...");
    thread::sleep(Duration::from_secs_f64(seconds));
    format!("Done sleeping {seconds} second(s)")
}

fn main() {
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        // Without it, a panic in a task spawned on the pool aborts the process.
        .panic_handler(|_| eprintln!("a task panicked"))
        .build()
        .expect("a pool of two threads");
    // submit: hand each task to the pool, and keep the receiving end of its
    // channel as its future. Nothing waits yet.
    let futures: Vec<mpsc::Receiver<String>> = [1.0, 0.8, 0.6, 0.4, 0.2]
        .into_iter()
        .map(|seconds| {
            let (sender, future) = mpsc::channel();
            pool.spawn(move || {
                let _ = sender.send(do_something(seconds));
            });
            future
        })
        .collect();
    // result(timeout): wait for each, in the order they were submitted.
    for future in futures {
        match future.recv_timeout(Duration::from_secs(10)) {
            Ok(result) => println!("{result}"),
            Err(error) => println!("no result: {error}"),
        }
    }
    println!("Finished in {:.2} second(s)", start.elapsed().as_secs_f64());
}
