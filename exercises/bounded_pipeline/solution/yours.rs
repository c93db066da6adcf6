//! A worked solution: a bounded channel's `send` waits while the channel
//! is full, which is all backpressure is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use crossbeam::channel;

/// Sends every item from a producer thread to `consume`, in order, through
/// a channel of `capacity`. The producer adds one to `sent` after each send.
pub fn pipeline(
    items: Vec<u64>,
    capacity: usize,
    sent: &AtomicUsize,
    mut consume: impl FnMut(u64),
) {
    let (to_consumer, from_producer) = channel::bounded(capacity);
    thread::scope(|scope| {
        scope.spawn(move || {
            for item in items {
                // Waits while the channel is full: the consumer sets the pace.
                to_consumer.send(item).expect("the consumer is there");
                sent.fetch_add(1, Ordering::SeqCst);
            }
            // Dropping the sender ends the consumer's loop.
        });
        for item in from_producer {
            consume(item);
        }
    });
}
