//! Three everyday limits on async work: a semaphore lets at most 2 of 6
//! tasks in at once (`asyncio.Semaphore`); a timeout gives up on a future
//! and drops it, which cancels it (`asyncio.timeout`); a bounded channel
//! makes a fast producer wait for a slow consumer (`asyncio.Queue(maxsize)`).
//!
//! Cargo.toml: `tokio = { version = "1", features = ["full"] }`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::time::{sleep, timeout};

/// Six tasks through a semaphore of two permits; the most inside at once.
pub async fn at_most_two() -> usize {
    let permits = Arc::new(Semaphore::new(2));
    let (inside, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (permits, inside, most) = (permits.clone(), inside.clone(), most.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire().await.expect("never closed");
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                sleep(Duration::from_millis(20)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }) // the permit goes back when `_permit` is dropped
        })
        .collect();
    for task in tasks {
        task.await.expect("a task panicked");
    }
    most.load(Ordering::SeqCst)
}

/// A 200 ms wait given 50 ms: the timeout wins, and the wait is dropped
/// where it was, so it never finishes. Returns whether it timed out, and
/// whether the wait ever finished.
pub async fn too_slow() -> (bool, bool) {
    let finished = Arc::new(AtomicBool::new(false));
    let wait = {
        let finished = finished.clone();
        async move {
            sleep(Duration::from_millis(200)).await;
            finished.store(true, Ordering::SeqCst);
        }
    };
    let timed_out = timeout(Duration::from_millis(50), wait).await.is_err();
    sleep(Duration::from_millis(250)).await; // long past the 200 ms
    (timed_out, finished.load(Ordering::SeqCst))
}

/// A producer of 20 items, a consumer that takes 5 ms each, a channel of
/// 2: the most items the producer was ahead of the consumer.
pub async fn bounded_queue() -> usize {
    let (to_consumer, mut from_producer) = mpsc::channel(2);
    let sent = Arc::new(AtomicUsize::new(0));
    let producer = tokio::spawn({
        let sent = sent.clone();
        async move {
            for item in 0..20 {
                to_consumer.send(item).await.expect("the consumer is there"); // waits while full
                sent.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let (mut received, mut most_ahead) = (0, 0);
    while let Some(_item) = from_producer.recv().await {
        received += 1;
        sleep(Duration::from_millis(5)).await; // a slow consumer
        most_ahead = most_ahead.max(sent.load(Ordering::SeqCst).saturating_sub(received));
    }
    producer.await.expect("the producer panicked");
    most_ahead
}

#[tokio::main]
async fn main() {
    println!(
        "semaphore of 2: at most {} inside at once",
        at_most_two().await
    );
    let (timed_out, finished) = too_slow().await;
    println!("timeout: timed out {timed_out}, the wait finished anyway {finished}");
    println!(
        "channel of 2: the producer was at most {} ahead",
        bounded_queue().await
    );
}
