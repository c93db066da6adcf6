// wait(FIRST_COMPLETED): take the first result that arrives, but wait no
// longer than a deadline. Needs crossbeam (`cargo add crossbeam`).
use std::thread;
use std::time::Duration;

use crossbeam::channel::{self, select};

fn main() {
    let (sender, results) = channel::unbounded();
    thread::scope(|scope| {
        for (mirror, seconds) in [("a", 0.6), ("b", 0.2), ("c", 0.4)] {
            let sender = sender.clone();
            scope.spawn(move || {
                thread::sleep(Duration::from_secs_f64(seconds)); // downloading
                let _ = sender.send(mirror);
            });
        }
        drop(sender); // ours: if every mirror fails, the channel closes
        // Whichever comes first: a result, or the deadline.
        select! {
            recv(results) -> first => match first {
                Ok(mirror) => println!("first: mirror {mirror}"),
                Err(_) => println!("every mirror ended without an answer"),
            },
            recv(channel::after(Duration::from_secs(2))) -> _ => {
                println!("no mirror answered within 2 s");
            }
        }
        // The other mirrors are still running: threads cannot be stopped
        // from outside, and the scope waits for them.
    });
    println!("the slower mirrors finished too; their answers were not needed");
}
