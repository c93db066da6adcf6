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

use std::collections::BTreeMap;
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
    /// What [`Task::on_done`] asked to run once the task finishes.
    callbacks: Mutex<Vec<Callback>>,
}

impl<T> Slot<T> {
    fn pending() -> Arc<Slot<T>> {
        Arc::new(Slot {
            state: Mutex::new(TaskState::Pending),
            changed: Condvar::new(),
            callbacks: Mutex::new(Vec::new()),
        })
    }

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
        self.finish_if(result, |_| true);
    }

    /// Stores `result` if `now` allows it, wakes the waiters and runs the
    /// callbacks; false if `now` refused. The callbacks are taken under the
    /// state's lock, so [`Task::on_done`] cannot add one that nobody runs.
    fn finish_if(&self, result: Result<T, TaskError>, now: impl Fn(&TaskState<T>) -> bool) -> bool {
        let callbacks = {
            let mut state = self.lock();
            if !now(&state) {
                return false;
            }
            *state = TaskState::Finished(result);
            std::mem::take(&mut *sync::lock(&self.callbacks))
        };
        self.changed.notify_all();
        callbacks.into_iter().for_each(run_callback);
        true
    }
}
// ANCHOR_END: slot

/// A done callback, with its task's result bound in.
type Callback = Box<dyn FnOnce() + Send>;

/// Runs a done callback; like Python, a callback that panics is reported
/// and does not harm the task, the worker or the other callbacks.
fn run_callback(callback: Callback) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(callback)) {
        eprintln!(
            "a done callback panicked: {}",
            crate::panic_message(&*payload)
        );
    }
}

/// Lets the pool cancel a pending task without knowing its result type.
trait Cancel: Send + Sync {
    fn cancel(&self) -> bool;
    fn is_finished(&self) -> bool;
}

impl<T: Send> Cancel for Arc<Slot<T>> {
    fn cancel(&self) -> bool {
        let pending = |state: &TaskState<T>| matches!(state, TaskState::Pending);
        self.finish_if(Err(TaskError::Cancelled), pending)
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

// ANCHOR: on_done
impl<T: Clone + Send + 'static> Task<T> {
    /// Python's `add_done_callback`: `callback` gets the outcome once the
    /// task is finished or cancelled. It runs at once, on this thread, if
    /// that has happened; otherwise on the thread that finishes the task
    /// (a worker, or whoever cancels it), so keep it short.
    pub fn on_done(&self, callback: impl FnOnce(Result<T, TaskError>) + Send + 'static) {
        let slot = Arc::clone(&self.slot);
        let callback: Callback = Box::new(move || {
            let outcome = match &*slot.lock() {
                TaskState::Finished(outcome) => outcome.clone(),
                _ => unreachable!("callbacks run once the task is finished"),
            };
            callback(outcome);
        });
        let state = self.slot.lock();
        if matches!(*state, TaskState::Finished(_)) {
            drop(state);
            run_callback(callback);
        } else {
            // Still under the state's lock: `finish_if` takes the list after this.
            sync::lock(&self.slot.callbacks).push(callback);
        }
    }
}
// ANCHOR_END: on_done

impl<T: Send> Task<T> {
    /// Cancels the task if no worker has started it; true if it is
    /// cancelled now, whether by this call or an earlier one (Python's
    /// `Future.cancel`); false once it runs or has finished.
    pub fn cancel(&self) -> bool {
        self.slot.cancel()
            || matches!(
                *self.slot.lock(),
                TaskState::Finished(Err(TaskError::Cancelled))
            )
    }

    /// True once the task has a result, an error, or was cancelled.
    pub fn is_finished(&self) -> bool {
        self.slot.is_finished()
    }
}

type Job = Box<dyn FnOnce() + Send>;
/// A worker's set-up (Python's `initializer`), in std's `Arc` even under
/// loom: loom's cannot hold a `dyn Fn`, and the set-up is only shared,
/// never synchronised on.
type SharedSetup = std::sync::Arc<dyn Fn(usize) -> Result<(), String> + Send + Sync>;

/// Runs `work`, turning an `Err` into [`TaskError::Failed`] and a panic into
/// [`TaskError::Panicked`].
fn catch<T, E: fmt::Display>(work: impl FnOnce() -> Result<T, E>) -> Result<T, TaskError> {
    match panic::catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(TaskError::Failed(error.to_string())),
        Err(payload) => Err(TaskError::Panicked(crate::panic_message(&*payload))),
    }
}

/// A fixed number of worker threads taking jobs from one queue.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
    /// How the workers' set-ups went, for [`Pool::with_setup`].
    setups: Arc<Setups>,
    /// The tasks not finished yet, so that the pool can cancel them; each
    /// job removes its own entry when it ends, so that a finished result
    /// lives only as long as its [`Task`] handle.
    submitted: Arc<Mutex<Submitted>>,
    shut_down: bool,
}

/// The tasks a pool may still have to cancel, by number. A `BTreeMap`, not
/// a `HashMap`: a `HashMap`'s order differs from one run to the next, and
/// loom, which replays a model once per interleaving, needs every replay of
/// the same interleaving to do the same thing (with a `HashMap` it failed
/// one run in six with its own "expected to be able to acquire lock").
#[derive(Default)]
struct Submitted {
    next: u64,
    tasks: BTreeMap<u64, Box<dyn Cancel>>,
}

/// How the workers' set-ups went: how many succeeded, and the first failure.
#[derive(Default)]
struct Setups {
    outcome: Mutex<(usize, Option<SetupFailed>)>,
    changed: Condvar,
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

/// A worker's set-up failed, so [`Pool::with_setup`] started no pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupFailed {
    /// The worker's number (`pool-N`).
    pub worker: usize,
    pub error: TaskError,
}

impl fmt::Display for SetupFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "worker pool-{} could not set up: {}",
            self.worker, self.error
        )
    }
}

impl std::error::Error for SetupFailed {}

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
        Pool::start(workers, None)
    }

    fn start(workers: usize, setup: Option<SharedSetup>) -> Pool {
        assert!(workers > 0, "a pool needs at least one worker");
        let shared = Arc::new(Shared {
            queue: JobQueue::default(),
            running: Mutex::new(workers),
            worker_left: Condvar::new(),
        });
        let setups = Arc::new(Setups::default());
        let workers = (1..=workers)
            .map(|number| {
                let shared = Arc::clone(&shared);
                let setup = setup.clone().map(|setup| (setup, Arc::clone(&setups)));
                thread::Builder::new()
                    .name(format!("pool-{number}"))
                    .spawn(move || {
                        // A worker whose set-up failed takes no job.
                        if set_up(number, setup) {
                            // Ends once the queue is closed and empty.
                            while let Some(job) = shared.queue.pop() {
                                job();
                            }
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
            setups,
            submitted: Arc::default(),
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
        let slot = Slot::pending();
        let job_slot = Arc::clone(&slot);
        let number = self.remember(Box::new(Arc::clone(&slot)));
        let submitted = Arc::clone(&self.submitted);
        let job: Job = Box::new(move || {
            if job_slot.start() {
                // A panic stops this task, not the worker, and not the pool.
                job_slot.finish(catch(work));
            } // else: cancelled while it waited in the queue
            sync::lock(&submitted).tasks.remove(&number); // nothing left to cancel
        });
        let queued = self.shared.queue.push(job).is_ok();
        assert!(queued, "only shutdown() and drop close the queue");
        Task { slot }
    }
}
// ANCHOR_END: pool

// ANCHOR: with_setup
impl Pool {
    /// Starts `workers` threads that each run `setup(number)` before their
    /// first task: Python's `initializer`. Returns once every worker has set
    /// up; as soon as one fails (or panics), stops them all and says which,
    /// without waiting for the others' set-ups longer than a second.
    pub fn with_setup<S>(workers: usize, setup: S) -> Result<Pool, SetupFailed>
    where
        S: Fn(usize) -> Result<(), String> + Send + Sync + 'static,
    {
        let pool = Pool::start(workers, Some(std::sync::Arc::new(setup)));
        let setups = Arc::clone(&pool.setups);
        let outcome = sync::lock(&setups.outcome);
        let (mut outcome, _) =
            sync::wait_timeout_while(&setups.changed, outcome, Duration::MAX, |(ok, failed)| {
                failed.is_none() && *ok < workers
            });
        if let Some(failed) = outcome.1.take() {
            drop(outcome);
            // A set-up that hangs keeps its thread; the pool does not wait for it.
            let _ = pool.shutdown(Shutdown::CancelPending, Duration::from_secs(1));
            return Err(failed);
        }
        drop(outcome);
        Ok(pool)
    }
}

/// Runs worker `number`'s set-up, if the pool has one, and reports how it
/// went to `setups`; true to go on.
fn set_up(number: usize, setup: Option<(SharedSetup, Arc<Setups>)>) -> bool {
    let Some((setup, setups)) = setup else {
        return true;
    };
    let outcome = catch(|| setup(number));
    let ok = outcome.is_ok();
    {
        let mut report = sync::lock(&setups.outcome);
        match outcome {
            Ok(()) => report.0 += 1,
            Err(error) if report.1.is_none() => {
                report.1 = Some(SetupFailed {
                    worker: number,
                    error,
                });
            }
            Err(_) => {} // the first failure is the one reported
        }
    }
    setups.changed.notify_all();
    ok
}
// ANCHOR_END: with_setup

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

    /// Records a task the pool may have to cancel; returns its number.
    fn remember(&self, slot: Box<dyn Cancel>) -> u64 {
        let mut submitted = sync::lock(&self.submitted);
        let number = submitted.next;
        submitted.next += 1;
        submitted.tasks.insert(number, slot);
        number
    }

    /// Cancels every task no worker has started; returns how many.
    pub fn cancel_pending(&self) -> usize {
        // Taken out of the list first: cancelling runs done callbacks, which
        // may submit more tasks. The running ones remove nothing then.
        let tasks = std::mem::take(&mut sync::lock(&self.submitted).tasks);
        tasks.values().filter(|task| task.cancel()).count()
    }

    /// How many finished results the pool itself still holds: none, since
    /// every job lets go of its result's slot when it ends (a test's window
    /// on the leak CPython's suite looks for).
    #[doc(hidden)]
    pub fn tasks_held(&self) -> usize {
        sync::lock(&self.submitted).tasks.len()
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
mod tests;
