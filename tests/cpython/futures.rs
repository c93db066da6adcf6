//! Ported from concurrent.futures' Future (test_future.py): cancel, done, result and done callbacks.

use super::*;

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
    let (_pool, gate, running) = running_task(7);
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
