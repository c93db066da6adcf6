//! Unit tests of `pool`.

use super::*;
use crossbeam::channel;
use std::sync::Barrier;

const LONG: Duration = Duration::from_secs(10);

/// Submits a task that returns `value` once `gate` has been passed twice:
/// the first pass says it is on a worker, the second lets it finish.
fn submit_held<T: Clone + Send + 'static>(pool: &Pool, gate: &Arc<Barrier>, value: T) -> Task<T> {
    let gate = Arc::clone(gate);
    pool.submit(move || {
        gate.wait();
        gate.wait();
        value
    })
}

#[test]
fn results_come_back_through_their_handles() {
    let pool = Pool::new(2);
    let tasks: Vec<_> = (0..5).map(|i| pool.submit(move || i * 10)).collect();
    let results: Vec<_> = tasks.iter().map(|t| t.result(LONG)).collect();
    assert_eq!(results, vec![Ok(0), Ok(10), Ok(20), Ok(30), Ok(40)]);
    pool.shutdown(Shutdown::RunPending, LONG).unwrap();
}

#[test]
fn a_timeout_returns_while_the_task_goes_on() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let task = pool.submit({
        let gate = Arc::clone(&gate);
        move || {
            gate.wait();
            "done"
        }
    });
    assert_eq!(
        task.result(Duration::from_millis(20)),
        Err(TaskError::Timeout)
    );
    assert_eq!(task.state(), TaskState::Running);
    gate.wait(); // let it finish
    assert_eq!(task.result(LONG), Ok("done"));
}

#[test]
fn errors_and_panics_are_reported_per_task_and_the_pool_survives() {
    let pool = Pool::new(1);
    let failing = pool.try_submit(|| Err::<u32, _>("no such file"));
    let panicking = pool.submit(|| -> u32 { panic!("boom") });
    let fine = pool.submit(|| 7);
    assert_eq!(
        failing.result(LONG),
        Err(TaskError::Failed("no such file".into()))
    );
    assert_eq!(
        panicking.result(LONG),
        Err(TaskError::Panicked("boom".into()))
    );
    assert_eq!(fine.result(LONG), Ok(7)); // the same single worker ran it
    pool.shutdown(Shutdown::RunPending, LONG).unwrap();
}

#[test]
fn only_pending_tasks_can_be_cancelled() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let running = submit_held(&pool, &gate, 1);
    let queued = pool.submit(|| 2);
    gate.wait(); // `running` is on the worker now
    assert!(!running.cancel());
    assert!(queued.cancel());
    gate.wait();
    assert_eq!(running.result(LONG), Ok(1));
    assert_eq!(queued.result(LONG), Err(TaskError::Cancelled));
}

#[test]
fn shutdown_can_cancel_what_has_not_started() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let first = pool.submit({
        let gate = Arc::clone(&gate);
        move || {
            gate.wait();
            thread::sleep(Duration::from_millis(50));
            1
        }
    });
    let rest: Vec<_> = (0..3).map(|i| pool.submit(move || i)).collect();
    gate.wait();
    pool.shutdown(Shutdown::CancelPending, LONG).unwrap();
    assert_eq!(first.result(LONG), Ok(1));
    for task in rest {
        assert_eq!(task.result(LONG), Err(TaskError::Cancelled));
    }
}

#[test]
fn shutdown_gives_up_at_its_deadline() {
    let pool = Pool::new(1);
    let (release, blocked) = channel::bounded::<()>(0);
    let task = pool.submit(move || blocked.recv_timeout(LONG).is_ok());
    let err = pool.shutdown(Shutdown::RunPending, Duration::from_millis(20));
    assert_eq!(err, Err(StillRunning(1)));
    release.send(()).unwrap();
    assert_eq!(task.result(LONG), Ok(true));
}

#[test]
fn done_callbacks_run_once_each_on_the_thread_that_finishes_the_task() {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let running = submit_held(&pool, &gate, 7);
    let queued = pool.submit(|| 8);
    let (done, calls) = channel::unbounded();
    let note = |name: &'static str| {
        let done = done.clone();
        move |outcome| {
            let thread = thread::current().name().unwrap_or("?").to_string();
            done.send((name, outcome, thread)).unwrap();
        }
    };
    gate.wait(); // `running` is on the worker
    running.on_done(note("running"));
    queued.on_done(note("queued"));
    assert!(queued.cancel()); // its callback runs here, in the cancelling thread
    gate.wait();
    assert_eq!(running.result(LONG), Ok(7));
    running.on_done(note("late")); // already finished: runs at once, here
    pool.shutdown(Shutdown::RunPending, LONG).unwrap();
    drop(done);
    let mut calls: Vec<_> = calls.iter().collect();
    calls.sort_by_key(|(name, _, _)| *name);
    let main = thread::current().name().unwrap_or("?").to_string();
    assert_eq!(
        calls,
        vec![
            ("late", Ok(7), main.clone()),
            ("queued", Err(TaskError::Cancelled), main),
            ("running", Ok(7), "pool-1".to_string()),
        ]
    );
}

#[test]
fn a_panicking_callback_harms_neither_the_task_nor_the_others() {
    let pool = Pool::new(1);
    let task = pool.submit(|| 1);
    let (done, calls) = channel::unbounded();
    task.on_done(|_| panic!("callback bug"));
    task.on_done(move |outcome| done.send(outcome).unwrap());
    assert_eq!(calls.recv_timeout(LONG), Ok(Ok(1)));
    assert_eq!(task.result(LONG), Ok(1));
    assert_eq!(pool.submit(|| 2).result(LONG), Ok(2)); // the worker lives
    pool.shutdown(Shutdown::RunPending, LONG).unwrap();
}

#[test]
fn setup_runs_once_per_worker_before_any_task() {
    let setups = Arc::new(Mutex::new(Vec::new()));
    let pool = Pool::with_setup(3, {
        let setups = Arc::clone(&setups);
        move |number| {
            setups.lock().unwrap().push(number);
            Ok(())
        }
    })
    .unwrap();
    // Every worker has set up by the time `with_setup` returns.
    let mut numbers = setups.lock().unwrap().clone();
    numbers.sort();
    assert_eq!(numbers, vec![1, 2, 3]);
    let tasks: Vec<_> = (0..9).map(|i| pool.submit(move || i)).collect();
    for (i, task) in tasks.iter().enumerate() {
        assert_eq!(task.result(LONG), Ok(i));
    }
    pool.shutdown(Shutdown::RunPending, LONG).unwrap();
    assert_eq!(
        setups.lock().unwrap().len(),
        3,
        "once per worker, not per task"
    );
}

#[test]
fn a_failed_setup_starts_no_pool_and_names_the_worker() {
    let failed = Pool::with_setup(3, |number| match number {
        2 => Err("no database".to_string()),
        _ => Ok(()),
    });
    let error = failed.err().expect("worker 2 failed");
    assert_eq!(
        error,
        SetupFailed {
            worker: 2,
            error: TaskError::Failed("no database".into())
        }
    );
    assert_eq!(
        error.to_string(),
        "worker pool-2 could not set up: failed: no database"
    );
    let panicked = Pool::with_setup(1, |_| panic!("no config")).err().unwrap();
    assert_eq!(panicked.error, TaskError::Panicked("no config".into()));
}
