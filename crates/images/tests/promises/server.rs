//! The image server's promises: what it answers, and that it holds under
//! abuse (too many clients, hung faults, running out of descriptors).

use std::fs;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use image_server::ImageServer;
use test_support::{Limits, proc_stat, scratch, spawn_example};

use super::{TEN, quick_server};

/// The statuses of the responses in `bytes`, in order (bodies skipped by
/// their `Content-Length`).
fn statuses(mut bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    while let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
        let status = head
            .lines()
            .next()
            .unwrap_or("")
            .split(' ')
            .nth(1)
            .unwrap_or("");
        let length: usize = (head.lines())
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |n| n.trim().parse().unwrap());
        found.push(status.to_string());
        bytes = &bytes[(end + 4 + length).min(bytes.len())..];
    }
    found
}

#[test]
fn the_image_server_reads_bare_line_feeds_and_pipelined_requests_in_order() {
    use std::io::{Read, Write};
    let server = quick_server(1, None);
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(TEN)).unwrap();
    // Three requests in one write, the second with bare line feeds, then one
    // that is not HTTP: answered in order, then 400 and the close.
    let requests = "GET /photos/photo-01.jpg HTTP/1.1\r\nHost: x\r\n\r\n\
                    GET /no/such/path HTTP/1.1\nHost: x\n\n\
                    GET /photos/photo-01.jpg HTTP/1.1\r\n\r\n\
                    HELLO\r\n\r\n";
    stream.write_all(requests.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server closes after the 400");
    assert_eq!(statuses(&answer), ["200", "404", "200", "400"]);
}

/// The `image_server` example, allowed `open_files` descriptors, serving for
/// at most a minute; it and its address once it serves.
fn server_with_open_files(name: &str, open_files: u64) -> (Child, String) {
    let list = scratch(name).join("urls.txt");
    let urls_file = format!("--urls-file={}", list.display());
    let limits = Limits {
        open_files: Some(open_files),
        ..Limits::default()
    };
    let args = [
        "--tasks",
        "1",
        "--seconds",
        "0",
        "--stop-after",
        "60",
        &urls_file,
    ];
    let server = spawn_example("image_server", &args, limits);
    let deadline = Instant::now() + Duration::from_secs(30);
    while fs::read_to_string(&list).map_or(true, |text| text.is_empty()) {
        assert!(Instant::now() < deadline, "the server did not start");
        thread::sleep(Duration::from_millis(20));
    }
    let url = fs::read_to_string(&list).unwrap();
    let address = (url.trim().trim_start_matches("http://").split('/').next())
        .expect("an address")
        .to_string();
    (server, address)
}

#[test]
fn the_image_server_waits_instead_of_spinning_when_out_of_file_descriptors() {
    let (mut server, address) = server_with_open_files("few-files", 48);
    // More idle connections than the server may open files: accept fails.
    let idle: Vec<_> = (0..100)
        .filter_map(|_| std::net::TcpStream::connect(&address).ok())
        .collect();
    let cpu_seconds = |pid: u32| {
        let fields = proc_stat(pid).expect("the server runs");
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0 // USER_HZ
    };
    let before = cpu_seconds(server.id());
    thread::sleep(Duration::from_millis(1500));
    let used = cpu_seconds(server.id()) - before;
    drop(idle);
    let _ = server.kill();
    let _ = server.wait();
    // Spinning on accept errors burns a whole core: about 1.5 s here.
    let why = "of CPU in 1.5 s while out of descriptors";
    assert!(used < 0.5, "the server used {used:.2} s {why}");
}

/// Sends `request` on a new connection and reads until the server closes it.
fn exchange(server: &ImageServer, request: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(TEN)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server closes the connection in time");
    answer
}

#[test]
fn the_image_server_speaks_enough_http_for_real_clients() {
    let server = quick_server(1, None);
    let photo = server.photo_bytes(0).len();
    // A body is read past, never taken for the next request; HTTP/1.0 and
    // `Connection: close` end the connection after their answer.
    let body = "GET /oops HTTP/1.1\r\n\r\n"; // looks like a request, is a body
    let requests = format!(
        "GET /photos/photo-01.jpg HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}\
         GET /photos/photo-01.jpg HTTP/1.0\r\n\r\n",
        body.len()
    );
    let answer = exchange(&server, &requests);
    assert_eq!(
        statuses(&answer),
        ["200", "200"],
        "the body was not a request"
    );
    let answer = exchange(
        &server,
        "GET /photos/photo-01.jpg HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(statuses(&answer), ["200"]);
    assert!(String::from_utf8_lossy(&answer).contains("Connection: close"));
    // HEAD: the headers of the GET, no body.
    let answer = exchange(
        &server,
        "HEAD /photos/photo-01.jpg HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains(&format!("Content-Length: {photo}")), "{text}");
    assert!(
        text.ends_with("\r\n\r\n"),
        "no body after the headers: {text}"
    );
    // The absolute form a proxy-minded client sends.
    let request = format!(
        "GET http://{}/photos/photo-01.jpg HTTP/1.0\r\n\r\n",
        server.addr()
    );
    assert_eq!(statuses(&exchange(&server, &request)), ["200"]);
    // A body too large to read past is refused, and the connection closed.
    let answer = exchange(
        &server,
        "GET /photos/photo-01.jpg HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
    );
    assert_eq!(statuses(&answer), ["413"]);
}

#[test]
fn hung_faults_let_go_when_their_clients_do_and_extra_connections_get_503() {
    use std::io::{Read, Write};
    // 64 open files: the server serves at most 32 connections at once.
    let (mut server, address) = server_with_open_files("connection-cap", 64);
    let ask = |path: &str| {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.set_read_timeout(Some(TEN)).unwrap();
        let request = format!("GET {path} HTTP/1.1\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        stream
    };
    // Forty requests that are never answered hold every place there is.
    let hung: Vec<_> = (0..40).map(|_| ask("/fault/no-headers/x.jpg")).collect();
    thread::sleep(Duration::from_millis(300));
    let mut answer = [0u8; 12];
    let mut late = ask("/photos/photo-01.jpg");
    late.read_exact(&mut answer)
        .expect("a client past the cap is answered, not kept waiting");
    assert_eq!(
        &answer,
        b"HTTP/1.1 503",
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Their clients hang up: the server lets go of those connections too.
    drop(hung);
    thread::sleep(Duration::from_millis(300));
    let mut again = ask("/photos/photo-01.jpg");
    again.read_exact(&mut answer).expect("answered");
    assert_eq!(
        &answer,
        b"HTTP/1.1 200",
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let _ = server.kill();
    let _ = server.wait();
}
