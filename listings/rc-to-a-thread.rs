// Does not compile: `Rc` counts its owners without atomics, so it is not
// `Send`, and a closure holding one cannot move to another thread.
use std::rc::Rc;
use std::thread;

fn main() {
    let shared = Rc::new(vec![1, 2, 3]);
    let copy = Rc::clone(&shared);
    thread::spawn(move || println!("{copy:?}"));
}
