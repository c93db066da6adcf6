//! Model checks of the book's own concurrency code, for "Testing concurrent code".
//!
//! `loom::model` runs each closure again and again, once for every way its
//! threads can interleave at each lock, atomic access and wake-up (up to a
//! preemption bound), so a bug that a stress test meets once in a million runs
//! shows up on the first `cargo test`. Run with:
//!
//! ```text
//! cargo test --features loom --test loom
//! ```
//!
//! The feature makes `concurrency_book::lessons::sync` hand out loom's types instead of
//! std's (see `src/lessons/sync.rs`). Without it this file compiles to nothing.
#![cfg(loom)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc as StdArc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use concurrency_book::lessons::counter;
use concurrency_book::lessons::philosophers::{Strategy, Table};
use concurrency_book::lessons::pool::{Pool, Shutdown, TaskError};
use concurrency_book::lessons::publish::Publication;
use concurrency_book::lessons::queue::JobQueue;
use concurrency_book::lessons::semaphore::{Permit, Semaphore};
use concurrency_book::lessons::sync::{Arc, AtomicBool, AtomicU64, Ordering, thread};

/// The whole program that begins "Checking the pool, and other tools".
#[allow(dead_code)] // its `main` is the reader's, not ours
#[path = "../listings/loom/handoff.rs"]
mod handoff;

#[test]
fn the_handoff_listing_holds_with_release_and_acquire_and_fails_relaxed() {
    loom::model(|| {
        handoff::handoff(
            std::sync::atomic::Ordering::Release,
            std::sync::atomic::Ordering::Acquire,
        )
    });
    let relaxed = panic::catch_unwind(|| {
        loom::model(|| {
            handoff::handoff(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
            )
        })
    });
    assert!(relaxed.is_err(), "loom finds the stale value under Relaxed");
}

/// loom does not model time: every timed wait here lasts until it is notified.
const WAIT: Duration = Duration::from_secs(60);

/// loom's model builder with its defaults, whatever the `LOOM_*` variables
/// (which `Builder::new` reads) say: the counts the pages give must not
/// depend on them.
fn builder_ignoring_loom_variables() -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 1_000; // loom 0.7's default
    builder.max_permutations = None;
    builder.max_duration = None;
    builder.checkpoint_file = None;
    builder
}

// ANCHOR: check
/// Runs `model` under every interleaving loom explores, with at most
/// `preemptions` forced switches between threads in one run (loom's bound:
/// most bugs need very few, and the number of runs grows fast with it).
/// `runs` counts the interleavings tried, up to and including a failing one.
fn explore(
    preemptions: usize,
    runs: &StdArc<AtomicUsize>,
    model: impl Fn() + Sync + Send + 'static,
) {
    let counted = StdArc::clone(runs);
    let mut builder = builder_ignoring_loom_variables();
    builder.preemption_bound = Some(preemptions);
    builder.check(move || {
        counted.fetch_add(1, Relaxed);
        model();
    });
}

/// A model that must pass: returns how many interleavings loom ran.
fn check(preemptions: usize, model: impl Fn() + Sync + Send + 'static) -> usize {
    // std's Arc and atomic: the count lives outside the model, across its runs.
    let runs = StdArc::new(AtomicUsize::new(0));
    explore(preemptions, &runs, model);
    runs.load(Relaxed)
}
// ANCHOR_END: check

/// A model that must fail: returns the panic message and how many
/// interleavings loom ran before it found the failing one.
fn find_failure(preemptions: usize, model: impl Fn() + Sync + Send + 'static) -> (String, usize) {
    let runs = StdArc::new(AtomicUsize::new(0));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| explore(preemptions, &runs, model)));
    let payload = outcome.expect_err("loom should have found a failing interleaving");
    let runs = runs.load(Relaxed);
    let message = concurrency_book::panic_message(&*payload);
    println!("loom found it on interleaving {runs}: {message}");
    (message, runs)
}

// The counts asserted below are the ones "Testing concurrent code" shows:
// loom's order is fixed (Cargo.lock pins its version), so they hold in
// every run.
// ANCHOR: counter
/// Two threads add one each to a shared counter, with `add_one`.
fn two_threads_add_one(add_one: fn(&AtomicU64)) {
    let count = Arc::new(AtomicU64::new(0));
    let other = thread::spawn({
        let count = Arc::clone(&count);
        move || add_one(&count)
    });
    add_one(&count);
    other.join().unwrap();
    assert_eq!(count.load(Ordering::Relaxed), 2, "an update was lost");
}

#[test]
fn an_atomic_add_never_loses_an_update() {
    let runs = check(3, || two_threads_add_one(counter::add_one));
    println!("{runs} interleavings, all correct");
    assert_eq!(runs, 4);
}

#[test]
fn loom_finds_the_lost_update_of_a_load_then_store() {
    let (message, runs) = find_failure(3, || two_threads_add_one(counter::add_one_racy));
    assert_eq!(
        runs, 1,
        "the page says loom finds it on its first interleaving"
    );
    assert!(message.contains("an update was lost"), "{message}");
}
// ANCHOR_END: counter

// ANCHOR: queue
/// Two workers take one job each while the main thread pushes two.
fn two_workers_two_jobs(pop: fn(&JobQueue<u32>) -> Option<u32>) {
    let queue = Arc::new(JobQueue::default());
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || pop(&queue))
        })
        .collect();
    queue.push(1).unwrap();
    queue.push(2).unwrap();
    let mut got: Vec<u32> = workers
        .into_iter()
        .map(|w| w.join().unwrap().expect("each worker gets a job"))
        .collect();
    got.sort();
    assert_eq!(got, [1, 2]);
}

#[test]
fn waiting_in_a_loop_gives_every_worker_its_job() {
    let runs = check(2, || two_workers_two_jobs(JobQueue::pop));
    println!("{runs} interleavings, all correct");
    assert_eq!(runs, 108);
}

#[test]
fn loom_finds_the_wait_checked_with_if() {
    let (message, runs) = find_failure(2, || two_workers_two_jobs(JobQueue::pop_with_if));
    assert_eq!(
        runs, 42,
        "the page says loom finds it on its 42nd interleaving"
    );
    assert!(
        message.contains("a job is queued after the wake-up"),
        "{message}"
    );
}
// ANCHOR_END: queue

// ANCHOR: pool
#[test]
fn every_task_runs_once_and_delivers_its_result() {
    let runs = check(2, || {
        let pool = Pool::new(2);
        let ran = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let ran = Arc::clone(&ran);
                pool.submit(move || {
                    ran.fetch_add(1, Ordering::Relaxed);
                    i * 10
                })
            })
            .collect();
        // No lost wake-up: a missed notify would leave `result` asleep, and
        // loom reports a model in which every thread sleeps as a deadlock.
        assert_eq!(tasks[0].result(WAIT), Ok(0));
        assert_eq!(tasks[1].result(WAIT), Ok(10));
        pool.shutdown(Shutdown::RunPending, WAIT).unwrap();
        assert_eq!(ran.load(Ordering::Relaxed), 2, "each task ran exactly once");
    });
    println!("{runs} interleavings, all correct");
    assert!(
        runs > 1000,
        "two workers and two tasks already take thousands"
    );
}

#[test]
fn a_task_is_either_cancelled_or_run_never_both() {
    let runs = check(3, || {
        let pool = Pool::new(1);
        let ran = Arc::new(AtomicBool::new(false));
        let task = pool.submit({
            let ran = Arc::clone(&ran);
            move || ran.store(true, Ordering::Relaxed)
        });
        let cancelled = task.cancel(); // races with the worker starting it
        pool.shutdown(Shutdown::RunPending, WAIT).unwrap();
        let ran = ran.load(Ordering::Relaxed);
        if cancelled {
            assert_eq!(task.result(WAIT), Err(TaskError::Cancelled));
            assert!(!ran, "a cancelled task must not run");
        } else {
            assert_eq!(task.result(WAIT), Ok(()));
            assert!(ran);
        }
    });
    println!("{runs} interleavings, all correct");
}

#[test]
fn shutdown_cancels_or_finishes_every_task_and_stops_every_worker() {
    let runs = check(2, || {
        let pool = Pool::new(1);
        let first = pool.submit(|| 1);
        let second = pool.submit(|| 2);
        // Returns only once the worker has left its loop: a worker that
        // missed the close would sleep forever, and loom would say so.
        pool.shutdown(Shutdown::CancelPending, WAIT).unwrap();
        for (task, value) in [(first, 1), (second, 2)] {
            let outcome = task.result(WAIT);
            assert!(
                outcome == Ok(value) || outcome == Err(TaskError::Cancelled),
                "{outcome:?}"
            );
        }
    });
    println!("{runs} interleavings, all correct");
}
// ANCHOR_END: pool

// ANCHOR: on_done
#[test]
fn a_done_callback_added_while_the_task_finishes_runs_exactly_once() {
    let runs = check(3, || {
        let pool = Pool::new(1);
        let task = pool.submit(|| 5);
        let calls = Arc::new(AtomicU64::new(0));
        // Races with the worker finishing the task: the callback must run
        // once, either here (already finished) or on the worker, never twice
        // and never not at all.
        task.on_done({
            let calls = Arc::clone(&calls);
            move |outcome| {
                assert_eq!(outcome, Ok(5));
                calls.fetch_add(1, Ordering::SeqCst);
            }
        });
        pool.shutdown(Shutdown::RunPending, WAIT).unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the callback ran once");
    });
    println!("{runs} interleavings, all correct");
}
// ANCHOR_END: on_done

// ANCHOR: publish
/// One thread publishes 42 through a flag; another reads it if the flag is up.
fn publish_42(store: Ordering, load: Ordering) {
    let mailbox = Arc::new(Publication::new());
    let writer = thread::spawn({
        let mailbox = Arc::clone(&mailbox);
        move || mailbox.publish(42, store)
    });
    if let Some(value) = mailbox.read(load) {
        assert_eq!(value, 42, "the flag was up, the value was not there yet");
    }
    writer.join().unwrap();
}

#[test]
fn release_and_acquire_publish_the_value_with_the_flag() {
    let runs = check(3, || publish_42(Ordering::Release, Ordering::Acquire));
    println!("{runs} interleavings, all correct");
}

#[test]
fn loom_finds_the_stale_value_behind_a_relaxed_flag() {
    let (message, runs) = find_failure(3, || publish_42(Ordering::Relaxed, Ordering::Relaxed));
    assert!(message.contains("the value was not there yet"), "{message}");
    assert_eq!(
        runs, 3,
        "loom's order is fixed: the same interleaving every run"
    );
}
// ANCHOR_END: publish

// ANCHOR: semaphore
/// Three threads share a semaphore of one permit, taken with `acquire`:
/// each counts itself in while it holds the permit.
fn three_threads_one_permit(acquire: for<'a> fn(&'a Semaphore) -> Permit<'a>) {
    let semaphore = Arc::new(Semaphore::new(1));
    let holders = Arc::new(AtomicU64::new(0));
    let hold = {
        let (semaphore, holders) = (Arc::clone(&semaphore), Arc::clone(&holders));
        move || {
            let _permit = acquire(&semaphore);
            let before = holders.fetch_add(1, Ordering::SeqCst);
            assert_eq!(before, 0, "two threads held the one permit at once");
            holders.fetch_sub(1, Ordering::SeqCst);
        }
    };
    let others: Vec<_> = (0..2).map(|_| thread::spawn(hold.clone())).collect();
    hold();
    for other in others {
        other.join().unwrap();
    }
    assert_eq!(semaphore.in_use(), 0, "a permit was not given back");
}

#[test]
fn the_semaphore_admits_one_at_a_time_and_wakes_every_waiter() {
    // A lost wake-up would leave a waiter asleep: loom reports a deadlock.
    let runs = check(2, || three_threads_one_permit(Semaphore::acquire));
    println!("{runs} interleavings, all correct");
}

#[test]
fn loom_finds_two_holders_when_check_and_take_are_two_lockings() {
    let (message, runs) = find_failure(2, || {
        three_threads_one_permit(Semaphore::acquire_check_then_take)
    });
    assert!(message.contains("two threads held"), "{message}");
    assert_eq!(
        runs, 28,
        "loom's order is fixed: the same interleaving every run"
    );
}
// ANCHOR_END: semaphore

// ANCHOR: philosophers
/// Three philosophers, one meal each, picking up forks with `strategy`.
fn three_philosophers(strategy: Strategy) {
    let table = Arc::new(Table::new(3));
    let others: Vec<_> = (1..3)
        .map(|me| {
            let table = Arc::clone(&table);
            thread::spawn(move || table.eat(me, strategy, &|| {}))
        })
        .collect();
    table.eat(0, strategy, &|| {});
    for other in others {
        other.join().unwrap();
    }
    assert_eq!(table.uses(), [2, 2, 2], "every fork served two meals");
}

#[test]
fn forks_taken_in_one_global_order_never_deadlock() {
    let runs = check(2, || three_philosophers(Strategy::Ordered));
    println!("{runs} interleavings, all correct");
}

#[test]
fn loom_finds_the_deadlock_of_left_then_right() {
    // loom reports a deadlock by panicking, and then, dropping the blocked
    // threads' locks, panics again and aborts: so the model runs in a child
    // process (this test binary, running this test alone), watched from here.
    if std::env::var_os(CHILD).is_some() {
        check(2, || three_philosophers(Strategy::LeftThenRight));
        return;
    }
    let name = "loom_finds_the_deadlock_of_left_then_right";
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs");
    let printed = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "no deadlock found: {printed}");
    assert!(printed.contains("deadlock; threads"), "{printed}");
}

/// Set in the child process that runs a model expected to deadlock.
const CHILD: &str = "LOOM_MODEL_IN_CHILD";
// ANCHOR_END: philosophers

// ANCHOR: next_id
#[test]
fn compare_exchange_hands_out_each_id_once_and_never_past_the_limit() {
    let runs = check(3, || {
        let counter = Arc::new(AtomicU64::new(0));
        let other = thread::spawn({
            let counter = Arc::clone(&counter);
            move || [counter::next_id(&counter, 3), counter::next_id(&counter, 3)]
        });
        let mine = [counter::next_id(&counter, 3), counter::next_id(&counter, 3)];
        let theirs = other.join().unwrap();
        let mut ids: Vec<u64> = mine.iter().chain(&theirs).flatten().copied().collect();
        ids.sort();
        assert_eq!(
            ids,
            [0, 1, 2],
            "each ID once, and one caller told none is left"
        );
        assert_eq!(
            counter.load(Ordering::Relaxed),
            3,
            "the counter went past the limit"
        );
    });
    println!("{runs} interleavings, all correct");
}
// ANCHOR_END: next_id
