// The Unix body of crates/processes/examples/shared_memory.rs (included from there).

use std::io;
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::println;
use harness::cli::{self, Summary};
use concurrency_book::lessons::counter;
use processes::worker;
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};
use nix::sys::wait::WaitStatus;
use nix::unistd::{ForkResult, fork};

/// Let several workers update one shared counter and array, and check the totals.
#[derive(Parser)]
struct Args {
    /// Workers (threads or processes)
    #[arg(long, value_parser = cli::parse_count, default_value = "4", allow_hyphen_values = true)]
    workers: usize,
    /// Increments per worker (accepts 1e6)
    #[arg(long, value_parser = cli::parse_big_count, default_value = "1e6", allow_hyphen_values = true)]
    increments: u64,
    /// The longest the worker processes may take, in seconds: then they are
    /// killed and the run fails
    #[arg(long, value_parser = cli::parse_timeout, default_value = "60", allow_hyphen_values = true)]
    deadline: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Mode {
    /// Threads sharing an Arc<Shared> with atomic increments
    Threads,
    /// Forked processes sharing an anonymous MAP_SHARED mapping
    Processes,
    /// Forked processes that load, add and store: updates get lost
    LostUpdates,
}

/// The most workers the shared array has room for.
const MAX_WORKERS: usize = 64;

// ANCHOR: shared
/// What the workers share: one counter, and one slot per worker.
/// All zeros is a valid value, which is what a fresh mapping holds.
struct Shared {
    counter: AtomicU64,
    slots: [AtomicU64; MAX_WORKERS],
    /// Workers that have started: they wait for each other, so they overlap.
    ready: AtomicU64,
}

/// One worker's share: `increments` additions to the counter, and its own slot.
fn work(shared: &Shared, worker: usize, workers: usize, increments: u64, atomic: bool) {
    shared.ready.fetch_add(1, Ordering::SeqCst);
    let give_up = Instant::now() + Duration::from_secs(5);
    while shared.ready.load(Ordering::SeqCst) < workers as u64 && Instant::now() < give_up {
        std::hint::spin_loop(); // a start line: all begin at once
    }
    for _ in 0..increments {
        if atomic {
            counter::add_one(&shared.counter); // one indivisible step
        } else {
            counter::add_one_racy(&shared.counter); // a load, then a store: adds get lost
        }
    }
    shared.slots[worker].store(increments, Ordering::Relaxed);
}
// ANCHOR_END: shared

// ANCHOR: threads
fn with_threads(workers: usize, increments: u64) -> (u64, u64) {
    let shared = Arc::new(Shared {
        counter: AtomicU64::new(0),
        slots: std::array::from_fn(|_| AtomicU64::new(0)),
        ready: AtomicU64::new(0),
    });
    let handles: Vec<_> = (0..workers)
        .map(|worker| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || work(&shared, worker, workers, increments, true))
        })
        .collect();
    for handle in handles {
        handle.join().expect("workers do not panic");
    }
    let slots = shared.slots.iter().map(|s| s.load(Ordering::Relaxed)).sum();
    (shared.counter.load(Ordering::Relaxed), slots)
}
// ANCHOR_END: threads

// ANCHOR: processes
fn with_processes(workers: usize, increments: u64, atomic: bool, limit: Duration) -> io::Result<(u64, u64)> {
    let size = NonZeroUsize::new(size_of::<Shared>()).expect("Shared is not empty");
    // SAFETY: a fresh anonymous mapping overlaps nothing; MAP_SHARED keeps it
    // shared with the children after fork instead of copied on write.
    let memory: NonNull<Shared> = unsafe {
        mmap_anonymous(None, size, ProtFlags::PROT_READ | ProtFlags::PROT_WRITE, MapFlags::MAP_SHARED)?
    }
    .cast();
    // SAFETY: the mapping is zeroed, aligned to a page, large enough, and
    // zeros are a valid `Shared`; it outlives `shared` (unmapped below).
    let shared: &Shared = unsafe { memory.as_ref() };

    let (mut children, parent) = (Vec::new(), std::process::id());
    for worker in 0..workers {
        // SAFETY: the child only asks to die with its parent (prctl(2),
        // getppid(2)), does atomic operations on the shared mapping, reads
        // the clock (clock_gettime(2)), and leaves with _exit(2): all
        // async-signal-safe, nothing that takes a lock or allocates.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                #[cfg(target_os = "linux")]
                let _ = worker::die_with_parent(parent); // no orphan, even after a SIGKILL
                work(shared, worker, workers, increments, atomic);
                unsafe { libc::_exit(0) } // SAFETY: see exit_child in fork_vs_spawn
            }
            Ok(ForkResult::Parent { child }) => children.push(child),
            Err(refused) => {
                // A process limit refused this fork: stop and reap the
                // children already started, so that none is left a zombie.
                for &child in &children {
                    let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
                    let _ = nix::sys::wait::waitpid(child, None);
                }
                // SAFETY: every child has exited and `shared` is not used after this.
                unsafe { munmap(memory.cast(), size.get())? };
                let why = format!("fork refused after {} worker(s): {refused}", children.len());
                return Err(io::Error::other(why));
            }
        }
    }
    let deadline = Instant::now() + limit;
    let mut unfinished = Vec::new();
    for child in children {
        // Past the deadline a child is killed; any end but exit code 0 is a failure.
        match worker::wait_pid_until(child, deadline)? {
            WaitStatus::Exited(_, 0) => {}
            status => unfinished.push(format!("{status:?}")),
        }
    }
    let totals = (
        shared.counter.load(Ordering::Relaxed),
        shared.slots.iter().map(|s| s.load(Ordering::Relaxed)).sum(),
    );
    // SAFETY: every child has exited and `shared` is not used after this.
    unsafe { munmap(memory.cast(), size.get())? };
    if !unfinished.is_empty() {
        let why = format!("workers did not finish within --deadline: {}", unfinished.join(", "));
        return Err(io::Error::new(io::ErrorKind::TimedOut, why));
    }
    Ok(totals)
}
// ANCHOR_END: processes


fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if args.workers > MAX_WORKERS {
        eprintln!("error: --workers: at most {MAX_WORKERS} (the shared array's size)");
        std::process::exit(2);
    }
    let expected = args.workers as u64 * args.increments;
    println!("{} workers x {} increments = {expected} expected", args.workers, args.increments);
    println!("mode          counter     slots    elapsed   increments/s");
    let mut summaries = Vec::new();
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        let started = Instant::now();
        let totals = match mode {
            Mode::Threads => Ok(with_threads(args.workers, args.increments)),
            Mode::Processes => with_processes(args.workers, args.increments, true, args.deadline),
            Mode::LostUpdates => with_processes(args.workers, args.increments, false, args.deadline),
        };
        let elapsed = started.elapsed();
        let (counter, slots) = totals.unwrap_or_else(|error| {
            eprintln!("error: {name}: {error}");
            std::process::exit(1);
        });
        let rate = counter as f64 / elapsed.as_secs_f64();
        println!(
            "{name:<12} {counter:>9} {slots:>9} {:>8.1} ms {rate:>14.0}",
            elapsed.as_secs_f64() * 1000.0
        );
        summaries.push(
            Summary::new("shared_memory", name, args.workers, args.workers, elapsed)
                .with("expected", expected)
                .with("counter", counter)
                .with("slots_total", slots)
                .with("lost", expected - counter.min(expected))
                .with("increments_per_s", rate.round()),
        );
    }
    cli::print_json(&summaries, args.modes.json);
}
