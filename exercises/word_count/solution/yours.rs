//! A worked solution. Count the words of many texts in parallel: first with
//! `workers` threads of your own, then with rayon.

use std::collections::HashMap;
use std::thread;

use rayon::prelude::*;

use crate::count_text;

fn merge(mut into: HashMap<String, usize>, from: HashMap<String, usize>) -> HashMap<String, usize> {
    for (word, count) in from {
        *into.entry(word).or_default() += count;
    }
    into
}

/// How often each word occurs in all `texts`, counted on `workers` threads.
pub fn count_with_threads(texts: &[String], workers: usize) -> HashMap<String, usize> {
    // Rounded up, so that `workers` shares cover every text.
    let share = texts.len().div_ceil(workers.max(1)).max(1);
    thread::scope(|scope| {
        let handles: Vec<_> = (texts.chunks(share))
            .map(|texts| {
                scope.spawn(move || {
                    let mut counts = HashMap::new();
                    texts.iter().for_each(|text| count_text(text, &mut counts));
                    counts // each thread its own map: no lock while counting
                })
            })
            .collect();
        (handles.into_iter())
            .map(|h| h.join().expect("counting does not panic"))
            .fold(HashMap::new(), merge)
    })
}

/// The same, with rayon.
pub fn count_with_rayon(texts: &[String]) -> HashMap<String, usize> {
    texts
        .par_iter()
        .fold(HashMap::new, |mut counts, text| {
            count_text(text, &mut counts);
            counts
        })
        .reduce(HashMap::new, merge)
}
