//! Shared memory: a counter and an array that several workers update, shared
//! by threads through `Arc`, and by forked processes through an anonymous
//! shared `mmap`, with atomics in both; and the lost updates of a
//! read-then-write that is not one atomic step.
//!
//! `cargo run --example shared_memory -- --mode processes`
//!
//! The program itself is in `unix/shared_memory.rs`: it forks, and `fork`
//! exists only on Linux and other Unix systems.

#[cfg(unix)]
include!("unix/shared_memory.rs");

#[cfg(not(unix))]
fn main() {
    eprintln!("shared_memory uses fork(2) and mmap(2), which only Unix systems have");
    std::process::exit(1);
}
