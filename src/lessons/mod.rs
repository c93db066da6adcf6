//! Lesson code: what the chapters quote and teach. Each module's first doc
//! line names its chapter. Nothing here measures or draws: that is the
//! harness's work, in `crates/harness`.

pub mod counter;
pub mod join_counter;
pub mod philosophers;
pub mod pool;
pub mod primitives;
pub mod publish;
pub mod queue;
pub mod semaphore;
pub mod sync;
