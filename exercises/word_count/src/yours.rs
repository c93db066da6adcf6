//! Count the words of many texts in parallel: first with `workers` threads
//! of your own (each counts a share of the texts, then the counts are
//! merged), then with rayon. A word is what `split_whitespace` gives,
//! lower-cased. Practises "CPU-bound work" and "map".

use std::collections::HashMap;

/// How often each word occurs in all `texts`, counted on `workers` threads.
pub fn count_with_threads(texts: &[String], workers: usize) -> HashMap<String, usize> {
    todo!("split texts into `workers` shares, count each on a scoped thread, merge")
}

/// The same, with rayon.
pub fn count_with_rayon(texts: &[String]) -> HashMap<String, usize> {
    todo!("par_iter, a map per text or per piece of work, then reduce")
}
