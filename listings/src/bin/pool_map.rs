// executor.map with rayon: par_iter().map() runs the calls on a pool, and
// collect() puts every result in its input's place. Needs rayon
// (`cargo add rayon`).
use std::thread;
use std::time::{Duration, Instant};

use rayon::prelude::*;

fn do_something(seconds: f64) -> String {
    println!("Sleeping {seconds} second(s)...");
    thread::sleep(Duration::from_secs_f64(seconds));
    format!("Done sleeping {seconds} second(s)")
}

fn main() {
    let start = Instant::now();
    // Five threads for five tasks that sleep: rayon's global pool has one
    // thread per core, which suits computing, not waiting.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(5)
        .build()
        .expect("a pool of five threads");
    let secs = [1.0, 0.8, 0.6, 0.4, 0.2];
    let results: Vec<String> = pool.install(|| {
        secs.par_iter()
            .with_max_len(1) // one task per piece of work: these are long
            .map(|&seconds| do_something(seconds))
            .collect()
    });
    for result in results {
        println!("{result}");
    }
    println!("Finished in {:.2} second(s)", start.elapsed().as_secs_f64());
}
