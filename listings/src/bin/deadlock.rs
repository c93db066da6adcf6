// Five philosophers, five forks. Each picks up the lower-numbered of its two
// forks first, so no cycle of waiting can form, and every one of them eats.
// (Left fork first, for everyone, can deadlock.) Only std.
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

fn main() {
    let forks: Vec<Mutex<()>> = (0..5).map(|_| Mutex::new(())).collect();
    thread::scope(|scope| {
        for philosopher in 0..5 {
            let forks = &forks;
            scope.spawn(move || {
                let (left, right) = (philosopher, (philosopher + 1) % 5);
                let (first, second) = (left.min(right), left.max(right));
                for _ in 0..3 {
                    let _first = forks[first].lock().unwrap();
                    thread::sleep(Duration::from_millis(1)); // widen the window
                    let _second = forks[second].lock().unwrap();
                    thread::sleep(Duration::from_millis(5)); // eating
                }
                println!("philosopher {philosopher} ate three times");
            });
        }
    });
    println!("everyone ate; nobody waited for ever");
}
