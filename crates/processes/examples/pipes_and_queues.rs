//! Queues between threads and pipes between processes: the same stream of
//! numbered messages through a std channel, a crossbeam channel and an OS
//! pipe to a child process, each checked for loss and order, and timed.
//!
//! `cargo run --example pipes_and_queues -- --mode pipe`

use std::io::{self, BufReader, BufWriter, Write};
use std::process::{self, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use harness::cli::{self, Summary};
use harness::memory;
use harness::println;
use processes::{ipc, worker};

/// Send numbered messages from a producer to a consumer and measure the rate.
#[derive(Parser)]
struct Args {
    /// How many messages to send
    #[arg(long, value_parser = cli::parse_item_count, default_value = "200000", allow_hyphen_values = true)]
    tasks: usize,
    /// The channel modes' consumer starts this many seconds late: the producer
    /// runs ahead, and waits at the channel's capacity
    #[arg(long, value_parser = cli::parse_seconds, default_value = "0", allow_hyphen_values = true)]
    consumer_delay: Duration,
    #[command(flatten)]
    modes: cli::ModeArgs<Mode>,
    /// Internal: be the producer process, writing this many messages to stdout
    #[arg(long, hide = true)]
    producer: Option<usize>,
    /// Internal (tests): the producer dies in the middle of this message
    #[arg(long, hide = true)]
    die_at: Option<usize>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    /// A producer thread and std::sync::mpsc
    StdChannel,
    /// A producer thread and crossbeam's channel
    Crossbeam,
    /// A producer process and an OS pipe, with length-prefixed messages
    Pipe,
}

/// 32 bytes: a sequence number and a payload derived from it, so the
/// consumer can tell a lost, repeated, reordered or damaged message.
type Message = [u8; 32];

fn message(seq: u64) -> Message {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seq.to_le_bytes());
    for (i, byte) in bytes[8..].iter_mut().enumerate() {
        *byte = (seq.wrapping_mul(31).wrapping_add(i as u64) % 251) as u8;
    }
    bytes
}

/// Counts the messages and checks each is the next one, intact.
struct Checker {
    received: u64,
    intact: bool,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            received: 0,
            intact: true,
        }
    }

    fn check(&mut self, bytes: &[u8]) {
        self.intact &= bytes == message(self.received);
        self.received += 1;
    }
}

// ANCHOR: channel
/// Messages a channel holds before its producer must wait.
const CAPACITY: usize = 1024;

fn std_channel(count: usize, consumer_delay: Duration) -> Checker {
    // Bounded: a producer that runs ahead waits for the consumer, instead of
    // filling memory with messages nobody has read yet.
    let (sender, receiver) = mpsc::sync_channel::<Message>(CAPACITY);
    let producer = thread::spawn(move || {
        for seq in 0..count as u64 {
            sender
                .send(message(seq))
                .expect("the consumer is listening");
        }
    }); // the sender is dropped here: the channel closes
    let checker = consume(receiver, consumer_delay);
    producer.join().expect("the producer does not panic");
    checker
}

/// Reads every message until the channel closes, starting after `delay`.
fn consume(messages: impl IntoIterator<Item = Message>, delay: Duration) -> Checker {
    let mut checker = Checker::new();
    thread::sleep(delay); // the producer runs ahead, as far as the channel lets it
    for bytes in messages {
        checker.check(&bytes);
    }
    checker
}
// ANCHOR_END: channel

fn crossbeam_channel(count: usize, consumer_delay: Duration) -> Checker {
    let (sender, receiver) = crossbeam::channel::bounded::<Message>(CAPACITY);
    let producer = thread::spawn(move || {
        for seq in 0..count as u64 {
            sender
                .send(message(seq))
                .expect("the consumer is listening");
        }
    });
    let checker = consume(receiver, consumer_delay);
    producer.join().expect("the producer does not panic");
    checker
}

// ANCHOR: pipe
fn pipe(count: usize, die_at: Option<usize>) -> io::Result<Checker> {
    let mut command = Command::new(std::env::current_exe()?);
    worker::dies_with_parent(&mut command).args(["--producer", &count.to_string()]);
    if let Some(at) = die_at {
        command.args(["--die-at", &at.to_string()]);
    }
    let mut child = command.stdout(Stdio::piped()).spawn()?;
    // Buffered: one read(2) call fetches many small messages.
    let mut from_child = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped"));
    let mut checker = Checker::new();
    let outcome = loop {
        match ipc::read_message(&mut from_child) {
            Ok(Some(bytes)) => checker.check(&bytes),
            Ok(None) => break Ok(()),
            Err(error) => break Err(error),
        }
    };
    drop(from_child); // a producer still writing gets an error instead of blocking
    let status = worker::wait_until(&mut child, Instant::now() + Duration::from_secs(30))?;
    match outcome {
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!(
                "after {} messages: {error}; the producer {}",
                checker.received,
                worker::describe(status)
            ),
        )),
        Ok(()) if !status.success() => Err(io::Error::other(format!(
            "the producer ended with {} after {} messages",
            worker::describe(status),
            checker.received
        ))),
        Ok(()) => Ok(checker),
    }
}

fn producer(count: usize, die_at: Option<usize>) -> io::Result<()> {
    let mut to_parent = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    for seq in 0..count {
        if die_at == Some(seq) {
            to_parent.write_all(&32u32.to_le_bytes())?; // a header, then nothing
            to_parent.flush()?;
            process::exit(3);
        }
        ipc::write_message(&mut to_parent, &message(seq as u64))?;
    }
    to_parent.flush()
}
// ANCHOR_END: pipe

fn main() {
    let args: Args = cli::parse_with_defaults(&[]);
    if let Some(count) = args.producer {
        if let Err(error) = producer(count, args.die_at) {
            eprintln!("producer: {error}");
            process::exit(1);
        }
        return;
    }
    let mut summaries = Vec::new();
    println!("mode            messages      elapsed   messages/s  intact");
    for mode in cli::modes(args.modes.mode) {
        let name = cli::mode_name(&mode);
        let started = Instant::now();
        let checker = match mode {
            Mode::StdChannel => Ok(std_channel(args.tasks, args.consumer_delay)),
            Mode::Crossbeam => Ok(crossbeam_channel(args.tasks, args.consumer_delay)),
            Mode::Pipe => pipe(args.tasks, args.die_at),
        };
        let elapsed = started.elapsed();
        let checker = checker.unwrap_or_else(|error| {
            eprintln!("error: {name}: {error}");
            process::exit(1);
        });
        let intact = checker.intact && checker.received == args.tasks as u64;
        let rate = checker.received as f64 / elapsed.as_secs_f64();
        println!(
            "{name:<12} {:>11} {:>10.1} ms {rate:>12.0}  {intact}",
            checker.received,
            elapsed.as_secs_f64() * 1000.0
        );
        summaries.push(
            Summary::new("pipes_and_queues", name, args.tasks, 2, elapsed)
                .with("received", checker.received)
                .with("intact", intact)
                .with("messages_per_s", rate.round())
                .with("peak_memory_mib", memory::peak_mib()),
        );
    }
    cli::print_json(&summaries, args.modes.json);
}
