//! How an example's run ends when something outside it says so: the system
//! refusing a thread (an error and exit code 1, the run's worker processes
//! stopped and reaped first), or Ctrl-C and SIGTERM (a thread of its own
//! calls the example's stop). `cli` parses the flags and installs the first;
//! examples call [`on_stop_signal`] (also `cli::on_stop_signal`).

use std::time::Duration;

/// `std::thread::spawn` panics when the system refuses a thread (too many,
/// or no memory for its stack). The lessons call it as it is, for clarity;
/// this hook turns that one panic into an error message and exit code 1,
/// after stopping and reaping the worker processes the run had started
/// (`exit` runs no destructor, so no pool would do it). Every other panic
/// goes to the default hook, as before.
pub(crate) fn exit_cleanly_when_threads_run_out() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or_default();
        if message.contains("failed to spawn thread") {
            eprintln!(
                "error: the system refused another thread ({message}): \
                 ask for fewer tasks or workers"
            );
            #[cfg(target_os = "linux")]
            stop_and_reap_children();
            std::process::exit(1);
        }
        default(info);
    }));
}

/// Kills this process's children (a process pool's workers, say) and reaps
/// them, waiting at most two seconds: what a failing run does before `exit`,
/// so that no worker is left to init.
#[cfg(target_os = "linux")]
fn stop_and_reap_children() {
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::{Pid, getpid};
    // No child at all (the usual case): exit at once. Nothing below runs,
    // so nothing allocates while other threads may be failing for memory.
    if let Err(nix::errno::Errno::ECHILD) = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
        return;
    }
    let me = getpid().as_raw().to_string();
    // /proc/PID/stat: "PID (NAME) STATE PPID ..."; NAME may hold spaces.
    let parent_of = |pid: &str| -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (_, fields) = stat.rsplit_once(')')?;
        fields.split_whitespace().nth(1).map(String::from)
    };
    let children: Vec<Pid> = (std::fs::read_dir("/proc").into_iter().flatten().flatten())
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| parent_of(&pid.to_string()).as_deref() == Some(me.as_str()))
        .map(Pid::from_raw)
        .collect();
    for &child in &children {
        let _ = kill(child, Signal::SIGKILL);
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    for child in children {
        while let Ok(WaitStatus::StillAlive) = waitpid(child, Some(WaitPidFlag::WNOHANG)) {
            if std::time::Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Calls `stop(signal)` on a thread of its own when the first Ctrl-C
/// (SIGINT) or SIGTERM comes, from now on. A signal handler may do almost
/// nothing safely; signal-hook's only wakes this thread, which may do
/// anything. An example that stops on a signal exits with 128 + `signal`
/// (130 for Ctrl-C, 143 for SIGTERM), as the shell reports a program the
/// signal ended.
#[cfg(unix)]
pub fn on_stop_signal(stop: impl FnOnce(i32) + Send + 'static) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .unwrap_or_else(|e| crate::cli::fail(format!("cannot listen for signals: {e}")));
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            stop(signal);
        }
    });
}
