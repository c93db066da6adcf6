// The notes' first script: one task after another. Only std.
use std::thread;
use std::time::{Duration, Instant};

fn do_something() {
    println!("Sleeping 1 second...");
    thread::sleep(Duration::from_secs(1));
    println!("Done sleeping.");
}

fn main() {
    let start = Instant::now();
    do_something();
    do_something();
    let finish = start.elapsed();
    println!("Finished in {:.2} second(s)", finish.as_secs_f64());
}
