// initializer with rayon: start_handler runs once in each worker thread as
// it starts, and a thread_local! keeps what it made for every task that
// thread runs. Needs rayon (`cargo add rayon`).
use std::cell::RefCell;
use std::thread;
use std::time::Duration;

use rayon::prelude::*;

thread_local! {
    // RefCell: a value this thread may change through a shared reference,
    // its borrows checked at run time.
    static CONNECTION: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn main() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .start_handler(|worker| {
            thread::sleep(Duration::from_millis(100)); // connecting, slowly
            CONNECTION.set(Some(format!("connection {worker}")));
            println!("worker {worker}: connected");
        })
        .build()
        .expect("a pool of two threads");
    let uses: Vec<String> = pool.install(|| {
        (0..6)
            .into_par_iter()
            .map(|task| {
                thread::sleep(Duration::from_millis(50)); // the query
                let used = CONNECTION.with_borrow(|c| c.clone());
                format!("task {task} used {}", used.as_deref().unwrap_or("nothing"))
            })
            .collect()
    });
    for line in uses {
        println!("{line}");
    }
}
