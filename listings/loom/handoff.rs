//! loom runs a small concurrent program once for every way its threads can
//! interleave, and, for atomics, for every value an access may see under
//! its ordering. Here it checks a handoff: a writer stores a value, then
//! raises a flag; a reader that sees the flag reads the value. With
//! Release and Acquire every run sees the value; with Relaxed, loom finds
//! a run that sees the flag and not the value.
//!
//! Cargo.toml: `loom = "0.7"`
//! Run: `cargo run --release`

use loom::sync::Arc;
use loom::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

/// One handoff, with the flag stored and loaded with these orderings.
pub fn handoff(store: Ordering, load: Ordering) {
    let value = Arc::new(AtomicUsize::new(0));
    let ready = Arc::new(AtomicBool::new(false));
    let writer = {
        let (value, ready) = (Arc::clone(&value), Arc::clone(&ready));
        thread::spawn(move || {
            value.store(42, Relaxed);
            ready.store(true, store);
        })
    };
    if ready.load(load) {
        assert_eq!(
            value.load(Relaxed),
            42,
            "the flag was up, the value was not there"
        );
    }
    writer.join().unwrap();
}

fn main() {
    loom::model(|| handoff(Release, Acquire));
    println!("Release and Acquire: every run that saw the flag saw 42");
    // loom reports a failing run by panicking; catch it to say so.
    let relaxed = std::panic::catch_unwind(|| loom::model(|| handoff(Relaxed, Relaxed)));
    match relaxed {
        Err(_) => println!("Relaxed: loom found a run that saw the flag before the value"),
        Ok(()) => println!("Relaxed: no failing run found"),
    }
}
