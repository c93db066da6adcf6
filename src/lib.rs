//! The lessons of the book's first parts (threads, pools and futures,
//! coordinating threads): the tiny pool and its queue, the counter, the
//! semaphore, the join counter, the dining philosophers, on std, crossbeam
//! and rayon alone. The later parts are crates of their own under `crates/`
//! (processes, downloads, images, cluster).
//!
//! The examples under `examples/` keep the concurrency on the page and call
//! the harness (`crates/harness`, a dev-dependency: this library cannot
//! import it) in one line each.

pub mod lessons;

use std::any::Any;
use std::time::Duration;

/// The notes' `[5, 4, 3, 2, 1]` seconds, scaled: task `i` of `tasks` lasts
/// `(tasks - i) / tasks` of `longest`, so the first task submitted finishes
/// last and submission order and completion order differ.
pub fn decreasing_durations(tasks: usize, longest: Duration) -> Vec<Duration> {
    (0..tasks)
        .map(|i| longest.mul_f64((tasks - i) as f64 / tasks as f64))
        .collect()
}

/// The message a panicking thread passed to `panic!`, from `JoinHandle::join`'s `Err`.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        String::from("(a panic with a non-text payload)")
    }
}

/// The book's chapters as doc-tests: `cargo test` compiles (and runs) every
/// inline code block of every chapter. `build.rs` writes one module per chapter
/// whose docs are the chapter, with blocks that `{{#include}}` an example blanked
/// out (those examples are compiled as cargo examples instead).
#[cfg(doctest)]
pub mod book {
    include!(concat!(env!("OUT_DIR"), "/chapters.rs"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_decrease_from_the_longest() {
        let durations = decreasing_durations(5, Duration::from_secs(5));
        let seconds: Vec<u64> = durations.iter().map(Duration::as_secs).collect();
        assert_eq!(seconds, vec![5, 4, 3, 2, 1]);
    }
}
