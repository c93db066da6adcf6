//! "Barrier and Condition": Python's `Queue.task_done()` and `Queue.join()`
//! as a count of unfinished work in a `Mutex` and a `Condvar` that wakes
//! whoever waits for it to reach zero. The workers stay up for more work;
//! joining them would end them.

use std::time::Duration;

use crate::lessons::sync::{self, Condvar, Mutex};

// ANCHOR: unfinished
/// Work handed out and not yet done.
pub struct Unfinished {
    count: Mutex<usize>,
    none_left: Condvar,
}

impl Unfinished {
    pub fn new() -> Unfinished {
        Unfinished {
            count: Mutex::new(0),
            none_left: Condvar::new(),
        }
    }

    /// Before handing out `n` pieces of work (`Queue.put` counts one each).
    pub fn add(&self, n: usize) {
        *sync::lock(&self.count) += n;
    }

    /// After finishing one (`Queue.task_done()`).
    pub fn done(&self) {
        let mut count = sync::lock(&self.count);
        *count = count
            .checked_sub(1)
            .expect("done() called more times than add()");
        if *count == 0 {
            self.none_left.notify_all(); // every waiter, not one
        }
    }

    /// Sleeps until none is left, at most `limit` (`Queue.join()`, with
    /// the timeout it lacks); true if none is left.
    pub fn wait(&self, limit: Duration) -> bool {
        let guard = sync::lock(&self.count);
        let (count, _) = sync::wait_timeout_while(&self.none_left, guard, limit, |n| *n > 0);
        *count == 0
    }
}
// ANCHOR_END: unfinished

impl Default for Unfinished {
    fn default() -> Self {
        Unfinished::new()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    #[test]
    fn wait_returns_once_every_piece_is_done() {
        let (unfinished, finished) = (Unfinished::default(), AtomicUsize::new(0));
        unfinished.add(5);
        thread::scope(|s| {
            for _ in 0..5 {
                s.spawn(|| {
                    thread::sleep(Duration::from_millis(10));
                    finished.fetch_add(1, Ordering::SeqCst);
                    unfinished.done();
                });
            }
            assert!(unfinished.wait(Duration::from_secs(10)));
            // done() comes after each piece's work: all five are finished.
            assert_eq!(finished.load(Ordering::SeqCst), 5);
        });
    }

    #[test]
    fn wait_gives_up_at_its_limit_while_work_is_left() {
        let unfinished = Unfinished::default();
        unfinished.add(1);
        assert!(!unfinished.wait(Duration::from_millis(20)));
        unfinished.done();
        assert!(unfinished.wait(Duration::ZERO));
    }

    #[test]
    #[should_panic(expected = "more times than add")]
    fn one_done_too_many_is_a_bug_that_panics() {
        Unfinished::default().done();
    }
}
