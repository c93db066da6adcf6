//! The job queue of the book's tiny pool: a `VecDeque` under a `Mutex`, and a
//! `Condvar` that idle workers sleep on.
//!
//! crossbeam's channels do this job better (they spin briefly before they
//! sleep, and need no lock for most operations); this queue is written out so
//! that "Inside a tiny pool" can show every lock and wake-up, and so that loom
//! can check them all ("Testing concurrent code").

use std::collections::VecDeque;

use crate::lessons::sync::{self, Condvar, Mutex};

/// A queue that many threads push to and pop from; [`JobQueue::close`] ends it.
pub struct JobQueue<T> {
    state: Mutex<State<T>>,
    /// Signalled when a job arrives or the queue closes.
    not_empty: Condvar,
}

struct State<T> {
    jobs: VecDeque<T>,
    closed: bool,
}

impl<T> Default for JobQueue<T> {
    fn default() -> Self {
        JobQueue {
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                closed: false,
            }),
            not_empty: Condvar::new(),
        }
    }
}

/// [`JobQueue::push`] after [`JobQueue::close`]: the job comes back.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed<T>(pub T);

// ANCHOR: queue
impl<T> JobQueue<T> {
    /// Adds a job at the back and wakes one sleeping worker.
    pub fn push(&self, job: T) -> Result<(), Closed<T>> {
        let mut state = sync::lock(&self.state);
        if state.closed {
            return Err(Closed(job));
        }
        state.jobs.push_back(job);
        drop(state); // the woken worker needs the lock: let it go first
        self.not_empty.notify_one();
        Ok(())
    }

    /// Takes the next job, sleeping while there is none. `None` once the
    /// queue is closed and empty: the worker's signal to leave.
    pub fn pop(&self) -> Option<T> {
        let mut state = sync::lock(&self.state);
        // A loop, not an `if`: by the time a woken worker holds the lock again,
        // another worker may have taken the job it was woken for.
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state = sync::wait(&self.not_empty, state);
        }
    }

    /// No more pushes; workers drain what is queued, then [`pop`](Self::pop)
    /// returns `None` to each of them.
    pub fn close(&self) {
        sync::lock(&self.state).closed = true;
        self.not_empty.notify_all(); // every sleeping worker must see it
    }
}
// ANCHOR_END: queue

// ANCHOR: pop_with_if
impl<T> JobQueue<T> {
    /// The classic mistake, kept so that the book can show loom catching it:
    /// the condition is checked once, with `if`, before the wait. After the
    /// wake-up the job may already be gone, and this panics.
    pub fn pop_with_if(&self) -> Option<T> {
        let mut state = sync::lock(&self.state);
        if state.jobs.is_empty() && !state.closed {
            state = sync::wait(&self.not_empty, state);
        }
        if state.closed && state.jobs.is_empty() {
            return None;
        }
        let job = state.jobs.pop_front();
        Some(job.expect("a job is queued after the wake-up"))
    }
}
// ANCHOR_END: pop_with_if

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn jobs_come_out_in_order_and_close_ends_every_worker() {
        let queue = Arc::new(JobQueue::default());
        for job in 0..100 {
            queue.push(job).unwrap();
        }
        queue.close();
        assert_eq!(queue.push(100), Err(Closed(100)));
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || std::iter::from_fn(|| queue.pop()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<i32> = Vec::new();
        for worker in workers {
            let taken = worker.join().unwrap();
            assert!(taken.is_sorted(), "each worker takes jobs in queue order");
            all.extend(taken);
        }
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn a_sleeping_worker_wakes_for_a_job() {
        let queue = Arc::new(JobQueue::default());
        let worker = thread::spawn({
            let queue = Arc::clone(&queue);
            move || queue.pop()
        });
        thread::sleep(std::time::Duration::from_millis(20)); // let it fall asleep
        queue.push("job").unwrap();
        assert_eq!(worker.join().unwrap(), Some("job"));
    }
}
