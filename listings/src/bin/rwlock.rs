// Four readers share one RwLock: they hold read guards at the same time. A
// writer that comes while they read waits until they are done. Only std.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, RwLock};
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    let settings = RwLock::new(String::from("blur 15, fit 1200"));
    // Counters: SeqCst, the simplest ordering ("Event and stop flags"
    // explains the others); fetch_max keeps the larger of two values.
    let reading = AtomicUsize::new(0); // readers holding the lock right now
    let most = AtomicUsize::new(0); // the most that ever held it at once
    // The writer asks only once all four readers hold the lock (a Barrier
    // lets five threads go on together; "Barrier and Condition" has more).
    let all_reading = Barrier::new(5);
    thread::scope(|scope| {
        for reader in 0..4 {
            let (settings, reading, most) = (&settings, &reading, &most);
            let all_reading = &all_reading;
            scope.spawn(move || {
                let guard = settings.read().unwrap();
                let now = reading.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                all_reading.wait();
                thread::sleep(Duration::from_millis(200)); // reading, slowly
                println!("reader {reader} read {:?}", *guard);
                reading.fetch_sub(1, Ordering::SeqCst);
            });
        }
        let (settings, all_reading) = (&settings, &all_reading);
        scope.spawn(move || {
            all_reading.wait(); // comes while they read
            let asked = Instant::now();
            let mut guard = settings.write().unwrap(); // waits for every reader
            let waited = asked.elapsed().as_secs_f64();
            guard.push_str(", quality 85");
            println!("the writer waited {waited:.2} s for the readers");
        });
    });
    println!("at most {} readers at once", most.load(Ordering::SeqCst));
    println!("now: {:?}", settings.read().unwrap());
}
