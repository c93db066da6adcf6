//! An async function's body runs only when its future is awaited (polled):
//! calling it only makes the future. `.await` runs one future to its end
//! before the next line runs; `tokio::spawn` hands each future to the
//! runtime as a task, and the tasks wait side by side.
//!
//! Cargo.toml: `tokio = { version = "1", features = ["full"] }`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::time::sleep;

/// What happened, in order: each line is also printed as it happens.
#[derive(Clone)]
pub struct Log {
    start: Instant,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Log {
    pub fn new() -> Log {
        Log {
            start: Instant::now(),
            lines: Arc::default(),
        }
    }

    fn note(&self, what: String) {
        println!("{:4} ms  {what}", self.start.elapsed().as_millis());
        self.lines.lock().unwrap().push(what);
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

/// The task: waits 100 ms without holding a thread.
async fn work(name: &'static str, log: Log) -> &'static str {
    log.note(format!("{name} starts"));
    sleep(Duration::from_millis(100)).await;
    log.note(format!("{name} done"));
    name
}

/// Each `.await` runs its future to the end before the next one starts.
pub async fn awaited_in_turn(log: &Log) -> Vec<&'static str> {
    vec![
        work("a", log.clone()).await,
        work("b", log.clone()).await,
        work("c", log.clone()).await,
    ]
}

/// Spawned, the three run at once; the handles are awaited in order.
pub async fn spawned(log: &Log) -> Vec<&'static str> {
    let handles: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|name| tokio::spawn(work(name, log.clone())))
        .collect();
    let mut names = Vec::new();
    for handle in handles {
        names.push(handle.await.expect("a task panicked"));
    }
    names
}

#[tokio::main]
async fn main() {
    let log = Log::new();
    let future = work("never awaited", log.clone());
    log.note("a future exists; its body has not run".into());
    drop(future); // dropped without being polled: it never runs
    log.note("-- awaited in turn".into());
    println!("{:?}", awaited_in_turn(&log).await);
    log.note("-- spawned".into());
    println!("{:?}", spawned(&log).await);
}
