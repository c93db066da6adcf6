//! `cargo xtask book --serve`: the book on 127.0.0.1, rebuilt when a source changes.
//!
//! mdBook's own `serve` is not available as a library, so this is a small
//! std-only server: one thread polls the sources and rebuilds, one accepts
//! connections, and every HTML page gets a script that reloads it after a
//! rebuild. It only ever binds the loopback address.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;
use std::{fs, io};

use anyhow::{Context, Result};

use test_support::passed;

use crate::build::build_book;

const RELOAD_PATH: &str = "/__livereload";
const RELOAD_SCRIPT: &str = "<script>(function(){var seen=null;setInterval(function(){\
fetch('/__livereload').then(function(r){return r.text();}).then(function(g){\
if(seen===null){seen=g;}else if(g!==seen){location.reload();}}).catch(function(){});},1000);})();\
</script>";
const POLL: Duration = Duration::from_millis(300);

/// A running book server; dropping it stops both of its threads.
pub struct BookServer {
    addr: SocketAddr,
    generation: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl BookServer {
    /// Builds the book at `root` into `out`, then serves `out` on 127.0.0.1:`port`
    /// (0 picks a free port) and rebuilds whenever a file under `src/`,
    /// `examples/`, `tests/` or `book.toml` changes.
    pub fn start(root: &Path, out: &Path, port: u16) -> Result<BookServer> {
        let html_dir = build_book(root, Some(out))?.html_dir;
        let mut server = BookServer::listen(&html_dir, port, true)?;
        let watcher = {
            let (root, out) = (root.to_path_buf(), out.to_path_buf());
            let (generation, stop) = (server.generation.clone(), server.stop.clone());
            thread::spawn(move || watch_and_rebuild(&root, &out, &generation, &stop))
        };
        server.threads.push(watcher);
        Ok(server)
    }

    /// Serves the already built `html_dir` on 127.0.0.1 as a static host would:
    /// no rebuilds, no reload script, and `404.html` (status 404) for a missing page.
    pub fn serve_built(html_dir: &Path) -> Result<BookServer> {
        BookServer::listen(html_dir, 0, false)
    }

    /// Binds 127.0.0.1:`port` and starts the thread that answers requests for
    /// `html_dir`; with `live_reload`, pages get the reload script.
    fn listen(html_dir: &Path, port: u16, live_reload: bool) -> Result<BookServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let generation = Arc::new(AtomicU64::new(1));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let html_dir = html_dir.to_path_buf();
            let generation = live_reload.then(|| generation.clone());
            let stop = stop.clone();
            thread::spawn(move || accept(listener, &html_dir, generation.as_deref(), &stop))
        };
        Ok(BookServer {
            addr,
            generation,
            stop,
            threads: vec![acceptor],
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many successful builds there have been (1 after the first).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Blocks until the server stops (it stops when dropped, or with the process on Ctrl-C).
    pub fn wait(mut self) {
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for BookServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// What the book is built from, as [`passed::print`]: it changes when a
/// file is written, added, removed or renamed.
fn fingerprint(root: &Path) -> String {
    let sources = [
        "src",
        "examples",
        "tests",    // the testing chapter quotes tests/loom.rs
        "measured", // tables written by the report, included by chapters
        "recorded", // outputs written by `cargo xtask outputs`
        "listings", // listings that must not compile
        "python",   // Python beside the Rust, quoted by anchors
        "crates",   // the later parts' lessons and examples
        "book.toml",
    ];
    passed::print(&sources.map(|source| root.join(source)))
}

fn watch_and_rebuild(root: &Path, out: &Path, generation: &AtomicU64, stop: &AtomicBool) {
    let mut seen = fingerprint(root);
    while !stop.load(Ordering::SeqCst) {
        thread::sleep(POLL);
        let now = fingerprint(root);
        if now == seen {
            continue;
        }
        seen = now;
        match build_book(root, Some(out)) {
            Ok(_) => {
                generation.fetch_add(1, Ordering::SeqCst);
                eprintln!("rebuilt the book");
            }
            Err(error) => {
                eprintln!("the book did not build, still serving the last good one:\n{error:#}")
            }
        }
    }
}

/// Serves `html_dir`; with a `generation`, pages get the live-reload script.
fn accept(
    listener: TcpListener,
    html_dir: &Path,
    generation: Option<&AtomicU64>,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                // One short request per connection; a slow client only holds its own thread.
                let html_dir = html_dir.to_path_buf();
                let current = generation.map(|g| g.load(Ordering::SeqCst));
                thread::spawn(move || {
                    let _ = respond(stream, &html_dir, current);
                });
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(20))
            }
            Err(error) => eprintln!("accept failed: {error}"),
        }
    }
}

fn respond(mut stream: TcpStream, html_dir: &Path, generation: Option<u64>) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");

    if let (RELOAD_PATH, Some(generation)) = (path, generation) {
        return send(
            &mut stream,
            "200 OK",
            "text/plain",
            generation.to_string().as_bytes(),
        );
    }
    let found = file_for(html_dir, path).and_then(|file| Some((fs::read(&file).ok()?, file)));
    let (status, mut body, file) = match found {
        Some((body, file)) => ("200 OK", body, file),
        None => {
            // Like a static host: the book's own 404 page, if it has one.
            let page = html_dir.join("404.html");
            match fs::read(&page) {
                Ok(body) => ("404 Not Found", body, page),
                Err(_) => return send(&mut stream, "404 Not Found", "text/plain", b"not found"),
            }
        }
    };
    let content_type = content_type(&file);
    if generation.is_some() && content_type.starts_with("text/html") {
        let html = String::from_utf8_lossy(&body);
        let html = match html.rfind("</body>") {
            Some(at) => format!("{}{RELOAD_SCRIPT}{}", &html[..at], &html[at..]),
            None => format!("{html}{RELOAD_SCRIPT}"),
        };
        body = html.into_bytes();
    }
    send(&mut stream, status, content_type, &body)
}

/// The file a URL path names inside `html_dir`; `None` for anything that would leave it.
fn file_for(html_dir: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let file = html_dir.join(relative);
    if file.is_dir() {
        Some(file.join("index.html"))
    } else {
        Some(file)
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css",
        "js" => "text/javascript",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "ttf" => "font/ttf",
        "eot" => "application/vnd.ms-fontobject",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "txt" | "rs" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn send(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8]) -> io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_cannot_leave_the_book() {
        let dir = Path::new("/book");
        assert_eq!(
            file_for(dir, "/ch1.html"),
            Some(PathBuf::from("/book/ch1.html"))
        );
        assert_eq!(file_for(dir, "/../etc/passwd"), None);
        assert_eq!(file_for(dir, "/a/../../x"), None);
    }
}
