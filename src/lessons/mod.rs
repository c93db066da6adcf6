//! Lesson code: what the chapters quote and teach. Each module's first doc
//! line names its chapter. Nothing here measures or draws; that is
//! [`crate::harness`].

pub mod blur;
pub mod counter;
pub mod download;
pub mod images;
pub mod ipc;
pub mod philosophers;
pub mod pool;
pub mod primitives;
pub mod procpool;
pub mod publish;
pub mod queue;
pub mod semaphore;
pub mod sync;
pub mod unfinished;
pub mod worker;
