//! Fixtures and teaching tools for *Concurrency in Rust, by Example*.
//!
//! The examples under `examples/` keep the concurrency on the page; everything
//! else they need (flag parsing, the `--json` summary, the timeline chart) lives
//! here so that each example stays short.

pub mod cli;
pub mod pool;
pub mod timeline;
pub mod worker;

use std::any::Any;

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

/// Unit tests that record a timeline, or open spans that one might record,
/// take this lock: the recorder is global, and tests run in parallel.
#[cfg(test)]
pub(crate) static RECORDER_TEST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The book's chapters as doc-tests: `cargo test` compiles (and runs) every
/// inline code block of every chapter. `build.rs` writes one module per chapter
/// whose docs are the chapter, with blocks that `{{#include}}` an example blanked
/// out (those examples are compiled as cargo examples instead).
#[cfg(doctest)]
pub mod book {
    include!(concat!(env!("OUT_DIR"), "/chapters.rs"));
}
