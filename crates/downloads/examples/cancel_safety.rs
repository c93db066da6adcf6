//! Cancellation safety: a `tokio::select!` loop that loses data. Reading a
//! length-prefixed message awaits twice (the length, then the body); when the
//! loop's other branch (a progress tick) wins, `select!` drops the read
//! future, and the length it had read is gone: the stream is out of step.
//! Two fixes: keep one read future alive across the loop (`pinned`), or read
//! whole messages in a task of their own and receive them from a channel,
//! whose `recv` loses nothing when dropped (`channel`).
//!
//! `cargo run --example cancel_safety`

use std::pin::pin;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use harness::cli;
use harness::println;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tokio::time;

/// Messages read in a select! loop: lost, or kept.
#[derive(Parser)]
struct Args {
    /// Messages the writer sends
    #[arg(long, value_parser = cli::parse_count, default_value = "5", allow_hyphen_values = true)]
    tasks: usize,
    /// The writer's pause between a message's length and its body, in seconds
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0.02", allow_hyphen_values = true)]
    seconds: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// A new read future each time round the loop: dropped mid-message, data lost
    Lossy,
    /// One read future, pinned outside the loop, kept until it completes
    Pinned,
    /// A task reads whole messages and sends them down a channel
    Channel,
}

/// Messages longer than this mean the stream is out of step.
const MAX_MESSAGE: usize = 1 << 16;

// ANCHOR: read_message
/// Reads one message: a 4-byte length, then that many bytes. Not
/// cancellation safe: dropped after the first `.await`, the length is lost.
async fn read_message(stream: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Vec<u8>> {
    let length = stream.read_u32().await? as usize;
    if length > MAX_MESSAGE {
        let error = format!("a length of {length}: the stream is out of step");
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, error));
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    Ok(body)
}

/// How a read that ended the loop failed: `None` at the end of the input.
fn failure(error: std::io::Error) -> Option<String> {
    (error.kind() != std::io::ErrorKind::UnexpectedEof).then(|| error.to_string())
}
// ANCHOR_END: read_message

// ANCHOR: lossy
/// The loop as one would first write it: every time round, a new read.
async fn lossy(mut stream: DuplexStream) -> (Vec<Vec<u8>>, Option<String>, usize) {
    let (mut messages, mut ticks) = (Vec::new(), 0);
    let mut tick = time::interval(Duration::from_millis(5));
    loop {
        tokio::select! {
            read = read_message(&mut stream) => match read {
                Ok(message) => messages.push(message),
                Err(e) => return (messages, failure(e), ticks),
            },
            _ = tick.tick() => ticks += 1, // the read above is dropped here
        }
    }
}
// ANCHOR_END: lossy

// ANCHOR: pinned
/// One read at a time, kept across the loop until it completes: a tick only
/// pauses it. The read owns the stream and hands it back with the message.
async fn pinned(stream: DuplexStream) -> (Vec<Vec<u8>>, Option<String>, usize) {
    async fn read_owned(mut stream: DuplexStream) -> (DuplexStream, std::io::Result<Vec<u8>>) {
        let read = read_message(&mut stream).await;
        (stream, read)
    }
    let (mut messages, mut ticks) = (Vec::new(), 0);
    let mut tick = time::interval(Duration::from_millis(5));
    let mut read = pin!(read_owned(stream));
    loop {
        tokio::select! {
            (stream, result) = &mut read => match result {
                Ok(message) => {
                    messages.push(message);
                    read.set(read_owned(stream)); // the next message's read
                }
                Err(e) => return (messages, failure(e), ticks),
            },
            _ = tick.tick() => ticks += 1, // `read` lives on, where it was
        }
    }
}
// ANCHOR_END: pinned

// ANCHOR: channel
/// A task of its own reads whole messages; the loop receives them from a
/// channel. `recv` is cancellation safe: dropped, it has taken nothing.
async fn channel(mut stream: DuplexStream) -> (Vec<Vec<u8>>, Option<String>, usize) {
    let (send, mut receive) = mpsc::channel(16);
    let reader = tokio::spawn(async move {
        loop {
            match read_message(&mut stream).await {
                Ok(message) => {
                    if send.send(message).await.is_err() {
                        return None; // the loop stopped listening
                    }
                }
                Err(e) => return failure(e),
            }
        }
    });
    let (mut messages, mut ticks) = (Vec::new(), 0);
    let mut tick = time::interval(Duration::from_millis(5));
    loop {
        tokio::select! {
            message = receive.recv() => match message {
                Some(message) => messages.push(message),
                None => break, // the reader ended
            },
            _ = tick.tick() => ticks += 1,
        }
    }
    (
        messages,
        reader.await.expect("the reader does not panic"),
        ticks,
    )
}
// ANCHOR_END: channel

/// Writes `count` messages, pausing between each one's length and body.
/// Stops early, quietly, when the reader has hung up (a reader out of step
/// gives up): writing on would only fail.
async fn write_messages(mut stream: DuplexStream, count: usize, pause: Duration) {
    for i in 0..count {
        let body = format!("message {i}");
        if stream.write_u32(body.len() as u32).await.is_err() {
            return;
        }
        time::sleep(pause).await; // the reader is now between the two awaits
        if stream.write_all(body.as_bytes()).await.is_err() {
            return;
        }
    }
} // dropping the stream ends it: the reader sees the end of the input

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    let runtime = tokio::runtime::Runtime::new().expect("the OS starts tokio's threads");
    cli::run_modes("cancel_safety", args.modes.mode, args.modes.json, |mode| {
        let (messages, error, ticks) = runtime.block_on(async {
            let (writer, reader) = tokio::io::duplex(1024);
            let writing = tokio::spawn(write_messages(writer, args.tasks, args.seconds));
            let read = async {
                match mode {
                    Mode::Lossy => lossy(reader).await,
                    Mode::Pinned => pinned(reader).await,
                    Mode::Channel => channel(reader).await,
                }
            };
            // Bounded: a reader out of step stops the writer, never hangs.
            let read = time::timeout(Duration::from_secs(60), read).await;
            // The writer stops by itself at its next write once the reader
            // has hung up: waited for a second (longer only in a long pause,
            // then it is aborted). Its panic, if it had one, fails the run.
            let mut writing = writing;
            let ended = time::timeout(Duration::from_secs(1), &mut writing).await;
            writing.abort();
            if let Ok(Err(ended)) = ended
                && ended.is_panic()
            {
                std::panic::resume_unwind(ended.into_panic());
            }
            read.expect("the reader finished within 60 s")
        });
        let texts: Vec<String> = (messages.iter())
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect();
        println!(
            "{} of {} messages arrived: {texts:?}",
            messages.len(),
            args.tasks
        );
        if let Some(error) = &error {
            println!("then: {error}");
        }
        let findings = json!({ "received": messages.len(), "error": error, "ticks": ticks });
        (args.tasks, 1, findings)
    });
}
