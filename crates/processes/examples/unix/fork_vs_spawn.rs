// The Unix body of crates/processes/examples/fork_vs_spawn.rs (included from there).

use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::println;
use harness::cli::{self, Summary};
use processes::worker;
use nix::spawn::{PosixSpawnAttr, PosixSpawnFileActions, posix_spawn};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, execv, fork, pipe, read, write};

/// Fork a process, watch copy-on-write and a lock hazard, and time process starts.
#[derive(Parser)]
struct Args {
    /// How many processes to start per method in start-cost
    #[arg(long, value_parser = cli::parse_count, default_value = "100", allow_hyphen_values = true)]
    tasks: usize,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// fork(): the child writes to a pipe and exits; the parent reads and reaps it
    Fork,
    /// The child gets a copy of the parent's memory; writes stay on their side
    CopyOnWrite,
    /// Forking while another thread holds a lock: the child's copy stays locked
    LockHazard,
    /// Thread vs fork vs fork+exec vs posix_spawn vs Command, per start
    StartCost,
}

/// Ends the child process at once: no destructors, no atexit handlers, no
/// buffered output flushed twice. The only safe way out of a forked child.
fn exit_child(code: i32) -> ! {
    // SAFETY: _exit(2) is async-signal-safe and touches no Rust state.
    unsafe { libc::_exit(code) }
}


/// Reads what the child wrote until it closed its end of the pipe.
fn read_to_end(reader: OwnedFd) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 256];
    loop {
        match read(&reader, &mut buffer)? {
            0 => return Ok(bytes),
            n => bytes.extend_from_slice(&buffer[..n]),
        }
    }
}

// ANCHOR: fork
fn fork_once() -> std::io::Result<(Pid, String, WaitStatus)> {
    let (reader, writer) = pipe()?;
    let message = b"hello from the child"; // prepared before the fork
    // SAFETY: after fork() the child calls only write(2) and _exit(2), which
    // are async-signal-safe: it takes no lock, allocates nothing and never
    // returns into code that might (see the lock-hazard mode for why).
    match unsafe { fork() }? {
        ForkResult::Child => {
            let _ = write(&writer, message);
            exit_child(0)
        }
        ForkResult::Parent { child } => {
            drop(writer); // or read() would wait for our own copy of it
            let text = read_to_end(reader)?;
            let status = worker::wait_pid_until(child, Instant::now() + Duration::from_secs(10))?;
            Ok((child, String::from_utf8_lossy(&text).into_owned(), status))
        }
    }
}
// ANCHOR_END: fork

// ANCHOR: copy_on_write
fn copy_on_write() -> std::io::Result<(u64, u64, u64)> {
    let mut balance: u64 = 100;
    let (reader, writer) = pipe()?;
    // SAFETY: as in fork_once, the child only reads and writes its own copy of
    // `balance`, calls write(2) and _exit(2).
    match unsafe { fork() }? {
        ForkResult::Child => {
            let seen = balance; // the parent's value at the moment of the fork
            balance = 999; // changes the child's copy only
            let mut report = [0u8; 16];
            report[..8].copy_from_slice(&seen.to_le_bytes());
            report[8..].copy_from_slice(&std::hint::black_box(balance).to_le_bytes());
            let _ = write(&writer, &report);
            exit_child(0)
        }
        ForkResult::Parent { child } => {
            drop(writer);
            let report = read_to_end(reader)?;
            worker::wait_pid_until(child, Instant::now() + Duration::from_secs(10))?;
            let child_saw = u64::from_le_bytes(report[..8].try_into().unwrap_or_default());
            let child_set = u64::from_le_bytes(report[8..16].try_into().unwrap_or_default());
            Ok((child_saw, child_set, balance)) // the parent's balance is untouched
        }
    }
}
// ANCHOR_END: copy_on_write

// ANCHOR: lock_hazard
fn lock_hazard(patience: Duration) -> std::io::Result<(bool, WaitStatus)> {
    let lock = Arc::new(Mutex::new(0u64));
    let (locked, release) = (Arc::new(std::sync::Barrier::new(2)), Arc::new(std::sync::Barrier::new(2)));
    let holder = thread::spawn({
        let (lock, locked, release) = (Arc::clone(&lock), Arc::clone(&locked), Arc::clone(&release));
        move || {
            let _guard = lock.lock().unwrap();
            locked.wait(); // the lock is held now
            release.wait(); // until the parent has forked
        }
    });
    locked.wait();
    // SAFETY: this process has another thread, so the child may only make
    // async-signal-safe calls: clock_gettime(2) (Instant::now), poll(2) as a
    // sleep, and _exit(2) are on that list, and try_lock is no call at all
    // (one atomic compare-and-swap on std's futex-based Mutex, on Linux). It
    // never blocks on the lock, which is exactly the hazard: the thread
    // holding it was not copied.
    let result = match unsafe { fork() }? {
        ForkResult::Child => {
            let deadline = Instant::now() + patience;
            loop {
                match lock.try_lock() {
                    Ok(_) => exit_child(0),
                    Err(TryLockError::Poisoned(_)) => exit_child(2),
                    Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                        let _ = nix::poll::poll(&mut [], 5u8); // 5 ms; thread::sleep's nanosleep is not on the list
                    }
                    Err(TryLockError::WouldBlock) => exit_child(1), // locked for good
                }
            }
        }
        ForkResult::Parent { child } => {
            release.wait(); // the parent's holder thread now unlocks, in the parent
            let status = worker::wait_pid_until(child, Instant::now() + patience * 4 + Duration::from_secs(5))?;
            (matches!(status, WaitStatus::Exited(_, 1)), status)
        }
    };
    holder.join().expect("the holder thread does not panic");
    Ok(result)
}
// ANCHOR_END: lock_hazard

/// The path of `true`, the program that does nothing, successfully.
fn true_program() -> &'static str {
    ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or("/bin/true")
}

// ANCHOR: start_cost
/// Starts and reaps one process (or thread) the given way.
fn start_once(method: &str, program: &CString) -> std::io::Result<()> {
    match method {
        "thread spawn+join" => thread::spawn(|| ()).join().expect("an empty thread"),
        "fork+wait" => {
            // SAFETY: the child calls only _exit(2).
            match unsafe { fork() }? {
                ForkResult::Child => exit_child(0),
                ForkResult::Parent { child } => {
                    waitpid(child, None)?;
                },
            }
        }
        "fork+exec+wait" => {
            let argv = [program.clone()]; // allocated before the fork, not after
            // SAFETY: the child calls only execv(2) and, if that fails, _exit(2).
            match unsafe { fork() }? {
                ForkResult::Child => {
                    let _ = execv(program, &argv);
                    exit_child(127)
                }
                ForkResult::Parent { child } => {
                    waitpid(child, None)?;
                },
            }
        }
        "posix_spawn+wait" => {
            let (actions, attributes) = (PosixSpawnFileActions::init()?, PosixSpawnAttr::init()?);
            let no_env: [CString; 0] = [];
            let child = posix_spawn(program.as_c_str(), &actions, &attributes, &[program], &no_env)?;
            {
                    waitpid(child, None)?;
                };
        }
        _ => {
            Command::new(program.to_str().unwrap_or("/bin/true")).status()?;
        }
    }
    Ok(())
}
// ANCHOR_END: start_cost

const METHODS: [&str; 5] = [
    "thread spawn+join",
    "fork+wait",
    "fork+exec+wait",
    "posix_spawn+wait",
    "Command::status",
];

fn start_cost(starts: usize) -> std::io::Result<Vec<(&'static str, Duration)>> {
    let program = CString::new(true_program()).expect("no NUL in the path");
    METHODS
        .into_iter()
        .map(|method| {
            start_once(method, &program)?; // warm up
            let started = Instant::now();
            for _ in 0..starts {
                start_once(method, &program)?;
            }
            Ok((method, started.elapsed() / starts as u32))
        })
        .collect()
}

fn run(mode: Mode, starts: usize) -> std::io::Result<(usize, serde_json::Value)> {
    Ok(match mode {
        Mode::Fork => {
            let (pid, text, status) = fork_once()?;
            println!("child {pid} said {text:?} and ended: {status:?}");
            (1, serde_json::json!({ "child_said": text, "exited_ok": status == WaitStatus::Exited(pid, 0) }))
        }
        Mode::CopyOnWrite => {
            let (child_saw, child_set, parent_has) = copy_on_write()?;
            println!("the child saw balance = {child_saw} and set it to {child_set}");
            println!("the parent still has balance = {parent_has}");
            (1, serde_json::json!({ "child_saw": child_saw, "child_set": child_set, "parent_has": parent_has }))
        }
        Mode::LockHazard => {
            let (stuck, status) = lock_hazard(Duration::from_millis(300))?;
            if stuck {
                println!("the child found the lock held for good and gave up ({status:?})");
            } else {
                println!("the child got the lock ({status:?})");
            }
            (1, serde_json::json!({ "child_found_lock_held": stuck }))
        }
        Mode::StartCost => {
            let costs = start_cost(starts)?;
            let thread_cost = costs[0].1.as_secs_f64();
            println!("{starts} starts each, one at a time\nmethod               per start   vs a thread");
            let mut table = serde_json::Map::new();
            for (method, cost) in &costs {
                let micros = cost.as_secs_f64() * 1e6;
                let ratio = cost.as_secs_f64() / thread_cost;
                println!("{method:<20} {micros:>8.1} µs {ratio:>10.1}x");
                table.insert(method.to_string(), serde_json::json!((micros * 10.0).round() / 10.0));
            }
            (starts, serde_json::json!({ "per_start_us": table }))
        }
    })
}

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let mut summaries = Vec::new();
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        println!("== {name} ==");
        let started = Instant::now();
        match run(mode, args.tasks) {
            Ok((tasks, findings)) => {
                let mut summary = Summary::new("fork_vs_spawn", name, tasks, 1, started.elapsed());
                if let serde_json::Value::Object(findings) = findings {
                    summary.extra.extend(findings);
                }
                summaries.push(summary);
            }
            Err(error) => {
                eprintln!("error: {name}: {error}");
                std::process::exit(1);
            }
        }
        println!();
    }
    cli::print_json(&summaries, args.modes.json);
}
