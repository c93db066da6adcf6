// Ten threads started in one loop and joined in a second one. Only std.
use std::thread;
use std::time::{Duration, Instant};

fn do_something() {
    println!("Sleeping 1 second...");
    thread::sleep(Duration::from_secs(1));
    println!("Done sleeping.");
}

fn main() {
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..10 {
        handles.push(thread::spawn(do_something));
    }
    // Only once every thread runs, wait for each.
    for handle in handles {
        handle.join().unwrap();
    }
    let finish = start.elapsed();
    println!("Finished in {:.2} second(s)", finish.as_secs_f64());
}
