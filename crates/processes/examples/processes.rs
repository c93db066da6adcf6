//! `multiprocessing.Process(target=f, args=...)` in Rust: start this same
//! program again in a worker mode, send each child its arguments down a pipe,
//! read its result from another pipe, and wait for it, with a bound.
//!
//! `cargo run --example processes -- --mode exit-status`

use std::io::{self, Write};
use std::process::{self, Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::cli::{self, Summary, TaskModes};
use harness::println;
use harness::timeline::{self, Ideal};
use processes::{ipc, worker};
use serde::{Deserialize, Serialize};

/// Start worker processes, talk to them through pipes, and report how they ended.
#[derive(Parser)]
struct Args {
    #[command(flatten)]
    run: TaskModes<Mode>,
    /// Internal: be a worker process (read a job on stdin, answer on stdout)
    #[arg(long, hide = true)]
    worker: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// Arguments in through one pipe, results out through another
    Pipes,
    /// Children that end in different ways, and what the parent sees
    ExitStatus,
}

// ANCHOR: messages
/// What the parent sends a worker: Python pickles `args`; we send JSON.
#[derive(Serialize, Deserialize)]
struct WorkerArgs {
    task: usize,
    seconds: f64,
    /// How the worker should end: "ok", "exit-3", "panic", "abort", "sigkill"
    end: String,
}

/// What a worker sends back.
#[derive(Serialize, Deserialize)]
struct Answer {
    task: usize,
    pid: u32,
    message: String,
}
// ANCHOR_END: messages

// ANCHOR: worker_main
/// The worker process's whole program: one job in, one answer out.
fn worker_main() -> io::Result<()> {
    let job: WorkerArgs = ipc::receive(&mut io::stdin().lock())?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no job on stdin"))?;
    thread::sleep(Duration::from_secs_f64(job.seconds));
    let answer = Answer {
        task: job.task,
        pid: process::id(),
        message: format!("Done sleeping {:.2} s", job.seconds),
    };
    match job.end.as_str() {
        "exit-3" => process::exit(3),
        "panic" => panic!("task {} failed", job.task),
        "abort" => process::abort(),
        #[cfg(unix)]
        "sigkill" => {
            use nix::sys::signal::{Signal, raise};
            raise(Signal::SIGKILL).map_err(io::Error::from)?;
        }
        _ => {}
    }
    ipc::send(&mut io::stdout().lock(), &answer)
}
// ANCHOR_END: worker_main

// ANCHOR: start
/// Starts this program again as a worker and hands it its job.
fn start(job: &WorkerArgs) -> io::Result<Child> {
    let mut child = worker::dies_with_parent(&mut Command::new(std::env::current_exe()?))
        .arg("--worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null()) // the demo's panics and aborts would be noise
        .spawn()?;
    let mut to_child = child.stdin.take().expect("stdin was piped");
    ipc::send(&mut to_child, job)?;
    drop(to_child); // close the pipe: the worker sees the end of its input
    Ok(child)
}
// ANCHOR_END: start

// ANCHOR: finish
/// Waits for a worker (at most until `deadline`) and reads its answer.
fn finish(mut child: Child, deadline: Instant) -> (String, Option<Answer>) {
    let pid = child.id();
    let mut from_child = child.stdout.take().expect("stdout was piped");
    // Read first, then wait: a child blocked writing to a full pipe never exits.
    let answer = ipc::receive::<Answer>(&mut from_child);
    let status = worker::wait_until(&mut child, deadline);
    let status = status.map_or_else(|e| e.to_string(), worker::describe);
    match answer {
        Ok(Some(answer)) => (format!("pid {pid}: {status}"), Some(answer)),
        Ok(None) => (format!("pid {pid}: {status}, no answer"), None),
        Err(error) => (format!("pid {pid}: {status}, broken answer: {error}"), None),
    }
}
// ANCHOR_END: finish

fn ends(mode: Mode, tasks: usize) -> Vec<String> {
    let ways = ["ok", "exit-3", "panic", "abort", "sigkill"];
    (0..tasks)
        .map(|task| match mode {
            Mode::Pipes => "ok".to_string(),
            Mode::ExitStatus => ways[task % ways.len()].to_string(),
        })
        .collect()
}

/// Starts every worker, then waits for each in turn: their exit statuses,
/// and the answers that came back through the pipes.
fn start_all_then_finish(jobs: Vec<WorkerArgs>, deadline: Instant) -> (Vec<String>, Vec<Answer>) {
    let mut children = Vec::new();
    for job in &jobs {
        match start(job) {
            Ok(child) => {
                let span = timeline::labelled_task_span(job.task, format!("pid {}", child.id()));
                children.push((child, span));
            }
            Err(error) => {
                eprintln!("error: cannot start worker {}: {error}", job.task);
                for (mut child, _) in children {
                    let _ = child.kill();
                    let _ = child.wait(); // never leave a zombie behind
                }
                process::exit(1);
            }
        }
    }
    let mut statuses = Vec::new();
    let mut answers = Vec::new();
    for (child, span) in children {
        let (status, answer) = finish(child, deadline);
        drop(span);
        statuses.push(status);
        answers.extend(answer);
    }
    (statuses, answers)
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[("tasks", "4"), ("seconds", "0.5")]);
    let run = &args.run;
    if args.worker {
        // No `if __name__ == "__main__"` guard is needed: a child runs main()
        // from the top like any program, and this flag is how it knows its role.
        worker_main().unwrap_or_else(|e| cli::fail(format!("worker: {e}")));
        return;
    }
    let mut summaries = Vec::new();
    for mode in cli::modes(args.run.mode) {
        let name = cli::mode_name(&mode);
        let tasks = match mode {
            Mode::Pipes => run.tasks,
            Mode::ExitStatus => 5,
        };
        println!("== {name} ({tasks} processes) ==");
        let seconds = run.seconds.as_secs_f64();
        let jobs: Vec<WorkerArgs> = (ends(mode, tasks).into_iter().enumerate())
            .map(|(task, end)| WorkerArgs { task, seconds, end })
            .collect();
        let deadline = Instant::now() + run.seconds * 2 + Duration::from_secs(10);
        let ((statuses, answers), timeline) =
            timeline::record(Ideal::LongestTask, || start_all_then_finish(jobs, deadline));
        for (task, status) in statuses.iter().enumerate() {
            println!("worker {task}: {status}");
        }
        for Answer { pid, task, message } in &answers {
            println!("answer from pid {pid} for task {task}: {message}");
        }
        println!("{timeline}");
        let _ = io::stdout().flush();
        summaries.push(
            Summary::from_timeline("processes", name, tasks, tasks, &timeline)
                .with("statuses", statuses)
                .with("answers", answers.len()),
        );
    }
    cli::finish(&summaries, run.json, &args.run.files);
}
