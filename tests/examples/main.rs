//! How every example behaves, one module per topic, in one test binary: one
//! build and link instead of nine. Two tests live on their own:
//! `tests/reaping.rs` makes its process a child subreaper, which must not see
//! other tests' children, and `tests/loom.rs` needs `--features loom`.

#[path = "../common/mod.rs"]
mod common;

mod coordinating;
mod cpu_and_mistakes;
mod distributed;
mod downloads;
mod figures;
mod images;
mod pools;
mod processes;
mod promises;
mod recorded;
mod stopping;
mod testing_concurrency;
mod thread_basics;
