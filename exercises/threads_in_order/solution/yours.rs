//! A worked solution: scoped threads may borrow `work`, and joining the
//! handles in the order they were made gives the results in input order.

use std::thread;

/// `work(input)` for every input, all at once; the results in input order.
pub fn run_all<T: Send, R: Send>(inputs: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    let work = &work;
    thread::scope(|scope| {
        // Every thread is started before any is joined: they all run at once.
        let handles: Vec<_> = (inputs.into_iter())
            .map(|input| scope.spawn(move || work(input)))
            .collect();
        (handles.into_iter())
            .map(|handle| handle.join().expect("work does not panic"))
            .collect()
    })
}
