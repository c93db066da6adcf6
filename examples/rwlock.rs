//! Many readers or one writer: `RwLock` lets readers overlap, which a
//! `Mutex` never does, and on Linux a waiting writer stops new readers, so
//! readers that keep coming cannot starve it.
//!
//! `cargo run --example rwlock`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::cli;
use harness::println;
use serde::Serialize;

/// RwLock: readers that overlap, and a writer among readers that never stop.
#[derive(Parser)]
struct Args {
    /// How many reader threads
    #[arg(long, value_parser = cli::parse_count, default_value = "4", allow_hyphen_values = true)]
    workers: usize,
    /// How long the readers keep reading, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.3", allow_hyphen_values = true)]
    seconds: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// The same readers on a Mutex and on an RwLock: how many read at once
    Overlap,
    /// A writer arrives while the readers keep taking the lock
    Writer,
}

/// How long each read holds the lock.
const READ: Duration = Duration::from_millis(2);

/// What each mode found, for its `--json` summary.
#[derive(Serialize)]
struct Overlap {
    mutex_at_once: usize,
    rwlock_at_once: usize,
}

#[derive(Serialize)]
struct Writer {
    writer_waited_s: f64,
}

// ANCHOR: overlap
/// `readers` threads read for `run_for`, each read holding the lock 2 ms, with
/// `read` taking the lock; returns how many held it at once, at most.
fn most_at_once(readers: usize, run_for: Duration, read: impl Fn(&dyn Fn()) + Sync) -> usize {
    let (inside, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let started = Instant::now();
    thread::scope(|scope| {
        for _ in 0..readers {
            scope.spawn(|| {
                while started.elapsed() < run_for {
                    read(&|| {
                        let now = inside.fetch_add(1, Ordering::Relaxed) + 1;
                        most.fetch_max(now, Ordering::Relaxed);
                        thread::sleep(READ); // reading, with the lock held
                        inside.fetch_sub(1, Ordering::Relaxed);
                    });
                }
            });
        }
    });
    most.into_inner()
}

fn overlap(readers: usize, run_for: Duration) -> Overlap {
    let config = vec![1u64; 1000]; // what the readers read
    let mutex = Mutex::new(config.clone());
    let rwlock = RwLock::new(config);
    let with_mutex = most_at_once(readers, run_for, |read| {
        let _config = mutex.lock().unwrap();
        read();
    });
    let with_rwlock = most_at_once(readers, run_for, |read| {
        let _config = rwlock.read().unwrap();
        read();
    });
    println!("readers holding the lock at once: Mutex {with_mutex}, RwLock {with_rwlock}");
    Overlap {
        mutex_at_once: with_mutex,
        rwlock_at_once: with_rwlock,
    }
}
// ANCHOR_END: overlap

// ANCHOR: writer
fn writer(readers: usize, run_for: Duration) -> Writer {
    let config = RwLock::new(0u64);
    let readers_stop = Instant::now() + run_for;
    let waited = thread::scope(|scope| {
        for _ in 0..readers {
            scope.spawn(|| {
                // Read again and again, as a busy service would: with several
                // readers, some reader holds the lock almost all the time.
                while Instant::now() < readers_stop {
                    let _version = config.read().unwrap();
                    thread::sleep(READ);
                }
            });
        }
        thread::sleep(run_for / 3); // the readers are in full swing
        let asked = Instant::now();
        *config.write().unwrap() += 1; // waits until no reader holds the lock
        asked.elapsed()
    });
    println!(
        "the writer waited {:.1} ms among {readers} readers that kept reading for {:.2} s more",
        waited.as_secs_f64() * 1e3,
        (run_for - run_for / 3).as_secs_f64()
    );
    Writer {
        writer_waited_s: waited.as_secs_f64(),
    }
}
// ANCHOR_END: writer

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let readers = args.workers;
    cli::run_modes(
        "rwlock",
        args.modes.mode,
        args.modes.json,
        |mode| match mode {
            Mode::Overlap => (
                readers,
                readers,
                cli::findings(overlap(readers, args.seconds)),
            ),
            Mode::Writer => (
                readers,
                readers,
                cli::findings(writer(readers, args.seconds)),
            ),
        },
    );
}
