// Four readers share one RwLock: they hold read guards at the same time. A
// writer waits until they are done. Only std.
use std::sync::RwLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

fn main() {
    let settings = RwLock::new(String::from("blur 15, fit 1200"));
    let reading = AtomicUsize::new(0); // readers holding the lock right now
    let most = AtomicUsize::new(0); // the most that ever held it at once
    thread::scope(|scope| {
        for reader in 0..4 {
            let (settings, reading, most) = (&settings, &reading, &most);
            scope.spawn(move || {
                let guard = settings.read().unwrap();
                let now = reading.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(200)); // reading, slowly
                println!("reader {reader} read {:?}", *guard);
                reading.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    // No reader is left: the write guard is granted at once.
    settings.write().unwrap().push_str(", quality 85");
    println!("at most {} readers at once", most.load(Ordering::SeqCst));
    println!("now: {:?}", settings.read().unwrap());
}
