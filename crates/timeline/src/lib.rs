//! Task timelines: which thread ran each task, and when. Used by every chapter.
//!
//! An example starts a recording, each task marks its own span with
//! [`task_span`], and the finished [`Timeline`] draws itself as an ASCII Gantt
//! chart, like the hand-drawn ones in the Python notes:
//!
//! ```text
//! task worker  |0 s                                       2.00 s|
//!    0 main    |[========================]                      |
//!    1 main    |                          [=====================]|
//! ```
//!
//! The recording is global on purpose: a task function such as
//! `fn do_something()` can then be handed to `thread::spawn` as it is, exactly
//! like `Thread(target=do_something)` in Python, without a recorder argument
//! cluttering the page. Spans that end after the recording has finished (a thread
//! nobody joined) are dropped, and counted as unfinished.

use std::fmt::{self, Write as _};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

/// One task's run: who ran it, from when to when (measured from the start of the recording).
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub task: usize,
    pub worker: String,
    pub start: Duration,
    pub end: Duration,
    /// The task's thread was unwinding from a panic when the span ended.
    pub panicked: bool,
}

impl Span {
    pub fn duration(&self) -> Duration {
        self.end.saturating_sub(self.start)
    }
}

/// What the elapsed time is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ideal {
    /// Everything overlapped: as long as the longest task (concurrent sleeps).
    LongestTask,
    /// Nothing overlapped: the sum of all tasks (a sequential run).
    SumOfTasks,
    /// CPU work split perfectly: a sequential run's time divided by the cores
    /// used. (Task spans cannot tell this: tasks sharing a core run longer.)
    SequentialOver { sequential: Duration, cores: usize },
    /// CPU work without a sequential run to compare with: the sum of the
    /// tasks over the workers that ran them at once. With no more workers
    /// than cores, each task had a core to itself; with more, each took
    /// longer in proportion, and the quotient is still the work over the cores.
    SumOver { workers: usize },
}

impl Ideal {
    /// Its name in a summary's `ideal` key.
    pub fn kind(self) -> &'static str {
        match self {
            Ideal::LongestTask => "longest_task",
            Ideal::SumOfTasks => "sum_of_tasks",
            Ideal::SequentialOver { .. } => "sequential_over_cores",
            Ideal::SumOver { .. } => "sum_over_workers",
        }
    }

    /// The ideal in words, for captions: "the longest task", "the sum of all
    /// tasks over 2 workers".
    pub fn describe(self) -> String {
        match self {
            Ideal::LongestTask => "the longest task".into(),
            Ideal::SumOfTasks => "the sum of all tasks".into(),
            Ideal::SequentialOver { sequential, cores } => format!(
                "the sequential {:.2} s over {cores} core{}",
                sequential.as_secs_f64(),
                if cores == 1 { "" } else { "s" }
            ),
            Ideal::SumOver { workers: 1 } => "the sum of all tasks".into(),
            Ideal::SumOver { workers } => format!("the sum of all tasks over {workers} workers"),
        }
    }
}

struct Recording {
    id: u64,
    t0: Instant,
    spans: Vec<Span>,
    started: usize,
    next_task: usize,
    workers: Vec<ThreadId>,
}

struct Recorder {
    recording: Option<Recording>,
    next_id: u64,
}

static RECORDER: Mutex<Recorder> = Mutex::new(Recorder {
    recording: None,
    next_id: 0,
});

/// Tests that record a timeline, or open spans that one might record, take
/// this lock: the recorder is global, and tests run in parallel.
#[doc(hidden)]
pub static RECORDER_TEST_LOCK: Mutex<()> = Mutex::new(());

fn recorder() -> MutexGuard<'static, Recorder> {
    // A panicking task never holds this lock, but stay usable whatever happens.
    RECORDER.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts a new recording (replacing any unfinished one) and returns its handle.
pub fn start(ideal: Ideal) -> RecordingHandle {
    let mut recorder = recorder();
    recorder.next_id += 1;
    let id = recorder.next_id;
    recorder.recording = Some(Recording {
        id,
        t0: Instant::now(),
        spans: Vec::new(),
        started: 0,
        next_task: 0,
        workers: Vec::new(),
    });
    RecordingHandle { id, ideal }
}

/// The running recording; [`RecordingHandle::finish`] stops it.
#[must_use = "call finish() to get the timeline"]
pub struct RecordingHandle {
    id: u64,
    ideal: Ideal,
}

impl RecordingHandle {
    /// Stops the recording. Spans still open (tasks still running) are left out.
    pub fn finish(self) -> Timeline {
        let mut recorder = recorder();
        match recorder.recording.take() {
            Some(recording) if recording.id == self.id => {
                let elapsed = recording.t0.elapsed();
                let mut spans = recording.spans;
                spans.sort_by_key(|s| (s.task, s.start));
                Timeline {
                    spans,
                    started: recording.started,
                    elapsed,
                    ideal: self.ideal,
                }
            }
            other => {
                recorder.recording = other;
                panic!("this recording was replaced by a newer timeline::start()");
            }
        }
    }
}

/// Runs `work` inside a new recording and returns its result with the timeline.
pub fn record<R>(ideal: Ideal, work: impl FnOnce() -> R) -> (R, Timeline) {
    let recording = start(ideal);
    let result = work();
    (result, recording.finish())
}

/// Marks the current thread as running `task` until the returned guard is dropped.
pub fn task_span(task: usize) -> SpanGuard {
    open_span(Some(task))
}

/// Like [`task_span`], numbering tasks in the order they start (0, 1, 2, ...).
pub fn next_task_span() -> SpanGuard {
    open_span(None)
}

/// Like [`task_span`], with the worker named by the caller: a process's
/// `pid 1234` rather than the thread that waits for it.
pub fn labelled_task_span(task: usize, worker: impl Into<String>) -> SpanGuard {
    let mut guard = open_span(Some(task));
    if let Some(open) = guard.open.as_mut() {
        open.worker = worker.into();
    }
    guard
}

fn open_span(task: Option<usize>) -> SpanGuard {
    let mut recorder = recorder();
    let Some(recording) = recorder.recording.as_mut() else {
        return SpanGuard { open: None };
    };
    let task = task.unwrap_or(recording.next_task);
    recording.next_task = recording.next_task.max(task + 1);
    recording.started += 1;
    let worker = worker_label(recording);
    SpanGuard {
        open: Some(OpenSpan {
            recording: recording.id,
            task,
            worker,
            start: recording.t0.elapsed(),
        }),
    }
}

/// "main" for the main thread, the thread's name if it has one, else T1, T2, ...
/// in the order the threads first ran a task in this recording.
fn worker_label(recording: &mut Recording) -> String {
    let current = thread::current();
    match current.name() {
        Some(name) => name.to_string(),
        None => {
            let position = match recording.workers.iter().position(|&id| id == current.id()) {
                Some(position) => position,
                None => {
                    recording.workers.push(current.id());
                    recording.workers.len() - 1
                }
            };
            format!("T{}", position + 1)
        }
    }
}

struct OpenSpan {
    recording: u64,
    task: usize,
    worker: String,
    start: Duration,
}

/// Ends its task's span when dropped, also when the task panics.
pub struct SpanGuard {
    open: Option<OpenSpan>,
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        let Some(open) = self.open.take() else { return };
        let mut recorder = recorder();
        if let Some(recording) = recorder.recording.as_mut()
            && recording.id == open.recording
        {
            let end = recording.t0.elapsed();
            recording.spans.push(Span {
                task: open.task,
                worker: open.worker,
                start: open.start,
                end,
                panicked: thread::panicking(),
            });
        }
    }
}

/// A finished recording.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// Finished spans, sorted by task.
    pub spans: Vec<Span>,
    /// Spans that were opened, finished or not.
    pub started: usize,
    /// From `start` to `finish`.
    pub elapsed: Duration,
    pub ideal: Ideal,
}

impl Timeline {
    /// The ideal elapsed time for these tasks (see [`Ideal`]).
    pub fn ideal_time(&self) -> Duration {
        let durations = self.spans.iter().map(Span::duration);
        match self.ideal {
            Ideal::LongestTask => durations.max().unwrap_or_default(),
            Ideal::SumOfTasks => durations.sum(),
            Ideal::SequentialOver { sequential, cores } => sequential / cores.max(1) as u32,
            Ideal::SumOver { workers } => durations.sum::<Duration>() / workers.max(1) as u32,
        }
    }

    /// The largest number of tasks that were running at the same instant.
    pub fn max_overlap(&self) -> usize {
        // Sweep over start (+1) and end (-1) events; at equal times ends come
        // first, so spans that merely touch do not count as overlapping.
        let mut events: Vec<(Duration, i32)> = self
            .spans
            .iter()
            .flat_map(|s| [(s.start, 1), (s.end, -1)])
            .collect();
        events.sort();
        let (mut running, mut most) = (0i32, 0i32);
        for (_, change) in events {
            running += change;
            most = most.max(running);
        }
        most as usize
    }

    /// The distinct workers (threads or processes) that ran at least one task.
    pub fn workers(&self) -> Vec<&str> {
        let mut workers: Vec<&str> = Vec::new();
        for span in &self.spans {
            if !workers.contains(&span.worker.as_str()) {
                workers.push(&span.worker);
            }
        }
        workers
    }

    /// The run as Chrome trace events (the JSON that Perfetto and
    /// `chrome://tracing` open): one complete event (`"ph": "X"`) per task,
    /// in microseconds, on one track per worker, all in process `pid`,
    /// which is named `process` (the mode, say).
    pub fn trace_events(&self, pid: u32, process: &str) -> Vec<serde_json::Value> {
        use serde_json::json;
        let workers = self.workers();
        let track = |worker: &str| workers.iter().position(|w| *w == worker).unwrap_or(0) + 1;
        let micros = |t: Duration| t.as_nanos() as f64 / 1000.0;
        let mut events = vec![json!({
            "ph": "M", "name": "process_name", "pid": pid, "tid": 0,
            "args": { "name": process },
        })];
        events.extend(workers.iter().map(|worker| {
            json!({
                "ph": "M", "name": "thread_name", "pid": pid, "tid": track(worker),
                "args": { "name": worker },
            })
        }));
        events.extend(self.spans.iter().map(|span| {
            json!({
                "ph": "X", "name": format!("task {}", span.task), "cat": "task",
                "pid": pid, "tid": track(&span.worker),
                "ts": micros(span.start), "dur": micros(span.duration()),
                "args": { "task": span.task, "worker": span.worker, "panicked": span.panicked },
            })
        }));
        events
    }

    /// Draws the timeline as an ASCII Gantt chart `width` columns wide.
    pub fn chart(&self, width: usize) -> String {
        let width = width.max(10);
        let total = self
            .spans
            .iter()
            .map(|s| s.end)
            .max()
            .unwrap_or_default()
            .max(self.elapsed);
        let column = |t: Duration| -> usize {
            if total.is_zero() {
                0
            } else {
                ((t.as_secs_f64() / total.as_secs_f64()) * width as f64) as usize
            }
        };
        let worker_width = self.spans.iter().map(|s| s.worker.len()).max().unwrap_or(0);
        let worker_width = worker_width.max("worker".len());

        let mut out = String::new();
        let right = format!("{:.2} s", total.as_secs_f64());
        let gap = width.saturating_sub(3 + right.len());
        let _ = writeln!(
            out,
            "task {:worker_width$} |0 s{}{right}|",
            "worker",
            " ".repeat(gap)
        );
        for span in &self.spans {
            let mut row = vec![' '; width];
            let first = column(span.start).min(width - 1);
            let last = column(span.end).saturating_sub(1).clamp(first, width - 1);
            if first == last {
                row[first] = '|';
            } else {
                row[first] = '[';
                row[first + 1..last].fill('=');
                row[last] = ']';
            }
            if span.panicked {
                row[last] = '!';
            }
            let bar: String = row.into_iter().collect();
            let _ = writeln!(out, "{:4} {:worker_width$} |{bar}|", span.task, span.worker);
        }
        let _ = write!(out, "{}", self.summary_line());
        out
    }

    /// What a reader needs under the chart: how long, and how much overlapped.
    /// The ideal time is in `--json` (`ideal_s`) and on the SVG, not here.
    fn summary_line(&self) -> String {
        let unfinished = self.started.saturating_sub(self.spans.len());
        let mut line = format!(
            "elapsed {:.2} s; at most {} at once",
            self.elapsed.as_secs_f64(),
            self.max_overlap(),
        );
        if unfinished > 0 {
            let _ = write!(line, "; {unfinished} task(s) still running");
        }
        line.push('\n');
        line
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.chart(50))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(task: usize, worker: &str, start_ms: u64, end_ms: u64) -> Span {
        Span {
            task,
            worker: worker.into(),
            start: Duration::from_millis(start_ms),
            end: Duration::from_millis(end_ms),
            panicked: false,
        }
    }

    fn timeline(spans: Vec<Span>, ideal: Ideal) -> Timeline {
        let elapsed = spans.iter().map(|s| s.end).max().unwrap_or_default();
        Timeline {
            started: spans.len(),
            spans,
            elapsed,
            ideal,
        }
    }

    #[test]
    fn the_trace_has_one_complete_event_per_task_on_its_workers_track() {
        let mut spans = vec![
            span(0, "T1", 0, 300),
            span(1, "T2", 10, 100),
            span(2, "T1", 300, 450),
        ];
        spans[1].panicked = true;
        let t = timeline(spans, Ideal::LongestTask);
        let events = t.trace_events(7, "threads");
        let of = |ph: &'static str| events.iter().filter(move |e| e["ph"] == ph);
        let names: Vec<&str> = of("M")
            .map(|e| e["args"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["threads", "T1", "T2"],
            "the process, then one track per worker"
        );
        let tasks: Vec<_> = of("X").collect();
        assert_eq!(tasks.len(), 3);
        for (event, (task, tid, ts, dur)) in tasks.iter().zip([
            (0, 1, 0.0, 300_000.0),
            (1, 2, 10_000.0, 90_000.0),
            (2, 1, 300_000.0, 150_000.0),
        ]) {
            assert_eq!(event["pid"], 7);
            assert_eq!(event["args"]["task"], task);
            assert_eq!(event["tid"], tid, "{event}");
            assert_eq!(event["ts"].as_f64(), Some(ts), "{event}");
            assert_eq!(event["dur"].as_f64(), Some(dur), "{event}");
        }
        assert_eq!(tasks[1]["args"]["panicked"], true);
    }

    #[test]
    fn touching_spans_do_not_overlap() {
        let t = timeline(
            vec![span(0, "main", 0, 100), span(1, "main", 100, 200)],
            Ideal::SumOfTasks,
        );
        assert_eq!(t.max_overlap(), 1);
        assert_eq!(t.ideal_time(), Duration::from_millis(200));
    }

    #[test]
    fn nested_spans_count_all_running_tasks() {
        let t = timeline(
            vec![
                span(0, "T1", 0, 300),
                span(1, "T2", 10, 100),
                span(2, "T3", 50, 310),
                span(3, "T2", 200, 250),
            ],
            Ideal::LongestTask,
        );
        assert_eq!(t.max_overlap(), 3);
        assert_eq!(t.ideal_time(), Duration::from_millis(300));
        assert_eq!(t.workers(), ["T1", "T2", "T3"]);
    }

    #[test]
    fn chart_draws_each_span_in_its_columns() {
        let t = timeline(
            vec![span(0, "main", 0, 500), span(1, "main", 500, 1000)],
            Ideal::SumOfTasks,
        );
        let chart = t.chart(10);
        let rows: Vec<&str> = chart.lines().collect();
        assert_eq!(rows[1], "   0 main   |[===]     |");
        assert_eq!(rows[2], "   1 main   |     [===]|");
        assert_eq!(rows[3], "elapsed 1.00 s; at most 1 at once");
    }

    #[test]
    fn sequential_over_cores_divides_the_sequential_time() {
        let timeline = Timeline {
            spans: Vec::new(),
            started: 0,
            elapsed: Duration::from_millis(250),
            ideal: Ideal::SequentialOver {
                sequential: Duration::from_millis(400),
                cores: 2,
            },
        };
        assert_eq!(timeline.ideal_time(), Duration::from_millis(200));
        assert_eq!(
            timeline.ideal.describe(),
            "the sequential 0.40 s over 2 cores"
        );
    }

    #[test]
    fn sum_over_workers_divides_the_tasks_time() {
        let spans = vec![span(0, "T1", 0, 300), span(1, "T2", 0, 100)];
        let timeline = timeline(spans, Ideal::SumOver { workers: 2 });
        assert_eq!(timeline.ideal_time(), Duration::from_millis(200));
        assert_eq!(
            timeline.ideal.describe(),
            "the sum of all tasks over 2 workers"
        );
    }

    #[test]
    fn recording_tracks_threads_and_drops_late_spans() {
        let _alone = crate::RECORDER_TEST_LOCK.lock();
        let recording = start(Ideal::LongestTask);
        thread::scope(|s| {
            for task in 0..3 {
                s.spawn(move || {
                    let _span = task_span(task);
                    thread::sleep(Duration::from_millis(20));
                });
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let late = thread::spawn(move || {
            let _span = next_task_span();
            rx.recv().unwrap();
        });
        // Give the late task time to open its span before the recording ends.
        while recorder().recording.as_ref().is_some_and(|r| r.started < 4) {
            thread::yield_now();
        }
        let timeline = recording.finish();
        tx.send(()).unwrap();
        late.join().unwrap();

        assert_eq!(timeline.spans.len(), 3);
        assert_eq!(timeline.started, 4);
        assert_eq!(timeline.max_overlap(), 3);
        assert_eq!(timeline.workers().len(), 3);
        assert!(timeline.chart(40).contains("1 task(s) still running"));
    }
}
