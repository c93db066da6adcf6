//! Ported from concurrent.futures' executors (executor.py, test_thread_pool.py, test_shutdown.py, test_init.py): submit, map, failures, shutdown, set-ups.

use super::*;

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
    let (pool, gate, running) = running_task(1);
    let pending: Vec<_> = (0..5).map(|i| pool.submit(move || i)).collect();
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
