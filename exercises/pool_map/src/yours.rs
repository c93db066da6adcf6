//! Python's `executor.map(f, items)` on the book's own pool: submit every
//! item first, then collect the outcomes in the order of the items. One item
//! that fails (an `Err` or a panic) gives an `Err` in its place; the others
//! still give their results. Practises "map" and "Inside a tiny pool".

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
    todo!("pool.try_submit each item, then ask each task for its result")
}
