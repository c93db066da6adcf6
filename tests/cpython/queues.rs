//! Ported from queue (test_queue.py): order, blocking, shutdown, join and bounds.

use super::*;

/// cpython: test_queue.py BaseQueueTestMixin.test_basic
/// behaviour: a queue hands out what was put, first in first out
#[test]
fn queue_is_fifo() {
    let queue = JobQueue::default();
    for i in 0..5 {
        queue.push(i).unwrap();
    }
    queue.close();
    let taken: Vec<i32> = std::iter::from_fn(|| queue.pop()).collect();
    assert_eq!(taken, [0, 1, 2, 3, 4]);
}

/// cpython: test_queue.py BaseQueueTestMixin.test_basic
/// behaviour: get() on an empty queue blocks until an item is put
#[test]
fn queue_get_blocks_until_put() {
    let queue = Arc::new(JobQueue::default());
    let taker = thread::spawn({
        let queue = Arc::clone(&queue);
        move || queue.pop()
    });
    thread::sleep(SHORT);
    assert!(!taker.is_finished(), "it waits");
    queue.push(9).unwrap();
    assert_eq!(taker.join().unwrap(), Some(9));
}

/// cpython: test_queue.py BaseQueueTestMixin.test_shutdown_nonempty
/// behaviour: after shutdown (3.13), put fails, what was queued is still handed out, then get reports the end (Python raises ShutDown; the book's pop returns None)
#[test]
fn queue_shutdown() {
    let queue = Arc::new(JobQueue::default());
    queue.push(1).unwrap();
    queue.close();
    assert!(queue.push(2).is_err(), "no put after close");
    assert_eq!(queue.pop(), Some(1), "what was queued is still handed out");
    assert_eq!(queue.pop(), None);
}

/// cpython: test_queue.py BaseQueueTestMixin.test_queue_join
/// behaviour: join() returns once task_done() was called for every item put
#[test]
fn queue_join() {
    let unfinished = Arc::new(Unfinished::new());
    unfinished.add(4);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let unfinished = Arc::clone(&unfinished);
            thread::spawn(move || {
                thread::sleep(SHORT);
                unfinished.done();
            })
        })
        .collect();
    assert!(unfinished.wait(LONG));
    workers.into_iter().for_each(|w| w.join().unwrap());
}

/// cpython: test_queue.py BaseQueueTestMixin.test_queue_task_done
/// behaviour: task_done() called more times than items put is an error
/// differs: Python raises ValueError; the book's `Unfinished::done` panics, a bug in the caller
#[test]
fn queue_task_done_too_often() {
    let unfinished = Unfinished::new();
    unfinished.add(1);
    unfinished.done();
    let extra = std::panic::catch_unwind(|| unfinished.done());
    assert!(extra.is_err());
}

/// cpython: test_queue.py BaseQueueTestMixin.test_queue_join
/// behaviour: join() with nothing outstanding returns at once
#[test]
fn queue_join_with_nothing_put() {
    assert!(Unfinished::new().wait(Duration::ZERO));
}

/// cpython: test_queue.py BaseQueueTestMixin.test_nowait
/// behaviour: Queue(maxsize) as crossbeam's bounded channel: put blocks while full, put_nowait fails
#[test]
fn bounded_queue_blocks_when_full() {
    let (sender, receiver) = crossbeam::channel::bounded(2);
    sender.send(1).unwrap();
    sender.send(2).unwrap();
    assert!(sender.try_send(3).is_err(), "full");
    assert!(
        sender.send_timeout(3, SHORT).is_err(),
        "a put waits, here in vain"
    );
    assert_eq!(receiver.recv(), Ok(1));
    assert!(sender.try_send(3).is_ok(), "room again");
}

/// cpython: test_queue.py BaseQueueTestMixin.test_basic
/// behaviour: get_nowait on an empty queue fails at once, and get with a timeout waits that long
#[test]
fn queue_get_nowait_and_timeout() {
    let (_sender, receiver) = crossbeam::channel::unbounded::<u8>();
    assert!(receiver.try_recv().is_err());
    let started = Instant::now();
    assert!(receiver.recv_timeout(SHORT).is_err());
    assert!(started.elapsed() >= SHORT);
}
