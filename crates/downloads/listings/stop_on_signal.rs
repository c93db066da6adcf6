//! Ctrl-C or SIGTERM stops this program well: the workers finish the task
//! in hand, start no new one, and the program reports what was done, then
//! exits with 128 + the signal (130 for Ctrl-C), as the shell expects.
//!
//! Cargo.toml: `signal-hook = "0.3"`
//! Run it, and press Ctrl-C after a second or two.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Runs tasks `0..tasks` on `workers` threads until all are done or `stop`
/// is raised; returns the tasks done, in the order they finished. Each worker
/// looks at the flag before it takes a task, never in the middle of one.
pub fn run_until_stopped(
    tasks: usize,
    workers: usize,
    work: Duration,
    stop: &AtomicBool,
) -> Vec<usize> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stop.load(Ordering::SeqCst) {
                    let task = next.fetch_add(1, Ordering::SeqCst);
                    if task >= tasks {
                        break;
                    }
                    thread::sleep(work); // the task's work
                    done.lock().unwrap().push(task);
                }
            });
        }
    });
    done.into_inner().unwrap()
}

fn main() -> std::io::Result<()> {
    // A signal handler may do almost nothing safely: signal-hook's handler
    // only wakes this ordinary thread, which may do anything.
    let stop = Arc::new(AtomicBool::new(false));
    let first_signal = Arc::new(AtomicI32::new(0));
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let (raised, noted) = (Arc::clone(&stop), Arc::clone(&first_signal));
    thread::spawn(move || {
        for signal in signals.forever() {
            eprintln!("got signal {signal}: finishing the tasks in hand, starting no new one");
            let _ = noted.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
            raised.store(true, Ordering::SeqCst);
        }
    });
    let done = run_until_stopped(20, 4, Duration::from_millis(500), &stop);
    println!("{} of 20 tasks done: {done:?}", done.len());
    match first_signal.load(Ordering::SeqCst) {
        0 => Ok(()),
        signal => std::process::exit(128 + signal),
    }
}
