//! `fork` against `spawn`: what a forked child sees, why `fork` is `unsafe`,
//! and what each way of starting a process costs.
//!
//! `cargo run --example fork_vs_spawn -- --mode start-cost`
//!
//! The program itself is in `unix/fork_vs_spawn.rs`: `fork` exists only on
//! Linux and other Unix systems.

#[cfg(unix)]
include!("unix/fork_vs_spawn.rs");

#[cfg(not(unix))]
fn main() {
    eprintln!("fork_vs_spawn uses fork(2), which only Linux and other Unix systems have");
    std::process::exit(1);
}
