//! What the exercises share: std's threads, locks and atomics, or loom's
//! with the `loom` feature. It is the book's own switch (the library's
//! `src/lessons/sync.rs`, which "Testing concurrent code" explains), so an
//! exercise's answer runs under loom exactly as the library's code does.

#[path = "../../../src/lessons/sync.rs"]
pub mod sync;
