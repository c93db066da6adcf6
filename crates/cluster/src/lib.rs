//! Fixtures for "Beyond one machine": addresses and hostfiles for a timely
//! dataflow cluster, and timely's failures turned into errors that name the peer.
//!
//! timely connects its processes before it runs anything and retries a
//! missing peer forever; once running, a lost connection panics the thread
//! that reads from it (named `timely:recv-N` for process N). The examples
//! bound every run with a deadline, and [`on_lost_peer`] reports which peer
//! went away instead of a cascade of panics.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use images::pipeline::{self, Settings};
use processes::worker;
use timeline::{Ideal, Span, Timeline};

mod connect;
mod key;
mod members;
pub use connect::{connect_members, timely_allocators};
pub use key::Key;
pub use members::*;

/// What worker 0 sends out: each photo's path, and with `send` its bytes too,
/// for workers on hosts that do not share this disk.
pub fn photos(paths: &[PathBuf], send: bool) -> Vec<Photo> {
    let photo = |(task, path): (usize, &PathBuf)| {
        let contents = match send {
            false => Contents::OnDisk,
            true => match fs::read(path) {
                Ok(bytes) => Contents::Sent(bytes),
                Err(error) => Contents::Unreadable(format!("cannot open: {error}")),
            },
        };
        Photo {
            task,
            path: path.clone(),
            contents,
        }
    };
    paths.iter().enumerate().map(photo).collect()
}

/// One photo as it travels from worker 0 to the worker that processes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Photo {
    pub task: usize,
    pub path: PathBuf,
    pub contents: Contents,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Contents {
    /// The worker reads the path itself (a shared disk, or the same files on every host).
    OnDisk,
    /// Worker 0 read the file and sent its bytes.
    Sent(Vec<u8>),
    /// Worker 0 could not read the file.
    Unreadable(String),
}

/// What a worker reports back to worker 0 for one photo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Done {
    pub task: usize,
    /// The output file's name, in the output folder of the worker's host.
    pub name: String,
    /// Which worker did it: `p1/w3` is worker 3, in process 1.
    pub worker: String,
    /// The output's size and CRC-32, to compare runs without comparing files.
    pub bytes: u64,
    pub crc32: u32,
    /// Wall-clock microseconds since the Unix epoch: comparable across
    /// processes on one host (and, with synchronized clocks, across hosts).
    pub start_us: u64,
    pub end_us: u64,
    pub error: Option<String>,
}

impl Done {
    pub fn seconds(&self) -> f64 {
        self.end_us.saturating_sub(self.start_us) as f64 / 1e6
    }
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since.as_micros() as u64
}

/// The book's pipeline on one photo, as a worker runs it: decode, blur,
/// shrink, encode, and write `out/NAME.jpg` atomically, after an optional pause.
pub fn process(
    photo: Photo,
    worker: &str,
    out: &Path,
    settings: &Settings,
    pause: Duration,
) -> Done {
    let start_us = now_us();
    let stem = photo.path.file_stem().unwrap_or_default().to_string_lossy();
    let name = format!("{stem}.jpg");
    let output = out.join(&name);
    let bytes = match photo.contents {
        Contents::OnDisk => fs::read(&photo.path).map_err(|e| format!("cannot open: {e}")),
        Contents::Sent(bytes) => Ok(bytes),
        Contents::Unreadable(why) => Err(why),
    };
    thread::sleep(pause);
    let written = bytes
        .and_then(|bytes| pipeline::render(&bytes, settings))
        .and_then(|rendered| {
            atomic_write::write_atomically(&output, &rendered.jpeg)
                .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
            Ok(rendered.jpeg)
        });
    let (bytes, crc32, error) = match written {
        Ok(jpeg) => (jpeg.len() as u64, crc32fast::hash(&jpeg), None),
        Err(error) => (0, 0, Some(format!("{}: {error}", photo.path.display()))),
    };
    Done {
        task: photo.task,
        name,
        worker: worker.to_string(),
        bytes,
        crc32,
        start_us,
        end_us: now_us(),
        error,
    }
}

/// A finished run as worker 0 saw it: every photo's result, in task order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    pub done: Vec<Done>,
    /// When the run started ([`now_us`]) and how long it took.
    pub start_us: u64,
    pub elapsed: Duration,
}

impl Run {
    pub fn new(mut done: Vec<Done>, start_us: u64, elapsed: Duration) -> Run {
        done.sort_by_key(|d| d.task);
        Run {
            done,
            start_us,
            elapsed,
        }
    }

    /// The photos as a timeline, one bar per photo on its worker's row; the
    /// ideal is the work shared perfectly among the workers that took part.
    pub fn timeline(&self) -> Timeline {
        let at = |us: u64| Duration::from_micros(us.saturating_sub(self.start_us));
        let spans: Vec<Span> = (self.done.iter())
            .map(|d| Span {
                task: d.task,
                worker: d.worker.clone(),
                start: at(d.start_us),
                end: at(d.end_us),
                panicked: d.error.is_some(),
            })
            .collect();
        let sequential = spans.iter().map(Span::duration).sum();
        let mut workers: Vec<&str> = spans.iter().map(|s| s.worker.as_str()).collect();
        workers.sort_unstable();
        workers.dedup();
        Timeline {
            started: spans.len(),
            elapsed: self.elapsed,
            ideal: Ideal::SequentialOver {
                sequential,
                cores: workers.len().max(1),
            },
            spans,
        }
    }

    /// From the start of the run to the first photo's start: starting
    /// processes, connecting them, building the dataflow.
    pub fn setup(&self) -> Duration {
        let first = self.done.iter().map(|d| d.start_us).min();
        first.map_or(self.elapsed, |us| {
            Duration::from_micros(us.saturating_sub(self.start_us))
        })
    }

    /// One CRC-32 over every output's name and CRC, in task order: equal
    /// checksums mean the same files, whoever wrote them.
    pub fn checksum(&self) -> u32 {
        let mut hasher = crc32fast::Hasher::new();
        for done in &self.done {
            hasher.update(done.name.as_bytes());
            hasher.update(&done.crc32.to_le_bytes());
        }
        hasher.finalize()
    }
}

/// "1 worker", "2 workers", "2 processes".
pub fn plural(count: usize, noun: &str) -> String {
    match (count, noun.ends_with('s')) {
        (1, _) => format!("1 {noun}"),
        (_, true) => format!("{count} {noun}es"),
        (_, false) => format!("{count} {noun}s"),
    }
}

/// Writes a run as JSON, atomically (process 0 of the processes mode hands
/// its results to the program that started it this way).
pub fn write_run(path: &Path, run: &Run) -> Result<(), String> {
    let json = serde_json::to_vec(run).expect("a run is plain data");
    atomic_write::write_atomically(path, &json).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_run(path: &Path) -> Result<Run, String> {
    let json = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&json).map_err(|e| format!("{}: {e}", path.display()))
}

/// How long a run may take, and who the peers are (none for one process).
pub struct Bounds {
    pub deadline: Duration,
    pub addresses: Vec<String>,
    pub me: usize,
}

impl Bounds {
    pub fn local(deadline: Duration) -> Bounds {
        Bounds {
            deadline,
            addresses: Vec::new(),
            me: 0,
        }
    }

    /// Process `me` of a cluster of `addresses`.
    pub fn cluster(deadline: Duration, addresses: Vec<String>, me: usize) -> Bounds {
        Bounds {
            deadline,
            addresses,
            me,
        }
    }
}

enum Event {
    Finished(Result<Vec<Done>, String>),
    Lost(String),
}

/// Runs `run` (which starts timely and joins its workers) on its own thread,
/// and waits for it until the deadline. A lost peer or the deadline ends the
/// wait with an error naming the peer; timely's threads may then still be
/// blocked, so the caller should exit the process.
pub fn run_bounded(
    bounds: Bounds,
    run: impl FnOnce() -> Result<Vec<Done>, String> + Send + 'static,
) -> Result<Run, String> {
    let (events, results) = mpsc::channel();
    if !bounds.addresses.is_empty() {
        let lost = events.clone();
        on_lost_peer(bounds.addresses.clone(), move |why| {
            let _ = lost.send(Event::Lost(why));
        });
    }
    let start_us = now_us();
    let clock = Instant::now();
    thread::Builder::new()
        .name("timely-run".into())
        .spawn(move || {
            // A panic in timely's start-up ends the run with an error, not a wait.
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
            let run = run.unwrap_or_else(|panic| Err(concurrency_book::panic_message(&*panic)));
            let _ = events.send(Event::Finished(run));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    match results.recv_timeout(bounds.deadline) {
        Ok(Event::Finished(Ok(done))) => Ok(Run::new(done, start_us, clock.elapsed())),
        Ok(Event::Finished(Err(why)) | Event::Lost(why)) => Err(why),
        Err(_) => {
            let seconds = bounds.deadline.as_secs_f64();
            Err(format!("the run took longer than --deadline {seconds} s"))
        }
    }
}

/// Runs this program `processes` times on 127.0.0.1 as one cluster (free
/// ports, a hostfile in a scratch folder), each with `args(process, hostfile)`,
/// which must include [`MemberArgs::flags`]; process 0 writes its run where
/// `--results-to` says.
/// When one process fails, the others get [`GRACE`] to notice and say why
/// they stop (a lost peer, say) before they are killed; all are always reaped.
pub fn launch(
    processes: usize,
    deadline: Duration,
    args: impl Fn(usize, &Path) -> Vec<String>,
) -> Result<Run, String> {
    let temp = std::env::temp_dir();
    remove_stale_scratch(&temp);
    let scratch = temp.join(format!("{SCRATCH_PREFIX}{}", std::process::id()));
    // Ctrl-C and SIGTERM remove it too (SIGKILL cannot: the next launch does).
    atomic_write::remove_on_interrupt(&scratch);
    fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let run = launch_in(&scratch, processes, deadline, args);
    let _ = fs::remove_dir_all(&scratch); // on every path
    atomic_write::keep_on_interrupt(&scratch);
    run
}

const SCRATCH_PREFIX: &str = "timely-cluster-";

/// A launcher killed outright (SIGKILL runs none of its code) leaves its
/// scratch folder behind: the next launch removes those whose process is gone.
fn remove_stale_scratch(temp: &Path) {
    let Ok(entries) = fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(SCRATCH_PREFIX))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !process_exists(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(unix)]
fn process_exists(pid: u32) -> bool {
    use nix::errno::Errno;
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // Signal 0 checks only; EPERM means it exists but is someone else's.
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(errno) => errno == Errno::EPERM,
    }
}

#[cfg(not(unix))]
fn process_exists(_pid: u32) -> bool {
    true // no cheap check: leave it
}

fn launch_in(
    scratch: &Path,
    processes: usize,
    deadline: Duration,
    args: impl Fn(usize, &Path) -> Vec<String>,
) -> Result<Run, String> {
    let hostfile = scratch.join("hosts.txt");
    let addresses = free_loopback_addresses(processes).map_err(|e| format!("free ports: {e}"))?;
    write_hostfile(&hostfile, &addresses).map_err(|e| format!("{}: {e}", hostfile.display()))?;
    // A fresh key for this cluster only: no other process on the machine
    // can join it, even one that finds its ports.
    let key = key_path(&hostfile);
    Key::create(&key).map_err(|e| format!("{}: {e}", key.display()))?;
    let program = std::env::current_exe().map_err(|e| format!("this program's path: {e}"))?;
    let start_us = now_us();
    let clock = Instant::now();
    let mut members = Members(Vec::new());
    for process in 0..processes {
        let child = worker::dies_with_parent(&mut Command::new(&program))
            .args(args(process, &hostfile))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        members.0.push(Some(child));
    }
    // The members have the same deadline; a little grace for their own message.
    members.wait(clock + deadline + Duration::from_secs(5))?;
    let results = read_run(&results_path(&hostfile))?;
    Ok(Run::new(results.done, start_us, clock.elapsed()))
}

/// How long the other members of a cluster may take, after one has failed,
/// to exit by themselves (each names its lost peer on stderr) before they
/// are killed.
pub const GRACE: Duration = Duration::from_secs(2);

/// The cluster's processes: killed if still running and reaped when dropped.
struct Members(Vec<Option<Child>>);

impl Members {
    /// Waits until all have exited successfully. After the first failure the
    /// rest get [`GRACE`], then are killed; past the deadline, at once. The
    /// error names every failed process, those killed by a signal (the likely
    /// cause) before those that exited with an error (often its consequence).
    fn wait(&mut self, mut deadline: Instant) -> Result<(), String> {
        let mut failures: Vec<(bool, String)> = Vec::new();
        while self.0.iter().any(Option::is_some) {
            for (process, slot) in self.0.iter_mut().enumerate() {
                let Some(child) = slot else { continue };
                let failure = match child.try_wait() {
                    Ok(None) => continue,
                    Ok(Some(status)) => {
                        *slot = None; // reaped
                        (!status.success()).then(|| failed(process, status))
                    }
                    // Recorded once: killed and reaped now.
                    Err(error) => {
                        if let Some(mut child) = slot.take() {
                            let _ = child.kill();
                            let _ = child.wait();
                        }
                        Some((false, format!("process {process}: {error}")))
                    }
                };
                if let Some(failure) = failure {
                    failures.push(failure);
                    deadline = deadline.min(Instant::now() + GRACE);
                }
            }
            if Instant::now() > deadline {
                break;
            }
            thread::sleep(Duration::from_millis(5));
        }
        failures.sort_by_key(|(killed, _)| !killed); // stable: the rest in order
        let failures: Vec<String> = failures.into_iter().map(|(_, why)| why).collect();
        match failures.is_empty() {
            false => Err(format!("the cluster failed: {}", failures.join("; "))),
            true if self.0.iter().any(Option::is_some) => {
                Err("the cluster's processes ran past the deadline and were killed".into())
            }
            true => Ok(()),
        }
    }
}

/// Whether a member was killed by a signal, and what ended it.
fn failed(process: usize, status: ExitStatus) -> (bool, String) {
    match status.code() {
        Some(code) => (false, format!("process {process} exited with code {code}")),
        None => (true, format!("process {process} was killed ({status})")),
    }
}

impl Drop for Members {
    fn drop(&mut self) {
        for child in self.0.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Mutex, MutexGuard};

    /// The tests that listen on ports, and the one that starts a child, run
    /// one at a time. A child started while a test's listener is open holds
    /// a copy of it until the child execs (CLOEXEC closes it only then), so a
    /// port just closed can still refuse a bind. Side by side, two in three
    /// hundred runs also saw a reset during a real member's greeting, not yet
    /// explained; one at a time, none did.
    pub(crate) fn one_at_a_time() -> MutexGuard<'static, ()> {
        static NETWORK_TESTS: Mutex<()> = Mutex::new(());
        NETWORK_TESTS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    #[test]
    fn free_addresses_are_loopback_and_distinct() {
        let addresses = free_loopback_addresses(3).unwrap();
        assert_eq!(addresses.len(), 3);
        assert!(addresses.iter().all(|a| a.starts_with("127.0.0.1:")));
        let mut unique = addresses.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 3);
    }

    #[test]
    fn hostfiles_round_trip_and_bad_lines_are_named() {
        let dir = std::env::temp_dir().join(format!("hostfile-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("hosts.txt");
        let addresses = vec!["127.0.0.1:2101".to_string(), "host-b:2102".to_string()];
        write_hostfile(&path, &addresses).unwrap();
        assert_eq!(read_hostfile(&path).unwrap(), addresses);

        std::fs::write(&path, "# two hosts\n\n10.0.0.1:2101  # first\nhost-b\n").unwrap();
        let error = read_hostfile(&path).unwrap_err();
        assert!(
            error.contains("line 4") && error.contains("host-b"),
            "{error}"
        );

        std::fs::write(&path, "# nothing\n").unwrap();
        assert!(read_hostfile(&path).unwrap_err().contains("no addresses"));
        let missing = dir.join("missing.txt");
        assert!(read_hostfile(&missing).unwrap_err().contains("missing.txt"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn communication_threads_name_their_peer() {
        assert_eq!(peer_of_thread("timely:recv-1"), Some(1));
        assert_eq!(peer_of_thread("timely:send-12"), Some(12));
        assert_eq!(peer_of_thread("timely:work-0"), None);
        assert_eq!(peer_of_thread("main"), None);
    }

    #[test]
    #[cfg(unix)]
    fn a_killed_launchers_scratch_is_removed_and_a_live_ones_kept() {
        let temp = std::env::temp_dir().join(format!("stale-scratch-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&temp);
        let _serial = one_at_a_time();
        let mut gone = Command::new("true").spawn().unwrap();
        gone.wait().unwrap(); // reaped: its pid names no process now
        let dead = temp.join(format!("{SCRATCH_PREFIX}{}", gone.id()));
        let alive = temp.join(format!("{SCRATCH_PREFIX}{}", std::process::id()));
        let other = temp.join("timely-cluster-notes");
        for dir in [&dead, &alive, &other] {
            fs::create_dir_all(dir).unwrap();
            fs::write(dir.join("hosts.txt"), "127.0.0.1:1\n").unwrap();
        }
        remove_stale_scratch(&temp);
        assert!(!dead.exists(), "the dead launcher's folder is removed");
        assert!(alive.exists(), "a running launcher's folder is kept");
        assert!(other.exists(), "a folder not named by a pid is not ours");
        fs::remove_dir_all(&temp).unwrap();
    }
}
