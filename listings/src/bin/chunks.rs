// imap, imap_unordered and chunksize with rayon. Needs rayon
// (`cargo add rayon`).
use std::sync::mpsc;

use rayon::prelude::*;

fn square(x: u64) -> u64 {
    x * x
}

fn main() {
    let items: Vec<u64> = (0..20_000).collect();
    // map / imap: collect() puts each result in its item's place, however
    // rayon split the work between its threads.
    let ordered: Vec<u64> = items.par_iter().map(|&x| square(x)).collect();
    let in_order = ordered.windows(2).all(|pair| pair[0] < pair[1]);
    println!("ordered: {} results, in order: {in_order}", ordered.len());
    // chunksize: rayon sizes its pieces itself; with_min_len sets the least.
    let chunked: Vec<u64> = (items.par_iter().with_min_len(1000))
        .map(|&x| square(x))
        .collect();
    println!(
        "pieces of 1000 or more: same results: {}",
        chunked == ordered
    );
    // imap_unordered: every piece sends its results as it computes them,
    // and this thread takes them as they come, while the pool works.
    let (sender, receiver) = mpsc::channel();
    let unordered: Vec<u64> = std::thread::scope(|scope| {
        scope.spawn(|| {
            items.par_iter().for_each_with(sender, |sender, &x| {
                let _ = sender.send(square(x));
            });
        });
        receiver.into_iter().collect() // ends when the last sender is gone
    });
    let mut sorted = unordered.clone();
    sorted.sort_unstable();
    println!(
        "unordered: {} results, the same ones: {}",
        unordered.len(),
        sorted == ordered
    );
}
