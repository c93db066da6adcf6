//! A task that blocks stops every other task on its thread. A heartbeat
//! ticks every 10 ms while another task sleeps for 300 ms: first with
//! `std::thread::sleep` (blocking: no tick), then with the sleep moved to
//! tokio's blocking pool by `spawn_blocking` (the heartbeat goes on).
//!
//! Cargo.toml: `tokio = { version = "1", features = ["full"] }`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Ticks of a 10 ms heartbeat while `sleep_300_ms` runs.
async fn ticks_during(sleep_300_ms: impl Future<Output = ()>) -> usize {
    let ticks = Arc::new(AtomicUsize::new(0));
    let heartbeat = tokio::spawn({
        let ticks = Arc::clone(&ticks);
        async move {
            let mut every = tokio::time::interval(Duration::from_millis(10));
            every.tick().await; // the first tick is immediate
            loop {
                every.tick().await;
                ticks.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(30)).await; // it is beating now
    let before = ticks.load(Ordering::SeqCst);
    sleep_300_ms.await;
    let during = ticks.load(Ordering::SeqCst) - before;
    heartbeat.abort();
    during
}

/// Blocks the runtime's only thread.
pub async fn blocking() -> usize {
    ticks_during(async { std::thread::sleep(Duration::from_millis(300)) }).await
}

/// Sleeps on the blocking pool; the runtime's thread stays free.
pub async fn off_the_runtime() -> usize {
    ticks_during(async {
        let sleep = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(300)));
        sleep.await.expect("the sleep panicked");
    })
    .await
}

// One thread, like asyncio's event loop.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("std::thread::sleep in a task: {} ticks", blocking().await);
    println!(
        "spawn_blocking:               {} ticks",
        off_the_runtime().await
    );
}
