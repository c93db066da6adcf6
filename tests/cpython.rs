//! The book's pools and primitives against CPython's own tests.
//!
//! Each test ports one behaviour from CPython's suite (`Lib/test/` of
//! CPython 3.13) to the book's `Pool`, `JobQueue`, `Semaphore` and
//! `Unfinished`, or to the std and crossbeam types the quick reference maps
//! Python's names to. Its doc comment says, in three tagged lines:
//!
//! - `cpython:` the file and test it ports;
//! - `behaviour:` what is checked;
//! - `differs:` (only where the book differs on purpose) how, and the test
//!   asserts the book's behaviour instead of CPython's.
//!
//! The table of "Where the book's pools differ from Python's"
//! (`tests/cpython-suite.md`) is made from these lines, and the last
//! test fails when it is out of date: `BOOK_REGENERATE=1 cargo test --test
//! cpython` writes it again. Every wait here is bounded; nothing asserts speed.

#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use concurrency_book::lessons::join_counter::Unfinished;
use concurrency_book::lessons::pool::{Pool, SetupFailed, Shutdown, TaskError, TaskState};
use concurrency_book::lessons::queue::JobQueue;
use concurrency_book::lessons::semaphore::Semaphore;

/// Long enough for anything that should happen; tests never wait it out.
const LONG: Duration = Duration::from_secs(10);
const SHORT: Duration = Duration::from_millis(50);

/// A task that waits for `gate` to open, then returns `value`: a task held
/// "running" as long as the test likes, without sleeping.
fn gated(gate: &Arc<Barrier>, value: usize) -> impl FnOnce() -> usize + Send + 'static {
    let gate = Arc::clone(gate);
    move || {
        gate.wait();
        value
    }
}

/// [`gated`] with the value 1.
fn held(gate: &Arc<Barrier>) -> impl FnOnce() -> usize + Send + 'static {
    gated(gate, 1)
}

/// A pool of one worker, held busy by a task until the gate opens: what is
/// submitted next stays pending.
fn busy_pool() -> (Pool, Arc<Barrier>) {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let _ = pool.submit(held(&gate));
    (pool, gate)
}

// ---- concurrent.futures: Future (test_future.py) ----

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_cancel
/// behaviour: cancel() on a pending task cancels it and returns true
#[test]
fn cancel_a_pending_task() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let busy = pool.submit(held(&gate));
    let pending = pool.submit(|| 2);
    assert!(pending.cancel());
    assert_eq!(
        pending.state(),
        TaskState::Finished(Err(TaskError::Cancelled))
    );
    gate.wait();
    assert_eq!(busy.result(LONG), Ok(1));
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_cancel
/// behaviour: cancel() on a running task returns false and it goes on
#[test]
fn cancel_a_running_task() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let (started, has_started) = mpsc::channel();
    let running = pool.submit({
        let gate = Arc::clone(&gate);
        move || {
            started.send(()).unwrap();
            gate.wait();
            7
        }
    });
    has_started.recv_timeout(LONG).unwrap();
    assert!(!running.cancel());
    assert_eq!(running.state(), TaskState::Running);
    gate.wait();
    assert_eq!(running.result(LONG), Ok(7));
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_cancel
/// behaviour: cancel() on an already cancelled task returns true again
#[test]
fn cancel_twice() {
    let (pool, gate) = busy_pool();
    let pending = pool.submit(|| 2);
    assert!(pending.cancel());
    assert!(
        pending.cancel(),
        "Python's cancel() is True for a cancelled future"
    );
    gate.wait();
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_cancel
/// behaviour: cancel() on a finished task returns false and keeps its result
#[test]
fn cancel_a_finished_task() {
    let pool = Pool::new(1);
    let done = pool.submit(|| 5);
    assert_eq!(done.result(LONG), Ok(5));
    assert!(!done.cancel());
    assert_eq!(done.result(LONG), Ok(5));
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_done
/// behaviour: done() is false while pending or running, true once finished, failed or cancelled
#[test]
fn done_in_each_state() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let running = pool.submit(held(&gate));
    let pending = pool.submit(|| 2);
    let cancelled = pool.submit(|| 3);
    cancelled.cancel();
    assert!(!pending.is_finished());
    assert!(cancelled.is_finished());
    gate.wait();
    running.result(LONG).unwrap();
    assert!(running.is_finished());
    let failed = pool.try_submit(|| Err::<(), _>("no"));
    let _ = failed.result(LONG);
    assert!(failed.is_finished());
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_result_with_timeout
/// behaviour: result(timeout) on a pending task is a timeout error, and the task is not cancelled by it
#[test]
fn result_with_timeout() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let running = pool.submit(held(&gate));
    assert_eq!(running.result(Duration::ZERO), Err(TaskError::Timeout));
    assert!(
        matches!(running.state(), TaskState::Pending | TaskState::Running),
        "the timeout did not cancel it"
    );
    gate.wait();
    assert_eq!(running.result(LONG), Ok(1));
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_result_with_cancel
/// behaviour: a result() waiting on a task that is cancelled meanwhile ends with a cancelled error
#[test]
fn result_with_cancel() {
    let (pool, gate) = busy_pool();
    let pending = Arc::new(pool.submit(|| 2));
    let waiter = thread::spawn({
        let pending = Arc::clone(&pending);
        move || pending.result(LONG)
    });
    thread::sleep(SHORT);
    assert!(pending.cancel());
    assert_eq!(waiter.join().unwrap(), Err(TaskError::Cancelled));
    gate.wait();
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_result_with_success
/// behaviour: a result() waiting on a task gets its value when it finishes
#[test]
fn result_with_success() {
    let pool = Pool::new(1);
    let task = pool.submit(|| {
        thread::sleep(SHORT);
        42
    });
    assert_eq!(task.result(LONG), Ok(42));
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_done_callback_with_result
/// behaviour: a done callback added before the result gets the result
#[test]
fn done_callback_with_result() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let task = pool.submit(gated(&gate, 5));
    let (sender, called) = mpsc::channel();
    task.on_done(move |outcome| sender.send(outcome).unwrap());
    gate.wait();
    assert_eq!(called.recv_timeout(LONG), Ok(Ok(5)));
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_done_callback_with_exception
/// behaviour: a done callback gets the task's error
#[test]
fn done_callback_with_exception() {
    let pool = Pool::new(1);
    let task = pool.try_submit(|| Err::<u8, _>("test"));
    let (sender, called) = mpsc::channel();
    task.on_done(move |outcome| sender.send(outcome).unwrap());
    assert_eq!(
        called.recv_timeout(LONG),
        Ok(Err(TaskError::Failed("test".into())))
    );
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_done_callback_with_cancel
/// behaviour: cancelling a task runs its done callback, which sees it cancelled
#[test]
fn done_callback_with_cancel() {
    let (pool, gate) = busy_pool();
    let pending = pool.submit(|| 2);
    let (sender, called) = mpsc::channel();
    pending.on_done(move |outcome| sender.send(outcome).unwrap());
    assert!(pending.cancel());
    assert_eq!(called.recv_timeout(LONG), Ok(Err(TaskError::Cancelled)));
    gate.wait();
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_done_callback_already_successful
/// behaviour: a done callback added after the result runs at once, on the caller's thread
#[test]
fn done_callback_already_successful() {
    let pool = Pool::new(1);
    let task = pool.submit(|| 5);
    task.result(LONG).unwrap();
    let here = thread::current().id();
    let seen = Arc::new(Mutex::new(None));
    task.on_done({
        let seen = Arc::clone(&seen);
        move |outcome| *seen.lock().unwrap() = Some((outcome, thread::current().id()))
    });
    assert_eq!(*seen.lock().unwrap(), Some((Ok(5), here)));
}

/// cpython: test_concurrent_futures/test_future.py FutureTests.test_done_callback_raises
/// behaviour: a done callback that fails is reported, and the next callback still runs
#[test]
fn done_callback_raises() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let task = pool.submit(gated(&gate, 5));
    let (sender, called) = mpsc::channel();
    task.on_done(|_| panic!("doh!"));
    task.on_done(move |outcome| sender.send(outcome).unwrap());
    gate.wait();
    assert_eq!(called.recv_timeout(LONG), Ok(Ok(5)));
    assert_eq!(pool.submit(|| 6).result(LONG), Ok(6), "the worker lives");
}

// ---- concurrent.futures: executors (executor.py, test_thread_pool.py, ...) ----

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_submit
/// behaviour: submit() returns a handle whose result is the function's value
#[test]
fn submit() {
    let pool = Pool::new(2);
    let task = pool.submit(|| 2_u64.pow(8));
    assert_eq!(task.result(LONG), Ok(256));
}

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_map_exception
/// behaviour: a task's failure comes back as that task's error; the other tasks still finish
#[test]
fn a_failing_task_fails_alone() {
    let pool = Pool::new(2);
    let tasks: Vec<_> = (0..4)
        .map(|i| pool.try_submit(move || if i == 2 { Err("boom") } else { Ok(i) }))
        .collect();
    let results: Vec<_> = tasks.iter().map(|task| task.result(LONG)).collect();
    assert_eq!(
        results,
        [Ok(0), Ok(1), Err(TaskError::Failed("boom".into())), Ok(3)]
    );
}

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_map_exception
/// behaviour: a panicking task is an error for that task, and the worker survives
#[test]
fn a_panicking_task_fails_alone() {
    let pool = Pool::new(1);
    let task = pool.submit(|| -> u8 { panic!("division by zero") });
    assert_eq!(
        task.result(LONG),
        Err(TaskError::Panicked("division by zero".into()))
    );
    assert_eq!(pool.submit(|| 1).result(LONG), Ok(1));
}

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_map
/// behaviour: results read in submission order are in submission order, whatever finishes first
#[test]
fn results_in_submission_order() {
    let pool = Pool::new(4);
    let tasks: Vec<_> = (0..8_u64)
        .map(|i| {
            pool.submit(move || {
                thread::sleep(Duration::from_millis(40 - 5 * i));
                i
            })
        })
        .collect();
    let results: Vec<u64> = tasks
        .iter()
        .map(|task| task.result(LONG).unwrap())
        .collect();
    assert_eq!(results, (0..8).collect::<Vec<_>>());
}

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_map
/// behaviour: rayon's par_iter().map().collect(), the quick reference's map, keeps input order
#[test]
fn rayon_map_keeps_input_order() {
    use rayon::prelude::*;
    let squares: Vec<u64> = (0..100_u64).into_par_iter().map(|i| i * i).collect();
    assert_eq!(squares, (0..100).map(|i| i * i).collect::<Vec<_>>());
}

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_map_exception
/// behaviour: collecting rayon's map into Result gives one of the errors
/// differs: Python's map raises the first failure in input order when it is reached; rayon's collect into `Result` returns whichever failure it met first in time, which may be a later item's
#[test]
fn rayon_collect_gives_an_error_not_necessarily_the_first_in_order() {
    use rayon::prelude::*;
    let collected: Result<Vec<u64>, u64> = (0..100_u64)
        .into_par_iter()
        .map(|i| if i == 10 || i == 90 { Err(i) } else { Ok(i) })
        .collect();
    let error = collected.unwrap_err();
    assert!(error == 10 || error == 90, "{error}");
}

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_no_stale_references
/// behaviour: once a task's handle is dropped, the pool keeps nothing of its result
#[test]
fn no_stale_references() {
    let pool = Pool::new(2);
    let token = Arc::new(());
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let token = Arc::clone(&token);
            pool.submit(move || token)
        })
        .collect();
    for task in &tasks {
        task.result(LONG).unwrap();
    }
    drop(tasks);
    let deadline = Instant::now() + LONG;
    while Arc::strong_count(&token) > 1 || pool.tasks_held() > 0 {
        assert!(
            Instant::now() < deadline,
            "the pool still holds {} result(s)",
            Arc::strong_count(&token) - 1
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// cpython: test_concurrent_futures/test_shutdown.py ThreadPoolShutdownTest.test_cancel_futures
/// behaviour: shutdown(cancel_futures=True) cancels the tasks not started and finishes the running ones
#[test]
fn shutdown_cancels_what_has_not_started() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let (started, has_started) = mpsc::channel();
    let running = pool.submit({
        let gate = Arc::clone(&gate);
        move || {
            started.send(()).unwrap();
            gate.wait();
            1
        }
    });
    let pending: Vec<_> = (0..5).map(|i| pool.submit(move || i)).collect();
    has_started.recv_timeout(LONG).unwrap();
    let opener = thread::spawn(move || {
        thread::sleep(SHORT);
        gate.wait();
    });
    pool.shutdown(Shutdown::CancelPending, LONG).unwrap();
    opener.join().unwrap();
    assert_eq!(running.result(LONG), Ok(1));
    for task in pending {
        assert_eq!(task.result(LONG), Err(TaskError::Cancelled));
    }
}

/// cpython: test_concurrent_futures/test_shutdown.py ExecutorShutdownTest.test_run_after_shutdown
/// behaviour: shutdown(wait=True) runs every queued task first, and no task can be submitted after it
/// differs: Python raises RuntimeError on a submit after shutdown; the book's `shutdown` takes the pool by value, so such a submit does not compile
#[test]
fn shutdown_runs_the_queue_and_ends_the_pool() {
    let pool = Pool::new(1);
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..5 {
        let ran = Arc::clone(&ran);
        let _ = pool.submit(move || ran.fetch_add(1, Ordering::SeqCst));
    }
    pool.shutdown(Shutdown::RunPending, LONG).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 5);
}

/// cpython: test_concurrent_futures/test_shutdown.py ThreadPoolShutdownTest.test_shutdown_no_wait
/// behaviour: dropping a pool does not wait for a running task, which finishes on its own thread
#[test]
fn drop_does_not_wait() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let running = pool.submit(held(&gate));
    thread::sleep(SHORT);
    drop(pool);
    gate.wait();
    assert_eq!(running.result(LONG), Ok(1));
}

/// A pool of `workers` whose set-ups count themselves in the returned counter.
fn counting_setups(workers: usize) -> (Pool, Arc<AtomicUsize>) {
    let setups = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&setups);
    let pool = Pool::with_setup(workers, move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    (pool.expect("every set-up succeeds"), setups)
}

/// cpython: test_concurrent_futures/test_thread_pool.py ThreadPoolExecutorTest.test_idle_thread_reuse
/// behaviour: tasks run one after another on a pool of several workers
/// differs: CPython starts threads on demand and reuses an idle one, so three tasks in turn start one thread; the book's pool starts every worker at once (and runs every set-up at once)
#[test]
fn every_worker_starts_at_once() {
    let (pool, setups) = counting_setups(5);
    for i in 0..3 {
        assert_eq!(pool.submit(move || i).result(LONG), Ok(i));
    }
    assert_eq!(
        setups.load(Ordering::SeqCst),
        5,
        "five set-ups for three tasks"
    );
    pool.shutdown(Shutdown::RunPending, LONG).unwrap();
}

/// cpython: test_concurrent_futures/test_init.py InitializerMixin.test_initializer
/// behaviour: the set-up runs in every worker before its first task
#[test]
fn initializer_runs_before_tasks() {
    let (pool, ready) = counting_setups(3);
    let seen: Vec<usize> = (0..6)
        .map(|_| {
            let ready = Arc::clone(&ready);
            pool.submit(move || ready.load(Ordering::SeqCst))
        })
        .map(|task| task.result(LONG).unwrap())
        .collect();
    assert!(seen.iter().all(|&n| n == 3), "{seen:?}");
}

/// cpython: test_concurrent_futures/test_init.py FailingInitializerMixin.test_initializer
/// behaviour: a failing set-up breaks the pool, and says so as soon as it fails, whatever the other workers' set-ups are doing
#[test]
fn failing_initializer_is_reported_at_once() {
    let (release, slow) = mpsc::channel::<()>();
    let slow = Arc::new(Mutex::new(slow));
    let started = Instant::now();
    let failed = Pool::with_setup(2, move |number| match number {
        // Worker 1 hangs in its set-up until the test lets it go.
        1 => {
            let _ = slow.lock().unwrap().recv_timeout(LONG);
            Ok(())
        }
        _ => Err("no database".to_string()),
    });
    let took = started.elapsed();
    release.send(()).unwrap();
    assert_eq!(
        failed.err(),
        Some(SetupFailed {
            worker: 2,
            error: TaskError::Failed("no database".into())
        })
    );
    assert!(took < Duration::from_secs(5), "reported after {took:?}");
}

/// cpython: test_concurrent_futures/executor.py ExecutorTest.test_max_workers_negative
/// behaviour: a pool of no workers is refused
/// differs: Python raises ValueError for 0 or fewer; the book's `Pool::new` takes a `usize` and refuses 0 with a panic
#[test]
fn a_pool_of_no_workers_is_refused() {
    assert!(std::panic::catch_unwind(|| Pool::new(0)).is_err());
}

// ---- queue (test_queue.py) ----

/// cpython: test_queue.py BaseQueueTestMixin.test_basic
/// behaviour: a queue hands out what was put, first in first out
#[test]
fn queue_is_fifo() {
    let queue = JobQueue::default();
    for i in 0..5 {
        queue.push(i).unwrap();
    }
    queue.close();
    let taken: Vec<i32> = std::iter::from_fn(|| queue.pop()).collect();
    assert_eq!(taken, [0, 1, 2, 3, 4]);
}

/// cpython: test_queue.py BaseQueueTestMixin.test_basic
/// behaviour: get() on an empty queue blocks until an item is put
#[test]
fn queue_get_blocks_until_put() {
    let queue = Arc::new(JobQueue::default());
    let taker = thread::spawn({
        let queue = Arc::clone(&queue);
        move || queue.pop()
    });
    thread::sleep(SHORT);
    assert!(!taker.is_finished(), "it waits");
    queue.push(9).unwrap();
    assert_eq!(taker.join().unwrap(), Some(9));
}

/// cpython: test_queue.py BaseQueueTestMixin.test_shutdown_nonempty
/// behaviour: after shutdown (3.13), put fails, what was queued is still handed out, then get reports the end (Python raises ShutDown; the book's pop returns None)
#[test]
fn queue_shutdown() {
    let queue = Arc::new(JobQueue::default());
    queue.push(1).unwrap();
    queue.close();
    assert!(queue.push(2).is_err(), "no put after close");
    assert_eq!(queue.pop(), Some(1), "what was queued is still handed out");
    assert_eq!(queue.pop(), None);
}

/// cpython: test_queue.py BaseQueueTestMixin.test_queue_join
/// behaviour: join() returns once task_done() was called for every item put
#[test]
fn queue_join() {
    let unfinished = Arc::new(Unfinished::new());
    unfinished.add(4);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let unfinished = Arc::clone(&unfinished);
            thread::spawn(move || {
                thread::sleep(SHORT);
                unfinished.done();
            })
        })
        .collect();
    assert!(unfinished.wait(LONG));
    workers.into_iter().for_each(|w| w.join().unwrap());
}

/// cpython: test_queue.py BaseQueueTestMixin.test_queue_task_done
/// behaviour: task_done() called more times than items put is an error
/// differs: Python raises ValueError; the book's `Unfinished::done` panics, a bug in the caller
#[test]
fn queue_task_done_too_often() {
    let unfinished = Unfinished::new();
    unfinished.add(1);
    unfinished.done();
    let extra = std::panic::catch_unwind(|| unfinished.done());
    assert!(extra.is_err());
}

/// cpython: test_queue.py BaseQueueTestMixin.test_queue_join
/// behaviour: join() with nothing outstanding returns at once
#[test]
fn queue_join_with_nothing_put() {
    assert!(Unfinished::new().wait(Duration::ZERO));
}

/// cpython: test_queue.py BaseQueueTestMixin.test_nowait
/// behaviour: Queue(maxsize) as crossbeam's bounded channel: put blocks while full, put_nowait fails
#[test]
fn bounded_queue_blocks_when_full() {
    let (sender, receiver) = crossbeam::channel::bounded(2);
    sender.send(1).unwrap();
    sender.send(2).unwrap();
    assert!(sender.try_send(3).is_err(), "full");
    assert!(
        sender.send_timeout(3, SHORT).is_err(),
        "a put waits, here in vain"
    );
    assert_eq!(receiver.recv(), Ok(1));
    assert!(sender.try_send(3).is_ok(), "room again");
}

/// cpython: test_queue.py BaseQueueTestMixin.test_basic
/// behaviour: get_nowait on an empty queue fails at once, and get with a timeout waits that long
#[test]
fn queue_get_nowait_and_timeout() {
    let (_sender, receiver) = crossbeam::channel::unbounded::<u8>();
    assert!(receiver.try_recv().is_err());
    let started = Instant::now();
    assert!(receiver.recv_timeout(SHORT).is_err());
    assert!(started.elapsed() >= SHORT);
}

// ---- threading primitives (lock_tests.py) ----

/// cpython: lock_tests.py BaseSemaphoreTests.test_acquire
/// behaviour: a semaphore of n gives at most n permits at once, and a released permit lets a waiter in
#[test]
fn semaphore_limits_holders() {
    let semaphore = Arc::new(Semaphore::new(2));
    let first = semaphore.acquire();
    let _second = semaphore.acquire();
    assert!(semaphore.try_acquire().is_none());
    let waiter = thread::spawn({
        let semaphore = Arc::clone(&semaphore);
        move || {
            let _permit = semaphore.acquire();
        }
    });
    thread::sleep(SHORT);
    assert!(!waiter.is_finished(), "the third waits");
    drop(first);
    waiter.join().unwrap();
}

/// cpython: lock_tests.py BaseSemaphoreTests.test_acquire_contended
/// behaviour: many threads through a semaphore of 3 never hold more than 3 permits
#[test]
fn semaphore_acquire_contended() {
    let semaphore = Arc::new(Semaphore::new(3));
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let threads: Vec<_> = (0..10)
        .map(|_| {
            let (semaphore, now, most) = (semaphore.clone(), now.clone(), most.clone());
            thread::spawn(move || {
                let _permit = semaphore.acquire();
                let holders = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(holders, Ordering::SeqCst);
                thread::sleep(Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert!(most.load(Ordering::SeqCst) <= 3);
    assert_eq!(semaphore.in_use(), 0);
}

/// cpython: lock_tests.py BaseSemaphoreTests.test_try_acquire
/// behaviour: acquire(blocking=False) takes a free permit and fails at once when none is free
#[test]
fn semaphore_try_acquire() {
    let semaphore = Semaphore::new(2);
    let a = semaphore.try_acquire();
    let b = semaphore.try_acquire();
    assert!(a.is_some() && b.is_some());
    assert!(semaphore.try_acquire().is_none());
}

/// cpython: lock_tests.py BaseSemaphoreTests.test_constructor
/// behaviour: a semaphore with a value below zero is refused
/// differs: Python refuses a negative value with ValueError and accepts 0; the book's `Semaphore::new` takes a `usize` (no negative value compiles) and refuses 0 with a panic, since it would block for ever
#[test]
fn semaphore_of_zero_is_refused() {
    assert!(std::panic::catch_unwind(|| Semaphore::new(0)).is_err());
}

/// cpython: lock_tests.py BoundedSemaphoreTests.test_release_unacquired
/// behaviour: a bounded semaphore cannot be released more than it was acquired
/// differs: Python raises ValueError on the extra release(); the book's permit is given back when it is dropped, so an extra release cannot be written
#[test]
fn bounded_semaphore_release_unacquired() {
    let semaphore = Semaphore::new(1);
    drop(semaphore.acquire());
    assert_eq!(semaphore.in_use(), 0, "one acquire, one give-back");
}

/// cpython: lock_tests.py BarrierTests.test_barrier
/// behaviour: no thread passes the barrier until all parties have arrived
#[test]
fn barrier_holds_until_all_arrive() {
    let barrier = Arc::new(Barrier::new(3));
    let arrived = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (barrier, arrived) = (barrier.clone(), arrived.clone());
            thread::spawn(move || {
                arrived.fetch_add(1, Ordering::SeqCst);
                barrier.wait();
                arrived.load(Ordering::SeqCst)
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 3);
    }
}

/// cpython: lock_tests.py BarrierTests.test_wait_return
/// behaviour: what barrier.wait() tells each waiter
/// differs: Python's wait() gives each thread a distinct index from 0 to n - 1; std's tells only whether it is the leader, true for exactly one
#[test]
fn barrier_has_one_leader() {
    let barrier = Arc::new(Barrier::new(4));
    let leaders: usize = (0..4)
        .map(|_| {
            let barrier = barrier.clone();
            thread::spawn(move || barrier.wait().is_leader())
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| usize::from(t.join().unwrap()))
        .sum();
    assert_eq!(leaders, 1);
}

/// cpython: lock_tests.py BarrierTests.test_barrier_10
/// behaviour: a barrier is reusable: the same parties pass it round after round
#[test]
fn barrier_is_reusable() {
    let barrier = Arc::new(Barrier::new(3));
    let rounds = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (barrier, rounds) = (barrier.clone(), rounds.clone());
            thread::spawn(move || {
                for round in 0..5 {
                    rounds.lock().unwrap().push(round);
                    barrier.wait();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let rounds = rounds.lock().unwrap();
    assert!(
        rounds
            .chunks(3)
            .enumerate()
            .all(|(i, c)| c.iter().all(|&r| r == i))
    );
}

/// cpython: lock_tests.py BarrierTests.test_timeout
/// behaviour: a wait with a timeout breaks the barrier when the others do not come
/// differs: std's `Barrier` has no timeout and no abort(): a party that never comes blocks the others for ever (the barrier page says so)
#[test]
fn barrier_has_no_timeout() {
    let barrier = Arc::new(Barrier::new(2));
    let waiter = thread::spawn({
        let barrier = Arc::clone(&barrier);
        move || barrier.wait().is_leader()
    });
    thread::sleep(SHORT);
    assert!(!waiter.is_finished(), "still waiting for the second party");
    barrier.wait(); // the second party comes, so the test ends
    waiter.join().unwrap();
}

/// cpython: lock_tests.py ConditionTests.test_waitfor
/// behaviour: wait_for(predicate) returns once the predicate holds (Rust's wait_while takes its negation)
#[test]
fn condition_wait_for() {
    let state = Arc::new((Mutex::new(0), Condvar::new()));
    let setter = thread::spawn({
        let state = Arc::clone(&state);
        move || {
            for _ in 0..5 {
                thread::sleep(Duration::from_millis(5));
                *state.0.lock().unwrap() += 1;
                state.1.notify_all();
            }
        }
    });
    let (lock, changed) = &*state;
    let count = changed
        .wait_while(lock.lock().unwrap(), |n| *n < 5)
        .unwrap();
    assert_eq!(*count, 5);
    drop(count);
    setter.join().unwrap();
}

/// cpython: lock_tests.py ConditionTests.test_waitfor_timeout
/// behaviour: wait_for with a timeout gives up and reports that the predicate still fails
#[test]
fn condition_wait_for_timeout() {
    let (lock, changed) = (Mutex::new(false), Condvar::new());
    let (still, result) = changed
        .wait_timeout_while(lock.lock().unwrap(), SHORT, |ready| !*ready)
        .unwrap();
    assert!(result.timed_out());
    assert!(!*still);
}

/// cpython: lock_tests.py ConditionTests.test_notify
/// behaviour: notify_all() wakes every waiter
#[test]
fn condition_notify_all() {
    let state = Arc::new((Mutex::new(false), Condvar::new()));
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                let (lock, changed) = &*state;
                drop(changed.wait_while(lock.lock().unwrap(), |go| !*go).unwrap());
            })
        })
        .collect();
    thread::sleep(SHORT);
    *state.0.lock().unwrap() = true;
    state.1.notify_all();
    waiters.into_iter().for_each(|w| w.join().unwrap());
}

/// cpython: lock_tests.py EventTests.test_is_set
/// behaviour: an Event as an AtomicBool: false at first, true once set, false again once cleared
#[test]
fn event_is_set() {
    use std::sync::atomic::AtomicBool;
    let event = AtomicBool::new(false);
    assert!(!event.load(Ordering::SeqCst));
    event.store(true, Ordering::SeqCst);
    assert!(event.load(Ordering::SeqCst));
    event.store(false, Ordering::SeqCst);
    assert!(!event.load(Ordering::SeqCst));
}

/// cpython: lock_tests.py EventTests.test_notify
/// behaviour: every waiter on an event wakes when it is set
/// differs: an `AtomicBool` cannot be waited on: the quick reference's stop flag is polled between steps; to wait, use a `Mutex<bool>` with a `Condvar` (as here)
#[test]
fn event_wakes_every_waiter() {
    let event = Arc::new((Mutex::new(false), Condvar::new()));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                let (set, changed) = &*event;
                *changed
                    .wait_while(set.lock().unwrap(), |set| !*set)
                    .unwrap()
            })
        })
        .collect();
    thread::sleep(SHORT);
    *event.0.lock().unwrap() = true;
    event.1.notify_all();
    assert!(waiters.into_iter().all(|w| w.join().unwrap()));
}

// ---- the table ----

/// One ported behaviour, from a test's doc comment.
struct Row {
    test: String,
    cpython: String,
    behaviour: String,
    differs: Option<String>,
}

/// The rows of this file, in its order.
fn rows() -> Vec<Row> {
    let source = include_str!("cpython.rs");
    let mut rows = Vec::new();
    let mut tags: Vec<(&str, &str)> = Vec::new();
    for line in source.lines() {
        let line = line.trim();
        if let Some(tagged) = line.strip_prefix("/// ")
            && let Some((tag, text)) = tagged.split_once(": ")
            && ["cpython", "behaviour", "differs"].contains(&tag)
        {
            tags.push((tag, text));
        } else if let Some(name) = line
            .strip_prefix("fn ")
            .and_then(|rest| rest.split_once('('))
        {
            let tag = |wanted: &str| {
                tags.iter()
                    .find(|(tag, _)| *tag == wanted)
                    .map(|(_, text)| text.to_string())
            };
            if let (Some(cpython), Some(behaviour)) = (tag("cpython"), tag("behaviour")) {
                rows.push(Row {
                    test: name.0.to_string(),
                    cpython,
                    behaviour,
                    differs: tag("differs"),
                });
            }
            tags.clear();
        } else if !line.starts_with("#[") {
            tags.clear();
        }
    }
    rows
}

/// `text` with a line-break opportunity after each `_`, `/` and `.`, so
/// that long test names wrap in a narrow column instead of widening it.
fn breakable(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if matches!(c, '_' | '/' | '.') {
            out.push_str("<wbr>");
        }
    }
    out
}

/// The Markdown table the differences page includes.
fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "<!-- Generated from tests/cpython.rs: BOOK_REGENERATE=1 cargo test --test cpython -->\n\n\
         | behaviour | CPython's test | the book | test |\n|---|---|---|---|\n",
    );
    let mut ordered: Vec<&Row> = rows.iter().filter(|row| row.differs.is_some()).collect();
    ordered.extend(rows.iter().filter(|row| row.differs.is_none()));
    for row in ordered {
        let book = row
            .differs
            .as_deref()
            .map_or("the same".to_string(), |d| format!("**differs:** {d}"));
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.behaviour.replace('|', "\\|"),
            breakable(&row.cpython),
            book.replace('|', "\\|"),
            breakable(&row.test)
        ));
    }
    text
}

#[test]
fn the_differences_table_is_generated_from_this_suite() {
    let rows = rows();
    assert!(rows.len() >= 40, "{} behaviours ported", rows.len());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cpython-suite.md");
    let fresh = table(&rows);
    if std::env::var_os("BOOK_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date: run `BOOK_REGENERATE=1 cargo test --test cpython`",
        path.display()
    );
}
