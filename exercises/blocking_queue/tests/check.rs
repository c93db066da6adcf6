//! Checks for "blocking_queue". `cargo xtask exercise blocking_queue` runs
//! them with loom: a consumer that sleeps through a push is found as a
//! deadlock, in every run.

use exercise_blocking_queue::BlockingQueue;
use exercise_blocking_queue::sync::{Arc, thread};

/// Two consumers wait for items; a producer pushes two.
fn two_consumers_one_producer() {
    let queue = Arc::new(BlockingQueue::new());
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.pop())
        })
        .collect();
    queue.push(1);
    queue.push(2);
    let mut got: Vec<u32> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    got.sort();
    assert_eq!(got, [1, 2], "each item is taken exactly once");
}

exercise_support::scenario_tests!(
    two_consumers_one_producer,
    preemptions: 2,
    loom: no_consumer_sleeps_through_an_item_in_any_interleaving,
    one_run: two_consumers_get_the_two_items_in_one_run,
);

#[test]
fn items_come_out_in_the_order_they_went_in() {
    let in_order = || {
        let queue = BlockingQueue::new();
        for i in 0..5 {
            queue.push(i);
        }
        let order: Vec<u32> = (0..5).map(|_| queue.pop()).collect();
        assert_eq!(order, [0, 1, 2, 3, 4], "first in, first out");
    };
    #[cfg(feature = "loom")]
    // loom's locks work only inside a model.
    exercise_support::within("five pushes, then five pops", move || loom::model(in_order));
    #[cfg(not(feature = "loom"))]
    in_order();
}
