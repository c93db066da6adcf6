//! Python's everyday names that have no example of their own, each beside
//! the Rust that the quick reference gives for it (`src/quick-reference.md`,
//! whose rows name these tests). Not ports of CPython's tests: each shows
//! that the counterpart does what the row says.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::thread::JoinHandle;

use rayon::prelude::*;

use super::*;

/// `threading.Timer(delay, f)`: a thread that waits on a channel for at most
/// `delay`, and runs `f` if nothing came. Sending on (or dropping) the
/// returned sender is `timer.cancel()`. The handle says whether `f` ran.
fn timer(
    delay: Duration,
    f: impl FnOnce() + Send + 'static,
) -> (mpsc::Sender<()>, JoinHandle<bool>) {
    let (cancel, cancelled) = mpsc::channel();
    let handle = thread::spawn(move || match cancelled.recv_timeout(delay) {
        Err(RecvTimeoutError::Timeout) => {
            f();
            true
        }
        Ok(()) | Err(RecvTimeoutError::Disconnected) => false,
    });
    (cancel, handle)
}

#[test]
fn timer_runs_after_its_delay_unless_cancelled() {
    let ran = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let counter = Arc::clone(&ran);
    let (_keep, fires) = timer(SHORT, move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    assert!(fires.join().unwrap(), "an uncancelled timer runs");
    assert!(started.elapsed() >= SHORT, "and not before its delay");

    let counter = Arc::clone(&ran);
    let (cancel, cancelled) = timer(LONG, move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    cancel.send(()).unwrap();
    assert!(!cancelled.join().unwrap(), "a cancelled timer does not run");
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

/// `threading.current_thread().name`, `threading.get_ident()`.
#[test]
fn current_thread_has_a_name_and_an_id() {
    let (name, id) = thread::Builder::new()
        .name("downloader-1".into())
        .spawn(|| {
            let me = thread::current();
            (me.name().map(str::to_string), me.id())
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(name.as_deref(), Some("downloader-1"));
    assert_ne!(
        id,
        thread::current().id(),
        "each thread has its own ThreadId"
    );
    // The test harness names its threads after the tests.
    assert!(thread::current().name().is_some());
}

/// `threading.get_native_id()`: the kernel's thread id (Linux `gettid`).
#[test]
fn native_thread_ids_differ_between_threads() {
    let mine = nix::unistd::gettid();
    let other = thread::spawn(nix::unistd::gettid).join().unwrap();
    assert_ne!(mine, other);
}

/// `threading.excepthook`: a panic hook sees every thread's panic (it is
/// process-wide: this one passes the others on to the hook it replaced),
/// and `join()` returns the panic's payload.
#[test]
fn a_panic_in_a_thread_reaches_the_hook_and_join() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let previous = std::panic::take_hook();
    let record = Arc::clone(&seen);
    std::panic::set_hook(Box::new(move |info| {
        if thread::current().name() == Some("excepthook-demo") {
            record.lock().unwrap().push(info.to_string());
        } else {
            previous(info);
        }
    }));
    let failed = thread::Builder::new()
        .name("excepthook-demo".into())
        .spawn(|| panic!("disk full"))
        .unwrap()
        .join();
    let payload = failed.expect_err("join returns the panic");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"disk full"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("disk full"), "{seen:?}");
}

/// `threading.stack_size(n)` sets it for later threads; Rust sets it per
/// thread, on the builder.
#[test]
fn a_thread_with_a_set_stack_size() {
    let handle = thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| (1..=10u64).product::<u64>())
        .unwrap();
    assert_eq!(handle.join().unwrap(), 3_628_800);
}

/// `threading.enumerate()`, `active_count()`: keep the handles, and ask
/// each whether it has finished.
#[test]
fn handles_say_which_threads_still_run() {
    let gate = Arc::new(Barrier::new(2));
    let waiting = thread::spawn(held(&gate));
    let quick = thread::spawn(|| 1);
    let deadline = Instant::now() + LONG;
    while !quick.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    let running = [&waiting, &quick]
        .iter()
        .filter(|h| !h.is_finished())
        .count();
    assert_eq!(running, 1, "the one held at the gate still runs");
    gate.wait();
    assert_eq!(waiting.join().unwrap() + quick.join().unwrap(), 2);
}

/// `queue.LifoQueue`: a `Vec` under a `Mutex`, and a `Condvar` for `get`.
#[derive(Default)]
struct LifoQueue<T> {
    items: Mutex<Vec<T>>,
    not_empty: Condvar,
}

impl<T> LifoQueue<T> {
    fn put(&self, item: T) {
        self.items.lock().unwrap().push(item);
        self.not_empty.notify_one();
    }

    fn get(&self, timeout: Duration) -> Option<T> {
        let items = self.items.lock().unwrap();
        let (mut items, _) = (self.not_empty)
            .wait_timeout_while(items, timeout, |items| items.is_empty())
            .unwrap();
        items.pop()
    }
}

#[test]
fn lifo_queue_hands_out_the_newest_first() {
    let queue = Arc::new(LifoQueue::default());
    (1..=3).for_each(|n| queue.put(n));
    assert_eq!(queue.get(SHORT), Some(3));
    assert_eq!(queue.get(SHORT), Some(2));
    let later = Arc::clone(&queue);
    let putter = thread::spawn(move || {
        thread::sleep(SHORT);
        later.put(9);
    });
    assert_eq!(queue.get(SHORT), Some(1));
    assert_eq!(queue.get(LONG), Some(9), "get waits for a put");
    putter.join().unwrap();
    assert_eq!(queue.get(SHORT), None, "and gives up after its timeout");
}

/// `queue.PriorityQueue`: a `BinaryHeap` (a max-heap: `Reverse` makes the
/// smallest come out first, as in Python) under a `Mutex`.
#[test]
fn priority_queue_hands_out_the_smallest_first() {
    let queue = Mutex::new(BinaryHeap::new());
    for (priority, job) in [(3, "later"), (1, "first"), (2, "then")] {
        queue.lock().unwrap().push(Reverse((priority, job)));
    }
    let order: Vec<&str> = std::iter::from_fn(|| queue.lock().unwrap().pop())
        .map(|Reverse((_, job))| job)
        .collect();
    assert_eq!(order, ["first", "then", "later"]);
}

/// `queue.ShutDown` (3.13) for channels: once every sender is gone, `recv`
/// hands out what is left, then fails; once the receiver is gone, `send`
/// fails and gives the message back.
#[test]
fn a_channel_ends_when_its_senders_are_gone() {
    let (sender, receiver) = crossbeam::channel::unbounded();
    sender.send(1).unwrap();
    drop(sender);
    assert_eq!(receiver.recv(), Ok(1));
    assert!(receiver.recv().is_err());

    let (sender, receiver) = crossbeam::channel::unbounded();
    drop(receiver);
    assert_eq!(sender.send(2).unwrap_err().into_inner(), 2);
}

/// `pool.starmap(f, pairs)`: rayon's `map` over tuples, in input order.
#[test]
fn starmap_is_map_over_tuples() {
    let pairs = vec![(2u64, 10u32), (3, 4), (10, 3)];
    let powers: Vec<u64> = pairs.par_iter().map(|&(a, b)| a.pow(b)).collect();
    assert_eq!(powers, [1024, 81, 1000]);
}

/// `multiprocessing.current_process().pid`, `parent_process()`.
#[test]
fn a_child_knows_its_parent() {
    let output = Command::new("sh")
        .args(["-c", "echo $PPID"])
        .output()
        .unwrap();
    let parent: u32 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap();
    assert_eq!(parent, std::process::id());
    assert_ne!(std::os::unix::process::parent_id(), std::process::id());
}

/// `multiprocessing.active_children()`, `p.is_alive()`, `p.terminate()`:
/// keep the `Child` handles; `try_wait` asks without waiting, SIGTERM
/// (nix) is `terminate`, and `wait` reaps the child.
#[test]
fn a_child_runs_until_terminated_and_is_reaped() {
    let mut child = Command::new("sleep")
        .arg("30")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    assert!(child.try_wait().unwrap().is_none(), "still running");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "ended by SIGTERM: {status}");
    assert_eq!(status.code(), None, "p.exitcode would be -15");
}
