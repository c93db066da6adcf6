// A Barrier for three threads: nobody starts phase two until everyone has
// finished phase one, and one of them (the leader) reports it. Only std.
use std::sync::Barrier;
use std::thread;
use std::time::Duration;

fn main() {
    let barrier = Barrier::new(3);
    thread::scope(|scope| {
        for worker in 0..3u64 {
            let barrier = &barrier;
            scope.spawn(move || {
                thread::sleep(Duration::from_millis(100 * (worker + 1))); // phase one
                println!("worker {worker}: phase one done");
                if barrier.wait().is_leader() {
                    println!("worker {worker}: everyone is done with phase one");
                }
                println!("worker {worker}: phase two");
            });
        }
    });
}
