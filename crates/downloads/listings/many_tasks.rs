//! Ten thousand tasks that each wait 100 ms, on tokio's multi-threaded
//! runtime: they wait together, so all are done a little after 100 ms, on a
//! few threads.
//!
//! Cargo.toml: `tokio = { version = "1", features = ["full"] }`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Spawns `tasks` tasks that wait 100 ms each and waits for all; how many
/// finished.
pub async fn wait_together(tasks: usize) -> usize {
    let done = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                done.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("a task panicked");
    }
    done.load(Ordering::Relaxed)
}

#[tokio::main]
async fn main() {
    let start = Instant::now();
    let finished = wait_together(10_000).await;
    println!(
        "{finished} tasks finished in {:.2} s",
        start.elapsed().as_secs_f64()
    );
}
