// threading.Event as a stop flag: an AtomicBool that the workers check
// between steps, and that main raises when they should stop. Only std.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

fn main() {
    let stop = AtomicBool::new(false);
    let steps = AtomicU64::new(0);
    thread::scope(|scope| {
        for worker in 0..2 {
            let (stop, steps) = (&stop, &steps);
            scope.spawn(move || {
                // Relaxed: the flag carries no data, only "stop" (the page
                // explains when Release and Acquire are needed).
                while !stop.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(10)); // one step
                    steps.fetch_add(1, Ordering::Relaxed);
                }
                println!("worker {worker} stopped");
            });
        }
        thread::sleep(Duration::from_millis(300));
        println!("main: stop, after {} steps", steps.load(Ordering::Relaxed));
        stop.store(true, Ordering::Relaxed); // event.set()
    });
    println!("both workers stopped");
}
