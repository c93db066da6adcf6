// Does not compile: a spawned thread may outlive `main`'s locals, so its
// closure cannot borrow `names`.
use std::thread;

fn main() {
    let names = vec!["a", "b"];
    let handle = thread::spawn(|| println!("{names:?}"));
    handle.join().unwrap();
}
