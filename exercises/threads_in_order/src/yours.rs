//! Run `work` on every input at the same time, one thread per input, and
//! return the results in the order of the inputs (not the order in which
//! the threads finish). Practises "Passing arguments and returning results".

/// `work(input)` for every input, all at once; the results in input order.
pub fn run_all<T: Send, R: Send>(inputs: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    todo!("start one thread per input, then collect their results in order")
}
