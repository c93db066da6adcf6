//! A tiny thread pool with futures, for "Thread pools and futures": how Python's
//! `ThreadPoolExecutor` works inside, in about two hundred lines of code.
//!
//! A pool is a queue of jobs (`src/lessons/queue.rs`) and a few worker threads that take
//! jobs from it.
//! [`Pool::submit`] wraps the closure in a job and returns a [`Task`], which is
//! the future: a slot the worker fills in, guarded by a `Mutex` and a `Condvar`.
//!
//! Use rayon for CPU work and scoped fan-out; it has no per-task handle with a
//! timeout or cancellation, which is what this pool is for. `benches/pools.rs`
//! measures the round trip through both.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use crate::lessons::queue::JobQueue;
use crate::lessons::sync::{self, Arc, Condvar, Mutex, MutexGuard, thread};

/// Why a [`Task`] has no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task returned an `Err`; the text is its message.
    Failed(String),
    /// The task panicked; the text is the panic message. The worker survived.
    Panicked(String),
    /// The task was cancelled before a worker started it.
    Cancelled,
    /// The wait ran out first. The task goes on; ask again later.
    Timeout,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed(message) => write!(f, "failed: {message}"),
            TaskError::Panicked(message) => write!(f, "panicked: {message}"),
            TaskError::Cancelled => write!(f, "cancelled"),
            TaskError::Timeout => write!(f, "timed out (still running)"),
        }
    }
}

impl std::error::Error for TaskError {}

/// Where a task is: `Pending` in the queue, `Running` on a worker, or `Finished`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState<T> {
    Pending,
    Running,
    Finished(Result<T, TaskError>),
}

// ANCHOR: slot
/// The future: a slot a worker fills in, and a condition variable to wait on.
struct Slot<T> {
    state: Mutex<TaskState<T>>,
    changed: Condvar,
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, TaskState<T>> {
        // Tasks run outside the lock, so a poisoned lock still holds a valid state.
        sync::lock(&self.state)
    }

    /// Marks a pending task running; false if it was cancelled meanwhile.
    fn start(&self) -> bool {
        let mut state = self.lock();
        let pending = matches!(*state, TaskState::Pending);
        if pending {
            *state = TaskState::Running;
        }
        pending
    }

    fn finish(&self, result: Result<T, TaskError>) {
        *self.lock() = TaskState::Finished(result);
        self.changed.notify_all();
    }
}
// ANCHOR_END: slot

/// Lets the pool cancel a pending task without knowing its result type.
trait Cancel: Send + Sync {
    fn cancel(&self) -> bool;
    fn is_finished(&self) -> bool;
}

impl<T: Send> Cancel for Arc<Slot<T>> {
    fn cancel(&self) -> bool {
        let mut state = self.lock();
        let pending = matches!(*state, TaskState::Pending);
        if pending {
            *state = TaskState::Finished(Err(TaskError::Cancelled));
            self.changed.notify_all();
        }
        pending
    }

    fn is_finished(&self) -> bool {
        matches!(*self.lock(), TaskState::Finished(_))
    }
}

/// The handle [`Pool::submit`] returns: Python's `Future`.
pub struct Task<T> {
    slot: Arc<Slot<T>>,
}

// ANCHOR: result
impl<T: Clone> Task<T> {
    /// Waits at most `timeout` for the result. A timeout leaves the task running.
    pub fn result(&self, timeout: Duration) -> Result<T, TaskError> {
        let state = self.slot.lock();
        let (state, _) = sync::wait_timeout_while(&self.slot.changed, state, timeout, |state| {
            !matches!(state, TaskState::Finished(_))
        });
        match &*state {
            TaskState::Finished(result) => result.clone(),
            _ => Err(TaskError::Timeout),
        }
    }

    /// Where the task is now, without waiting.
    pub fn state(&self) -> TaskState<T> {
        self.slot.lock().clone()
    }
}
// ANCHOR_END: result

impl<T: Send> Task<T> {
    /// Cancels the task if no worker has started it; true if it was cancelled.
    pub fn cancel(&self) -> bool {
        self.slot.cancel()
    }

    /// True once the task has a result, an error, or was cancelled.
    pub fn is_finished(&self) -> bool {
        self.slot.is_finished()
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed number of worker threads taking jobs from one queue.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
    submitted: Mutex<Vec<Box<dyn Cancel>>>,
    shut_down: bool,
}

/// What the pool and its workers share.
struct Shared {
    queue: JobQueue<Job>,
    /// Workers still in their loop; [`Pool::shutdown`] waits for zero.
    running: Mutex<usize>,
    worker_left: Condvar,
}

/// What [`Pool::shutdown`] does with tasks no worker has started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// Run them all, then stop: `shutdown(wait=True)`.
    RunPending,
    /// Cancel them, finish the running ones, then stop: `shutdown(cancel_futures=True)`.
    CancelPending,
}

/// [`Pool::shutdown`] gave up waiting: these workers were still busy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StillRunning(pub usize);

impl fmt::Display for StillRunning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} worker(s) still running at the deadline", self.0)
    }
}

impl std::error::Error for StillRunning {}

// ANCHOR: pool
impl Pool {
    /// Starts `workers` threads named `pool-1`, `pool-2`, ...
    pub fn new(workers: usize) -> Pool {
        assert!(workers > 0, "a pool needs at least one worker");
        let shared = Arc::new(Shared {
            queue: JobQueue::default(),
            running: Mutex::new(workers),
            worker_left: Condvar::new(),
        });
        let workers = (1..=workers)
            .map(|number| {
                let shared = Arc::clone(&shared);
                thread::Builder::new()
                    .name(format!("pool-{number}"))
                    .spawn(move || {
                        // Ends once the queue is closed and empty.
                        while let Some(job) = shared.queue.pop() {
                            job();
                        }
                        *sync::lock(&shared.running) -= 1;
                        shared.worker_left.notify_all();
                    })
                    .expect("the OS starts a worker thread")
            })
            .collect();
        Pool {
            shared,
            workers,
            submitted: Mutex::new(Vec::new()),
            shut_down: false,
        }
    }

    /// Queues fallible `work`: an `Err` becomes [`TaskError::Failed`].
    pub fn try_submit<T, E, F>(&self, work: F) -> Task<T>
    where
        T: Send + 'static,
        E: fmt::Display,
        F: FnOnce() -> Result<T, E> + Send + 'static,
    {
        let slot = Arc::new(Slot {
            state: Mutex::new(TaskState::Pending),
            changed: Condvar::new(),
        });
        let job_slot = Arc::clone(&slot);
        let job: Job = Box::new(move || {
            if !job_slot.start() {
                return; // cancelled while it waited in the queue
            }
            // A panic stops this task, not the worker, and not the pool.
            let result = match panic::catch_unwind(AssertUnwindSafe(work)) {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(error)) => Err(TaskError::Failed(error.to_string())),
                Err(payload) => Err(TaskError::Panicked(crate::panic_message(&*payload))),
            };
            job_slot.finish(result);
        });
        self.remember(Box::new(Arc::clone(&slot)));
        let queued = self.shared.queue.push(job).is_ok();
        assert!(queued, "only shutdown() and drop close the queue");
        Task { slot }
    }
}
// ANCHOR_END: pool

impl Pool {
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Queues `work` and returns its handle at once.
    pub fn submit<T, F>(&self, work: F) -> Task<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.try_submit(move || Ok::<T, std::convert::Infallible>(work()))
    }

    fn remember(&self, slot: Box<dyn Cancel>) {
        let mut submitted = sync::lock(&self.submitted);
        submitted.retain(|task| !task.is_finished()); // keep the list short
        submitted.push(slot);
    }

    /// Cancels every task no worker has started; returns how many.
    pub fn cancel_pending(&self) -> usize {
        let submitted = sync::lock(&self.submitted);
        submitted.iter().filter(|task| task.cancel()).count()
    }

    /// Stops the pool: no more tasks, then waits at most `timeout` for the workers.
    pub fn shutdown(mut self, pending: Shutdown, timeout: Duration) -> Result<(), StillRunning> {
        if pending == Shutdown::CancelPending {
            self.cancel_pending();
        }
        self.shut_down = true;
        self.shared.queue.close(); // workers leave their loop once it is empty
        let running = sync::lock(&self.shared.running);
        let (running, _) =
            sync::wait_timeout_while(&self.shared.worker_left, running, timeout, |n| *n > 0);
        if *running > 0 {
            return Err(StillRunning(*running)); // their threads are left to finish alone
        }
        drop(running);
        for worker in self.workers.drain(..) {
            worker.join().expect("workers catch task panics");
        }
        Ok(())
    }
}

impl Drop for Pool {
    /// Dropping a pool cancels what has not started and does not wait: running
    /// tasks finish on their own threads. Call [`Pool::shutdown`] to wait.
    fn drop(&mut self) {
        if !self.shut_down {
            self.cancel_pending();
            self.shared.queue.close();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crossbeam::channel;
    use std::sync::Barrier;

    const LONG: Duration = Duration::from_secs(10);

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
        let running = pool.submit({
            let gate = Arc::clone(&gate);
            move || {
                gate.wait();
                gate.wait();
                1
            }
        });
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
}
