//! The little HTTP the image server speaks: reading one request (its head,
//! and past its body) and sending one response.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The largest request body the server reads past (and ignores).
const MAX_BODY: u64 = 1 << 20;

/// Why a request could not be read.
pub(crate) enum BadRequest {
    /// The client closed the connection, or it broke: nothing to answer
    Gone,
    /// Not a request this server understands, or too long: answer 400
    Malformed,
    /// A body larger than [`MAX_BODY`], or chunked: answer 413
    TooLarge,
    /// No complete request within 10 s: answer 408
    TooSlow,
}

/// One request, as far as this server reads it.
pub(crate) struct Request {
    /// The path, from an origin-form (`/photos/x`) or an absolute-form
    /// (`http://host/photos/x`) target
    pub path: String,
    /// `HEAD`: the headers of a `GET`'s answer, without its body
    pub head_only: bool,
    /// HTTP/1.0 without `Connection: keep-alive`, or `Connection: close`
    pub close: bool,
}

/// How to send an answer.
#[derive(Clone, Copy)]
pub(crate) struct Reply {
    /// Say `Connection: close`, and close after this answer
    pub close: bool,
    /// Headers only (a `HEAD` request)
    pub head_only: bool,
}

impl Reply {
    pub const CLOSE: Reply = Reply {
        close: true,
        head_only: false,
    };
}

/// Reads one request's head (up to its empty line; `\r\n` or a bare `\n`
/// ends a line), and skips its body if it has one. What follows stays in
/// `reader` for the next request: pipelined requests are answered in order.
pub(crate) async fn read_request(reader: &mut BufReader<TcpStream>) -> Result<Request, BadRequest> {
    let read_head = async {
        let (mut lines, mut total) = (Vec::<String>::new(), 0);
        loop {
            let mut line = Vec::new();
            let n = (&mut *reader)
                .take(8 * 1024)
                .read_until(b'\n', &mut line)
                .await;
            let n = n.map_err(|_| BadRequest::Gone)?;
            total += n;
            if n == 0 {
                return Err(BadRequest::Gone);
            }
            if !line.ends_with(b"\n") || total > 16 * 1024 {
                return Err(BadRequest::Malformed); // a line or a head too long
            }
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            match (line.is_empty(), lines.is_empty()) {
                (true, false) => return Ok(lines),
                (true, true) => {} // blank lines before a request are allowed
                (false, _) => lines.push(line),
            }
        }
    };
    let lines = tokio::time::timeout(Duration::from_secs(10), read_head)
        .await
        .map_err(|_| BadRequest::TooSlow)??;
    let mut words = lines[0].split_whitespace();
    let (method, target, version) = (words.next(), words.next(), words.next());
    let head_only = match method {
        Some("GET") => false,
        Some("HEAD") => true,
        _ => return Err(BadRequest::Malformed),
    };
    let header = |name: &str| {
        (lines[1..].iter()).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_ascii_lowercase())
        })
    };
    if header("transfer-encoding").is_some() {
        return Err(BadRequest::TooLarge); // no chunked bodies here
    }
    let body = match header("content-length") {
        None => 0,
        Some(n) => n.parse::<u64>().map_err(|_| BadRequest::Malformed)?,
    };
    if body > MAX_BODY {
        return Err(BadRequest::TooLarge);
    }
    // A body is read past, so that it is never taken for the next request.
    let (mut body_bytes, mut sink) = ((&mut *reader).take(body), tokio::io::sink());
    let skip = tokio::io::copy(&mut body_bytes, &mut sink);
    let skipped = tokio::time::timeout(Duration::from_secs(10), skip)
        .await
        .map_err(|_| BadRequest::TooSlow)?
        .map_err(|_| BadRequest::Gone)?;
    if skipped < body {
        return Err(BadRequest::Gone);
    }
    // `Connection` is a list of tokens: `keep-alive, close` asks to close.
    let connection = header("connection").unwrap_or_default();
    let says = |token: &str| connection.split(',').any(|t| t.trim() == token);
    let close = match version {
        Some("HTTP/1.0") => !says("keep-alive") || says("close"),
        Some(_) => says("close"),
        None => true,
    };
    let target = target.ok_or(BadRequest::Malformed)?;
    // Absolute form: http://host:port/path becomes /path.
    let path = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    Ok(Request {
        path: path.to_string(),
        head_only,
        close,
    })
}

/// Sends one whole response, at `bandwidth` bytes per second if given;
/// `Ok(true)`: the connection may serve another request.
pub(crate) async fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    bandwidth: Option<u64>,
    reply: Reply,
) -> io::Result<bool> {
    let length = body.len();
    let close = if reply.close {
        "Connection: close\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\n{close}\r\n"
    );
    stream.write_all(head.as_bytes()).await?;
    match (reply.head_only, bandwidth) {
        (true, _) => {}
        (false, None) => stream.write_all(body).await?,
        (false, Some(rate)) => {
            let chunk = (rate / 20).max(1024) as usize; // 20 chunks per second
            for piece in body.chunks(chunk) {
                stream.write_all(piece).await?;
                tokio::time::sleep(Duration::from_secs_f64(piece.len() as f64 / rate as f64)).await;
            }
        }
    }
    stream.flush().await?;
    if reply.close {
        stream.shutdown().await?;
    }
    Ok(!reply.close)
}

pub(crate) async fn not_found(stream: &mut TcpStream, reply: Reply) -> io::Result<bool> {
    respond(
        stream,
        "404 Not Found",
        "text/plain",
        b"not found",
        None,
        reply,
    )
    .await
}
