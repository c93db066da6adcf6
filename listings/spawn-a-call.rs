// Does not compile: `thread::spawn` wants a closure, and this passes the
// result of calling `do_something`, which is `()`.
use std::thread;

fn do_something() {
    println!("working");
}

fn main() {
    let handle = thread::spawn(do_something());
    handle.join().unwrap();
}
