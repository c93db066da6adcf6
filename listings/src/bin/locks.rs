// Two accounts behind one Mutex: every transfer takes the lock, so the total
// never changes, whatever the threads do at once. Only std.
use std::sync::Mutex;
use std::thread;

struct Accounts {
    a: i64,
    b: i64,
}

fn main() {
    // The data lives inside the lock: lock() is the only way to reach it.
    let accounts = Mutex::new(Accounts { a: 100, b: 100 });
    thread::scope(|scope| {
        for worker in 0..4 {
            let accounts = &accounts;
            scope.spawn(move || {
                for i in 0..100_000 {
                    let amount = if (worker + i) % 2 == 0 { 1 } else { -1 };
                    // The guard unlocks when it goes out of scope, here at
                    // the end of each turn of the loop.
                    let mut guard = accounts.lock().unwrap();
                    guard.a -= amount;
                    guard.b += amount;
                }
            });
        }
    });
    let accounts = accounts.into_inner().unwrap();
    println!("400000 transfers, in four threads at once");
    println!("total = {} (was 200)", accounts.a + accounts.b);
}
