//! Messages over a pipe, for "Processes in Rust", "Queues, pipes and shared
//! memory" and the process pool.
//!
//! A pipe carries bytes, not messages: one `write` may arrive as two `read`s,
//! two writes as one. So each message goes as its length (4 bytes, little
//! endian) followed by that many bytes, the same framing Python's
//! `multiprocessing.Connection` uses. Payloads here are JSON, Rust's stand-in
//! for pickle: only data crosses, never code.

use std::io::{self, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The largest message accepted: a corrupt length must not allocate gigabytes.
pub const MAX_MESSAGE: usize = 64 << 20;

// ANCHOR: framing
/// Writes one message: its length, then its bytes. It does not flush: a
/// stream of messages through a `BufWriter` then leaves in large writes
/// (flush at the end); [`send`], for a request that waits for its answer,
/// flushes each one.
pub fn write_message(pipe: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    if payload.len() > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a message of {} bytes is over the limit", payload.len()),
        ));
    }
    pipe.write_all(&(payload.len() as u32).to_le_bytes())?;
    pipe.write_all(payload)
}

/// Reads one message; `Ok(None)` if the writer closed the pipe between messages.
pub fn read_message(pipe: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    match read_full(pipe, &mut header)? {
        0 => return Ok(None), // a clean end: no message started
        4 => {}
        got => return Err(cut_short("length", got, 4)),
    }
    let length = u32::from_le_bytes(header) as usize;
    if length > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a message length of {length} bytes: corrupt data on the pipe"),
        ));
    }
    let mut payload = vec![0; length];
    match read_full(pipe, &mut payload)? {
        got if got == length => Ok(Some(payload)),
        got => Err(cut_short("body", got, length)),
    }
}
// ANCHOR_END: framing

/// Reads until `buffer` is full or the pipe ends; returns how much it read.
fn read_full(pipe: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match pipe.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn cut_short(part: &str, got: usize, wanted: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("the pipe closed in the middle of a message ({part}: {got} of {wanted} bytes)"),
    )
}

/// Sends a value as one JSON message, flushed: the other side can read it now.
pub fn send<T: Serialize>(pipe: &mut impl Write, value: &T) -> io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(io::Error::other)?;
    write_message(pipe, &bytes)?;
    pipe.flush()
}

/// Receives one JSON message; `Ok(None)` at a clean end of the pipe.
pub fn receive<T: DeserializeOwned>(pipe: &mut impl Read) -> io::Result<Option<T>> {
    match read_message(pipe)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `chunk` bytes per read, like a pipe can.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(buffer.len()).min(self.data.len());
            buffer[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn messages_survive_being_split_into_small_reads() {
        let mut bytes = Vec::new();
        for message in [&b"first"[..], b"", b"third message"] {
            write_message(&mut bytes, message).unwrap();
        }
        let mut pipe = Trickle {
            data: &bytes,
            chunk: 3,
        };
        assert_eq!(read_message(&mut pipe).unwrap().unwrap(), b"first");
        assert_eq!(read_message(&mut pipe).unwrap().unwrap(), b"");
        assert_eq!(read_message(&mut pipe).unwrap().unwrap(), b"third message");
        assert_eq!(read_message(&mut pipe).unwrap(), None, "a clean end");
    }

    #[test]
    fn a_pipe_closed_mid_message_is_an_error_not_a_hang() {
        let mut bytes = Vec::new();
        write_message(&mut bytes, b"0123456789").unwrap();
        bytes.truncate(8); // the writer died after 4 bytes of the body
        let error = read_message(&mut &bytes[..]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(error.to_string().contains("body: 4 of 10 bytes"), "{error}");
    }

    #[test]
    fn a_corrupt_length_is_refused_without_allocating_it() {
        let bytes = u32::MAX.to_le_bytes();
        let error = read_message(&mut &bytes[..]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn values_go_through_as_json() {
        let mut bytes = Vec::new();
        send(&mut bytes, &(7u32, "seven".to_string())).unwrap();
        let back: (u32, String) = receive(&mut &bytes[..]).unwrap().unwrap();
        assert_eq!(back, (7, "seven".into()));
    }
}
