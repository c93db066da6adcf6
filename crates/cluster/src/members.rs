//! A cluster's members: their addresses and hostfile, their own flags, and timely's failures turned into
//! errors that name the peer.

use std::io;
use std::net::TcpListener;
use std::panic::{self, PanicHookInfo};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use crate::Key;

/// `count` addresses on 127.0.0.1 whose ports were free a moment ago.
///
/// The ports lie below the kernel's ephemeral range, from which it hands out
/// a port to every `bind(":0")` and every outgoing connection. A port from
/// that range, free when chosen, can be given to another socket before the
/// member binds it; and a member that calls a peer not yet listening can
/// even be connected to itself (TCP's simultaneous open, when the kernel
/// picks the peer's port as the caller's own). Below the range only a
/// program that names the port can take it. Each call in this process gets
/// ports no earlier call got.
pub fn free_loopback_addresses(count: usize) -> io::Result<Vec<String>> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let lowest_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    let (start, end) = (lowest_ephemeral / 2, lowest_ephemeral);
    let span = usize::from(end - start);
    // Processes started together begin at different places.
    let offset = std::process::id() as usize * 97;
    // Hold every listener until all are chosen, so the ports differ.
    let mut listeners = Vec::new();
    for _ in 0..span {
        if listeners.len() == count {
            break;
        }
        let port = start as usize + (offset + NEXT.fetch_add(1, Ordering::Relaxed)) % span;
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port as u16)) {
            listeners.push(listener);
        }
    }
    if listeners.len() < count {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("no {count} free ports on 127.0.0.1 between {start} and {end}"),
        ));
    }
    listeners
        .iter()
        .map(|listener| Ok(listener.local_addr()?.to_string()))
        .collect()
}

/// Reads a hostfile: one `host:port` per line, in process order; blank
/// lines and `#` comments are skipped. The error names the file and line.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--hostfile {}: {e}", path.display()))?;
    let mut addresses = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let at = |why: String| format!("--hostfile {} line {}: {why}", path.display(), number + 1);
        let port = line.rsplit_once(':').map(|(_, port)| port.parse::<u16>());
        if !matches!(port, Some(Ok(_))) || line.split_whitespace().count() > 1 {
            return Err(at(format!("expected one host:port, found {line:?}")));
        }
        if let Some(first) = addresses.iter().position(|a| a == line) {
            return Err(at(format!("{line} is process {first}'s address too")));
        }
        addresses.push(line.to_string());
    }
    if addresses.is_empty() {
        return Err(format!("--hostfile {}: no addresses", path.display()));
    }
    Ok(addresses)
}

/// Writes `addresses` as a hostfile, one per line, atomically.
pub fn write_hostfile(path: &Path, addresses: &[String]) -> io::Result<()> {
    let mut text = addresses.join("\n");
    text.push('\n');
    atomic_write::write_atomically(path, text.as_bytes())
}

/// The process a timely communication thread talks to, from its name
/// (`timely:recv-1` or `timely:send-1`).
pub fn peer_of_thread(name: &str) -> Option<usize> {
    let peer = (name.strip_prefix("timely:recv-")).or_else(|| name.strip_prefix("timely:send-"))?;
    peer.parse().ok()
}

// ANCHOR: lost_peer
/// Calls `report` with "lost process N (ADDRESS): WHY" when timely loses its
/// connection to process N, instead of printing the panic. Every panic after
/// that is a consequence (workers find their queues poisoned, joining the
/// communication threads fails) and is silenced too; any other panic is
/// printed as usual.
pub fn on_lost_peer(addresses: Vec<String>, report: impl Fn(String) + Send + Sync + 'static) {
    let default_hook = panic::take_hook();
    let lost = AtomicBool::new(false);
    panic::set_hook(Box::new(move |info: &PanicHookInfo| {
        let message = panic_message(info);
        let current = thread::current();
        if let Some(peer) = current.name().and_then(peer_of_thread) {
            lost.store(true, Ordering::SeqCst);
            let address = addresses.get(peer).map_or("?", String::as_str);
            report(format!("lost process {peer} ({address}): {message}"));
        } else if !lost.load(Ordering::SeqCst) {
            default_hook(info);
        }
    }));
}
// ANCHOR_END: lost_peer

/// A host that crashes mid-run, for showing what its peers do: SIGKILL to
/// this process after `delay`, from a thread of its own (nothing of ours
/// runs then: no clean-up, no message, as when the power goes).
#[cfg(unix)]
pub fn crash_after(delay: Duration) {
    thread::spawn(move || {
        thread::sleep(delay);
        let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    });
}

/// Elsewhere, an abort stands for the crash.
#[cfg(not(unix))]
pub fn crash_after(delay: Duration) {
    thread::spawn(move || {
        thread::sleep(delay);
        std::process::abort();
    });
}

fn panic_message(info: &PanicHookInfo) -> String {
    let payload = info.payload();
    (payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// The flags that make this program one member of a cluster, with the
/// results path that a launched cluster's process 0 writes to: the one place
/// that knows both sides of [`launch`].
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MemberArgs {
    /// Be process IDX of a cluster (0 gathers and reports); needs --hostfile
    #[arg(long, value_name = "IDX", requires = "hostfile")]
    pub process: Option<usize>,
    /// How many processes the cluster has [default: the hostfile's lines]
    #[arg(long, value_parser = parse_processes, requires = "process", allow_hyphen_values = true)]
    pub processes: Option<usize>,
    /// The cluster's addresses, one host:port per line, in process order
    #[arg(long, value_name = "FILE", requires = "process")]
    pub hostfile: Option<PathBuf>,
    /// How long to wait, in seconds, for every process of the cluster to
    /// connect: a few seconds on one machine; allow more across hosts
    #[arg(long, value_parser = parse_connect_timeout, default_value = "10", allow_hyphen_values = true)]
    pub connect_timeout: Duration,
    /// A secret every member holds (16 bytes or more, readable by its owner
    /// only): members prove it to each other before any job is described,
    /// and a process without it cannot join. Make one with
    /// `head -c 32 /dev/urandom > FILE; chmod 600 FILE` and copy it to each
    /// host. `--mode processes` makes its own
    #[arg(long, value_name = "FILE", requires = "process")]
    pub key_file: Option<PathBuf>,
    /// Internal: process 0 of a launched cluster writes its results here
    #[arg(long, hide = true)]
    pub results_to: Option<PathBuf>,
}

/// `--processes`: from 1 to 10,000 (as the examples' other counts).
fn parse_processes(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n @ 1..=10_000) => Ok(n),
        Ok(_) => Err("must be from 1 to 10000".into()),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

/// `--connect-timeout`: seconds, more than 0 and at most 600.
fn parse_connect_timeout(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 600.0 => Ok(Duration::from_secs_f64(s)),
        Ok(_) => Err("must be more than 0 and at most 600 seconds".into()),
        Err(_) => Err(format!("`{text}` is not a number of seconds")),
    }
}

/// This process's place in a cluster.
pub struct Membership {
    /// This process's index: 0 gathers and reports
    pub process: usize,
    /// Every process's address, in process order
    pub addresses: Vec<String>,
    /// The secret the members prove to each other (`--key-file`), if any
    pub key: Key,
}

impl MemberArgs {
    /// The flags that make process `process` of a launched cluster a member.
    pub fn flags(&self, process: usize, processes: usize, hostfile: &Path) -> Vec<String> {
        let mut flags = vec![
            format!("--process={process}"),
            format!("--processes={processes}"),
            format!("--hostfile={}", hostfile.display()),
            format!("--connect-timeout={}", self.connect_timeout.as_secs_f64()),
            format!("--key-file={}", key_path(hostfile).display()),
        ];
        if process == 0 {
            flags.push(format!("--results-to={}", results_path(hostfile).display()));
        }
        flags
    }

    /// With `--process`, this process's place (the hostfile read and checked
    /// against `--processes`); the errors name the flag.
    pub fn membership(&self) -> Result<Option<Membership>, String> {
        let (Some(process), Some(hostfile)) = (self.process, &self.hostfile) else {
            return Ok(None);
        };
        let mut addresses = read_hostfile(hostfile)?;
        let processes = self.processes.unwrap_or(addresses.len());
        if addresses.len() < processes {
            return Err(format!(
                "--hostfile {} lists {} addresses, --processes is {processes}",
                hostfile.display(),
                addresses.len()
            ));
        }
        addresses.truncate(processes);
        if process >= processes {
            return Err(format!(
                "--process {process}: the cluster has processes 0 to {}",
                processes - 1
            ));
        }
        let key = match &self.key_file {
            Some(path) => Key::read(path)?,
            None => Key::none(),
        };
        Ok(Some(Membership {
            process,
            addresses,
            key,
        }))
    }
}

/// Where a cluster started by [`launch`] keeps its members' key.
pub(super) fn key_path(hostfile: &Path) -> PathBuf {
    hostfile.with_extension("key")
}

/// Where process 0 of a cluster started by [`launch`] leaves its run.
pub(super) fn results_path(hostfile: &Path) -> PathBuf {
    hostfile.with_extension("json")
}
