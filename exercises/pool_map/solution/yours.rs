//! A worked solution: submit everything first (so the workers run items at
//! once), then wait for each handle in submission order.

use std::time::Duration;

use concurrency_book::lessons::pool::{Pool, TaskError};

/// The longest `map_in_order` may wait for any one item.
pub const LIMIT: Duration = Duration::from_secs(10);

/// `f(item)` for every item on `pool`, the outcomes in item order.
pub fn map_in_order<T, R>(
    pool: &Pool,
    items: Vec<T>,
    f: fn(T) -> Result<R, String>,
) -> Vec<Result<R, TaskError>>
where
    T: Send + 'static,
    R: Clone + Send + 'static,
{
    let tasks: Vec<_> = (items.into_iter())
        .map(|item| pool.try_submit(move || f(item)))
        .collect();
    tasks.iter().map(|task| task.result(LIMIT)).collect()
}
