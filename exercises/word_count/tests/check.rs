//! Checks for "word_count": the counts must equal a plain loop's, for any
//! number of workers, including more workers than texts.

use std::collections::HashMap;

use exercise_word_count::{count_with_rayon, count_with_threads};

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
    let texts = corpus();
    let expected = counted_in_a_loop(&texts);
    for workers in [1, 2, 3, 8, 200] {
        assert_eq!(
            count_with_threads(&texts, workers),
            expected,
            "with {workers} workers: a share of the texts was counted twice or not at all"
        );
    }
}

#[test]
fn rayon_counts_every_word_once() {
    let texts = corpus();
    assert_eq!(count_with_rayon(&texts), counted_in_a_loop(&texts));
}

#[test]
fn no_text_no_word() {
    assert!(count_with_threads(&[], 4).is_empty());
    assert!(count_with_rayon(&[]).is_empty());
}
