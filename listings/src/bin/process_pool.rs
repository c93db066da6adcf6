// A process pool in a page of std: two worker processes, started once, each
// answering the numbers it reads on its stdin with their squares on its
// stdout. The parent deals the tasks out in turn and reads the answers back
// in the same turn, so the results keep the tasks' order.
use std::env;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Worker {
    process: Child,
    tasks: ChildStdin,
    answers: BufReader<ChildStdout>,
}

fn start_worker() -> Worker {
    let me = env::current_exe().expect("this program's path");
    let mut process = Command::new(me)
        .arg("--worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("a worker starts");
    let tasks = process.stdin.take().expect("piped");
    let answers = BufReader::new(process.stdout.take().expect("piped"));
    Worker {
        process,
        tasks,
        answers,
    }
}

fn main() {
    if env::args().nth(1).as_deref() == Some("--worker") {
        // A worker: a task per line in, an answer per line out.
        let pid = std::process::id();
        for line in std::io::stdin().lock().lines() {
            let n: u64 = line.expect("a line").trim().parse().expect("a number");
            println!("{} (worker {pid})", n * n);
        }
        return;
    }
    let mut workers = [start_worker(), start_worker()];
    let tasks: Vec<u64> = (1..=6).collect();
    // Deal the tasks out: task i goes to worker i % 2. (Six small tasks fit
    // in the pipes' buffers; a real pool writes and reads at the same time.)
    for (i, task) in tasks.iter().enumerate() {
        let worker = &mut workers[i % workers.len()];
        writeln!(worker.tasks, "{task}").expect("the worker reads");
    }
    // Read the answers back in the same turn.
    for (i, task) in tasks.iter().enumerate() {
        let worker = &mut workers[i % workers.len()];
        let mut answer = String::new();
        let read = (worker.answers.read_line(&mut answer)).expect("the worker's pipe");
        if read == 0 {
            panic!(
                "worker {} ended before answering task {task}",
                worker.process.id()
            );
        }
        println!("{task} squared is {}", answer.trim());
    }
    // Close each worker's input: it ends, and is reaped.
    for worker in workers {
        let Worker {
            mut process, tasks, ..
        } = worker;
        drop(tasks);
        let status = process.wait().expect("the worker is reaped");
        println!("a worker ended: {status}");
    }
}
