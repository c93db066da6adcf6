//! A worked solution: a shared counter hands out job numbers, and a flag,
//! raised by the first failure, is checked before each job is taken.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

/// Every job's result in job order, or the first error: once a job has
/// failed, no job starts.
pub fn run_until_error(
    jobs: usize,
    workers: usize,
    job: impl Fn(usize) -> Result<u64, String> + Sync,
) -> Result<Vec<u64>, String> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error = Mutex::new(None);
    let results = Mutex::new(vec![0; jobs]);
    thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while !stop.load(Ordering::SeqCst) {
                    let number = next.fetch_add(1, Ordering::SeqCst);
                    if number >= jobs {
                        break;
                    }
                    match job(number) {
                        Ok(value) => results.lock().unwrap()[number] = value,
                        Err(error) => {
                            stop.store(true, Ordering::SeqCst); // before anything else
                            first_error.lock().unwrap().get_or_insert(error);
                        }
                    }
                }
            });
        }
    });
    match first_error.into_inner().unwrap() {
        Some(error) => Err(error),
        None => Ok(results.into_inner().unwrap()),
    }
}
