//! Checks for "bounded_pipeline": order, and a producer that never gets
//! more than the channel's capacity ahead. Each
//! check runs the pipeline under a watchdog: a producer joined before the
//! consumer reads fills the channel and waits for ever, and that fails here
//! within 15 s, saying so.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use exercise_bounded_pipeline::pipeline;
use exercise_support::within;

#[test]
fn every_item_arrives_in_order() {
    let (got, sent) = within(
        "the 500 items to arrive (is the producer joined before the consumer reads?)",
        || {
            let sent = AtomicUsize::new(0);
            let mut got = Vec::new();
            pipeline((0..500).collect(), 8, &sent, |item| got.push(item));
            (got, sent.load(Ordering::SeqCst))
        },
    );
    assert_eq!(got, (0..500).collect::<Vec<_>>());
    assert_eq!(sent, 500);
}

#[test]
fn a_slow_consumer_holds_the_producer_back() {
    // The consumer takes 2 ms per item; an unbounded producer would have
    // sent all 100 before the first one is consumed. A bounded one is at
    // most `capacity` items ahead: those in the channel (the item being
    // consumed is counted as consumed, and an item counts as sent once its
    // `send` has returned). Two capacities, so that no fixed buffer size
    // fits by chance. A correct producer fills the channel during each 2 ms
    // sleep, so it gets exactly `capacity` ahead.
    for capacity in [1, 4] {
        let most_ahead = within("the 100 items to be consumed", move || {
            let sent = AtomicUsize::new(0);
            let mut consumed = 0;
            let mut most_ahead = 0;
            pipeline((0..100).collect(), capacity, &sent, |_| {
                consumed += 1;
                thread::sleep(Duration::from_millis(2));
                most_ahead = most_ahead.max(sent.load(Ordering::SeqCst).saturating_sub(consumed));
            });
            most_ahead
        });
        assert_eq!(
            most_ahead, capacity,
            "the producer got at most {most_ahead} items ahead of the consumer with a capacity \
             of {capacity}: is the channel bounded by `capacity`, and the producer on a thread \
             of its own?"
        );
    }
}
