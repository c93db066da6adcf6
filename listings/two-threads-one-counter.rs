// Does not compile: two threads would change `count` at once, a data race;
// the borrow checker allows one `&mut` at a time.
use std::thread;

fn main() {
    let mut count = 0;
    thread::scope(|s| {
        s.spawn(|| count += 1);
        s.spawn(|| count += 1);
    });
    println!("{count}");
}
