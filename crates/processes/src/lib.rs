//! Part III of the book: processes. Worker processes that are always reaped
//! ("Processes in Rust"), length-prefixed messages over pipes ("Queues, pipes
//! and shared memory") and a process pool that replaces crashed workers
//! ("Process pools").

pub mod ipc;
pub mod process_pool;
pub mod worker;
