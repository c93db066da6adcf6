//! Running this same program again as a worker process, for "CPU-bound work"
//! and the processes chapters: Rust's counterpart of the `spawn` start method.
//!
//! An example re-executes its own binary with a hidden flag (say
//! `--compute-one 1000`); the child does one task, prints its result on one
//! line and exits. [`Worker`] owns such a child: it is always reaped, killed
//! first if it is still running when dropped, so no zombie outlives a failure.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use timeline::{self, SpanGuard};

// ANCHOR: dies_with_parent
/// Makes a child started by `command` die with this process, however this
/// process ends: Ctrl-C, SIGTERM, a panic, even SIGKILL, which runs no code
/// of ours. On Linux the kernel does it: the child asks, before it runs the
/// program, for SIGTERM when its parent goes (`PR_SET_PDEATHSIG`). SIGTERM
/// rather than SIGKILL, so that a child that must clean up (remove its
/// half-written files) can; one that does not handle it ends at once.
/// Elsewhere this does nothing, and a child learns of its parent's death only
/// from its pipes closing.
///
/// The kernel means the parent *thread*: start such children from a thread
/// that lives as long as they should (the main thread, or the one that waits
/// for them).
pub fn dies_with_parent(command: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        // SAFETY: the closure runs in the child between fork and exec, where
        // only async-signal-safe calls are allowed: prctl(2) and getppid(2)
        // are, and it allocates nothing.
        unsafe {
            command.pre_exec(move || die_with_parent(parent));
        }
    }
    command
}

/// In a child of `parent`: asks for SIGTERM when the parent dies, and exits
/// at once if it is already gone (then the child has a new parent). Calls
/// only prctl(2), getppid(2) and _exit(2), so a child of `fork` may call it.
#[cfg(target_os = "linux")]
pub fn die_with_parent(parent: u32) -> io::Result<()> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)?;
    if nix::unistd::getppid().as_raw() as u32 != parent {
        // SAFETY: _exit(2) ends the process at once, running nothing else.
        unsafe { libc::_exit(1) }
    }
    Ok(())
}
// ANCHOR_END: dies_with_parent

/// A child process running one task of ours.
pub struct Worker {
    child: Child,
    task: usize,
    span: Option<SpanGuard>,
}

impl Worker {
    /// Starts this program again with `args`; the task's span on the timeline
    /// runs from now until the process exits, labelled with its pid.
    pub fn spawn(task: usize, args: &[String]) -> io::Result<Worker> {
        let program = std::env::current_exe()?;
        let child = dies_with_parent(&mut Command::new(&program))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start {program:?}: {e}")))?;
        let span = timeline::labelled_task_span(task, format!("pid {}", child.id()));
        Ok(Worker {
            child,
            task,
            span: Some(span),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has exited (and is now reaped).
    fn poll(&mut self) -> io::Result<Option<ExitStatus>> {
        let status = self.child.try_wait()?;
        if status.is_some() {
            self.span = None; // the task ends when its process does
        }
        Ok(status)
    }

    /// What the finished process printed: its stdout, or an error with its stderr.
    fn output(mut self, status: ExitStatus) -> io::Result<String> {
        let mut stdout = String::new();
        let mut stderr = String::new();
        if let Some(pipe) = self.child.stdout.as_mut() {
            pipe.read_to_string(&mut stdout)?;
        }
        if let Some(pipe) = self.child.stderr.as_mut() {
            pipe.read_to_string(&mut stderr)?;
        }
        if status.success() {
            Ok(stdout)
        } else {
            Err(io::Error::other(format!(
                "worker for task {} (pid {}) failed, {}: {}",
                self.task,
                self.pid(),
                describe(status),
                stderr.trim()
            )))
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait(); // reap: no zombie left behind
        }
    }
}

/// Waits for every worker, at most until `deadline`, and returns what each
/// printed, in the workers' order. Outputs must be small (a line or so): a
/// child blocked on a full pipe would never exit.
///
/// On any failure or at the deadline the remaining workers are killed and reaped.
pub fn collect(workers: Vec<Worker>, deadline: Instant) -> io::Result<Vec<String>> {
    let mut running: Vec<Option<Worker>> = workers.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<String>> = vec![None; running.len()];
    while outputs.iter().any(Option::is_none) {
        for (slot, output) in running.iter_mut().zip(outputs.iter_mut()) {
            if let Some(worker) = slot.as_mut()
                && let Some(status) = worker.poll()?
            {
                let worker = slot.take().expect("checked just above");
                *output = Some(worker.output(status)?);
            }
        }
        if Instant::now() > deadline {
            let late = running.iter().flatten().map(|w| w.task.to_string());
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "workers for tasks {} ran past the deadline and were killed",
                    late.collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        thread::sleep(Duration::from_millis(1));
    }
    Ok(outputs.into_iter().flatten().collect())
}

/// Waits for `child` until `deadline`; a child still running then is killed
/// and reaped, and the result is a `TimedOut` error.
pub fn wait_until(child: &mut Child, deadline: Instant) -> io::Result<ExitStatus> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let status = child.wait()?; // reap it
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "pid {} ran past its deadline and was killed ({})",
                    child.id(),
                    describe(status)
                ),
            ));
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Waits for the forked child `pid` until `deadline`, then kills it; either
/// way it is reaped. For children started with `fork`, which have no `Child`.
#[cfg(unix)]
pub fn wait_pid_until(
    pid: nix::unistd::Pid,
    deadline: Instant,
) -> io::Result<nix::sys::wait::WaitStatus> {
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    loop {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG))? {
            WaitStatus::StillAlive if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1));
            }
            WaitStatus::StillAlive => {
                kill(pid, Signal::SIGKILL)?;
                return Ok(waitpid(pid, None)?);
            }
            status => return Ok(status),
        }
    }
}

/// How a process ended, in words: `exit code 3`, `killed by SIGKILL`, ...
pub fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(number) = status.signal() {
            let name = nix::sys::signal::Signal::try_from(number).map_or_else(
                |_| format!("signal {number}"),
                |signal| signal.as_str().to_string(),
            );
            let core = if status.core_dumped() {
                ", core dumped"
            } else {
                ""
            };
            return format!("killed by {name}{core}");
        }
    }
    match status.code() {
        Some(0) => "exit code 0 (success)".into(),
        Some(101) => "exit code 101 (a Rust panic)".into(),
        Some(code) => format!("exit code {code}"),
        None => format!("{status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    // The test binary itself is the worker program here: libtest's own flags
    // make it list its tests (succeed), reject a flag (fail), or run the
    // ignored `sleeper` below (outlive a deadline).
    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn reaped(pid: u32) -> bool {
        // We are the parent: an exited child we had not waited for would still
        // be here, as a zombie.
        !Path::new(&format!("/proc/{pid}")).exists()
    }

    #[test]
    #[ignore = "a worker process for the deadline test, not a test"]
    fn sleeper() {
        thread::sleep(Duration::from_secs(30));
    }

    #[test]
    fn outputs_come_back_in_the_workers_order_and_children_are_reaped() {
        let _alone = timeline::RECORDER_TEST_LOCK.lock(); // Worker::spawn opens a span
        let workers = vec![
            Worker::spawn(
                0,
                &args(&["--list", "--exact", "worker::tests::sleeper", "--ignored"]),
            )
            .unwrap(),
            Worker::spawn(1, &args(&["--list"])).unwrap(),
        ];
        let pids: Vec<u32> = workers.iter().map(Worker::pid).collect();
        let outputs = collect(workers, Instant::now() + Duration::from_secs(30)).unwrap();
        assert!(outputs[0].contains("sleeper"), "{outputs:?}");
        assert!(outputs[1].contains("outputs_come_back"), "{outputs:?}");
        assert!(pids.iter().all(|&pid| reaped(pid)));
    }

    #[test]
    fn a_failing_worker_is_an_error_with_its_stderr() {
        let _alone = timeline::RECORDER_TEST_LOCK.lock(); // Worker::spawn opens a span
        let worker = Worker::spawn(3, &args(&["--no-such-flag"])).unwrap();
        let pid = worker.pid();
        let error = collect(vec![worker], Instant::now() + Duration::from_secs(30)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("worker for task 3"), "{message}");
        assert!(message.contains("no-such-flag"), "{message}");
        assert!(reaped(pid));
    }

    #[test]
    fn workers_past_the_deadline_are_killed_and_reaped() {
        let _alone = timeline::RECORDER_TEST_LOCK.lock(); // Worker::spawn opens a span
        let sleeper = args(&["--exact", "worker::tests::sleeper", "--ignored"]);
        let worker = Worker::spawn(7, &sleeper).unwrap();
        let pid = worker.pid();
        let started = Instant::now();
        let error = collect(vec![worker], started + Duration::from_millis(200)).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(error.to_string().contains("tasks 7"), "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "it was not left to sleep"
        );
        assert!(reaped(pid));
    }
}
