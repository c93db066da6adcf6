// Each thread gets its own argument and returns a result through join.
// Only std.
use std::thread;
use std::time::{Duration, Instant};

fn do_something(seconds: f64) -> String {
    println!("Sleeping {seconds} second(s)...");
    thread::sleep(Duration::from_secs_f64(seconds));
    format!("Done sleeping {seconds} second(s)")
}

fn main() {
    let start = Instant::now();
    let mut handles = Vec::new();
    for seconds in [1.0, 0.8, 0.6, 0.4, 0.2] {
        // `move` gives the closure its own copy of `seconds`: the thread may
        // outlive this loop iteration.
        handles.push(thread::spawn(move || do_something(seconds)));
    }
    // join returns what the thread's closure returned, in the order we ask.
    for handle in handles {
        println!("{}", handle.join().unwrap());
    }
    let finish = start.elapsed();
    println!("Finished in {:.2} second(s)", finish.as_secs_f64());
}
