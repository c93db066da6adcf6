//! Exercise "word_count": a word count on threads, then on rayon.
//!
//! Write your answer in `src/yours.rs`; `cargo xtask exercise word_count` checks it.
//! The page "Exercises" in the book has the goal and hints.

// The starter's todo!()s leave what it names unused until you write it.
#[cfg(not(feature = "solution"))]
#[allow(unused_variables, unused_imports, dead_code)]
mod yours;
#[cfg(feature = "solution")]
#[path = "../solution/yours.rs"]
mod yours;

pub use yours::*;

use std::collections::HashMap;

/// Adds the words of `text` to `counts`: a word is what `split_whitespace`
/// gives, lower-cased. Call it once for every text, on the thread that
/// counts that text: the checks watch it to see that counting overlapped.
pub fn count_text(text: &str, counts: &mut HashMap<String, usize>) {
    overlap::enter();
    for word in text.split_whitespace() {
        *counts.entry(word.to_lowercase()).or_default() += 1;
    }
    overlap::leave();
}

/// What the checks use to see that threads counted at the same time: how
/// many were inside [`count_text`] at once. Not part of the exercise.
#[doc(hidden)]
pub mod overlap {
    use std::sync::{Condvar, Mutex, MutexGuard};
    use std::time::Duration;

    /// How long a thread entering [`count_text`](super::count_text) waits
    /// for the others: an answer that counts in parallel gets there in
    /// microseconds, one that counts in turn never does.
    const PATIENCE: Duration = Duration::from_secs(3);

    /// How long the threads that made up the number stay in, once: an answer
    /// that starts more threads than workers has another one in by then.
    const LINGER: Duration = Duration::from_millis(500);

    struct Watch {
        /// Threads that must be inside at once before anyone goes on (0: none).
        want: usize,
        inside: usize,
        most: usize,
        /// The first threads have stayed their [`LINGER`].
        lingered: bool,
    }

    static WATCH: Mutex<Watch> = Mutex::new(Watch {
        want: 0,
        inside: 0,
        most: 0,
        lingered: false,
    });
    static CHANGED: Condvar = Condvar::new();

    fn watch() -> MutexGuard<'static, Watch> {
        WATCH
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts watching: from now on, each thread entering `count_text` waits
    /// (up to 3 s, once) until `want` threads are inside at the same time.
    pub fn expect(want: usize) {
        *watch() = Watch {
            want,
            inside: 0,
            most: 0,
            lingered: false,
        };
    }

    /// The most threads that were inside `count_text` at once since [`expect`].
    pub fn most() -> usize {
        watch().most
    }

    pub(crate) fn enter() {
        let mut watch = watch();
        watch.inside += 1;
        watch.most = watch.most.max(watch.inside);
        CHANGED.notify_all();
        let (mut watch, waited) = CHANGED
            .wait_timeout_while(watch, PATIENCE, |w| w.most < w.want)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if waited.timed_out() {
            watch.want = 0; // nobody else comes: stop waiting, let the check say so
        }
        if watch.want > 0 && !watch.lingered {
            let (mut watch, _) = CHANGED
                .wait_timeout_while(watch, LINGER, |w| w.most <= w.want && !w.lingered)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            watch.lingered = true;
            CHANGED.notify_all();
        }
    }

    pub(crate) fn leave() {
        watch().inside -= 1;
    }
}
