// as_completed with real crates: a rayon pool runs the tasks, each sends its
// result down one shared channel when it is done, and the main thread prints
// them as they arrive. Needs rayon (`cargo add rayon`).
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
        .num_threads(5)
        // Without it, a panic in a task spawned on the pool aborts the process.
        .panic_handler(|_| eprintln!("a task panicked"))
        .build()
        .expect("a pool of five threads");
    let (sender, results) = mpsc::channel();
    for seconds in [1.0, 0.8, 0.6, 0.4, 0.2] {
        let sender = sender.clone();
        pool.spawn(move || {
            let _ = sender.send(do_something(seconds));
        });
    }
    // Ours goes now: the loop below ends when the last task drops its own.
    drop(sender);
    for result in results {
        println!("{result}");
    }
    println!("Finished in {:.2} second(s)", start.elapsed().as_secs_f64());
}
