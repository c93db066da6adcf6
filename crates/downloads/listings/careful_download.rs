//! Downloads one URL into one file, as a program facing a real network
//! should: a timeout on every attempt; more attempts, after growing waits,
//! for what can get better (5xx, 429, timeouts, broken connections); none
//! for what cannot (404, too large, a page that is not an image); and never
//! a partial file: the bytes go to a temporary file beside the target, which
//! is renamed only once the download is complete and checked.
//!
//! Cargo.toml: `reqwest = { version = "0.13", features = ["blocking"] }`
//! Run: `cargo run -- https://example.com/photo.jpg photo.jpg`

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};

const ATTEMPTS: u32 = 4;
const MAX_BYTES: u64 = 20 * 1024 * 1024;

/// Why an attempt failed: worth another attempt, or not.
pub enum Failure {
    Transient(String),
    Permanent(String),
}

/// Downloads `url` into `target`; returns how many bytes it saved.
pub fn download(client: &Client, url: &str, target: &Path) -> Result<u64, String> {
    let mut wait = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        match attempt_once(client, url, target) {
            Ok(bytes) => return Ok(bytes),
            Err(Failure::Permanent(why)) => return Err(format!("{url}: {why}")),
            Err(Failure::Transient(why)) if attempt == ATTEMPTS => {
                return Err(format!("{url}: {why} (attempt {attempt} of {ATTEMPTS})"));
            }
            Err(Failure::Transient(why)) => {
                eprintln!("{url}: {why}; trying again in {wait:?}");
                thread::sleep(wait);
                wait *= 2; // 100 ms, 200 ms, 400 ms: a struggling server gets air
            }
        }
    }
    unreachable!("the last attempt returns")
}

fn attempt_once(client: &Client, url: &str, target: &Path) -> Result<u64, Failure> {
    let response = client.get(url).send();
    let mut response = response.map_err(|e| Failure::Transient(e.to_string()))?;
    let status = response.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Err(Failure::Transient(format!("the server answered {status}")));
    }
    if !status.is_success() {
        return Err(Failure::Permanent(format!("the server answered {status}")));
    }
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BYTES)
    {
        return Err(Failure::Permanent(format!("over {MAX_BYTES} bytes")));
    }
    let body = read_body(&mut response)?;
    let temporary = temporary_beside(target);
    let saved = fs::write(&temporary, &body).and_then(|()| fs::rename(&temporary, target));
    if let Err(error) = saved {
        let _ = fs::remove_file(&temporary); // no partial file, whatever failed
        return Err(Failure::Permanent(format!("{}: {error}", target.display())));
    }
    Ok(body.len() as u64)
}

/// The whole body, at most `MAX_BYTES`, checked to be complete and an image.
fn read_body(response: &mut Response) -> Result<Vec<u8>, Failure> {
    let expected = response.content_length();
    let mut body = Vec::new();
    let read = response.take(MAX_BYTES + 1).read_to_end(&mut body);
    read.map_err(|e| Failure::Transient(format!("reading the body: {e}")))?;
    if body.len() as u64 > MAX_BYTES {
        return Err(Failure::Permanent(format!("over {MAX_BYTES} bytes")));
    }
    if expected.is_some_and(|length| length != body.len() as u64) {
        return Err(Failure::Transient("the body was cut short".into()));
    }
    let image = [&b"\xff\xd8\xff"[..], b"\x89PNG", b"GIF8", b"RIFF"];
    if !image.iter().any(|signature| body.starts_with(signature)) {
        return Err(Failure::Permanent("not an image".into()));
    }
    Ok(body)
}

/// `photo.jpg` is written as `.photo.jpg.part` first, in the same folder, so
/// that the rename that completes it cannot cross file systems.
fn temporary_beside(target: &Path) -> PathBuf {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    target.with_file_name(format!(".{name}.part"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, file] = args.as_slice() else {
        eprintln!("usage: careful_download URL FILE");
        std::process::exit(2);
    };
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10)) // each attempt, headers and body
        .build()
        .expect("a client with plain settings builds");
    match download(&client, url, Path::new(file)) {
        Ok(bytes) => println!("saved {bytes} bytes to {file}"),
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}
