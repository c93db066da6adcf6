//! Checks for "publish". `cargo xtask exercise publish` runs them with loom,
//! which models weak memory: it finds a stale value behind a flag that this
//! machine's x86 processor would never show you.

use exercise_publish::Mailbox;
use exercise_publish::sync::{Arc, thread};

fn hand_over_42() {
    let mailbox = Arc::new(Mailbox::new());
    let writer = thread::spawn({
        let mailbox = Arc::clone(&mailbox);
        move || mailbox.put(42)
    });
    if let Some(value) = mailbox.take() {
        assert_eq!(
            value, 42,
            "the flag was up but the value was not there yet: \
             the flag needs Release on the store and Acquire on the load"
        );
    }
    writer.join().unwrap();
    assert_eq!(
        mailbox.take(),
        Some(42),
        "after the join the value is there"
    );
}

exercise_support::scenario_tests!(
    hand_over_42,
    preemptions: 3,
    loom: a_reader_that_sees_the_flag_sees_the_value_in_any_interleaving,
    one_run: a_reader_that_sees_the_flag_sees_the_value_in_one_run,
);
