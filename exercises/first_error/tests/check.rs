//! Checks for "first_error". The jobs note when they start; the checks hold
//! every run, whatever the scheduler does, and each runs under a watchdog
//! that fails a hang within 15 s.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Duration;

use exercise_first_error::run_until_error;
use exercise_support::within;

#[test]
fn all_results_in_job_order_when_nothing_fails() {
    let results = within("20 jobs on 3 workers", || {
        run_until_error(20, 3, |i| Ok(i as u64 * 3))
    });
    let expected: Vec<u64> = (0..20).map(|i| i * 3).collect();
    assert_eq!(results, Ok(expected));
}

#[test]
fn one_worker_starts_nothing_after_the_failing_job() {
    let (outcome, started) = within("10 jobs on 1 worker", || {
        let started = Mutex::new(Vec::new());
        let outcome = run_until_error(10, 1, |i| {
            started.lock().unwrap().push(i);
            if i == 3 {
                Err(format!("job {i} failed"))
            } else {
                Ok(0)
            }
        });
        (outcome, started.into_inner().unwrap())
    });
    assert_eq!(outcome, Err("job 3 failed".to_string()));
    assert_eq!(
        started,
        [0, 1, 2, 3],
        "jobs after the failing one were started"
    );
}

#[test]
fn many_workers_start_only_a_few_jobs_after_an_early_failure() {
    // Job 0 fails at once; the others take 200 ms. By the time the first of
    // them is done, the failure is long known: only the jobs already running
    // (one per other worker) may have started. Without a stop, all 60 start.
    let (outcome, started) = within("60 jobs on 4 workers", || {
        let started = Mutex::new(0);
        let outcome = run_until_error(60, 4, |i| {
            *started.lock().unwrap() += 1;
            if i == 0 {
                return Err("job 0 failed".into());
            }
            thread::sleep(Duration::from_millis(200));
            Ok(1)
        });
        (outcome, started.into_inner().unwrap())
    });
    assert_eq!(outcome, Err("job 0 failed".to_string()));
    assert!(
        started <= 8,
        "{started} of 60 jobs started after job 0 failed: check a stop flag before each job"
    );
}

/// Four jobs on four workers, started together (a barrier holds each until
/// all four run), each failing after its own delay; the error kept.
fn four_failing_after(delays_ms: [u64; 4]) -> Result<Vec<u64>, String> {
    within(
        "four jobs on four workers to run at once (do your workers run at the same time?)",
        move || {
            let all_four = Barrier::new(4);
            run_until_error(4, 4, |i| {
                all_four.wait();
                thread::sleep(Duration::from_millis(delays_ms[i]));
                Err(format!("job {i} failed"))
            })
        },
    )
}

#[test]
fn the_first_error_in_time_is_kept_not_the_last_nor_the_lowest_job_s() {
    // Job 0 fails at once, the others 300 ms apart: keeping each new error
    // returns job 3's.
    assert_eq!(
        four_failing_after([0, 300, 600, 900]),
        Err("job 0 failed".to_string()),
        "the error kept must be the first one, not the last"
    );
    // Now job 3 fails at once: keeping the lowest job number's error
    // (collecting the results in order, say) returns job 0's.
    assert_eq!(
        four_failing_after([900, 600, 300, 0]),
        Err("job 3 failed".to_string()),
        "the error kept must be the first one in time, whatever its job number"
    );
}

#[test]
fn a_free_worker_takes_the_next_job() {
    // Job 0 waits (5 s at most) until job 2 is done. A free worker takes
    // the next job, so the other worker runs jobs 1 and 2 meanwhile; handing
    // each worker its jobs in advance (0, 2, 4 to the first) leaves job 2
    // behind job 0.
    let outcome = within("six jobs on two workers", || {
        let job_2_done = (Mutex::new(false), std::sync::Condvar::new());
        run_until_error(6, 2, |i| {
            let (done, changed) = &job_2_done;
            match i {
                0 => {
                    let done = done.lock().unwrap();
                    let wait = Duration::from_secs(5);
                    let (done, _) = changed.wait_timeout_while(done, wait, |d| !*d).unwrap();
                    if !*done {
                        return Err("job 2 did not run while job 0 did".into());
                    }
                }
                2 => {
                    *done.lock().unwrap() = true;
                    changed.notify_all();
                }
                _ => {}
            }
            Ok(i as u64)
        })
    });
    assert_eq!(outcome, Ok(vec![0, 1, 2, 3, 4, 5]));
}

#[test]
fn never_more_jobs_at_once_than_workers() {
    // Six jobs of 300 ms on two workers: a thread per job, or one worker
    // too many, has more than two inside at once.
    let most = within("six jobs on two workers", || {
        let (inside, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let outcome = run_until_error(6, 2, |_| {
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(300));
            inside.fetch_sub(1, Ordering::SeqCst);
            Ok(0)
        });
        assert!(outcome.is_ok(), "{outcome:?}");
        most.into_inner()
    });
    assert_eq!(most, 2, "{most} jobs ran at once on two workers");
}
