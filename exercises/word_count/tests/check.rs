//! Checks for "word_count": the counts must equal a plain loop's, for any
//! number of workers, including more workers than texts; and the texts must
//! be counted on several threads at once, with threads and with rayon (seen
//! through `count_text`, never timed).

use std::collections::HashMap;
use std::sync::Mutex;

use exercise_support::within;
use exercise_word_count::{count_with_rayon, count_with_threads, overlap};

/// One check at a time: the overlap watch counts every thread in
/// `count_text`, whichever check it belongs to.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 101 texts of made-up words, some upper-case, a few empty.
fn corpus() -> Vec<String> {
    let words = ["Ant", "bee", "cat", "dog", "eel", "fox", "GNU"];
    (0..101)
        .map(|i| {
            (0..i % 13)
                .map(|j| words[(i * 7 + j * 3) % words.len()])
                .collect::<Vec<_>>()
                .join(if i % 2 == 0 { " " } else { "\t \n" })
        })
        .collect()
}

fn counted_in_a_loop(texts: &[String]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in texts.iter().flat_map(|t| t.split_whitespace()) {
        *counts.entry(word.to_lowercase()).or_default() += 1;
    }
    counts
}

#[test]
fn threads_count_every_word_once_for_any_number_of_workers() {
    let _one = one_at_a_time();
    overlap::expect(0);
    let texts = corpus();
    let expected = counted_in_a_loop(&texts);
    for workers in [1, 2, 3, 8, 200] {
        let counted = within("count_with_threads", {
            let texts = texts.clone();
            move || count_with_threads(&texts, workers)
        });
        assert_eq!(
            counted, expected,
            "with {workers} workers: a share of the texts was counted twice or not at all"
        );
    }
}

#[test]
fn threads_count_at_the_same_time() {
    let _one = one_at_a_time();
    overlap::expect(3);
    let counted = within("count_with_threads with 3 workers", || {
        count_with_threads(&corpus(), 3)
    });
    assert_eq!(counted, counted_in_a_loop(&corpus()));
    let most = overlap::most();
    assert!(
        most >= 3,
        "with 3 workers, at most {most} thread(s) were in count_text at once: the shares were \
         counted one after another (joined right after each spawn?), or not by count_text"
    );
    assert!(
        most <= 3,
        "with 3 workers, {most} threads were in count_text at once: start as many threads \
         as workers (a share size rounded down makes one more share), no more"
    );
}

#[test]
fn rayon_counts_every_word_once_and_in_parallel() {
    let _one = one_at_a_time();
    overlap::expect(2);
    // A pool of three threads, so that the check means the same on one core.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let counted = within("count_with_rayon", move || {
        pool.install(|| count_with_rayon(&corpus()))
    });
    assert_eq!(counted, counted_in_a_loop(&corpus()));
    assert!(
        overlap::most() >= 2,
        "rayon counted on one thread at a time: iter() where par_iter() was meant, or \
         texts not counted by count_text"
    );
}

#[test]
fn no_text_no_word() {
    let _one = one_at_a_time();
    overlap::expect(0);
    assert!(
        within("count_with_threads of no text", || count_with_threads(
            &[],
            4
        ))
        .is_empty()
    );
    assert!(within("count_with_rayon of no text", || count_with_rayon(&[])).is_empty());
}
