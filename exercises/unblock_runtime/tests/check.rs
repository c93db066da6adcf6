//! Checks for "unblock_runtime", on a one-thread runtime (asyncio's model):
//! a heartbeat task ticks every 5 ms while `process` runs. Work that holds
//! the thread stops the heartbeat, every run: nothing else can run on that
//! thread. No duration is asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use exercise_support::within;
use exercise_unblock_runtime::{process, slow_checksum};
use tokio::time::MissedTickBehavior;

/// Payloads of 100 KB, each different.
fn payloads(count: u8) -> Vec<Vec<u8>> {
    (0..count).map(|i| vec![i; 100_000]).collect()
}

/// Runs `process` on a one-thread runtime beside a 5 ms heartbeat; its
/// checksums and the longest run of the heartbeat's silence, in ticks.
fn with_heartbeat(payloads: Vec<Vec<u8>>, pause: Duration) -> (Vec<u64>, usize) {
    within("process to return, on a one-thread runtime", move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let ticks = Arc::new(AtomicUsize::new(0));
            let heartbeat = tokio::spawn({
                let ticks = Arc::clone(&ticks);
                async move {
                    let mut every = tokio::time::interval(Duration::from_millis(5));
                    // After a stall, one tick, not a burst of the missed ones.
                    every.set_missed_tick_behavior(MissedTickBehavior::Skip);
                    loop {
                        every.tick().await;
                        ticks.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
            tokio::task::yield_now().await; // the heartbeat starts
            let before = ticks.load(Ordering::SeqCst);
            let checksums = process(payloads, pause).await;
            let during = ticks.load(Ordering::SeqCst) - before;
            heartbeat.abort();
            (checksums, during)
        })
    })
}

#[test]
fn the_checksums_are_right_and_in_order() {
    // Each payload a tenth of the one before: run side by side, the last
    // finishes first, so collecting them as they finish gets the order wrong.
    let sized = || -> Vec<Vec<u8>> {
        (0..3)
            .map(|i| vec![i + 1; 200_000 / 10usize.pow(i.into())])
            .collect()
    };
    let (checksums, _) = with_heartbeat(sized(), Duration::from_millis(1));
    let expected: Vec<u64> = sized().iter().map(|p| slow_checksum(p)).collect();
    assert_eq!(
        checksums, expected,
        "the checksums must be in the payloads' order"
    );
}

#[test]
fn the_pauses_do_not_hold_the_thread() {
    // No payload to checksum: only the pauses, four of 50 ms. Awaited, they
    // let the heartbeat tick; slept with std::thread::sleep, they stop it.
    let (_, ticks) = with_heartbeat(vec![Vec::new(); 4], Duration::from_millis(50));
    assert!(
        ticks >= 4,
        "the heartbeat ticked {ticks} times during 200 ms of pauses: \
         a pause that holds the runtime's thread stops every other task"
    );
}

#[test]
fn the_checksums_do_not_hold_the_thread() {
    // No pause: only the CPU work, five payloads of about 100 ms each. A
    // task that computes lets the heartbeat in at most once between two
    // payloads; off the runtime's thread, it ticks all along (about 100).
    let (_, ticks) = with_heartbeat(payloads(5), Duration::ZERO);
    assert!(
        ticks >= 10,
        "the heartbeat ticked {ticks} times during the checksums: CPU work \
         inside a task holds the runtime's thread (spawn_blocking moves it off)"
    );
}
