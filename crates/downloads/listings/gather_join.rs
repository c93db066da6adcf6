//! Waiting for several futures at once, and what happens to the others when
//! one fails. `join!` waits for all and gives the results in order
//! (`asyncio.gather`); `try_join!` stops at the first error and drops the
//! rest, which stop where they were (`asyncio.TaskGroup` cancels them too);
//! a `JoinSet` hands results back as they finish (`asyncio.as_completed`)
//! and aborts its tasks when it is dropped.
//!
//! Cargo.toml: `tokio = { version = "1", features = ["full"] }`

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

/// What finished, in order.
pub type Log = Arc<Mutex<Vec<String>>>;

/// Waits `ms`, notes that it finished, and returns `Ok(ms)`; fails instead
/// if `ms` is 0.
async fn fetch(ms: u64, log: Log) -> Result<u64, String> {
    sleep(Duration::from_millis(ms)).await;
    if ms == 0 {
        return Err("the 0 ms fetch failed".into());
    }
    log.lock().unwrap().push(format!("{ms} ms done"));
    Ok(ms)
}

/// All three, whatever their order of finishing: results in argument order.
pub async fn join_all(
    log: &Log,
) -> (
    Result<u64, String>,
    Result<u64, String>,
    Result<u64, String>,
) {
    tokio::join!(
        fetch(300, log.clone()),
        fetch(100, log.clone()),
        fetch(200, log.clone())
    )
}

/// The first error ends the wait; the other futures are dropped where
/// they wait, so the 300 ms one never finishes.
pub async fn first_error(log: &Log) -> Result<(u64, u64), String> {
    tokio::try_join!(fetch(300, log.clone()), fetch(0, log.clone()))
}

/// Results as the tasks finish, not in the order they were spawned.
pub async fn as_they_finish(log: &Log) -> Vec<u64> {
    let mut set = JoinSet::new();
    for ms in [300, 100, 200] {
        set.spawn(fetch(ms, log.clone()));
    }
    let mut finished = Vec::new();
    while let Some(joined) = set.join_next().await {
        finished.push(joined.expect("no task panicked").expect("none failed"));
    }
    finished
}

/// Dropping a `JoinSet` aborts the tasks still in it.
pub async fn dropped_set(log: &Log) {
    let mut set = JoinSet::new();
    set.spawn(fetch(200, log.clone()));
    sleep(Duration::from_millis(50)).await;
    drop(set); // the 200 ms task is aborted here
    sleep(Duration::from_millis(300)).await; // and does not finish later
}

#[tokio::main]
async fn main() {
    let log = Log::default();
    println!("join!:     {:?}", join_all(&log).await);
    println!("try_join!: {:?}", first_error(&log).await);
    println!("JoinSet:   {:?}", as_they_finish(&log).await);
    dropped_set(&log).await;
    println!("finished, in order: {:?}", log.lock().unwrap());
}
