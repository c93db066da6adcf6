//! Python's `threading.Condition` and `Queue.join()` in Rust: a `Condvar`
//! with a `Mutex`, waiting in a loop until a condition holds; and a count of
//! unfinished work that the main thread waits on while the workers stay up.
//!
//! `cargo run --example condvar`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

use clap::ValueEnum;
use concurrency_book::lessons::join_counter::Unfinished;
use crossbeam::channel;
use harness::cli::{self, Summary, WorkerModes};
use harness::println;
use harness::timeline::{self, Ideal};

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// A consumer sleeps until a producer has made every item (Condition.wait_for)
    WaitWhile,
    /// Main waits until --workers threads have done every job, and they stay up (Queue.join)
    TaskDone,
}

// ANCHOR: wait_while
/// A producer makes `items` items, one per `step`; the consumer sleeps until
/// all are there. Returns how many times the consumer's condition was checked.
fn wait_for_all(items: usize, step: Duration) -> usize {
    let (made, changed) = (Mutex::new(Vec::new()), Condvar::new());
    let mut checks = 0;
    thread::scope(|scope| {
        scope.spawn(|| {
            for item in 0..items {
                let _span = timeline::task_span(item); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                thread::sleep(step); // making it
                made.lock().unwrap().push(item);
                changed.notify_all(); // "something changed": waiters check
            }
        });
        let guard = made.lock().unwrap();
        // wait_while sleeps, and on each wake-up checks the condition again
        // with the lock held: a wake-up is only a hint (Condition.wait_for).
        let all = changed.wait_while(guard, |made| {
            checks += 1;
            made.len() < items
        });
        assert_eq!(all.unwrap().len(), items);
    });
    checks
}
// ANCHOR_END: wait_while

// ANCHOR: task_done
/// Workers take jobs from a channel. Main hands them out in two batches and
/// after each waits until it is done (`Queue.join()`); the workers stay up
/// between batches. Returns how many jobs were finished at each wait's end.
fn two_batches(jobs: usize, workers: usize, each: Duration) -> Vec<usize> {
    let (queue, jobs_out) = channel::unbounded::<usize>();
    let (unfinished, finished) = (Unfinished::new(), AtomicUsize::new(0));
    thread::scope(|scope| {
        for _ in 0..workers {
            let (jobs_out, unfinished, finished) = (jobs_out.clone(), &unfinished, &finished);
            scope.spawn(move || {
                for job in jobs_out {
                    {
                        let _span = timeline::task_span(job); // ANCHOR: measuring (the timeline; mdBook leaves this line off the page)
                        thread::sleep(each);
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                    unfinished.done(); // after the job: Queue.task_done()
                }
            });
        }
        let mut seen = Vec::new();
        for batch in [0..jobs / 2, jobs / 2..jobs] {
            unfinished.add(batch.len()); // before the jobs go out
            for job in batch {
                queue.send(job).expect("the workers are up");
            }
            assert!(
                unfinished.wait(Duration::from_secs(600)),
                "the jobs were not done"
            );
            seen.push(finished.load(Ordering::SeqCst));
        }
        drop(queue); // no more jobs: each worker's loop ends
        seen
    })
}
// ANCHOR_END: task_done

fn main() {
    let run: WorkerModes<Mode> = cli::parse_shared(
        "Condition and Queue.join: wait until something is true",
        &[("tasks", "6"), ("seconds", "0.1")],
    );
    let mut summaries = Vec::new();
    for mode in cli::modes(run.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let summary = match mode {
            Mode::WaitWhile => {
                let (checks, timeline) =
                    timeline::record(Ideal::SumOfTasks, || wait_for_all(run.tasks, run.seconds));
                println!("{timeline}");
                println!(
                    "the consumer checked its condition {checks} times for {} items\n",
                    run.tasks
                );
                Summary::from_timeline("condvar", name, run.tasks, 1, &timeline)
                    .with("checks", checks)
            }
            Mode::TaskDone => {
                let ideal = Ideal::SumOver {
                    workers: run.workers,
                };
                let (finished, timeline) =
                    timeline::record(ideal, || two_batches(run.tasks, run.workers, run.seconds));
                println!("{timeline}");
                println!("jobs finished when each wait returned: {finished:?}\n");
                Summary::from_timeline("condvar", name, run.tasks, run.workers, &timeline)
                    .with("finished_at_each_wait", finished)
            }
        };
        summaries.push(summary);
    }
    cli::finish(&summaries, run.json, &run.files);
}
