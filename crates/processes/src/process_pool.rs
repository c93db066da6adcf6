//! A pool of worker processes fed through pipes, for "Process pools": what
//! Python's `ProcessPoolExecutor` does, with the failures made visible.
//!
//! Each worker is this program run again in a worker mode ([`serve`]): it
//! reads jobs from its stdin and writes answers to its stdout, one framed JSON
//! message each ([`crate::lessons::ipc`]). The parent keeps one reader thread per worker
//! and hands out jobs as workers become free, so results come back in
//! completion order. A worker that dies (a panic, an abort, a signal) or that
//! overruns the task timeout is reported with how it ended, replaced by a new
//! process, and its task retried once. Every child is reaped on every path.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufReader, BufWriter};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam::channel::{self, Receiver, Sender};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wire::{Answer, Envelope};

use crate::{ipc, worker};
use timeline::{self, SpanGuard};

/// How many times a task runs at most: once, and one retry after a crash.
pub const ATTEMPTS: u32 = 2;

/// The outcome of one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<R> {
    Done(R),
    /// Every attempt's worker died; the texts say how each one ended.
    Failed(Vec<String>),
}

/// `(task, outcome)` pairs, in the order the tasks finished.
pub type Finished<R> = Vec<(usize, Outcome<R>)>;

/// What the pool reports while it runs (printed by the example).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A worker process died with its task; `retry` says whether it runs again.
    WorkerDied {
        task: usize,
        pid: u32,
        how: String,
        retry: bool,
    },
    /// A worker process was retired after `tasks` tasks (`max_tasks_per_worker`).
    WorkerRetired { pid: u32, tasks: usize },
    /// A replacement worker process started.
    WorkerStarted { pid: u32 },
}

/// The pool's options.
#[derive(Debug, Clone)]
pub struct Options {
    pub workers: usize,
    /// A task running longer than this has its worker killed.
    pub task_timeout: Duration,
    /// Arguments that start this program in worker mode.
    pub worker_args: Vec<String>,
    /// Replace a worker after this many tasks (Python's `maxtasksperchild`):
    /// whatever it leaked, in native code say, goes with it.
    pub max_tasks_per_worker: Option<usize>,
    /// Let the workers write to our stderr; false silences them (the crash
    /// demonstration's panics), and a dead worker is still reported.
    pub worker_stderr: bool,
}

struct Process {
    child: Child,
    to_worker: BufWriter<ChildStdin>,
    /// Which start of a worker this is: a pid could in principle be reused.
    generation: u64,
    /// Tasks it has finished.
    done: usize,
    /// The task it runs now, its attempt, when it started (on the pool's
    /// [`RunClock`]), and its timeline span.
    busy: Option<(usize, u32, Duration, SpanGuard)>,
    /// Set when the pool kills it for overrunning the task timeout, so that
    /// its death is reported with that cause.
    timed_out: bool,
}

/// The time the pool could run: the wall clock less the pauses it sat
/// through (Ctrl-Z then `fg`, `SIGSTOP`, a suspended machine), so that a task's
/// timeout counts only the time its worker could work. A pause shows as a
/// long gap between two turns of the dispatcher's loop, which turns at least
/// every 20 ms while the pool runs.
struct RunClock {
    since: Instant,
    last_turn: Instant,
    paused: Duration,
}

/// A gap between two turns longer than this was a pause, not a slow turn.
const PAUSE: Duration = Duration::from_secs(1);

impl RunClock {
    fn new() -> RunClock {
        let now = Instant::now();
        RunClock {
            since: now,
            last_turn: now,
            paused: Duration::ZERO,
        }
    }

    /// Called once per turn of the loop: a long gap since the last turn is
    /// taken off the time the pool could run.
    fn turn(&mut self) {
        let now = Instant::now();
        let gap = now - self.last_turn;
        if gap > PAUSE {
            self.paused += gap;
        }
        self.last_turn = now;
    }

    /// Time the pool could run, since it started.
    fn now(&self) -> Duration {
        self.since.elapsed().saturating_sub(self.paused)
    }
}

/// Messages from the reader threads to the dispatcher, naming the worker
/// (its slot and generation: a retired worker's last words must not be
/// taken for its replacement's).
enum FromReader {
    Answer {
        slot: usize,
        generation: u64,
        bytes: Vec<u8>,
    },
    Closed {
        slot: usize,
        generation: u64,
        error: Option<String>,
    },
}

/// The process pool. Dropping it kills and reaps every worker.
pub struct ProcessPool {
    options: Options,
    slots: Vec<Option<Process>>,
    from_readers: (Sender<FromReader>, Receiver<FromReader>),
    stop: Arc<AtomicBool>,
    /// Workers started so far.
    started: u64,
    clock: RunClock,
}

impl ProcessPool {
    /// Starts `options.workers` worker processes.
    pub fn start(options: Options) -> io::Result<ProcessPool> {
        Self::start_with_stop_flag(options, Arc::default())
    }

    /// Starts the pool with a stop flag made beforehand: a Ctrl-C handler
    /// installed before the workers start cannot miss a signal sent as soon
    /// as they exist.
    pub fn start_with_stop_flag(
        options: Options,
        stop: Arc<AtomicBool>,
    ) -> io::Result<ProcessPool> {
        assert!(options.workers > 0, "a pool needs at least one worker");
        if options.max_tasks_per_worker == Some(0) {
            // Python's ProcessPoolExecutor raises ValueError for 0 too.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_tasks_per_worker must be at least 1",
            ));
        }
        let mut pool = ProcessPool {
            slots: (0..options.workers).map(|_| None).collect(),
            options,
            from_readers: channel::unbounded(),
            stop,
            started: 0,
            clock: RunClock::new(),
        };
        for slot in 0..pool.slots.len() {
            pool.spawn(slot)?;
        }
        Ok(pool)
    }

    /// A flag that makes [`ProcessPool::run`] stop early (set it from a Ctrl-C handler).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    /// The worker processes' ids, in slot order.
    pub fn pids(&self) -> Vec<u32> {
        self.slots.iter().flatten().map(|p| p.child.id()).collect()
    }

    fn spawn(&mut self, slot: usize) -> io::Result<u32> {
        // Started from the thread that runs the pool, which outlives its workers.
        let mut child = worker::dies_with_parent(&mut Command::new(std::env::current_exe()?))
            .args(&self.options.worker_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match self.options.worker_stderr {
                true => Stdio::inherit(),
                false => Stdio::null(),
            })
            .spawn()?;
        let to_worker = BufWriter::new(child.stdin.take().expect("stdin was piped"));
        let mut from_worker = BufReader::new(child.stdout.take().expect("stdout was piped"));
        let sender = self.from_readers.0.clone();
        self.started += 1;
        let generation = self.started;
        thread::spawn(move || {
            loop {
                match ipc::read_message(&mut from_worker) {
                    Ok(Some(bytes)) => {
                        let answer = FromReader::Answer {
                            slot,
                            generation,
                            bytes,
                        };
                        if sender.send(answer).is_err() {
                            return; // the pool is gone
                        }
                    }
                    Ok(None) => {
                        return drop(sender.send(FromReader::Closed {
                            slot,
                            generation,
                            error: None,
                        }));
                    }
                    Err(e) => {
                        let error = Some(e.to_string());
                        let closed = FromReader::Closed {
                            slot,
                            generation,
                            error,
                        };
                        return drop(sender.send(closed));
                    }
                }
            }
        });
        let pid = child.id();
        self.slots[slot] = Some(Process {
            child,
            to_worker,
            generation,
            done: 0,
            busy: None,
            timed_out: false,
        });
        Ok(pid)
    }

    /// Python's `pool.map`: runs every job and returns one result per job, in
    /// submission order. A job whose every worker died, or a pool that could
    /// not run at all, gives an `Err` with the reason.
    pub fn map<J, R>(&mut self, jobs: Vec<J>) -> Vec<Result<R, String>>
    where
        J: Serialize,
        R: DeserializeOwned,
    {
        let count = jobs.len();
        match self.run(jobs, |_| {}) {
            Ok(mut outcomes) => {
                outcomes.sort_by_key(|(task, _)| *task);
                (outcomes.into_iter())
                    .map(|(_, outcome)| match outcome {
                        Outcome::Done(result) => Ok(result),
                        Outcome::Failed(deaths) => {
                            Err(format!("the worker died: {}", deaths.join("; ")))
                        }
                    })
                    .collect()
            }
            // Every job fails; dropping the pool later reaps the workers.
            Err(error) => (0..count)
                .map(|_| Err(format!("the worker processes failed: {error}")))
                .collect(),
        }
    }

    /// Runs every job and returns `(task, outcome)` pairs in completion order.
    /// `on_event` hears about deaths and replacements as they happen.
    /// Returns an `Interrupted` error if the stop flag was set.
    pub fn run<J, R>(
        &mut self,
        jobs: Vec<J>,
        on_event: impl FnMut(&Event),
    ) -> io::Result<Vec<(usize, Outcome<R>)>>
    where
        J: Serialize,
        R: DeserializeOwned,
    {
        match self.run_until_stopped(jobs, on_event)? {
            (finished, false) => Ok(finished),
            (_, true) => Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "stopped by the user",
            )),
        }
    }

    /// [`ProcessPool::run`] that keeps what finished when the stop flag is
    /// set: the busy workers are killed and reaped, and the outcomes so far
    /// come back with `true`.
    pub fn run_until_stopped<J, R>(
        &mut self,
        jobs: Vec<J>,
        mut on_event: impl FnMut(&Event),
    ) -> io::Result<(Finished<R>, bool)>
    where
        J: Serialize,
        R: DeserializeOwned,
    {
        let total = jobs.len();
        let mut queue: VecDeque<(usize, u32)> = (0..total).map(|task| (task, 1)).collect();
        let mut deaths: HashMap<usize, Vec<String>> = HashMap::new();
        let mut finished = Vec::new();
        self.clock.turn(); // the time between two runs is no pause
        while finished.len() < total {
            self.clock.turn();
            if self.stop.load(Ordering::SeqCst) {
                self.kill_all();
                return Ok((finished, true));
            }
            // Hand out work to every idle worker; one that has done its
            // maximum of tasks is replaced first (not before: the last
            // tasks of a run leave no fresh worker to start for nothing).
            for slot in 0..self.slots.len() {
                let idle = matches!(&self.slots[slot], Some(p) if p.busy.is_none());
                if idle && !queue.is_empty() && self.worn_out(slot) {
                    self.retire(slot, &mut on_event)?;
                }
                if idle
                    && let Some((task, attempt)) = queue.pop_front()
                    && let Err(why) = self.dispatch(slot, task, attempt, &jobs[task])
                {
                    finished.push((task, Outcome::Failed(vec![why])));
                }
            }
            match self.from_readers.1.recv_timeout(Duration::from_millis(20)) {
                Ok(FromReader::Answer {
                    slot,
                    generation,
                    bytes,
                }) => {
                    let Some(process) = self.current(slot, generation) else {
                        continue;
                    };
                    let Some((task, ..)) = process.busy.take() else {
                        continue;
                    };
                    process.done += 1;
                    let answer: Answer<R> = serde_json::from_slice(&bytes)
                        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                    debug_assert_eq!(answer.task, task);
                    finished.push((task, Outcome::Done(answer.result)));
                }
                Ok(FromReader::Closed {
                    slot,
                    generation,
                    error,
                }) => {
                    if self.current(slot, generation).is_none() {
                        continue; // a retired worker's pipe closing
                    }
                    let how = error.map(|e| format!(" ({e})")).unwrap_or_default();
                    self.bury(
                        slot,
                        &how,
                        &mut queue,
                        &mut deaths,
                        &mut finished,
                        &mut on_event,
                    )?;
                }
                Err(_) => {} // no news: check the clocks below
            }
            // A worker past the task timeout is killed; its reader then reports it closed.
            self.clock.turn();
            let now = self.clock.now();
            for process in self.slots.iter_mut().flatten() {
                if let Some((_, _, started, _)) = &process.busy
                    && now.saturating_sub(*started) > self.options.task_timeout
                    && !process.timed_out
                {
                    process.timed_out = true;
                    let _ = process.child.kill();
                }
            }
        }
        Ok((finished, false))
    }

    /// The worker in `slot`, if it is still the one of `generation`.
    fn current(&mut self, slot: usize, generation: u64) -> Option<&mut Process> {
        (self.slots[slot].as_mut()).filter(|p| p.generation == generation)
    }

    /// Whether the worker in `slot` has done its maximum of tasks.
    fn worn_out(&self, slot: usize) -> bool {
        let max = self.options.max_tasks_per_worker;
        matches!((&self.slots[slot], max), (Some(p), Some(max)) if p.done >= max)
    }

    /// Ends the idle worker in `slot` (end of input, then reaped within 5 s,
    /// or killed) and starts a fresh one in its place.
    fn retire(&mut self, slot: usize, on_event: &mut impl FnMut(&Event)) -> io::Result<()> {
        let Some(process) = self.slots[slot].take() else {
            return Ok(());
        };
        let Process {
            mut child,
            to_worker,
            done,
            ..
        } = process;
        drop(to_worker); // end of input: the worker's loop ends
        let pid = child.id();
        // Killed and reaped if it has not exited within 5 s.
        let _ = worker::wait_until(&mut child, Instant::now() + Duration::from_secs(5));
        on_event(&Event::WorkerRetired { pid, tasks: done });
        let pid = self.spawn(slot)?;
        on_event(&Event::WorkerStarted { pid });
        Ok(())
    }

    /// Sends a task to the idle worker in `slot`. A job that cannot be
    /// written as a message (a path that is not UTF-8, say) is an error for
    /// its task at once, not a wait for a worker that never heard of it.
    fn dispatch<J: Serialize>(
        &mut self,
        slot: usize,
        task: usize,
        attempt: u32,
        job: &J,
    ) -> Result<(), String> {
        let message = serde_json::to_vec(&Envelope { task, attempt, job })
            .map_err(|e| format!("the job cannot be sent to a worker: {e}"))?;
        let process = self.slots[slot]
            .as_mut()
            .expect("dispatch to a live worker");
        let span = timeline::labelled_task_span(task, format!("pid {}", process.child.id()));
        process.busy = Some((task, attempt, self.clock.now(), span));
        // A failed write means the worker is already dead; its reader will say so.
        let _ = ipc::write_message(&mut process.to_worker, &message)
            .and_then(|()| std::io::Write::flush(&mut process.to_worker));
        Ok(())
    }

    /// A worker's pipe closed: reap it, report it, retry or fail its task, replace it.
    fn bury<R>(
        &mut self,
        slot: usize,
        how_pipe_ended: &str,
        queue: &mut VecDeque<(usize, u32)>,
        deaths: &mut HashMap<usize, Vec<String>>,
        finished: &mut Vec<(usize, Outcome<R>)>,
        on_event: &mut impl FnMut(&Event),
    ) -> io::Result<()> {
        let Some(mut process) = self.slots[slot].take() else {
            return Ok(());
        };
        let pid = process.child.id();
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = worker::wait_until(&mut process.child, deadline);
        let mut how = status.map_or_else(|e| e.to_string(), worker::describe);
        if process.timed_out {
            how = format!(
                "{how}, after overrunning the {:?} task timeout",
                self.options.task_timeout
            );
        }
        how.push_str(how_pipe_ended);
        if let Some((task, attempt, _, span)) = process.busy.take() {
            drop(span);
            let retry = attempt < ATTEMPTS;
            on_event(&Event::WorkerDied {
                task,
                pid,
                how: how.clone(),
                retry,
            });
            deaths.entry(task).or_default().push(how);
            if retry {
                queue.push_front((task, attempt + 1));
            } else {
                finished.push((
                    task,
                    Outcome::Failed(deaths.remove(&task).unwrap_or_default()),
                ));
            }
        }
        if !self.stop.load(Ordering::SeqCst) {
            let pid = self.spawn(slot)?;
            on_event(&Event::WorkerStarted { pid });
        }
        Ok(())
    }

    /// Closes every worker's input, so they exit, and waits for them (bounded).
    pub fn shutdown(mut self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        let mut first_error = None;
        for slot in &mut self.slots {
            if let Some(mut process) = slot.take() {
                drop(process.to_worker); // end of input: the worker's loop ends
                if let Err(error) = worker::wait_until(&mut process.child, deadline) {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn kill_all(&mut self) {
        for mut process in self.slots.iter_mut().filter_map(Option::take) {
            let _ = process.child.kill();
            let _ = process.child.wait(); // reaped: no zombie left behind
        }
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        self.kill_all();
    }
}

// ANCHOR: serve
/// The worker side: answer jobs from stdin on stdout until stdin ends.
/// `work` gets the task number, the attempt (1 or 2) and the job.
pub fn serve<J, R>(mut work: impl FnMut(usize, u32, J) -> R) -> io::Result<()>
where
    J: DeserializeOwned,
    R: Serialize,
{
    let mut input = BufReader::new(io::stdin().lock());
    let mut output = BufWriter::new(io::stdout().lock());
    while let Some(Envelope { task, attempt, job }) = ipc::receive(&mut input)? {
        let result = work(task, attempt, job);
        ipc::send(&mut output, &Answer { task, result })?;
    }
    Ok(())
}
// ANCHOR_END: serve

/// The messages on the pipes.
mod wire {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    pub struct Envelope<J> {
        pub task: usize,
        pub attempt: u32,
        pub job: J,
    }

    #[derive(Serialize, Deserialize)]
    pub struct Answer<R> {
        pub task: usize,
        pub result: R,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python's ProcessPoolExecutor raises ValueError for
    /// `max_tasks_per_child=0`; this pool refuses it before starting anyone.
    #[test]
    fn no_tasks_per_worker_is_refused_before_any_worker_starts() {
        let options = Options {
            workers: 1,
            task_timeout: Duration::from_secs(1),
            worker_args: vec!["--never-run".into()],
            max_tasks_per_worker: Some(0),
            worker_stderr: false,
        };
        let refused = ProcessPool::start(options).err().expect("refused");
        assert_eq!(refused.kind(), io::ErrorKind::InvalidInput);
        assert!(refused.to_string().contains("at least 1"), "{refused}");
    }
}
