//! The notes' common mistakes, made on purpose and made safe: a wait with no
//! timeout, a thread nobody joins, a lock held across a slow call, and two
//! locks taken in opposite orders. Each mode shows the mistake, then the fix.
//!
//! `cargo run --example common_mistakes -- --mode lock-order`

use std::sync::{Arc, Barrier, Mutex, MutexGuard, TryLockError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use harness::cli::{self, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal};

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Waiting for a result that never comes, with and without a timeout
    NoTimeout,
    /// Reading results before the threads that write them are joined
    NoJoin,
    /// Holding a lock while doing the slow part
    LockHeld,
    /// Two threads taking two locks in opposite orders
    LockOrder,
}

/// What the first two modes found, for their `--json` summaries.
#[derive(serde::Serialize)]
struct TimedOut {
    timed_out: bool,
}

#[derive(serde::Serialize)]
struct Joined {
    without_join: usize,
    with_scope: usize,
}

// ANCHOR: no_timeout
fn no_timeout(seconds: Duration) -> TimedOut {
    let (sender, receiver) = mpsc::channel::<String>();
    let worker = thread::spawn(move || {
        // A task stuck on something that never happens: it keeps its sender alive.
        let (_never_sent, never) = mpsc::channel::<()>();
        let _ = never.recv_timeout(Duration::from_secs(3600));
        drop(sender);
    });

    // The mistake would be `receiver.recv()`: it blocks as long as the task does.
    let started = Instant::now();
    let outcome = receiver.recv_timeout(seconds);
    println!(
        "after {:.2} s: {outcome:?}",
        started.elapsed().as_secs_f64()
    );

    // Stopping a stuck thread is not possible from outside; this one is left
    // to the end of the process (joining it would wait for an hour).
    drop(worker);
    TimedOut {
        timed_out: outcome.is_err(),
    }
}
// ANCHOR_END: no_timeout

// ANCHOR: no_join
fn no_join(tasks: usize, seconds: Duration) -> Joined {
    let results = Arc::new(Mutex::new(Vec::new()));
    for task in 0..tasks {
        let results = Arc::clone(&results);
        thread::spawn(move || {
            thread::sleep(seconds);
            results.lock().unwrap().push(task);
        }); // the JoinHandle is dropped: nobody waits for this thread
    }
    let read_too_early = results.lock().unwrap().len();
    println!("without join: {read_too_early} of {tasks} results");

    // The fix: a scope joins every thread it started before it returns.
    let results = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for task in 0..tasks {
            let results = &results; // borrowing is fine: the scope outlives the threads
            scope.spawn(move || {
                thread::sleep(seconds);
                results.lock().unwrap().push(task);
            });
        }
    });
    let after_scope = results.lock().unwrap().len();
    println!("with a scope:  {after_scope} of {tasks} results");
    Joined {
        without_join: read_too_early,
        with_scope: after_scope,
    }
}
// ANCHOR_END: no_join

// ANCHOR: lock_held
fn slow_lookup(task: usize, seconds: Duration) -> usize {
    let _span = timeline::task_span(task); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
    thread::sleep(seconds); // a network call, a disk read...
    task * 10
}

/// The mistake: each thread holds the cache's lock across its slow lookup,
/// so the threads run one after another.
fn fill_cache_holding_the_lock(tasks: usize, seconds: Duration) -> Vec<usize> {
    let cache = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for task in 0..tasks {
            let cache = &cache;
            scope.spawn(move || {
                let mut guard = cache.lock().unwrap();
                guard.push(slow_lookup(task, seconds)); // the lock is held all along
            });
        }
    });
    cache.into_inner().unwrap()
}

/// The fix: look up first, then take the lock only to store the value.
fn fill_cache_locking_only_to_store(tasks: usize, seconds: Duration) -> Vec<usize> {
    let cache = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for task in 0..tasks {
            let cache = &cache;
            scope.spawn(move || {
                let value = slow_lookup(task, seconds); // no lock held here
                cache.lock().unwrap().push(value); // the lock, only to store
            });
        }
    });
    cache.into_inner().unwrap()
}
// ANCHOR_END: lock_held

/// What the lock-held mode found, for its `--json` summary.
#[derive(serde::Serialize)]
struct LockHeld {
    held_s: f64,
    held_max_overlap: usize,
    released_s: f64,
    released_max_overlap: usize,
}

fn lock_held(tasks: usize, seconds: Duration) -> LockHeld {
    let (_, held) = timeline::record(Ideal::LongestTask, || {
        fill_cache_holding_the_lock(tasks, seconds)
    });
    println!("lock held across the slow call:\n{held}");
    let (_, released) = timeline::record(Ideal::LongestTask, || {
        fill_cache_locking_only_to_store(tasks, seconds)
    });
    println!("lock taken only to store:\n{released}");
    LockHeld {
        held_s: held.elapsed.as_secs_f64(),
        held_max_overlap: held.max_overlap(),
        released_s: released.elapsed.as_secs_f64(),
        released_max_overlap: released.max_overlap(),
    }
}

// ANCHOR: lock_order
/// Like `lock()`, but gives up at `deadline` instead of waiting forever.
fn lock_until<T>(mutex: &Mutex<T>, deadline: Instant) -> Option<MutexGuard<'_, T>> {
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// Two threads move money between two accounts, one each way. `reversed`:
/// each locks its own source account first. Returns whether each one finished.
fn transfer_both_ways(reversed: bool, patience: Duration) -> Vec<bool> {
    let accounts = [Mutex::new(100), Mutex::new(100)];
    let both_hold_one = Barrier::new(2);
    thread::scope(|scope| {
        let handles: Vec<_> = [(0, 1), (1, 0)]
            .into_iter()
            .map(|(from, to)| {
                let (accounts, both_hold_one) = (&accounts, &both_hold_one);
                // The fix: both threads take the lower-numbered lock first.
                let (first, second) = if reversed { (from, to) } else { (0, 1) };
                scope.spawn(move || {
                    // The second thread is twice as patient: the first gives
                    // up first, and the run ends the same way every time.
                    let deadline = Instant::now() + patience * (from as u32 + 1);
                    let Some(mut a) = lock_until(&accounts[first], deadline) else {
                        return false;
                    };
                    if reversed {
                        // Make the bad interleaving certain: each holds one lock.
                        // (In the same order, the other thread is still
                        // waiting for its first lock: nothing to line up.)
                        both_hold_one.wait();
                    }
                    let Some(mut b) = lock_until(&accounts[second], deadline) else {
                        return false; // with lock(), this thread would wait forever
                    };
                    *a -= 10;
                    *b += 10;
                    true
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}
// ANCHOR_END: lock_order

/// What the lock-order mode found, for its `--json` summary.
#[derive(serde::Serialize)]
struct LockOrder {
    opposite_order_finished: usize,
    same_order_finished: usize,
}

fn lock_order(seconds: Duration) -> LockOrder {
    let opposite = transfer_both_ways(true, seconds);
    println!("opposite orders: finished {opposite:?} (false: gave up, a deadlock)");
    let same = transfer_both_ways(false, seconds);
    println!("same order:      finished {same:?}");
    let finished = |threads: &[bool]| threads.iter().filter(|&&f| f).count();
    LockOrder {
        opposite_order_finished: finished(&opposite),
        same_order_finished: finished(&same),
    }
}

fn main() {
    let run: TaskModes<Mode> = cli::parse_shared(
        "Make each common concurrency mistake safely, and see what it costs",
        &[("tasks", "4"), ("seconds", "0.2")],
    );
    if run.files.svg.is_some() || run.files.trace.is_some() {
        cli::fail("--svg and --trace: common_mistakes draws no timeline of its own");
    }
    cli::run_modes("common_mistakes", run.mode, run.json, |mode| match mode {
        Mode::NoTimeout => (1, 1, cli::findings(no_timeout(run.seconds))),
        Mode::NoJoin => (
            run.tasks,
            run.tasks,
            cli::findings(no_join(run.tasks, run.seconds)),
        ),
        Mode::LockHeld => (
            run.tasks,
            run.tasks,
            cli::findings(lock_held(run.tasks, run.seconds)),
        ),
        Mode::LockOrder => (2, 2, cli::findings(lock_order(run.seconds))),
    });
}
