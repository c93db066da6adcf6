//! How the first parts' examples behave (and the later parts' that need no
//! more than their binaries: processes, stopping), one module per topic, in
//! one test binary: one build and link instead of nine. The downloads, images
//! and cluster tests live in their crates under `crates/`, since they call
//! those crates' code. Two tests live on their own here:
//! `tests/reaping.rs` makes its process a child subreaper, which must not see
//! other tests' children, and `tests/loom.rs` needs `--features loom`.

use test_support as common;

mod closed_stdout;
mod coordinating;
mod cpu_and_mistakes;
mod figures;
mod pools;
mod processes;
mod stopping;
mod testing_concurrency;
mod thread_basics;
