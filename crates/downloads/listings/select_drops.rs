//! `select!` drops the future that loses, and whatever it had read goes with
//! it. A writer sends three length-prefixed messages, pausing between each
//! one's length and its body; a reader waits for "a message, or a timer
//! tick", first the lossy way (a new read each time round the loop), then
//! the fixed way (one read kept alive across the ticks).
//!
//! Cargo.toml: `tokio = { version = "1", features = ["full"] }`

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};
use tokio::time::{interval, sleep};

const PAUSE: Duration = Duration::from_millis(100);
const TICK: Duration = Duration::from_millis(10);

/// Reads one message: a 4-byte length, then that many bytes. It awaits
/// twice, so it is not cancellation safe: dropped between the two awaits,
/// it has taken the length from the stream and kept it.
async fn read_message(stream: &mut (impl AsyncRead + Unpin)) -> io::Result<String> {
    let length = stream.read_u32().await?;
    if length > 1024 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a length"));
    }
    let mut body = vec![0; length as usize];
    stream.read_exact(&mut body).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Sends `count` messages, with a pause in the middle of each, as a slow
/// network would; dropping the stream at the end closes it.
async fn write_messages(mut stream: DuplexStream, count: u32) -> io::Result<()> {
    for n in 1..=count {
        let body = format!("message {n}");
        stream.write_u32(body.len() as u32).await?;
        sleep(PAUSE).await;
        stream.write_all(body.as_bytes()).await?;
    }
    Ok(())
}

/// The loop one writes first: `select!` makes a new read each time round,
/// and a tick in the middle of a message drops the read that had its length.
pub async fn new_read_each_time(count: u32) -> Vec<String> {
    let (mut reader, writer) = duplex(64);
    tokio::spawn(write_messages(writer, count));
    let mut tick = interval(TICK);
    let mut received = Vec::new();
    loop {
        tokio::select! {
            message = read_message(&mut reader) => match message {
                Ok(message) => received.push(message),
                Err(_) => break, // the end of the stream, or a body read as a length
            },
            _ = tick.tick() => {} // a progress report would go here
        }
    }
    received
}

/// The fix: one read per message, pinned and polled by reference, so that a
/// tick only pauses it.
pub async fn one_read_kept_alive(count: u32) -> Vec<String> {
    let (mut reader, writer) = duplex(64);
    tokio::spawn(write_messages(writer, count));
    let mut tick = interval(TICK);
    let mut received = Vec::new();
    loop {
        let read = read_message(&mut reader);
        tokio::pin!(read);
        let message = loop {
            tokio::select! {
                message = &mut read => break message,
                _ = tick.tick() => {}
            }
        };
        match message {
            Ok(message) => received.push(message),
            Err(_) => break, // the end of the stream
        }
    }
    received
}

#[tokio::main]
async fn main() {
    println!("a new read each time: {:?}", new_read_each_time(3).await);
    println!("one read kept alive:  {:?}", one_read_kept_alive(3).await);
}
