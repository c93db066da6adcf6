//! A loopback image server for "Real-world I/O: downloading images": serves
//! the generated test photos with a per-request latency, and misbehaves on
//! request, byte by byte, so that every failure a downloader must survive can
//! be tested offline.
//!
//! It binds 127.0.0.1 on a free port, runs on its own small tokio runtime in a
//! background thread, and stops when dropped. HTTP here is deliberately tiny
//! (`GET` and `HEAD`, no chunked bodies, keep-alive until a fault or
//! `Connection: close`): the faults need
//! control over every byte that a full HTTP server would take away.
//!
//! Paths: `/photos/photo-01.jpg` serves a photo; `/as/ANY-NAME` serves photo 1
//! under any name (to test file naming); `/tiny/NAME` its first kilobyte (for
//! benches of many requests); `/fault/KIND/NAME` serves photo 1
//! with the fault `KIND` (see [`Fault`]).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

mod http;
use http::{BadRequest, Reply, Request, not_found, read_request, respond};

/// The ways a request can go wrong, chosen by the path `/fault/KIND/NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `404 Not Found`
    NotFound,
    /// `500 Internal Server Error`, every time
    ServerError,
    /// `503 Service Unavailable` the first two times, then the photo
    Flaky,
    /// The request is read, and no response comes (the connection is held
    /// until the client hangs up, 30 s at most)
    NoHeaders,
    /// Headers and half the body, then nothing (held as `NoHeaders` is)
    StallBody,
    /// A body shorter than its `Content-Length`, then the connection closes
    ShortBody,
    /// A `Content-Length` of 64 MiB, larger than any photo
    TooLarge,
    /// `200 OK` with an HTML page instead of an image
    NotAnImage,
    /// The connection is reset (TCP RST) instead of answered
    Reset,
}

impl Fault {
    pub const ALL: [Fault; 9] = [
        Fault::NotFound,
        Fault::ServerError,
        Fault::Flaky,
        Fault::NoHeaders,
        Fault::StallBody,
        Fault::ShortBody,
        Fault::TooLarge,
        Fault::NotAnImage,
        Fault::Reset,
    ];

    /// The `KIND` in `/fault/KIND/NAME`.
    pub fn kind(self) -> &'static str {
        match self {
            Fault::NotFound => "404",
            Fault::ServerError => "500",
            Fault::Flaky => "flaky",
            Fault::NoHeaders => "no-headers",
            Fault::StallBody => "stall-body",
            Fault::ShortBody => "short-body",
            Fault::TooLarge => "too-large",
            Fault::NotAnImage => "not-an-image",
            Fault::Reset => "reset",
        }
    }

    fn from_kind(kind: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.kind() == kind)
    }
}

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// How many photos it serves
    pub photos: usize,
    /// Their size (the generated JPEGs are about 0.3 to 1 MB at 1600x1200)
    pub size: (u32, u32),
    /// Wait this long before answering each request (a slow, distant server)
    pub latency: Duration,
    /// Bytes per second per response, if capped
    pub bandwidth: Option<u64>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            photos: 15,
            size: (1600, 1200),
            latency: Duration::from_millis(300),
            bandwidth: None,
        }
    }
}

struct State {
    photos: Vec<(String, Arc<[u8]>)>,
    config: ServerConfig,
    /// Requests seen per path, for the flaky fault.
    seen: Mutex<HashMap<String, u32>>,
    requests: AtomicUsize,
    /// Requests waiting out their latency now, and the most ever at once.
    waiting: AtomicUsize,
    most_waiting: AtomicUsize,
}

/// A request waiting out its latency, counted while it lives.
struct Waiting<'a>(&'a State);

impl<'a> Waiting<'a> {
    fn enter(state: &'a State) -> Waiting<'a> {
        let now = state.waiting.fetch_add(1, Ordering::SeqCst) + 1;
        state.most_waiting.fetch_max(now, Ordering::SeqCst);
        Waiting(state)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running server; dropping it stops it.
pub struct ImageServer {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ImageServer {
    /// Generates (or reuses) the photos and starts serving them on 127.0.0.1.
    pub fn start(config: ServerConfig) -> io::Result<ImageServer> {
        let (width, height) = config.size;
        // Past MAX_DISTINCT photos, names go on and photos repeat: memory and
        // the cache stay bounded however many are served.
        let distinct = config.photos.min(test_photos::MAX_DISTINCT);
        let bytes = (test_photos::ensure(distinct, width, height)?.iter())
            .map(|path| std::fs::read(path).map(Arc::<[u8]>::from))
            .collect::<io::Result<Vec<_>>>()?;
        let photos = (0..config.photos)
            .map(|i| {
                (
                    format!("photo-{:02}.jpg", i + 1),
                    Arc::clone(&bytes[i % distinct]),
                )
            })
            .collect();
        let state = Arc::new(State {
            photos,
            config,
            seen: Mutex::default(),
            requests: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            most_waiting: AtomicUsize::new(0),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("imageserver")
            .enable_all()
            .build()?;
        // A long accept queue: the benches open thousands of connections at once,
        // and the default of 128 would drop some, costing a 1 s SYN retry each.
        let listener = runtime.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?; // loopback only
            socket.listen(4096)
        })?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let serving = Arc::clone(&state);
        let thread = thread::Builder::new()
            .name("imageserver".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        _ = accept_loop(listener, serving) => {}
                        _ = stopped => {}
                    }
                });
                // Stalled connections are dropped here instead of waited for.
                runtime.shutdown_timeout(Duration::from_millis(200));
            })?;
        Ok(ImageServer {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URLs of every photo it serves.
    pub fn photo_urls(&self) -> Vec<String> {
        (self.state.photos.iter())
            .map(|(name, _)| format!("http://{}/photos/{name}", self.addr))
            .collect()
    }

    /// The URL of a 1 KB response, under the file name `name`.
    pub fn tiny_url(&self, name: &str) -> String {
        format!("http://{}/tiny/{name}", self.addr)
    }

    /// The URL of photo 1 served with `fault`, under the file name `name`.
    pub fn fault_url(&self, fault: Fault, name: &str) -> String {
        format!("http://{}/fault/{}/{name}", self.addr, fault.kind())
    }

    /// How many requests it has received.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The most requests that waited out their latency at the same time: 1
    /// means that the client never had two requests under way at once.
    pub fn most_at_once(&self) -> usize {
        self.state.most_waiting.load(Ordering::SeqCst)
    }

    /// The bytes of photo `index` (0-based), to compare downloads with.
    pub fn photo_bytes(&self, index: usize) -> &[u8] {
        &self.state.photos[index].1
    }
}

impl Drop for ImageServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join(); // bounded: the runtime's shutdown has a timeout
        }
    }
}

/// How long a fault that never answers (or never finishes) holds its
/// connection, unless the client hangs up first.
const FAULT_HOLD: Duration = Duration::from_secs(30);

/// The most connections served at once: half of this process's limit of
/// open files (Linux; 1024 elsewhere), between 16 and 8192. Beyond it a new
/// connection is answered 503 and closed, so that later clients get an
/// answer instead of waiting for a descriptor.
fn connection_cap() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            (text.lines().find(|l| l.starts_with("Max open files"))?)
                .split_whitespace()
                .nth(3)?
                .parse::<usize>()
                .ok()
        });
    soft.map_or(1024, |limit| limit / 2).clamp(16, 8192)
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let open = Arc::new(tokio::sync::Semaphore::new(connection_cap()));
    loop {
        let mut stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors (EMFILE, ENFILE) or memory: retrying at
            // once would spin a core; wait while the open connections finish.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            tokio::spawn(async move {
                let busy = respond(
                    &mut stream,
                    "503 Service Unavailable",
                    "text/plain",
                    b"busy",
                    None,
                    Reply::CLOSE,
                );
                let _ = tokio::time::timeout(Duration::from_secs(1), busy).await;
            });
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _ = serve(stream, state).await;
            drop(permit); // this connection's place is free again
        });
    }
}

/// Answers requests on one connection until the client closes it, asks to
/// close it, a fault ends it, or it stays idle for 10 s (HTTP/1.1 keeps
/// connections open). A request it cannot read gets 400 (413 for a body it
/// will not read, 408 when too slow), then the close.
async fn serve(stream: TcpStream, state: Arc<State>) -> io::Result<()> {
    let mut reader = BufReader::new(stream);
    let status = loop {
        match read_request(&mut reader).await {
            Ok(request) => {
                if !answer(reader.get_mut(), &state, request).await? {
                    return Ok(()); // closed: asked for, or a fault's end
                }
            }
            Err(BadRequest::Gone) => return Ok(()),
            Err(BadRequest::Malformed) => break "400 Bad Request",
            Err(BadRequest::TooLarge) => break "413 Content Too Large",
            Err(BadRequest::TooSlow) => break "408 Request Timeout",
        }
    };
    let stream = reader.get_mut();
    respond(
        stream,
        status,
        "text/plain",
        status.as_bytes(),
        None,
        Reply::CLOSE,
    )
    .await
    .map(drop)
}

/// Waits until the client hangs up, or [`FAULT_HOLD`] has passed: a fault
/// that never answers holds its connection for a bounded time.
async fn hold(stream: &mut TcpStream) {
    let until_closed = async {
        let mut scrap = [0u8; 512];
        while let Ok(n) = stream.read(&mut scrap).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(FAULT_HOLD, until_closed).await;
}

/// Sends headers that promise `claimed` bytes of JPEG, then only `part` of them.
async fn promise(stream: &mut TcpStream, claimed: usize, part: &[u8]) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(part).await?;
    stream.flush().await
}

/// Answers one request; `Ok(false)` if the connection must not be reused.
async fn answer(stream: &mut TcpStream, state: &State, request: Request) -> io::Result<bool> {
    let Request {
        path,
        head_only,
        close,
    } = request;
    let reply = Reply { close, head_only };
    state.requests.fetch_add(1, Ordering::SeqCst);
    let waiting = Waiting::enter(state);
    tokio::time::sleep(state.config.latency).await;
    drop(waiting);
    let bandwidth = state.config.bandwidth;
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (fault, name) = match parts.as_slice() {
        ["photos", name] => (None, *name),
        ["as", _] => (None, state.photos.first().map_or("", |(n, _)| n.as_str())),
        ["tiny", _] => {
            // The first kilobyte of photo 1: for benches of many small requests.
            let head = state
                .photos
                .first()
                .map_or(&[][..], |(_, b)| &b[..b.len().min(1024)]);
            return respond(stream, "200 OK", "image/jpeg", head, None, reply).await;
        }
        ["fault", kind, name] => match Fault::from_kind(kind) {
            Some(fault) => (Some(fault), *name),
            None => return not_found(stream, reply).await,
        },
        _ => return not_found(stream, reply).await,
    };
    let photo = match fault {
        None => state
            .photos
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, bytes)| &bytes[..]),
        Some(_) => state.photos.first().map(|(_, bytes)| &bytes[..]),
    };
    let Some(photo) = photo else {
        return not_found(stream, reply).await;
    };
    match fault {
        None => respond(stream, "200 OK", "image/jpeg", photo, bandwidth, reply).await,
        Some(Fault::NotFound) => not_found(stream, reply).await,
        Some(Fault::ServerError) => {
            respond(
                stream,
                "500 Internal Server Error",
                "text/plain",
                b"oops!",
                None,
                reply,
            )
            .await
        }
        Some(Fault::Flaky) => {
            let attempt = {
                let mut seen = state.seen.lock().unwrap_or_else(|e| e.into_inner());
                let count = seen.entry(path.clone()).or_insert(0);
                *count += 1;
                *count
            };
            if attempt <= 2 {
                respond(
                    stream,
                    "503 Service Unavailable",
                    "text/plain",
                    b"busy",
                    None,
                    reply,
                )
                .await
            } else {
                respond(stream, "200 OK", "image/jpeg", photo, bandwidth, reply).await
            }
        }
        Some(Fault::NoHeaders) => {
            hold(stream).await;
            Ok(false)
        }
        Some(Fault::StallBody) => {
            promise(stream, photo.len(), &photo[..photo.len() / 2]).await?;
            hold(stream).await;
            Ok(false)
        }
        Some(Fault::ShortBody) => {
            promise(stream, photo.len(), &photo[..photo.len() / 2]).await?;
            stream.shutdown().await.map(|()| false)
        }
        Some(Fault::TooLarge) => {
            let claimed = 64 << 20;
            promise(stream, claimed, &[]).await?;
            let zeros = vec![0u8; 64 * 1024];
            for _ in 0..(claimed / zeros.len()) {
                stream.write_all(&zeros).await?; // ends when the client hangs up
            }
            Ok(false)
        }
        Some(Fault::NotAnImage) => {
            let page = b"<html><body>Please log in to see this photo.</body></html>";
            respond(stream, "200 OK", "text/html", page, None, reply).await
        }
        Some(Fault::Reset) => {
            stream.set_zero_linger()?; // closing the connection now sends RST
            Ok(false)
        }
    }
}
