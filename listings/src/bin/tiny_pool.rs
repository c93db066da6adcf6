// A thread pool in a page of std: workers take boxed jobs from one shared
// channel, and each job sends its result down a channel of its own (its
// future). Dropping the pool closes the queue and joins the workers.
// Only std.
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

/// Any task, boxed: the queue holds jobs of different closures' types.
type Job = Box<dyn FnOnce() + Send + 'static>;

struct Pool {
    queue: Option<mpsc::Sender<Job>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl Pool {
    fn new(size: usize) -> Pool {
        let (queue, jobs) = mpsc::channel::<Job>();
        // std's Receiver has one owner: the workers share it behind a lock.
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..size)
            .map(|_| {
                let jobs = Arc::clone(&jobs);
                thread::spawn(move || {
                    loop {
                        // The guard is dropped at the end of this statement:
                        // the lock is free again before the job runs.
                        let next = jobs.lock().unwrap().recv();
                        match next {
                            // A job that panics loses its result (its
                            // future sees the channel close), not the worker.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => break, // queue closed and empty
                        }
                    }
                })
            })
            .collect();
        Pool {
            queue: Some(queue),
            workers,
        }
    }

    /// Queues `task`; the receiver is its future.
    fn submit<T: Send + 'static>(
        &self,
        task: impl FnOnce() -> T + Send + 'static,
    ) -> mpsc::Receiver<T> {
        let (result, future) = mpsc::channel();
        let job: Job = Box::new(move || {
            let _ = result.send(task());
        });
        let queue = self.queue.as_ref().expect("open until the pool is dropped");
        queue.send(job).expect("the workers are running");
        future
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        drop(self.queue.take()); // close the queue: workers end when it is empty
        for worker in self.workers.drain(..) {
            let _ = worker.join(); // jobs' panics are caught: workers end well
        }
    }
}

fn main() {
    let pool = Pool::new(2);
    let futures: Vec<mpsc::Receiver<String>> = [0.3, 0.2, 0.1]
        .into_iter()
        .map(|seconds| {
            pool.submit(move || {
                thread::sleep(Duration::from_secs_f64(seconds));
                format!("slept {seconds} s")
            })
        })
        .collect();
    for future in futures {
        println!("{}", future.recv().expect("the task ran"));
    }
    drop(pool);
    println!("the pool is shut down, every worker joined");
}
