//! No example leaves a process behind: not a zombie, not a running orphan.
//!
//! This test makes itself a *child subreaper* (Linux's `PR_SET_CHILD_SUBREAPER`):
//! every process an example starts and fails to reap is handed to this test
//! process when the example exits, instead of to init. After each run, any
//! process whose parent is this test is a leak. One test, run alone, so that
//! nothing else in this process starts children meanwhile.

#![cfg(target_os = "linux")]

use test_support as common;

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{children_of, example_binary, flags, run_example};
use nix::sys::signal::Signal;

/// Processes whose parent is this process, with their state letter.
fn our_children() -> Vec<(u32, char)> {
    children_of(std::process::id())
}

/// Asserts no process is left, giving orphans a moment to be handed to us.
fn assert_nothing_left(after: &str) {
    thread::sleep(Duration::from_millis(100));
    let left = our_children();
    // Reap what is there, so that one leak does not fail the next check too.
    for &(pid, _) in &left {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    assert!(
        left.is_empty(),
        "{after} left processes behind (pid, state): {left:?}"
    );
}

#[test]
fn no_example_leaves_a_zombie_or_an_orphan() {
    nix::sys::prctl::set_child_subreaper(true).expect("PR_SET_CHILD_SUBREAPER");
    assert_nothing_left("nothing yet");

    let scratch = common::scratch("reaping");
    let out = scratch.to_str().expect("a UTF-8 scratch path");
    let runs: [(&str, &[&str]); 11] = [
        ("cpu_bound", &flags("--mode processes --n 1000")),
        ("processes", &["--seconds", "0.05"]),
        (
            "process_pool",
            &flags("--tasks 5 --seconds 0.05 --task-timeout 0.5"),
        ),
        (
            "process_pool",
            &flags("--mode map --tasks 4 --workers 1 --seconds 0.02 --max-tasks-per-worker 1"),
        ),
        ("fork_vs_spawn", &["--tasks", "3"]),
        ("pipes_and_queues", &["--tasks", "1000"]),
        ("pipes_and_queues", &flags("--mode pipe --die-at 10")),
        ("shared_memory", &["--increments", "1000"]),
        ("zombies", &["--tasks", "3"]),
        ("processes", &flags("--mode exit-status --seconds 0.05")),
        (
            "process_images",
            &[
                "--mode",
                "processes",
                "--tasks",
                "3",
                "--size",
                "300x200",
                "--out",
                out,
            ],
        ),
    ];
    for (name, args) in runs {
        run_example(name, args, Duration::from_secs(60));
        assert_nothing_left(&format!("{name} {args:?}"));
    }

    // A process limit that refuses the third fork: the children already
    // forked are stopped and reaped before the error, not handed to init.
    // Only root can run a process as nobody, whose limit holds (/proc/self
    // belongs to this process's effective user).
    let root =
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    // The same for worker_setup's process pool when the system refuses a
    // thread after the workers started: the harness's hook reaps them
    // before it exits with 1.
    let refused: [(&str, &str, u64, &str); 2] = [
        (
            "shared_memory",
            "--mode processes --workers 8 --increments 1e9",
            4,
            "fork refused",
        ),
        (
            "worker_setup",
            "--mode processes --workers 4 --tasks 6",
            6,
            "refused another thread",
        ),
    ];
    for (name, args, processes, error) in refused {
        if !root {
            println!("not root: {name}'s refused-fork check runs as nobody, and is skipped");
            continue;
        }
        let limits = common::Limits {
            nobody_with_processes: Some(processes),
            ..Default::default()
        };
        let output =
            common::run_example_within(name, &flags(args), limits, Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&output.stderr);
        thread::sleep(Duration::from_millis(100)); // orphans are handed over
        let left = our_children();
        for &(pid, _) in &left {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid as i32), None);
        }
        assert!(
            left.is_empty(),
            "{name} left its children to its parent (pid, state): {left:?}"
        );
        assert!(
            !output.status.success(),
            "{name}: a refusal is an error: {stderr}"
        );
        assert!(stderr.contains(error), "{name}: {stderr}");
    }

    // Ctrl-C, or SIGTERM, in the middle of a process pool's work: the pool
    // kills and reaps its workers and the example exits with 130.
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let mut pool = Command::new(example_binary("process_pool"))
            .args(["--mode", "map", "--tasks", "4", "--seconds", "20"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let workers = wait_for_children_of(pool.id(), Duration::from_secs(20));
        assert!(!workers.is_empty(), "the pool started no worker");
        let children: Vec<u32> = our_children().iter().map(|&(pid, _)| pid).collect();
        assert_eq!(
            children,
            vec![pool.id()],
            "only the pool is our child; its workers are its own"
        );
        let pid = nix::unistd::Pid::from_raw(pool.id() as i32);
        nix::sys::signal::kill(pid, signal).expect("signal sent");
        let status = common::exit_within(&mut pool, Duration::from_secs(10))
            .unwrap_or_else(|| panic!("the pool did not stop on {signal}"));
        assert_eq!(
            status.code(),
            Some(128 + signal as i32),
            "exit code after {signal}"
        );
        assert_nothing_left(&format!("process_pool after {signal}"));
    }

    // SIGKILL to the example alone, which runs none of its code: its workers
    // must die with it (they ask for PR_SET_PDEATHSIG), not run on as orphans.
    let busy: [(&str, &str); 4] = [
        ("process_pool", "--mode map --tasks 4 --seconds 30"),
        ("cpu_bound", "--mode processes --tasks 2 --n 1e10"),
        (
            "shared_memory",
            "--mode processes --workers 2 --increments 1e10",
        ),
        (
            "distributed_images",
            "--mode processes --tasks 2 --size 64x48 --seconds 30",
        ),
    ];
    for (name, args) in busy {
        let mut parent = Command::new(example_binary(name))
            .args(flags(args))
            // The one that writes files: into the scratch folder.
            .args(match name {
                "distributed_images" => vec!["--out", out],
                _ => vec![],
            })
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the example starts");
        let workers = wait_for_children_of(parent.id(), Duration::from_secs(20));
        assert!(!workers.is_empty(), "{name} started no worker process");
        parent.kill().expect("SIGKILL sent");
        parent.wait().expect("the example is reaped");
        // SIGKILL ran none of its clean-up: its hostfile folder is left for
        // the next launch to sweep. This test sweeps it now.
        let scratch = std::env::temp_dir().join(format!("timely-cluster-{}", parent.id()));
        let _ = std::fs::remove_dir_all(scratch);
        let left = orphans_left_after(Duration::from_secs(5));
        assert!(
            left.is_empty(),
            "{name}: workers {workers:?} outlived their parent: {left:?}"
        );
    }
}

/// The children of `pid`, once it has some (waiting at most `limit`).
fn wait_for_children_of(pid: u32, limit: Duration) -> Vec<u32> {
    let deadline = Instant::now() + limit;
    loop {
        let children: Vec<u32> = children_of(pid)
            .into_iter()
            .map(|(child, _)| child)
            .collect();
        if !children.is_empty() || Instant::now() > deadline {
            return children;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Orphans handed to this subreaper that are still alive after `limit`
/// (the dead ones are reaped); those left are killed, so that one failure
/// does not spill into the next check.
fn orphans_left_after(limit: Duration) -> Vec<(u32, char)> {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let deadline = Instant::now() + limit;
    loop {
        // Reap every zombie child: a worker killed by its death signal.
        while let Ok(status) = waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            if status == WaitStatus::StillAlive {
                break;
            }
        }
        let alive: Vec<(u32, char)> = our_children()
            .into_iter()
            .filter(|&(_, s)| s != 'Z')
            .collect();
        if alive.is_empty() {
            return alive;
        }
        if Instant::now() > deadline {
            for &(pid, _) in &alive {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
            return alive;
        }
        thread::sleep(Duration::from_millis(20));
    }
}
