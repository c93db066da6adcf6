//! Fetch every item with `fetch`, at most `limit` fetches at once, and give
//! each fetch at most `per_item` once it has started (waiting for its turn
//! does not count). Practises "Limits, timeouts, queues".

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::timeout;

/// The outcomes in the items' order: the fetched value, or
/// `Err("timed out")` for a fetch that took longer than `per_item`.
pub async fn fetch_all<F, Fut>(
    items: Vec<u64>,
    limit: usize,
    per_item: Duration,
    fetch: F,
) -> Vec<Result<u64, String>>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = u64> + Send + 'static,
{
    todo!("a Semaphore of `limit`, a task per item, the timeout around the fetch alone")
}
