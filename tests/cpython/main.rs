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
//! (`tests/cpython-suite.md`) is made from these lines (`table.rs`), and
//! its test fails when the file is out of date: `BOOK_REGENERATE=1 cargo test --test
//! cpython` writes it again. Every wait here is bounded; nothing asserts speed.

#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use concurrency_book::lessons::join_counter::Unfinished;
use concurrency_book::lessons::pool::{Pool, SetupFailed, Shutdown, Task, TaskError, TaskState};
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

/// A pool of one worker whose task has started and is held until the gate
/// opens, then returns `value`: a task known to be running.
fn running_task(value: usize) -> (Pool, Arc<Barrier>, Task<usize>) {
    let pool = Pool::new(1);
    let gate = Arc::new(Barrier::new(2));
    let (started, has_started) = mpsc::channel();
    let task = pool.submit({
        let gate = Arc::clone(&gate);
        move || {
            started.send(()).unwrap();
            gate.wait();
            value
        }
    });
    has_started.recv_timeout(LONG).unwrap();
    (pool, gate, task)
}

mod executors;
mod futures;
mod names;
mod primitives;
mod queues;
mod table;
