//! std's types, or loom's under `--features loom`, so that the same code runs
//! normally and in loom's model checker (see "Testing concurrent code").

#[cfg(not(feature = "loom"))]
pub use std::{
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::{Arc, Condvar, Mutex},
    thread,
};

#[cfg(feature = "loom")]
pub use loom::{
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::{Arc, Condvar, Mutex},
    thread,
};
