//! Connecting a cluster's members before timely starts, instead of letting
//! timely do it. timely's own start-up (`timely_communication::networking`)
//! retries a missing peer once a second for ever, and takes the first eight
//! bytes of any connection to its port as a process number: a port scan
//! breaks it, and a process started with other flags joins silently.
//!
//! Here every member connects to the members numbered below it and greets
//! each with a [`Hello`]: a marker, its process number and a description of
//! the job it runs. The listener checks the greeting: a connection that does
//! not greet like a member is dropped (and named on stderr), and a member
//! that runs another job is refused, with both jobs in the error on both
//! sides. The connected sockets then go to timely's
//! `initialize_networking_from_sockets`, which runs as if it had made them.

use std::any::Any;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsFd;
use std::thread;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use timely::communication::Hooks;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};

/// The first bytes of every greeting: not what a stray client sends.
const MARKER: &[u8; 8] = b"cbook-1\n";
/// A job's description is a line of flags; more than this is not a member.
const MAX_JOB_BYTES: u32 = 4096;
/// How long a new connection has to greet: a member does it at once.
const GREETING_TIME: Duration = Duration::from_secs(2);
/// How often to retry a peer that does not listen yet.
const RETRY: Duration = Duration::from_millis(20);

/// What a member says first: who it is, and the job it runs.
#[derive(Debug, PartialEq)]
struct Hello {
    process: usize,
    job: String,
}

fn write_hello(stream: &mut impl Write, hello: &Hello) -> io::Result<()> {
    let mut bytes = MARKER.to_vec();
    bytes.extend((hello.process as u64).to_le_bytes());
    write_text(&mut bytes, &hello.job);
    stream.write_all(&bytes)
}

fn read_hello(stream: &mut impl Read) -> Result<Hello, String> {
    let mut marker = [0; 8];
    stream
        .read_exact(&mut marker)
        .map_err(|e| format!("no greeting ({e})"))?;
    if &marker != MARKER {
        return Err(format!("it sent {marker:02x?}, not a member's greeting"));
    }
    let mut process = [0; 8];
    stream
        .read_exact(&mut process)
        .map_err(|e| format!("a cut greeting ({e})"))?;
    let process = usize::try_from(u64::from_le_bytes(process)).unwrap_or(usize::MAX);
    Ok(Hello {
        process,
        job: read_text(stream)?,
    })
}

/// The listener's answer: `None` to go on, or the job it runs when it refuses.
fn write_answer(stream: &mut impl Write, refused_with: Option<&str>) -> io::Result<()> {
    let mut bytes = vec![u8::from(refused_with.is_some())];
    write_text(&mut bytes, refused_with.unwrap_or_default());
    stream.write_all(&bytes)
}

fn read_answer(stream: &mut impl Read) -> Result<Option<String>, String> {
    let mut refused = [0];
    stream
        .read_exact(&mut refused)
        .map_err(|e| format!("no answer to our greeting ({e})"))?;
    let theirs = read_text(stream)?;
    Ok((refused[0] != 0).then_some(theirs))
}

fn write_text(bytes: &mut Vec<u8>, text: &str) {
    bytes.extend((text.len() as u32).to_le_bytes());
    bytes.extend(text.as_bytes());
}

fn read_text(stream: &mut impl Read) -> Result<String, String> {
    let mut length = [0; 4];
    stream
        .read_exact(&mut length)
        .map_err(|e| format!("a cut greeting ({e})"))?;
    let length = u32::from_le_bytes(length);
    if length > MAX_JOB_BYTES {
        return Err(format!("a job description of {length} bytes"));
    }
    let mut text = vec![0; length as usize];
    stream
        .read_exact(&mut text)
        .map_err(|e| format!("a cut greeting ({e})"))?;
    String::from_utf8(text).map_err(|_| "a job description that is not UTF-8".into())
}

fn another_job(other: usize, theirs: &str, me: usize, ours: &str) -> String {
    format!("process {other} runs another job: `{theirs}`; process {me} runs `{ours}`")
}

/// Connects process `me` to every other process of `addresses`, all running
/// `job`, within `timeout`: one socket per process, `None` at `me`.
pub fn connect_members(
    addresses: &[String],
    me: usize,
    job: &str,
    timeout: Duration,
) -> Result<Vec<Option<TcpStream>>, String> {
    let deadline = Instant::now() + timeout;
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
            let seconds = timeout.as_secs_f64();
            format!("not connected within --connect-timeout {seconds} s: process {process} ({address}): {e}")
        })?;
        write_hello(&mut stream, &hello)
            .map_err(|e| format!("process {process} ({address}): {e}"))?;
        stream
            .set_read_timeout(Some(remaining(deadline)))
            .map_err(|e| e.to_string())?;
        let answer = read_answer(&mut stream).map_err(|e| {
            format!("{address}, listed for process {process}, does not answer like a member: {e}")
        })?;
        if let Some(theirs) = answer {
            return Err(another_job(process, &theirs, me, job));
        }
        sockets[process] = Some(stream);
    }
    // Above me: they call me; whoever else calls is dropped.
    while let Some(missing) = (me + 1..addresses.len()).find(|&p| sockets[p].is_none()) {
        let Some((mut stream, from)) = accept_by(&listener, deadline)? else {
            let seconds = timeout.as_secs_f64();
            let absent = (missing..addresses.len())
                .filter(|&p| sockets[p].is_none())
                .map(|p| format!("process {p} ({})", addresses[p]));
            let absent = absent.collect::<Vec<_>>().join(", ");
            return Err(format!(
                "not connected within --connect-timeout {seconds} s: no answer from {absent}"
            ));
        };
        let greeting = stream.set_read_timeout(Some(GREETING_TIME.min(remaining(deadline))));
        let greeting = greeting
            .map_err(|e| e.to_string())
            .and_then(|()| read_hello(&mut stream));
        let hello = match greeting {
            Ok(hello) if hello.process <= me || hello.process >= addresses.len() => {
                Err(format!("it said it is process {}", hello.process))
            }
            Ok(hello) if sockets[hello.process].is_some() => {
                Err(format!("process {} is connected already", hello.process))
            }
            greeting => greeting,
        };
        let hello = match hello {
            Ok(hello) => hello,
            Err(why) => {
                drop_stranger(me, from, why);
                continue;
            }
        };
        if hello.job != job {
            let _ = write_answer(&mut stream, Some(job));
            return Err(another_job(hello.process, &hello.job, me, job));
        }
        write_answer(&mut stream, None).map_err(|e| format!("process {}: {e}", hello.process))?;
        sockets[hello.process] = Some(stream);
    }
    for stream in sockets.iter().flatten() {
        let ready = stream
            .set_read_timeout(None)
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

    #[test]
    fn greetings_round_trip_and_strangers_are_named() {
        let hello = Hello {
            process: 3,
            job: "sigma 15, 2 workers".into(),
        };
        let mut bytes = Vec::new();
        write_hello(&mut bytes, &hello).unwrap();
        assert_eq!(read_hello(&mut bytes.as_slice()), Ok(hello));
        // timely's own greeting: a bare process number.
        let why = read_hello(&mut 1u64.to_le_bytes().as_slice()).unwrap_err();
        assert!(why.contains("not a member's greeting"), "{why}");
        assert!(
            read_hello(&mut &b"cbook-1\n"[..])
                .unwrap_err()
                .contains("cut")
        );
        let mut huge = MARKER.to_vec();
        huge.extend(1u64.to_le_bytes());
        huge.extend(u32::MAX.to_le_bytes());
        assert!(
            read_hello(&mut huge.as_slice())
                .unwrap_err()
                .contains("bytes")
        );
    }

    #[test]
    fn answers_round_trip() {
        for refusal in [None, Some("sigma 3")] {
            let mut bytes = Vec::new();
            write_answer(&mut bytes, refusal).unwrap();
            let answer = read_answer(&mut bytes.as_slice()).unwrap();
            assert_eq!(answer.as_deref(), refusal);
        }
    }
}
