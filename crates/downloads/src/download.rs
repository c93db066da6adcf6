//! The robust downloader of "Real-world I/O: downloading images": timeouts,
//! retries with backoff and jitter, size checks, safe file names, and files
//! that appear only when complete. A blocking version (for threads) and an
//! async one (for tokio) share the same rules.

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;

/// The rules every download follows.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// How long connecting may take
    pub connect_timeout: Duration,
    /// How long one attempt may take, from connecting to the last byte
    pub timeout: Duration,
    /// Attempts after the first one, for errors worth retrying
    pub retries: u32,
    /// The first retry waits about this long; each next one twice as long
    pub backoff: Duration,
    /// Larger downloads are refused
    pub max_bytes: u64,
}

impl Policy {
    /// The default policy with this timeout per attempt and this many retries.
    pub fn new(timeout: Duration, retries: u32) -> Policy {
        Policy {
            timeout,
            retries,
            ..Policy::default()
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
            retries: 3,
            backoff: Duration::from_millis(100),
            max_bytes: 20 << 20,
        }
    }
}

/// Why a download failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with this status (4xx are not retried)
    Status(u16),
    /// The server sent nothing, or stopped sending, for too long
    Timeout,
    /// The URL cannot be requested (not retried: it will not get better)
    InvalidUrl(String),
    /// Connecting failed, or the connection broke
    Connection(String),
    /// Fewer bytes arrived than the `Content-Length` promised
    Truncated { expected: u64, received: u64 },
    /// More than the size limit
    TooLarge { limit: u64 },
    /// The bytes are not a JPEG, PNG, GIF or WebP image
    NotAnImage,
    /// Writing the file failed
    Io(String),
    /// Ctrl-C: stopped before the end
    Interrupted,
}

impl Failure {
    /// Worth another attempt: the server or the network may do better next time.
    pub fn is_transient(&self) -> bool {
        match self {
            Failure::Status(code) => *code >= 500 || *code == 429,
            Failure::Timeout | Failure::Connection(_) | Failure::Truncated { .. } => true,
            _ => false,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status(code) => write!(f, "the server answered HTTP {code}"),
            Failure::Timeout => write!(f, "timed out"),
            Failure::InvalidUrl(why) => write!(f, "not a URL that can be requested: {why}"),
            Failure::Connection(why) => write!(f, "connection failed: {why}"),
            Failure::Truncated { expected, received } => {
                write!(f, "cut short: {received} of {expected} bytes")
            }
            Failure::TooLarge { limit } => write!(f, "larger than the {limit}-byte limit"),
            Failure::NotAnImage => write!(f, "not an image"),
            Failure::Io(why) => write!(f, "cannot write the file: {why}"),
            Failure::Interrupted => write!(f, "interrupted"),
        }
    }
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub path: PathBuf,
    pub bytes: u64,
    pub attempts: u32,
}

/// One URL's outcome, with the attempts made.
pub type DownloadResult = Result<Downloaded, (Failure, u32)>;

// ANCHOR: names
/// A safe file name from a URL's last path segment: decoded, with no path
/// separators, no leading dots, only plain characters; `download` if empty.
pub fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let path = path.split_once("://").map_or(path, |(_, rest)| {
        rest.split_once('/').map_or("", |(_, p)| p)
    });
    let decoded = percent_decode(path.rsplit('/').next().unwrap_or(""));
    let last = decoded.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // At most 100 characters (all ASCII by now), cut in the stem so that the
    // extension stays.
    let clean = clean.trim_start_matches('.');
    match clean.rsplit_once('.') {
        _ if clean.is_empty() => "download".into(),
        Some((stem, extension)) if !stem.is_empty() && extension.len() <= 10 => {
            let keep = 100 - 1 - extension.len();
            format!("{}.{extension}", &stem[..stem.len().min(keep)])
        }
        _ => clean[..clean.len().min(100)].to_string(),
    }
}

/// The target path for each URL inside `out`: safe names, made unique.
pub fn plan(urls: &[String], out: &Path) -> Vec<PathBuf> {
    let mut taken = HashSet::new();
    urls.iter()
        .map(|url| {
            let name = file_name(url);
            let (stem, extension) = match name.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), format!(".{ext}")),
                _ => (name.clone(), String::new()),
            };
            let mut candidate = name;
            let mut n = 1;
            while !taken.insert(candidate.to_ascii_lowercase()) {
                n += 1;
                candidate = format!("{stem}-{n}{extension}");
            }
            out.join(candidate)
        })
        .collect()
}
// ANCHOR_END: names

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Does this start like an image file?
pub fn looks_like_image(start: &[u8]) -> bool {
    start.starts_with(&[0xFF, 0xD8, 0xFF])
        || start.starts_with(b"\x89PNG")
        || start.starts_with(b"GIF8")
        || (start.starts_with(b"RIFF") && start.get(8..12) == Some(b"WEBP"))
}

/// The longest wait before a retry, jitter included.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The most retries a policy may ask for: with the waits capped at
/// [`MAX_BACKOFF`], ten retries can already take a minute.
pub const MAX_RETRIES: u32 = 10;

/// Backoff before retry `attempt` (1, 2, ...): doubling, with up to 50% random
/// jitter so that many clients do not retry in lockstep, and never more than
/// [`MAX_BACKOFF`].
pub fn backoff(policy: &Policy, attempt: u32) -> Duration {
    let base = policy
        .backoff
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
    let base = base.min(MAX_BACKOFF * 2 / 3);
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (base + base.mul_f64((random % 1000) as f64 / 2000.0)).min(MAX_BACKOFF)
}

/// Waits `wait`, or less if `stop` is set meanwhile: Ctrl-C is never kept
/// waiting for a backoff.
pub fn pause(wait: Duration, stop: &AtomicBool) {
    let until = Instant::now() + wait;
    while !stop.load(Ordering::SeqCst) && Instant::now() < until {
        std::thread::sleep((until - Instant::now()).min(Duration::from_millis(20)));
    }
}

/// The async [`pause`]: the task yields its thread while it waits.
pub async fn pause_async(wait: Duration, stop: &AtomicBool) {
    let until = tokio::time::Instant::now() + wait;
    while !stop.load(Ordering::SeqCst) && tokio::time::Instant::now() < until {
        tokio::time::sleep((until - tokio::time::Instant::now()).min(Duration::from_millis(20)))
            .await;
    }
}

/// After attempt number `attempt` (1, 2, ...): the outcome, or how long to
/// wait before the next attempt. Gives up on what will not get better, when
/// out of retries, and on Ctrl-C.
fn after_attempt(
    result: Result<u64, Failure>,
    attempt: u32,
    target: &Path,
    policy: &Policy,
    stop: &AtomicBool,
) -> Result<DownloadResult, Duration> {
    match result {
        Ok(bytes) => Ok(Ok(Downloaded {
            path: target.to_path_buf(),
            bytes,
            attempts: attempt,
        })),
        Err(failure)
            if failure.is_transient()
                && attempt <= policy.retries.min(MAX_RETRIES)
                && !stop.load(Ordering::SeqCst) =>
        {
            Err(backoff(policy, attempt))
        }
        Err(failure) => Ok(Err((failure, attempt))),
    }
}

/// Checks a response before reading its body: a success status, and an
/// announced length (if any) within the limit, which it returns.
fn check_head(
    status: reqwest::StatusCode,
    length: Option<u64>,
    policy: &Policy,
) -> Result<Option<u64>, Failure> {
    if !status.is_success() {
        return Err(Failure::Status(status.as_u16()));
    }
    if length.is_some_and(|n| n > policy.max_bytes) {
        return Err(Failure::TooLarge {
            limit: policy.max_bytes,
        });
    }
    Ok(length)
}

/// A download on its way: the hidden temporary file beside the target that
/// the bytes go into, and what has arrived so far.
struct Partial<'a> {
    target: &'a Path,
    temp: PathBuf,
    expected: Option<u64>,
    received: u64,
    start: Vec<u8>,
}

impl<'a> Partial<'a> {
    fn new(target: &'a Path, expected: Option<u64>) -> Self {
        let temp = atomic_write::temporary_beside(target, "part");
        let (received, start) = (0, Vec::new());
        Partial {
            target,
            temp,
            expected,
            received,
            start,
        }
    }

    /// Counts an arriving piece against the size limit and keeps the first
    /// bytes, which tell whether this is an image.
    fn count(&mut self, piece: &[u8], policy: &Policy) -> Result<(), Failure> {
        self.received += piece.len() as u64;
        if self.received > policy.max_bytes {
            return Err(Failure::TooLarge {
                limit: policy.max_bytes,
            });
        }
        if self.start.len() < 16 {
            self.start.extend_from_slice(&piece[..piece.len().min(16)]);
        }
        Ok(())
    }

    /// After the body (`body` says how reading and writing it went): checks
    /// what arrived and moves it into place, or removes it. The file must be
    /// closed by now.
    fn finish(self, body: Result<(), Failure>) -> Result<u64, Failure> {
        let check = || {
            body?;
            if let Some(expected) = self.expected
                && self.received < expected
            {
                let received = self.received;
                return Err(Failure::Truncated { expected, received });
            }
            if !looks_like_image(&self.start) {
                return Err(Failure::NotAnImage);
            }
            std::fs::rename(&self.temp, self.target).map_err(|e| Failure::Io(e.to_string()))
        };
        check().map(|()| self.received) // on an error, drop removes the file
    }
}

// ANCHOR: partial_drop
/// However a download ends (an error, a panic, or its future dropped by a
/// cancellation), its temporary file goes: after the rename there is none.
impl Drop for Partial<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}
// ANCHOR_END: partial_drop

fn classify(error: &reqwest::Error) -> Failure {
    if error.is_timeout() {
        Failure::Timeout
    } else if error.is_builder() {
        Failure::InvalidUrl(error_chain(error))
    } else if let Some(status) = error.status() {
        Failure::Status(status.as_u16())
    } else {
        Failure::Connection(error_chain(error))
    }
}

/// Makes ring the process's TLS provider (reqwest is built without one, see
/// Cargo.toml). Calling it again, or after another provider, changes nothing.
fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A blocking client set up with the policy's timeouts. Make one and share it:
/// each blocking client runs its own background runtime thread.
pub fn blocking_client(policy: &Policy) -> reqwest::blocking::Client {
    install_tls_provider();
    reqwest::blocking::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .timeout(policy.timeout)
        .no_proxy()
        .build()
        .expect("a client with plain settings builds")
}

/// An async client with the policy's timeouts (the async client has none unless set).
pub fn async_client(policy: &Policy) -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .read_timeout(policy.timeout)
        .timeout(policy.timeout)
        .no_proxy()
        .build()
        .expect("a client with plain settings builds")
}

// ANCHOR: blocking
/// Downloads `url` to `target`, retrying transient failures.
pub fn download(
    client: &reqwest::blocking::Client,
    url: &str,
    target: &Path,
    policy: &Policy,
    stop: &AtomicBool,
) -> DownloadResult {
    for attempt in 1.. {
        let result = attempt_blocking(client, url, target, policy, stop);
        match after_attempt(result, attempt, target, policy, stop) {
            Ok(outcome) => return outcome,
            Err(wait) => pause(wait, stop), // a sleep that Ctrl-C cuts short
        }
    }
    unreachable!("retries end long before u32::MAX attempts")
}

fn attempt_blocking(
    client: &reqwest::blocking::Client,
    url: &str,
    target: &Path,
    policy: &Policy,
    stop: &AtomicBool,
) -> Result<u64, Failure> {
    let mut response = client.get(url).send().map_err(|e| classify(&e))?;
    let expected = check_head(response.status(), response.content_length(), policy)?;
    let mut partial = Partial::new(target, expected);
    let mut file = std::fs::File::create(&partial.temp).map_err(|e| Failure::Io(e.to_string()))?;
    let mut buffer = vec![0u8; 64 * 1024];
    let body = loop {
        if stop.load(Ordering::SeqCst) {
            break Err(Failure::Interrupted);
        }
        let n = match std::io::Read::read(&mut response, &mut buffer) {
            Ok(0) => break Ok(()),
            Ok(n) => n,
            Err(e) => break Err(io_failure(e)),
        };
        if let Err(failure) = partial.count(&buffer[..n], policy) {
            break Err(failure);
        }
        if let Err(e) = file.write_all(&buffer[..n]) {
            break Err(Failure::Io(e.to_string()));
        }
    };
    drop(file); // closed before it is renamed or removed
    partial.finish(body)
}
// ANCHOR_END: blocking

fn io_failure(error: std::io::Error) -> Failure {
    let timed_out = error.kind() == std::io::ErrorKind::TimedOut
        || error
            .get_ref()
            .and_then(|e| e.downcast_ref::<reqwest::Error>())
            .is_some_and(|e| e.is_timeout());
    if timed_out {
        Failure::Timeout
    } else {
        Failure::Connection(error_chain(&error))
    }
}

/// An error and its sources in one line, skipping what a message already says.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text = format!("{text}: {inner_text}");
        }
        source = inner.source();
    }
    text
}

// ANCHOR: async
/// The async twin of [`download`]: the same rules, awaiting instead of
/// blocking. It owns what it uses (a client is a cheap handle to a shared
/// pool), so a task that runs it borrows nothing from its spawner.
pub async fn download_async(
    client: reqwest::Client,
    url: String,
    target: PathBuf,
    policy: Policy,
    stop: &AtomicBool,
) -> DownloadResult {
    for attempt in 1.. {
        let result = attempt_async(&client, &url, &target, &policy, stop).await;
        match after_attempt(result, attempt, &target, &policy, stop) {
            Ok(outcome) => return outcome,
            Err(wait) => pause_async(wait, stop).await, // tokio's sleep, not thread::sleep!
        }
    }
    unreachable!("retries end long before u32::MAX attempts")
}

async fn attempt_async(
    client: &reqwest::Client,
    url: &str,
    target: &Path,
    policy: &Policy,
    stop: &AtomicBool,
) -> Result<u64, Failure> {
    let mut response = client.get(url).send().await.map_err(|e| classify(&e))?;
    let expected = check_head(response.status(), response.content_length(), policy)?;
    let mut partial = Partial::new(target, expected);
    // Created here, not with tokio::fs::File::create: that runs on a blocking
    // thread, and a cancellation could drop this future (and `partial`, which
    // removes the file) before that thread creates the file, leaving it.
    let created = std::fs::File::create(&partial.temp).map_err(|e| Failure::Io(e.to_string()));
    let mut file = tokio::fs::File::from_std(created?);
    let body = loop {
        if stop.load(Ordering::SeqCst) {
            break Err(Failure::Interrupted);
        }
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break Ok(()),
            Err(e) => break Err(classify(&e)),
        };
        if let Err(failure) = partial.count(&chunk, policy) {
            break Err(failure);
        }
        if let Err(e) = file.write_all(&chunk).await {
            break Err(Failure::Io(e.to_string()));
        }
    };
    // A tokio file writes in the background: the last write's error (a full
    // disk, say) comes back only from flush, and must not be dropped.
    let flushed = file.flush().await.map_err(|e| Failure::Io(e.to_string()));
    drop(file);
    partial.finish(body.and(flushed))
}
// ANCHOR_END: async

/// Seconds since `started`, rounded for printing.
pub fn since(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests;
