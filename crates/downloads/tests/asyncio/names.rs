//! asyncio's everyday names that have no example of their own, each beside
//! the tokio that the quick reference gives for it (`src/quick-reference.md`,
//! whose rows name these tests). Every wait is bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::{Mutex, oneshot, watch};
use tokio::time::{sleep, timeout};

/// Long enough for anything that should happen; tests never wait it out.
const LONG: Duration = Duration::from_secs(10);
const SHORT: Duration = Duration::from_millis(50);

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// `asyncio.Lock()`, `async with lock:` around an `await`: tokio's `Mutex`,
/// whose guard may be held across `.await` (std's may not be, in a spawned
/// task: its guard is not `Send`).
#[test]
fn an_async_mutex_is_held_across_an_await() {
    runtime().block_on(async {
        let count = Arc::new(Mutex::new(0));
        let inside = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (count, inside) = (Arc::clone(&count), Arc::clone(&inside));
                tokio::spawn(async move {
                    let mut guard = count.lock().await;
                    assert!(!inside.swap(true, Ordering::SeqCst), "two inside at once");
                    let seen = *guard;
                    sleep(Duration::from_millis(5)).await;
                    *guard = seen + 1;
                    inside.store(false, Ordering::SeqCst);
                })
            })
            .collect();
        for task in tasks {
            timeout(LONG, task).await.unwrap().unwrap();
        }
        assert_eq!(*count.lock().await, 4, "no increment lost across the await");
    });
}

/// `asyncio.Event()`: a `watch` channel of a `bool`. It stays set, wakes
/// every waiter, and a waiter that comes after `set()` does not wait.
/// `send_replace` stores the value even with no receiver (`send` would not).
#[test]
fn a_watch_channel_is_an_event() {
    runtime().block_on(async {
        let (set, event) = watch::channel(false);
        let woken = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let (mut event, woken) = (event.clone(), Arc::clone(&woken));
                tokio::spawn(async move {
                    event.wait_for(|is_set| *is_set).await.unwrap();
                    woken.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        sleep(SHORT).await;
        assert_eq!(
            woken.load(Ordering::SeqCst),
            0,
            "nobody passes before set()"
        );
        set.send_replace(true);
        for waiter in waiters {
            timeout(LONG, waiter).await.unwrap().unwrap();
        }
        let mut late = event.clone();
        timeout(SHORT, late.wait_for(|is_set| *is_set))
            .await
            .expect("a late waiter passes at once")
            .unwrap();
    });
}

/// `task.cancel()` and `asyncio.CancelledError`: `JoinHandle::abort()`,
/// and awaiting the handle gives a `JoinError` that `is_cancelled()`. The
/// task stops at its next `.await`; code after it never runs.
#[test]
fn an_aborted_task_ends_cancelled() {
    runtime().block_on(async {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&finished);
        let task = tokio::spawn(async move {
            sleep(LONG).await;
            flag.store(true, Ordering::SeqCst);
        });
        task.abort();
        let error = timeout(LONG, task).await.unwrap().unwrap_err();
        assert!(error.is_cancelled(), "{error}");
        assert!(!finished.load(Ordering::SeqCst));
    });
}

/// `asyncio.shield(task)`: a spawned task goes on when the wait for it
/// times out, or when its handle is dropped; only `abort()` stops it.
#[test]
fn a_spawned_task_outlives_a_timeout_and_its_handle() {
    runtime().block_on(async {
        let (done, result) = oneshot::channel();
        let task = tokio::spawn(async move {
            sleep(SHORT * 2).await;
            done.send("finished").unwrap();
        });
        assert!(
            timeout(SHORT / 5, task).await.is_err(),
            "the wait times out"
        );
        // `task` was moved into the timeout and dropped with it.
        assert_eq!(timeout(LONG, result).await.unwrap(), Ok("finished"));
    });
}

/// `asyncio.get_running_loop()`: `Handle::current()` inside the runtime, to
/// spawn from code that was not given the runtime; outside one,
/// `Handle::try_current()` fails where `Handle::current()` would panic.
#[test]
fn the_current_runtime_is_found_from_inside_it() {
    assert!(Handle::try_current().is_err(), "no runtime here");
    let answer = runtime().block_on(async {
        let handle = Handle::current();
        handle.spawn(async { 6 * 7 }).await.unwrap()
    });
    assert_eq!(answer, 42);
}
