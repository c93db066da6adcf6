//! Checks for "limited_fetch". The fake fetch waits `item` milliseconds and
//! counts how many fetches run at once; every check runs under a 15 s
//! watchdog. No duration is asserted, only order, overlap and outcomes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use exercise_limited_fetch::fetch_all;
use exercise_support::within;

/// Fetches running now, the most at once, and the fetches that finished;
/// how many had finished when the slowest (an item of 300 or more) ended;
/// and how many still ran when `fetch_all` returned.
#[derive(Default)]
struct Counts {
    now: AtomicUsize,
    most: AtomicUsize,
    finished: AtomicUsize,
    finished_before_the_slowest: AtomicUsize,
    running_after_return: AtomicUsize,
}

/// Runs `fetch_all` with a fake fetch that waits `item` ms and returns
/// `item * 2`; the outcomes and the counts.
fn run(
    items: Vec<u64>,
    limit: usize,
    per_item: Duration,
) -> (Vec<Result<u64, String>>, Arc<Counts>) {
    within("fetch_all to return", move || {
        let counts = Arc::new(Counts::default());
        let seen = Arc::clone(&counts);
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let after = Arc::clone(&counts);
        let outcomes = runtime.block_on(async move {
            let outcomes = fetch_all(items, limit, per_item, move |item| {
                let counts = Arc::clone(&seen);
                async move {
                    let now = counts.now.fetch_add(1, Ordering::SeqCst) + 1;
                    counts.most.fetch_max(now, Ordering::SeqCst);
                    // Counted out when it ends or is dropped (a timeout drops it).
                    let _leaving = Leaving(Arc::clone(&counts));
                    tokio::time::sleep(Duration::from_millis(item)).await;
                    if item >= 300 {
                        let before = counts.finished.load(Ordering::SeqCst);
                        counts
                            .finished_before_the_slowest
                            .store(before, Ordering::SeqCst);
                    }
                    counts.finished.fetch_add(1, Ordering::SeqCst);
                    item * 2
                }
            })
            .await;
            let still = after.now.load(Ordering::SeqCst);
            after.running_after_return.store(still, Ordering::SeqCst);
            outcomes
        });
        (outcomes, counts)
    })
}

/// Counts a fetch out of `now` when it ends, finished or dropped.
struct Leaving(Arc<Counts>);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn outcomes_come_back_in_the_items_order() {
    // Later items finish first: outcomes in finishing order fail here.
    let items = vec![60, 50, 40, 30, 20, 10];
    let (outcomes, _) = run(items.clone(), 6, Duration::from_secs(5));
    let expected: Vec<Result<u64, String>> = items.iter().map(|i| Ok(i * 2)).collect();
    assert_eq!(outcomes, expected, "outcomes must be in the items' order");
}

#[test]
fn never_more_than_the_limit_and_the_limit_is_reached() {
    for limit in [2, 3] {
        let (outcomes, counts) = run(vec![40; 8], limit, Duration::from_secs(5));
        assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
        let most = counts.most.load(Ordering::SeqCst);
        assert!(
            most <= limit,
            "{most} fetches at once with a limit of {limit}"
        );
        assert_eq!(
            most, limit,
            "with a limit of {limit}, {limit} fetches must run at once"
        );
    }
}

#[test]
fn a_slow_fetch_times_out_alone_and_is_cancelled() {
    // Item 0 takes 2 s, given 100 ms: it times out, is dropped (it never
    // finishes), and gives its permit back for the others.
    let (outcomes, counts) = run(vec![2000, 10, 10, 10], 1, Duration::from_millis(100));
    assert_eq!(outcomes[0], Err("timed out".to_string()));
    assert!(outcomes[1..].iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(
        counts.finished.load(Ordering::SeqCst),
        3,
        "the timed-out fetch was cancelled"
    );
    assert_eq!(
        counts.running_after_return.load(Ordering::SeqCst),
        0,
        "a fetch still ran when fetch_all returned: a timed-out fetch must be \
         dropped, not left running on its own task"
    );
    let most = counts.most.load(Ordering::SeqCst);
    assert!(most <= 1, "{most} fetches at once with a limit of 1");
}

#[test]
fn a_slow_fetch_holds_only_its_own_turn() {
    // Limit 2; item 0 takes 300 ms, the five others 10 ms: they all go
    // through the other turn while item 0 runs. Taking the items in batches
    // of two makes each batch wait for its slowest.
    let (outcomes, counts) = run(vec![300, 10, 10, 10, 10, 10], 2, Duration::from_secs(5));
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let before = counts.finished_before_the_slowest.load(Ordering::SeqCst);
    assert_eq!(
        before, 5,
        "only {before} of the five quick fetches ended before the slow one: a free \
         turn must go to the next item at once (a semaphore, not batches)"
    );
}

#[test]
fn waiting_for_a_turn_is_not_part_of_the_timeout() {
    // One at a time, six fetches of 40 ms, each given 100 ms: the last waits
    // 200 ms for its turn, and still has its whole 100 ms once it starts.
    let (outcomes, _) = run(vec![40; 6], 1, Duration::from_millis(100));
    assert!(
        outcomes.iter().all(Result::is_ok),
        "{outcomes:?}: the timeout must start when the fetch starts, not when it is queued"
    );
}
