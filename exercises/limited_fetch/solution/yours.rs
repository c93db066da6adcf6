//! A worked solution: a task per item, each taking a permit before it
//! fetches; the timeout wraps the fetch alone, and the permit goes back
//! when the task ends, whether the fetch finished or timed out.

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
    let permits = Arc::new(Semaphore::new(limit));
    let fetch = Arc::new(fetch);
    let tasks: Vec<_> = (items.into_iter())
        .map(|item| {
            let (permits, fetch) = (Arc::clone(&permits), Arc::clone(&fetch));
            tokio::spawn(async move {
                let _permit = permits.acquire().await.expect("never closed");
                let fetched = timeout(per_item, fetch(item)).await;
                fetched.map_err(|_| "timed out".to_string())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("a fetch panicked"));
    }
    outcomes
}
