//! Connecting a cluster's members before timely starts, instead of letting
//! timely do it. timely's own start-up (`timely_communication::networking`)
//! retries a missing peer once a second for ever, and takes the first eight
//! bytes of any connection to its port as a process number: a port scan
//! breaks it, and a process started with other flags joins silently.
//!
//! Here every member connects to the members numbered below it. On each
//! connection the two first prove that they hold the cluster's key
//! ([`Key`]: a nonce from each side, and a keyed hash of both back), the
//! listener first; only then does the caller send its hello: its process
//! number and a description of the job it runs. A connection that fails any
//! step is dropped and named on stderr, and the listener goes on waiting for
//! the real member; each connection has two seconds in all to greet, read
//! by read, and greetings are read on threads of their own, so a slow
//! stranger holds up no one. A member that proved the key but runs another
//! job is refused, and both members exit naming both jobs; without a key,
//! such a hello could come from anyone, so it is only dropped and named.
//! The connected sockets then go to timely's
//! `initialize_networking_from_sockets`, which runs as if it had made them.

use std::any::Any;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsFd;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use timely::communication::Hooks;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};

use crate::key::{self, CALLER, Key, LISTENER, NONCE_BYTES, TAG_BYTES};

/// The first bytes of every greeting: not what a stray client sends.
const MARKER: &[u8; 8] = b"cbook-2\n";
/// A job's description is a line of flags; more than this is not a member.
const MAX_JOB_BYTES: u32 = 4096;
/// How long a new connection has, in all, to greet: a member does it at once.
const GREETING_TIME: Duration = Duration::from_secs(2);
/// At most this many connections greet at once; more are strangers.
const GREETINGS_AT_ONCE: usize = 64;
/// How often to retry a peer that does not listen yet.
const RETRY: Duration = Duration::from_millis(20);

/// What a member says once the key is proved: who it is, and the job it runs.
#[derive(Debug, PartialEq)]
struct Hello {
    process: usize,
    job: String,
}

/// Reads exactly `buffer.len()` bytes by `deadline`, however the peer drips them.
fn read_by(stream: &mut TcpStream, buffer: &mut [u8], deadline: Instant) -> io::Result<()> {
    let mut filled = 0;
    while filled < buffer.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "too slow"));
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buffer[filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(read) => filled += read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "too slow"));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn read_array<const N: usize>(
    stream: &mut TcpStream,
    deadline: Instant,
    what: &str,
) -> Result<[u8; N], String> {
    let mut bytes = [0; N];
    read_by(stream, &mut bytes, deadline).map_err(|e| format!("{what}: {e}"))?;
    Ok(bytes)
}

fn read_text(stream: &mut TcpStream, deadline: Instant) -> Result<String, String> {
    let length = u32::from_le_bytes(read_array(stream, deadline, "a cut greeting")?);
    if length > MAX_JOB_BYTES {
        return Err(format!("a job description of {length} bytes"));
    }
    let mut text = vec![0; length as usize];
    read_by(stream, &mut text, deadline).map_err(|e| format!("a cut greeting: {e}"))?;
    String::from_utf8(text).map_err(|_| "a job description that is not UTF-8".into())
}

fn text_bytes(text: &str) -> Vec<u8> {
    let mut bytes = (text.len() as u32).to_le_bytes().to_vec();
    bytes.extend(text.as_bytes());
    bytes
}

/// The listening side of one connection, on a thread of its own: the marker
/// and the caller's nonce; our nonce and tag; then the caller's hello and
/// tag, checked. Everything by `deadline`.
fn greet_caller(stream: &mut TcpStream, key: &Key, deadline: Instant) -> Result<Hello, String> {
    let marker: [u8; 8] = read_array(stream, deadline, "no greeting")?;
    if &marker != MARKER {
        return Err(format!("it sent {marker:02x?}, not a member's greeting"));
    }
    let theirs: [u8; NONCE_BYTES] = read_array(stream, deadline, "a cut greeting")?;
    let ours = key::nonce()?;
    let mut proof = ours.to_vec();
    proof.extend(key.tag(LISTENER, &[&theirs, &ours]));
    stream
        .set_write_timeout(Some(GREETING_TIME))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(&proof)
        .map_err(|e| format!("it did not take our proof: {e}"))?;
    let process: [u8; 8] = read_array(stream, deadline, "a cut greeting")?;
    let job = read_text(stream, deadline)?;
    let tag: [u8; TAG_BYTES] = read_array(stream, deadline, "a cut greeting")?;
    if !key.verify(CALLER, &[&ours, &theirs, &process, job.as_bytes()], &tag) {
        return Err("it does not hold the cluster's key (--key-file)".into());
    }
    let process = usize::try_from(u64::from_le_bytes(process)).unwrap_or(usize::MAX);
    Ok(Hello { process, job })
}

/// The calling side: our marker and nonce; the listener's nonce and tag,
/// checked; then our hello and tag, and the listener's answer.
fn greet_listener(
    stream: &mut TcpStream,
    key: &Key,
    hello: &Hello,
    deadline: Instant,
) -> Result<Option<String>, String> {
    let ours = key::nonce()?;
    let mut greeting = MARKER.to_vec();
    greeting.extend(ours);
    stream
        .set_write_timeout(Some(remaining(deadline)))
        .map_err(|e| e.to_string())?;
    stream.write_all(&greeting).map_err(|e| e.to_string())?;
    let theirs: [u8; NONCE_BYTES] = read_array(stream, deadline, "no answer to our greeting")?;
    let tag: [u8; TAG_BYTES] = read_array(stream, deadline, "a cut answer")?;
    if !key.verify(LISTENER, &[&ours, &theirs], &tag) {
        return Err(match key.is_set() {
            true => "it does not hold our key: is --key-file the same file on every member?",
            false => "it expects a key: give every member the same --key-file",
        }
        .into());
    }
    let process = (hello.process as u64).to_le_bytes();
    let mut bytes = process.to_vec();
    bytes.extend(text_bytes(&hello.job));
    bytes.extend(key.tag(CALLER, &[&theirs, &ours, &process, hello.job.as_bytes()]));
    stream.write_all(&bytes).map_err(|e| e.to_string())?;
    let [refused] = read_array(stream, deadline, "no answer to our hello")?;
    let job = read_text(stream, deadline)?;
    Ok((refused != 0).then_some(job))
}

/// The listener's answer: accepted, or refused with (to a member that
/// proved the key) the job it runs.
fn write_answer(stream: &mut TcpStream, refused_with: Option<&str>) -> io::Result<()> {
    let mut bytes = vec![u8::from(refused_with.is_some())];
    bytes.extend(text_bytes(refused_with.unwrap_or_default()));
    stream.write_all(&bytes)
}

fn another_job(other: usize, theirs: &str, me: usize, ours: &str) -> String {
    format!("process {other} runs another job: `{theirs}`; process {me} runs `{ours}`")
}

/// Connects process `me` to every other process of `addresses`, all running
/// `job` and holding `key`, within `timeout`: one socket per process, `None`
/// at `me`.
pub fn connect_members(
    addresses: &[String],
    me: usize,
    job: &str,
    timeout: Duration,
    key: &Key,
) -> Result<Vec<Option<TcpStream>>, String> {
    let deadline = Instant::now() + timeout;
    let seconds = timeout.as_secs_f64();
    let address = &addresses[me];
    let listener = TcpListener::bind(address)
        .map_err(|e| format!("process {me} cannot listen on {address}: {e}"))?;
    let mut sockets: Vec<Option<TcpStream>> = (0..addresses.len()).map(|_| None).collect();
    let hello = Hello {
        process: me,
        job: job.to_string(),
    };
    // Below me: I call them. Each answers once it has called everyone below it.
    for (process, address) in addresses.iter().enumerate().take(me) {
        let mut stream = connect_by(address, deadline).map_err(|e| {
            format!("not connected within --connect-timeout {seconds} s: process {process} ({address}): {e}")
        })?;
        let answer = greet_listener(&mut stream, key, &hello, deadline).map_err(|e| {
            format!("{address}, listed for process {process}, does not answer like a member: {e}")
        })?;
        match answer {
            Some(theirs) if key.is_set() => return Err(another_job(process, &theirs, me, job)),
            Some(_) => {
                return Err(format!(
                    "process {process} ({address}) refused us: it runs another job \
                     (its stderr names it); process {me} runs `{job}`"
                ));
            }
            None => sockets[process] = Some(stream),
        }
    }
    // Above me: they call me. Each connection greets on a thread of its own.
    let (greeted, greetings) = mpsc::channel::<(TcpStream, SocketAddr, Result<Hello, String>)>();
    let mut greeting = 0; // connections whose greeting is under way
    let mut turned_away = Vec::new();
    while let Some(missing) = (me + 1..addresses.len()).find(|&p| sockets[p].is_none()) {
        while let Ok((mut stream, from, result)) = greetings.try_recv() {
            greeting -= 1;
            let hello = match result {
                Ok(hello) if hello.process <= me || hello.process >= addresses.len() => {
                    Err(format!("it said it is process {}", hello.process))
                }
                Ok(hello) if sockets[hello.process].is_some() => {
                    Err(format!("process {} is connected already", hello.process))
                }
                result => result,
            };
            match hello {
                Err(why) => drop_stranger(me, from, why),
                Ok(hello) if hello.job != job && key.is_set() => {
                    let _ = write_answer(&mut stream, Some(job));
                    return Err(another_job(hello.process, &hello.job, me, job));
                }
                Ok(hello) if hello.job != job => {
                    let _ = write_answer(&mut stream, Some(""));
                    let why = another_job(hello.process, &hello.job, me, job);
                    drop_stranger(me, from, why.clone());
                    turned_away.push(why);
                }
                Ok(hello) => {
                    let process = hello.process;
                    write_answer(&mut stream, None)
                        .map_err(|e| format!("process {process}: {e}"))?;
                    sockets[process] = Some(stream);
                }
            }
        }
        if sockets[missing].is_some() {
            continue;
        }
        if Instant::now() >= deadline {
            let absent = (missing..addresses.len())
                .filter(|&p| sockets[p].is_none())
                .map(|p| format!("process {p} ({})", addresses[p]));
            let absent = absent.collect::<Vec<_>>().join(", ");
            let mut error = format!(
                "not connected within --connect-timeout {seconds} s: no answer from {absent}"
            );
            if !turned_away.is_empty() {
                error.push_str(&format!("; turned away: {}", turned_away.join("; ")));
            }
            return Err(error);
        }
        let wait = deadline.min(Instant::now() + RETRY);
        let Some((mut stream, from)) = accept_by(&listener, wait)? else {
            continue;
        };
        if greeting >= GREETINGS_AT_ONCE {
            drop_stranger(
                me,
                from,
                format!("{greeting} connections are greeting already"),
            );
            continue;
        }
        greeting += 1;
        let (greeted, key) = (greeted.clone(), key.clone());
        let greeting_by = deadline.min(Instant::now() + GREETING_TIME);
        thread::spawn(move || {
            let result = greet_caller(&mut stream, &key, greeting_by);
            let _ = greeted.send((stream, from, result)); // gone once all are connected
        });
    }
    for stream in sockets.iter().flatten() {
        let ready = (stream.set_read_timeout(None))
            .and_then(|()| stream.set_write_timeout(None))
            .and_then(|()| stream.set_nodelay(true));
        ready.map_err(|e| e.to_string())?;
    }
    Ok(sockets)
}

fn drop_stranger(me: usize, from: SocketAddr, why: String) {
    eprintln!("process {me}: dropped a connection from {from} that is not a member: {why}");
}

fn remaining(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1))
}

/// Connects to `address`, retrying while nothing listens there yet.
fn connect_by(address: &str, deadline: Instant) -> io::Result<TcpStream> {
    let targets: Vec<SocketAddr> = address.to_socket_addrs()?.collect();
    loop {
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
        for target in &targets {
            match TcpStream::connect_timeout(target, remaining(deadline)) {
                Ok(stream) => return Ok(stream),
                Err(e) => last = e,
            }
        }
        if Instant::now() + RETRY >= deadline {
            return Err(last);
        }
        thread::sleep(RETRY); // the peer has not started yet
    }
}

/// The next connection to `listener`, or `None` when the deadline passes first.
fn accept_by(
    listener: &TcpListener,
    deadline: Instant,
) -> Result<Option<(TcpStream, SocketAddr)>, String> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        let wait = PollTimeout::try_from(left.as_millis().max(1)).unwrap_or(PollTimeout::MAX);
        let mut ready = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
        match poll(&mut ready, wait) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => {}
            Err(e) => return Err(format!("waiting for members: {e}")),
        }
        match listener.accept() {
            Ok(connection) => return Ok(Some(connection)),
            // Out of file descriptors, say: wait a little, as image_server does.
            Err(e) if e.kind() != io::ErrorKind::Interrupted => {
                eprintln!("accepting a member: {e}");
                thread::sleep(Duration::from_millis(100));
            }
            Err(_) => {}
        }
    }
}

/// timely's allocators for `threads` workers in process `me`, over `sockets`
/// from [`connect_members`]; hand both to `timely::execute::execute_from`.
pub fn timely_allocators(
    sockets: Vec<Option<TcpStream>>,
    me: usize,
    threads: usize,
) -> Result<(Vec<AllocatorBuilder>, Box<dyn Any + Send>), String> {
    let hooks = Hooks::default();
    let local =
        ProcessBuilder::new_typed_vector(threads, hooks.refill.clone(), hooks.spill.clone());
    let (builders, guard) = initialize_networking_from_sockets(local, sockets, me, threads, hooks)
        .map_err(|e| format!("starting timely's communication threads: {e}"))?;
    Ok((
        builders.into_iter().map(AllocatorBuilder::Tcp).collect(),
        Box::new(guard),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::free_loopback_addresses;
    use crate::tests::one_at_a_time;

    /// A key of 32 `byte`s, read from a file of its own (tests run at once:
    /// each call has its own file).
    fn key(byte: u8) -> Key {
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("connect-key-{}-{call}", std::process::id());
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_file(&path);
        let mut options = std::fs::OpenOptions::new();
        std::os::unix::fs::OpenOptionsExt::mode(options.write(true).create(true), 0o600);
        options.open(&path).unwrap().write_all(&[byte; 32]).unwrap();
        let key = Key::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        key
    }

    /// Process 0 of a two-process cluster, connecting on a thread.
    fn process_0(
        addresses: &[String],
        key: Key,
        timeout: Duration,
    ) -> thread::JoinHandle<(Result<usize, String>, Duration)> {
        let addresses = addresses.to_vec();
        thread::spawn(move || {
            let started = Instant::now();
            let sockets = connect_members(&addresses, 0, "the job", timeout, &key);
            (
                sockets.map(|s| s.iter().flatten().count()),
                started.elapsed(),
            )
        })
    }

    /// Process 1 of a two-process cluster, connecting for at most 5 s.
    fn process_1(
        addresses: &[String],
        job: &str,
        key: &Key,
    ) -> Result<Vec<Option<TcpStream>>, String> {
        connect_members(addresses, 1, job, Duration::from_secs(5), key)
    }

    /// Connects to `address` once it listens.
    fn stranger(address: &str) -> TcpStream {
        connect_by(address, Instant::now() + Duration::from_secs(5)).unwrap()
    }

    #[test]
    fn members_with_the_key_connect_and_one_without_it_is_refused_while_the_real_one_joins() {
        let _serial = one_at_a_time();
        let addresses = free_loopback_addresses(2).unwrap();
        let first = process_0(&addresses, key(1), Duration::from_secs(20));
        for (wrong, expected) in [
            (key(2), "does not hold our key"),
            (Key::none(), "it expects a key"),
        ] {
            let refused = process_1(&addresses, "the job", &wrong);
            let error = refused.unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
        // A forger that skips checking process 0's proof and sends a hello
        // with a made-up tag is dropped too.
        let mut forger = stranger(&addresses[0]);
        forger.write_all(MARKER).unwrap();
        forger.write_all(&[9; NONCE_BYTES]).unwrap();
        let mut proof = [0; NONCE_BYTES + TAG_BYTES];
        forger.read_exact(&mut proof).unwrap();
        forger.write_all(&1u64.to_le_bytes()).unwrap();
        forger.write_all(&text_bytes("the job")).unwrap();
        forger.write_all(&[0; TAG_BYTES]).unwrap();
        let mut answer = Vec::new();
        let _ = forger.read_to_end(&mut answer); // closed, unanswered
        assert!(answer.is_empty(), "the forger got an answer: {answer:?}");
        let joined = process_1(&addresses, "the job", &key(1));
        assert_eq!(joined.unwrap().iter().flatten().count(), 1);
        assert_eq!(
            first.join().unwrap().0,
            Ok(1),
            "process 0 kept waiting for the real one"
        );
    }

    #[test]
    fn a_stranger_who_drips_bytes_is_dropped_after_two_seconds_and_holds_no_one() {
        let _serial = one_at_a_time();
        let addresses = free_loopback_addresses(2).unwrap();
        let first = process_0(&addresses, Key::none(), Duration::from_secs(20));
        let mut drip = stranger(&addresses[0]);
        let mut hung_up = drip.try_clone().unwrap();
        let started = Instant::now();
        let dripping = thread::spawn(move || {
            // One byte of the marker every 300 ms: each read is quick, the
            // greeting as a whole is not.
            for &byte in MARKER.iter().cycle().take(30) {
                if drip.write_all(&[byte]).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(300));
            }
        });
        hung_up
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        let mut byte = [0];
        let read = hung_up.read(&mut byte);
        let took = started.elapsed();
        // A close with the stranger's last byte still unread sends a reset,
        // not an orderly end: either way, process 0 hung up.
        let hung_up = matches!(read, Ok(0))
            || matches!(&read, Err(e) if e.kind() == io::ErrorKind::ConnectionReset);
        assert!(hung_up, "process 0 hung up on it: {read:?}");
        assert!(
            took < Duration::from_secs(5),
            "after {took:?}: one deadline, not one per read"
        );
        // The real member joins; process 0 was waiting for it all along.
        let joined = process_1(&addresses, "the job", &Key::none());
        assert!(joined.is_ok(), "{joined:?}");
        assert_eq!(first.join().unwrap().0, Ok(1));
        dripping.join().unwrap();
    }

    #[test]
    fn alone_with_a_stranger_process_0_gives_up_at_its_deadline() {
        let _serial = one_at_a_time();
        // Process 0 gives up at its deadline, not when a stranger stops.
        let addresses = free_loopback_addresses(2).unwrap();
        let alone = process_0(&addresses, Key::none(), Duration::from_secs(1));
        let mut drip = stranger(&addresses[0]);
        let (result, took) = alone.join().unwrap();
        let _ = drip.write_all(b"c");
        assert!(result.unwrap_err().contains("no answer from process 1"));
        assert!(took < Duration::from_secs(3), "{took:?}");
    }

    #[test]
    fn without_a_key_a_hello_for_another_job_is_turned_away_and_learns_nothing() {
        let _serial = one_at_a_time();
        let addresses = free_loopback_addresses(2).unwrap();
        let first = process_0(&addresses, Key::none(), Duration::from_secs(20));
        let other = process_1(&addresses, "another job", &Key::none());
        let error = other.unwrap_err();
        assert!(error.contains("refused us: it runs another job"), "{error}");
        assert!(
            !error.contains("`the job`"),
            "process 0's job was not sent: {error}"
        );
        let joined = process_1(&addresses, "the job", &Key::none());
        assert!(joined.is_ok(), "{joined:?}");
        assert_eq!(first.join().unwrap().0, Ok(1));
    }

    #[test]
    fn with_the_key_a_member_running_another_job_stops_both() {
        let _serial = one_at_a_time();
        let addresses = free_loopback_addresses(2).unwrap();
        let first = process_0(&addresses, key(1), Duration::from_secs(20));
        let other = process_1(&addresses, "another job", &key(1));
        let error = other.unwrap_err();
        assert!(
            error.contains("`another job`") && error.contains("`the job`"),
            "{error}"
        );
        let error = first.join().unwrap().0.unwrap_err();
        assert!(
            error.contains("`another job`") && error.contains("`the job`"),
            "{error}"
        );
    }
}
