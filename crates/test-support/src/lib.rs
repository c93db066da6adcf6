//! Running the example programs from tests, with a bound on every run.

#![allow(dead_code)] // each test file uses its own part of this module

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

pub mod passed;

/// `target/<profile>`, where cargo put this test binary (in `deps/`).
fn profile_dir() -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test binary knows its path");
    (test_exe.parent().and_then(|deps| deps.parent()))
        .expect("test binaries live in target/<profile>/deps")
        .to_path_buf()
}

/// The example binary `name`, built by `cargo test` next to the test binaries.
///
/// `cargo test --test NAME` alone does not rebuild examples: it builds a missing
/// one here, and rebuilds every one when `BOOK_REBUILD_EXAMPLES` is set.
pub fn example_binary(name: &str) -> PathBuf {
    let binary = profile_dir().join("examples").join(executable(name));
    // --workspace: the example may live in another part of the book.
    built(binary, &["--workspace", "--example", name])
}

/// The binary of one of the `listings` package's whole programs
/// (`listings/src/bin/NAME.rs`), built as [`example_binary`] builds examples.
pub fn listing_binary(name: &str) -> PathBuf {
    built(
        profile_dir().join(executable(name)),
        &["--package", "listings", "--bin", name],
    )
}

fn executable(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// `binary`, after `cargo build --quiet TARGET` if it is missing or
/// `BOOK_REBUILD_EXAMPLES` is set, in this test binary's profile (so that
/// `cargo test --release` finds what it built under `target/release`; a
/// test built with `--target TRIPLE` would need that flag here too).
fn built(binary: PathBuf, target: &[&str]) -> PathBuf {
    if !binary.exists() || std::env::var_os("BOOK_REBUILD_EXAMPLES").is_some() {
        let profile = match profile_dir().file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let status = cargo()
            .args(["build", "--quiet", "--profile", &profile])
            .args(target)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {target:?} failed");
    }
    binary
}

/// The cargo that runs this program (`CARGO`, which cargo sets), or the
/// one on the PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// What an example may use, for tests of full disks and refused threads.
#[derive(Debug, Default, Clone, Copy)]
pub struct Limits {
    /// RLIMIT_FSIZE: a larger write fails with EFBIG, as on a full disk
    /// (SIGXFSZ, which would kill the process instead, is ignored)
    pub file_bytes: Option<u64>,
    /// RLIMIT_AS: the address space, so that thread stacks run out
    pub memory_bytes: Option<u64>,
    /// The stack each new thread gets (`RUST_MIN_STACK`): stacks larger
    /// than what is left of `memory_bytes` make the refusal come from
    /// mapping a stack, before any thread starts, and never from the small
    /// mappings a thread that did start makes next
    pub thread_stack_bytes: Option<u64>,
    /// RLIMIT_NOFILE: how many files and sockets may be open at once
    pub open_files: Option<u64>,
    /// Run as the user `nobody` (uid and gid 65534; only root may) with
    /// RLIMIT_NPROC at this many processes and threads, which root's
    /// processes are not held to
    pub nobody_with_processes: Option<u64>,
}

/// Starts an example with `args` and piped output, within `limits`.
pub fn spawn_example(name: &str, args: &[&str], limits: Limits) -> std::process::Child {
    let mut command = Command::new(example_binary(name));
    command
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_MIN_STACK")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(bytes) = limits.thread_stack_bytes {
        command.env("RUST_MIN_STACK", bytes.to_string());
    }
    #[cfg(unix)]
    if limits.nobody_with_processes.is_some() {
        use std::os::unix::process::CommandExt;
        command.uid(65534).gid(65534);
    }
    #[cfg(unix)]
    if limits.file_bytes.is_some()
        || limits.memory_bytes.is_some()
        || limits.open_files.is_some()
        || limits.nobody_with_processes.is_some()
    {
        use nix::sys::resource::{Resource, setrlimit};
        use nix::sys::signal::{SigHandler, Signal, signal};
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec the closure calls only setrlimit(2)
        // and signal(2), which are async-signal-safe, and allocates nothing.
        unsafe {
            command.pre_exec(move || {
                if let Some(bytes) = limits.file_bytes {
                    setrlimit(Resource::RLIMIT_FSIZE, bytes, bytes)?;
                    signal(Signal::SIGXFSZ, SigHandler::SigIgn)?;
                }
                if let Some(bytes) = limits.memory_bytes {
                    setrlimit(Resource::RLIMIT_AS, bytes, bytes)?;
                }
                if let Some(count) = limits.open_files {
                    setrlimit(Resource::RLIMIT_NOFILE, count, count)?;
                }
                // Already nobody here: std sets the user before these run.
                if let Some(count) = limits.nobody_with_processes {
                    setrlimit(Resource::RLIMIT_NPROC, count, count)?;
                }
                Ok(())
            });
        }
    }
    command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start example {name}: {e}"))
}

/// Runs an example with `args`, killing it if it takes longer than `limit`.
pub fn run_example(name: &str, args: &[&str], limit: Duration) -> Output {
    run_example_within(name, args, Limits::default(), limit)
}

/// [`run_example`] within `limits`.
pub fn run_example_within(name: &str, args: &[&str], limits: Limits, limit: Duration) -> Output {
    output_within(spawn_example(name, args, limits), limit).unwrap_or_else(|so_far| {
        panic!(
            "example {name} {args:?} ran longer than {limit:?}\nstdout:\n{}",
            String::from_utf8_lossy(&so_far.stdout)
        )
    })
}

/// Waits at most `limit` for `child` to exit. One still running then is
/// killed and reaped: `None`. Its own children (the test binary `cargo
/// test` runs, say) are killed first, and it gets two seconds to reap them;
/// a child still running after that is stopped, so that it starts no more,
/// and killed with the children it has then.
pub fn exit_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let exited = |child: &mut Child, limit: Duration| {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait().expect("waiting on a child") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    };
    if let Some(status) = exited(child, limit) {
        return Some(status);
    }
    #[cfg(target_os = "linux")]
    let kill_children = |child: &Child| {
        use nix::sys::signal::{Signal, kill};
        for (pid, _) in children_of(child.id()) {
            let _ = kill(nix::unistd::Pid::from_raw(pid as i32), Signal::SIGKILL);
        }
    };
    #[cfg(target_os = "linux")]
    kill_children(child);
    if exited(child, Duration::from_secs(2)).is_none() {
        #[cfg(target_os = "linux")]
        {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP);
            kill_children(child);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    None
}

/// What `child` prints on its piped stdout and stderr, and how it ends,
/// waiting at most `limit` ([`exit_within`]). The pipes are read while it
/// runs, so that a full pipe cannot stall it, and for two seconds after it
/// ends (a process it started may still hold them). `Err` holds what a
/// child killed at `limit` had printed, with the status of a SIGKILL.
pub fn output_within(mut child: Child, limit: Duration) -> Result<Output, Output> {
    let read = |mut pipe: Option<Box<dyn Read + Send>>| {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&bytes);
        thread::spawn(move || {
            let mut buffer = [0; 8192];
            while let Some(pipe) = pipe.as_mut() {
                match pipe.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => kept.lock().unwrap().extend_from_slice(&buffer[..n]),
                }
            }
        });
        bytes
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let status = exit_within(&mut child, limit);
    // What was read by then; a reader still blocked is left behind.
    let read_by = |bytes: &Arc<Mutex<Vec<u8>>>, by: Instant| {
        while Arc::strong_count(bytes) > 1 && Instant::now() < by {
            thread::sleep(Duration::from_millis(10));
        }
        std::mem::take(&mut *bytes.lock().unwrap())
    };
    let by = Instant::now() + Duration::from_secs(2);
    let (stdout, stderr) = (read_by(&stdout, by), read_by(&stderr, by));
    #[cfg(unix)]
    let killed = <ExitStatus as std::os::unix::process::ExitStatusExt>::from_raw(9);
    #[cfg(not(unix))]
    let killed = ExitStatus::default();
    match status {
        Some(status) => Ok(Output {
            status,
            stdout,
            stderr,
        }),
        None => Err(Output {
            status: killed,
            stdout,
            stderr,
        }),
    }
}

/// Flags written as one line, split at spaces: `flags("--tasks 5 --json")`.
pub fn flags(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Runs an example that must succeed and returns its stdout.
pub fn stdout_of(name: &str, args: &[&str]) -> String {
    let output = run_example(name, args, Duration::from_secs(60));
    assert!(
        output.status.success(),
        "example {name} {args:?} failed with {}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("examples print UTF-8")
}

/// Runs an example with `--json` and returns its summaries, checking that they
/// are the last `modes` lines of its output and carry the required keys.
pub fn summaries(name: &str, args: &[&str], modes: usize) -> Vec<Value> {
    let mut args = args.to_vec();
    args.push("--json");
    let stdout = stdout_of(name, &args);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() >= modes, "too little output:\n{stdout}");
    let summaries: Vec<Value> = lines[lines.len() - modes..]
        .iter()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("last lines must be JSON ({e}): {line}\n{stdout}"))
        })
        .collect();
    for summary in &summaries {
        assert_eq!(summary["example"], name, "{summary}");
        for key in ["mode", "tasks", "workers", "elapsed_s"] {
            assert!(!summary[key].is_null(), "summary lacks `{key}`: {summary}");
        }
    }
    summaries
}

/// The one summary of a single-mode run.
pub fn summary(name: &str, args: &[&str]) -> Value {
    summaries(name, args, 1).remove(0)
}

/// Asserts that the example rejects each line of flags (`"--tasks 0"`) with
/// exit code 2 and a message naming the line's first flag.
pub fn assert_rejected(name: &str, lines: &[&str]) {
    for line in lines {
        let args = flags(line);
        assert_rejected_naming(name, &args, args[0]);
    }
}

/// Asserts that the example rejects `args` with exit code 2 and a message
/// naming `flag`, without a panic.
pub fn assert_rejected_naming(name: &str, args: &[&str], flag: &str) {
    let output = run_example(name, args, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{name} {args:?}: {stderr}");
    assert!(
        stderr.contains(flag),
        "{name} {args:?} should name {flag}: {stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "{name} {args:?} panicked: {stderr}"
    );
}

/// The fields of `/proc/PID/stat` after the command's name: the state
/// letter, the parent's pid, and so on (`utime` and `stime` at 11 and 12);
/// `None` once the process is gone. Linux only.
pub fn proc_stat(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ...": the command may contain spaces, so split after ')'.
    let rest = stat.rsplit_once(')')?.1;
    Some(rest.split_whitespace().map(String::from).collect())
}

/// Waits until process `pid` catches `signal` (its handler is installed:
/// the bit in `SigCgt` of `/proc/PID/status`), at most `limit`; false if it
/// never did. A signal sent before that would kill it instead. Linux only.
pub fn wait_until_catching(pid: u32, signal: i32, limit: std::time::Duration) -> bool {
    let deadline = std::time::Instant::now() + limit;
    let catching = || {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let mask = status.lines().find_map(|line| line.strip_prefix("SigCgt:"));
        mask.and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << (signal - 1)) != 0)
    };
    while !catching() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    true
}

/// The processes whose parent is `parent`, with their state letter.
pub fn children_of(parent: u32) -> Vec<(u32, char)> {
    let entries = std::fs::read_dir("/proc").expect("/proc is readable");
    (entries.flatten())
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<u32>().ok())
        .filter_map(|pid| {
            let fields = proc_stat(pid)?;
            let state = fields.first()?.chars().next()?;
            (fields.get(1)?.parse::<u32>().ok()? == parent).then_some((pid, state))
        })
        .collect()
}

/// A fresh, empty folder under `target/test-scratch` for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = harness::target_dir().join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("target/ is writable");
    dir
}

/// Every file in a folder with its bytes, sorted by name.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("the folder exists")
        .flatten()
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("a readable file");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// The names in a folder, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the folder exists")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// What a chart from `harness::charts` holds: its texts, and how
/// many rectangles are filled with each colour of the charts' palette, in
/// palette order. Panics unless it is well-formed SVG.
pub fn svg_chart(svg: &str) -> (Vec<String>, Vec<usize>) {
    let document = roxmltree::Document::parse(svg).expect("the chart is well-formed XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let texts = (document.descendants())
        .filter_map(|node| node.text())
        .map(|text| text.trim().to_string())
        .collect();
    let filled = (harness::charts::COLOURS.iter())
        .map(|colour| {
            let fill = format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2);
            (document.descendants())
                .filter(|node| node.has_tag_name("rect"))
                .filter(|node| {
                    (node.attribute("fill")).is_some_and(|f| f.eq_ignore_ascii_case(&fill))
                })
                .count()
        })
        .collect();
    (texts, filled)
}
