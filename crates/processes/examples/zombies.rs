//! A child that has exited stays in the process table as a *zombie* (state
//! `Z` in `/proc`) until its parent waits for it. The wait is what collects
//! it, and what the book's process pool never skips. Linux only (`/proc`).
//!
//! `cargo run --example zombies -- --tasks 3`

use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use harness::cli::{self, Summary};
use harness::println;

/// Start children that exit at once, and look at them before and after waiting.
#[derive(Parser)]
struct Args {
    /// How many children to start
    #[arg(long, value_parser = cli::parse_count, default_value = "2", allow_hyphen_values = true)]
    tasks: usize,
    /// Print one JSON summary line, after everything else
    #[arg(long)]
    json: bool,
}

/// A process's state letter from `/proc/PID/stat` (`Z`: a zombie), or `None`
/// once it has left the process table.
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "PID (COMMAND) STATE ...": the command may hold spaces or parentheses.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Each child's pid and state, read once.
fn states(children: &[Child]) -> Vec<(u32, Option<char>)> {
    children.iter().map(|c| (c.id(), state(c.id()))).collect()
}

/// The states as a line.
fn line(states: &[(u32, Option<char>)]) -> String {
    let each = states.iter().map(|&(pid, state)| match state {
        Some('Z') => format!("pid {pid} Z (zombie)"),
        Some(letter) => format!("pid {pid} {letter}"),
        None => format!("pid {pid} gone"),
    });
    each.collect::<Vec<_>>().join(", ")
}

/// Starts `count` children that exit at once; on an error, waits for those
/// already started before giving up.
fn start(count: usize) -> Result<Vec<Child>, String> {
    let mut children = Vec::new();
    for _ in 0..count {
        match Command::new("true").stdin(Stdio::null()).spawn() {
            Ok(child) => children.push(child),
            Err(error) => {
                for mut child in children {
                    let _ = child.wait();
                }
                return Err(format!("cannot start `true`: {error}"));
            }
        }
    }
    Ok(children)
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if state(std::process::id()).is_none() {
        cli::fail("zombies reads /proc/PID/stat, which only Linux has");
    }
    let started = Instant::now();
    let mut children = start(args.tasks).unwrap_or_else(|e| cli::fail(e));
    println!("{} children started; each exits at once", children.len());

    // Nobody has waited yet: each child ends, and stays behind as a zombie.
    let deadline = Instant::now() + Duration::from_secs(5);
    while children.iter().any(|c| state(c.id()) != Some('Z')) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let before = states(&children);
    let zombies = before.iter().filter(|(_, s)| *s == Some('Z')).count();
    println!("before wait: {}", line(&before));

    for child in &mut children {
        // wait() collects the exit status, and the zombie with it.
        match child.wait() {
            Ok(status) => println!("wait() for pid {}: {status}", child.id()),
            Err(error) => println!("wait() for pid {}: {error}", child.id()),
        }
    }
    let after = states(&children);
    println!("after wait:  {}", line(&after));

    let left = after.iter().filter(|(_, s)| s.is_some()).count();
    let summary = Summary::new(
        "zombies",
        "zombies",
        args.tasks,
        args.tasks,
        started.elapsed(),
    )
    .with("zombies_before_wait", zombies)
    .with("left_after_wait", left);
    cli::print_json(&[summary], args.json);
}
