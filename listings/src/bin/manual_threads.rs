// Two threads, started and joined by hand. Only std.
use std::thread;
use std::time::{Duration, Instant};

fn do_something() {
    println!("Sleeping 1 second...");
    thread::sleep(Duration::from_secs(1));
    println!("Done sleeping.");
}

fn main() {
    let start = Instant::now();
    // spawn creates and starts each thread (Python: Thread(...) and start()).
    let t1 = thread::spawn(do_something);
    let t2 = thread::spawn(do_something);
    // join waits for each to finish; unwrap passes on a thread's panic.
    t1.join().unwrap();
    t2.join().unwrap();
    let finish = start.elapsed();
    println!("Finished in {:.2} second(s)", finish.as_secs_f64());
}
