//! "Real-world I/O: downloading images": the downloader against the embedded
//! server's faults, and the download_images example's modes, names, errors and
//! Ctrl-C. Every wait is bounded; nothing asserts speed.

use std::fs;
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::{Duration, Instant};

use downloads::download::{self, Failure, Policy};
use image_server::{Fault, ImageServer, ServerConfig};
use test_support::{
    assert_rejected, example_binary, flags, names, run_example, scratch, summaries,
};

/// asyncio's everyday names beside tokio (the quick reference's rows).
#[path = "asyncio/names.rs"]
mod asyncio_names;

fn quick_server() -> ImageServer {
    let config = ServerConfig {
        photos: 3,
        latency: Duration::from_millis(20),
        ..ServerConfig::default()
    };
    ImageServer::start(config).expect("the server starts")
}

/// Short timeouts and backoff, so that faults are reached quickly.
fn quick_policy() -> Policy {
    Policy {
        timeout: Duration::from_millis(600),
        retries: 2,
        backoff: Duration::from_millis(10),
        ..Policy::default()
    }
}

#[test]
fn every_fault_gives_its_error_in_bounded_time_and_leaves_no_partial_file() {
    let server = quick_server();
    let out = scratch("faults");
    let client = download::blocking_client(&quick_policy());
    let never = AtomicBool::new(false);
    for fault in Fault::ALL {
        let target = out.join(format!("{}.jpg", fault.kind()));
        let started = Instant::now();
        let outcome = download::download(
            &client,
            &server.fault_url(fault, "x.jpg"),
            &target,
            &quick_policy(),
            &never,
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{fault:?} took {:?}",
            started.elapsed()
        );
        match (fault, &outcome) {
            (Fault::Flaky, Ok(done)) => assert_eq!(done.attempts, 3, "two 503s, then the photo"),
            (Fault::NotFound, Err((Failure::Status(404), 1))) => {}
            (Fault::ServerError, Err((Failure::Status(500), 3))) => {}
            (Fault::NoHeaders | Fault::StallBody, Err((Failure::Timeout, 3))) => {}
            (Fault::ShortBody, Err((Failure::Connection(why) | Failure::Io(why), 3))) => {
                assert!(why.contains("body"), "{why}")
            }
            (Fault::ShortBody, Err((Failure::Truncated { .. }, 3))) => {}
            (Fault::TooLarge, Err((Failure::TooLarge { .. }, 1))) => {}
            (Fault::NotAnImage, Err((Failure::NotAnImage, 1))) => {}
            (Fault::Reset, Err((Failure::Connection(why), 3))) => {
                assert!(why.contains("reset"), "{why}")
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(
        names(&out),
        vec!["flaky.jpg"],
        "only the one complete download is there"
    );
    assert_eq!(
        fs::read(out.join("flaky.jpg")).unwrap(),
        server.photo_bytes(0),
        "and it is intact"
    );
}

#[test]
fn the_async_downloader_follows_the_same_rules() {
    let server = quick_server();
    let out = scratch("faults-async");
    let policy = quick_policy();
    let never = AtomicBool::new(false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = download::async_client(&policy);
        let expected = [
            (Fault::Flaky, Ok(3)),
            (Fault::StallBody, Err((Failure::Timeout, 3))),
            (Fault::NotAnImage, Err((Failure::NotAnImage, 1))),
        ];
        for (fault, attempts) in expected {
            let url = server.fault_url(fault, "x.jpg");
            let target = out.join(format!("{}.jpg", fault.kind()));
            let outcome =
                download::download_async(client.clone(), url, target, policy, &never).await;
            assert_eq!(outcome.map(|done| done.attempts), attempts, "{fault:?}");
        }
    });
    assert_eq!(names(&out), vec!["flaky.jpg"]);
}

#[test]
fn concurrent_modes_overlap_their_downloads_and_seq_does_not() {
    let out = scratch("modes");
    let out_flag = format!("--out={}", out.display());
    let mut args = flags("--tasks 4 --seconds 0.2 --workers 2");
    args.push(&out_flag);
    let all = summaries("download_images", &args, 4);
    let overlap: Vec<u64> = all
        .iter()
        .map(|s| s["max_overlap"].as_u64().unwrap())
        .collect();
    assert_eq!(
        overlap,
        vec![1, 4, 2, 2],
        "seq, threads, pool of 2, async limited to 2"
    );
    for s in &all {
        assert_eq!(s["ok"], 4, "{s}");
        let mode = s["mode"].as_str().unwrap();
        assert_eq!(names(&out.join(mode)).len(), 4, "{mode}");
    }
}

#[test]
fn hostile_urls_cannot_write_outside_the_output_folder() {
    let server = quick_server();
    let root = scratch("hostile");
    let out = root.join("out");
    let base = format!("http://{}/as", server.addr());
    let urls = [
        format!("{base}/..%2F..%2Fescaped.jpg"),
        format!("{base}/%2Ftmp%2Fabsolute.jpg"),
        format!("{base}/"),
        format!("{base}/photo.jpg"),
        format!("{base}/photo.jpg?again"),
    ];
    let list = root.join("urls.txt");
    fs::write(&list, urls.join("\n")).unwrap();
    let args = [
        "--urls-file",
        list.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mode",
        "pool",
    ];
    let output = run_example("download_images", &args, Duration::from_secs(60));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        names(&out),
        vec![
            "absolute.jpg",
            "download",
            "escaped.jpg",
            "photo-2.jpg",
            "photo.jpg"
        ]
    );
    assert_eq!(
        names(&root),
        vec!["out", "urls.txt"],
        "nothing was written beside --out"
    );
}

#[test]
fn failures_are_listed_and_make_the_exit_code_non_zero() {
    let out = scratch("failures");
    let out_flag = format!("--out={}", out.display());
    let mut args =
        flags("--faults --mode async --tasks 1 --seconds 0.02 --timeout 0.5 --retries 2");
    args.push(&out_flag);
    let output = run_example("download_images", &args, Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("/fault/404/404.jpg: the server answered HTTP 404 (after 1 attempts)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not-an-image.jpg: not an image"),
        "{stdout}"
    );
    assert!(stdout.contains("2 ok, 8 failed"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_download_leaves_only_complete_files() {
    let out = scratch("ctrl-c");
    // 30 KB/s: each photo takes many seconds, so SIGINT arrives mid-body.
    let mut child = Command::new(example_binary("download_images"))
        .args([
            "--mode",
            "threads",
            "--tasks",
            "3",
            "--seconds",
            "0",
            "--bandwidth",
            "30000",
        ])
        .args(["--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Wait until the downloads have started writing their temporary files.
    while names(&out).iter().all(|n| !n.ends_with(".part")) {
        assert!(Instant::now() < deadline, "no download started");
        thread::sleep(Duration::from_millis(20));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the example did not stop on Ctrl-C"
        );
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert!(
        names(&out).is_empty(),
        "partial files left: {:?}",
        names(&out)
    );
}

#[test]
fn bad_flags_and_inputs_are_clear_errors() {
    assert_rejected("download_images", &["--workers 0", "--timeout soon"]);
    let output = run_example(
        "download_images",
        &["--urls-file", "/no/such/list.txt"],
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--urls-file /no/such/list.txt"));
    let list = scratch("bad-list").join("urls.txt");
    fs::write(&list, "http://127.0.0.1:9/a.jpg\nftp://example.com/b.jpg\n").unwrap();
    let output = run_example(
        "download_images",
        &["--urls-file", list.to_str().unwrap()],
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("`ftp://example.com/b.jpg` is not an http(s) URL")
    );
}

#[test]
fn the_image_server_example_serves_on_its_own_and_stops_by_itself() {
    let dir = scratch("image-server");
    let urls = dir.join("urls.txt");
    let mut server = Command::new(example_binary("image_server"))
        .args([
            "--tasks",
            "2",
            "--seconds",
            "0",
            "--stop-after",
            "4",
            "--json",
        ])
        .arg("--urls-file")
        .arg(&urls)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("image_server starts");
    let stdout = server.stdout.take().expect("piped");
    let reader = thread::spawn(move || {
        use std::io::{BufRead, BufReader};
        let mut lines = BufReader::new(stdout).lines();
        let first: Vec<String> = (&mut lines)
            .map_while(Result::ok)
            .take_while(|line| !line.starts_with("serving on "))
            .collect();
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        (first, rest)
    });
    // The URLs file is written before the server says it serves.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !fs::read_to_string(&urls).is_ok_and(|text| text.lines().count() == 2) {
        assert!(Instant::now() < deadline, "no URLs file within 60 s");
        thread::sleep(Duration::from_millis(20));
    }
    let out = dir.join("photos");
    let downloaded = summaries(
        "download_images",
        &[
            "--urls-file",
            urls.to_str().unwrap(),
            "--mode",
            "seq",
            "--out",
            out.to_str().unwrap(),
        ],
        1,
    );
    assert_eq!(downloaded[0]["tasks"], 2, "{downloaded:?}");
    assert_eq!(names(&out), ["photo-01.jpg", "photo-02.jpg"]);

    // It stops by itself after --stop-after, having counted the two requests.
    let status = test_support::exit_within(&mut server, Duration::from_secs(30))
        .expect("image_server did not stop by itself");
    assert!(status.success(), "{status}");
    let (_, rest) = reader.join().expect("reader");
    let summary: serde_json::Value =
        serde_json::from_str(rest.last().expect("a JSON line")).expect("JSON");
    assert_eq!(summary["example"], "image_server");
    assert_eq!(summary["requests"], 2, "{summary}");

    assert_rejected("image_server", &["--stop-after 0", "--tasks 0"]);
}

#[test]
fn a_read_dropped_by_select_loses_data_and_both_fixes_keep_it() {
    let runs = test_support::summaries("cancel_safety", &["--tasks", "4"], 3);
    let (lossy, pinned, channel) = (&runs[0], &runs[1], &runs[2]);
    // The writer pauses four ticks between a length and its body: a tick
    // always drops the read there, and the next read is out of step.
    assert!(lossy["received"].as_u64().unwrap() < 4, "{lossy}");
    let error = lossy["error"].as_str().unwrap_or_default();
    assert!(error.contains("out of step"), "{lossy}");
    for kept in [pinned, channel] {
        assert_eq!(kept["received"], 4, "{kept}");
        assert!(kept["error"].is_null(), "{kept}");
        assert!(
            kept["ticks"].as_u64().unwrap() >= 4,
            "the ticks did fire: {kept}"
        );
    }
}

#[test]
fn a_reader_that_gives_up_stops_the_writer_without_a_panic() {
    // With no pause and many messages, the lossy reader falls out of step and
    // hangs up while the writer still writes.
    let output = test_support::run_example(
        "cancel_safety",
        &["--mode", "lossy", "--tasks", "200", "--seconds", "0"],
        Duration::from_secs(60),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("the stream is out of step"), "{stdout}");
}

/// Part V's first chapter: awaited in turn, futures never overlap; spawned,
/// every task waits at once, all on the runtime's one thread; never awaited,
/// none runs at all.
#[test]
fn futures_run_in_turn_when_awaited_at_once_when_spawned_and_never_when_dropped() {
    let runs = summaries("async_tasks", &flags("--tasks 4 --seconds 0.05"), 3);
    let (in_turn, spawned, dropped) = (&runs[0], &runs[1], &runs[2]);
    assert_eq!(
        (in_turn["ran"].clone(), in_turn["max_overlap"].clone()),
        (4.into(), 1.into()),
        "{in_turn}"
    );
    assert_eq!(spawned["ran"], 4, "{spawned}");
    assert_eq!(
        spawned["max_overlap"], 4,
        "every spawned task waited at once: {spawned}"
    );
    assert_eq!(
        spawned["threads_used"], 1,
        "on one thread, as asyncio's loop: {spawned}"
    );
    assert_eq!(
        dropped["ran"], 0,
        "a future never awaited never runs: {dropped}"
    );
}

/// Blocking the event loop: on a one-thread runtime, work that does not
/// await stops every other task, the heartbeat's timer included (no tick
/// while it runs, every run: nothing else can run on that thread); moved to
/// the blocking pool or to rayon, the heartbeat goes on ticking.
#[test]
fn work_that_does_not_await_stalls_a_one_thread_runtime_and_the_fixes_do_not() {
    let runs = summaries("blocking_runtime", &flags("--seconds 0.2"), 4);
    let ticks = |index: usize| runs[index]["ticks_during_work"].as_u64().unwrap();
    assert_eq!(runs[0]["mode"], "blocking");
    assert_eq!(ticks(0), 0, "the stalled heartbeat: {}", runs[0]);
    for (index, mode) in [(2, "spawn-blocking"), (3, "rayon")] {
        assert_eq!(runs[index]["mode"], mode);
        assert!(
            ticks(index) >= 1,
            "the heartbeat ticked during the work: {}",
            runs[index]
        );
    }
}

/// How many at once: both ways start and finish every task; a waiting tokio
/// task adds far less resident memory than a waiting thread (whose stack
/// pages are touched). No time is asserted: the book's figures come from a
/// --release run of the example.
#[test]
fn thousands_of_waiting_tasks_cost_less_memory_as_tokio_tasks_than_as_threads() {
    let runs = summaries("task_costs", &flags("--tasks 2000 --seconds 0.2"), 2);
    let (tasks, threads) = (&runs[0], &runs[1]);
    assert_eq!(
        (tasks["mode"].as_str(), threads["mode"].as_str()),
        (Some("tokio-tasks"), Some("threads"))
    );
    let kib = |run: &serde_json::Value| run["kib_per_task"].as_f64().unwrap();
    assert!(
        kib(tasks) < kib(threads),
        "a task costs less than a thread: {tasks} {threads}"
    );
    assert!(
        run_example(
            "task_costs",
            &flags("--tasks 20000 --mode threads"),
            Duration::from_secs(30)
        )
        .status
        .code()
            == Some(1),
        "more than 10000 threads are refused"
    );
}
