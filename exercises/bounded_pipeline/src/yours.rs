//! A producer thread sends `items` to a consumer (the calling thread)
//! through a channel that holds at most `capacity` items, so that a slow
//! consumer holds the producer back (backpressure) instead of letting it
//! fill memory. Practises "Queues, pipes and shared memory".

use std::sync::atomic::AtomicUsize;

/// Sends every item from a producer thread to `consume`, in order, through
/// a channel of `capacity`. The producer adds one to `sent` after each send.
pub fn pipeline(items: Vec<u64>, capacity: usize, sent: &AtomicUsize, consume: impl FnMut(u64)) {
    todo!("crossbeam::channel::bounded(capacity), a scoped producer thread, a receive loop")
}
