//! What the exercises share: std's threads, locks and atomics, or loom's
//! with the `loom` feature. It is the book's own switch (the library's
//! `src/lessons/sync.rs`, which "Testing concurrent code" explains), so an
//! exercise's answer runs under loom exactly as the library's code does.

#[path = "../../../src/lessons/sync.rs"]
pub mod sync;

use std::time::Duration;

/// The longest any one check waits for the learner's code.
pub const WATCHDOG: Duration = Duration::from_secs(15);

/// Runs `work` (the learner's code under test) on a thread of its own and
/// returns its value. A hang fails after [`WATCHDOG`], saying what the check
/// was `waiting_for`; a panic in `work` fails as a panic, with its message,
/// never as a wait. Under loom too: loom finds the deadlocks of threads that
/// wait on its locks, not a thread that sleeps or spins (holding a lock) in
/// a loop that never calls into loom.
#[track_caller]
pub fn within<T: Send + 'static>(
    waiting_for: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = done.send(work());
    });
    match finished.recv_timeout(WATCHDOG) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
            "waited {} s for {waiting_for}, in vain: a deadlock or a missed wake-up?",
            WATCHDOG.as_secs()
        ),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let payload = worker.join().expect_err("it ended without a value");
            let message = (payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            panic!("your code panicked: {message}")
        }
    }
}

/// Explores `scenario` under loom: every interleaving with at most
/// `preemptions` preemptions of a running thread (loom's bound: each one more
/// multiplies the runs, and two or three find the usual bugs in seconds).
#[cfg(feature = "loom")]
pub fn explore(preemptions: usize, scenario: fn()) {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(preemptions);
    model.check(scenario);
}

/// One scenario, two tests: with the `loom` feature (which `cargo xtask
/// exercise` turns on) loom explores it, up to the bound; without it, it runs
/// once, in the one interleaving the OS picks.
#[macro_export]
macro_rules! scenario_tests {
    ($scenario:ident, preemptions: $bound:expr, loom: $explored:ident, one_run: $once:ident $(,)?) => {
        #[cfg(feature = "loom")]
        #[test]
        fn $explored() {
            $crate::within(
                "loom to explore the interleavings (does a thread sleep or spin in a loop, holding a lock?)",
                || $crate::explore($bound, $scenario),
            );
        }

        #[cfg(not(feature = "loom"))]
        #[test]
        fn $once() {
            $scenario();
        }
    };
}
