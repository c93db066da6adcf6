//! "Stopping well": stop_well under SIGTERM and SIGINT from outside, in each
//! mode. The results so far are kept, nothing half-done is, and every wait
//! here is bounded.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use crate::common::{Limits, children_of, proc_stat, scratch, spawn_example, wait_until_catching};

/// Starts `stop_well` in `mode` with `flags` and waits for its first line.
fn start(mode: &str, out: &Path, flags: &[&str]) -> Child {
    let out = format!("--out={}", out.display());
    let mut args = vec!["--mode", mode, &out, "--json"];
    args.extend(flags);
    let mut child = spawn_example("stop_well", &args, Limits::default());
    let mut first = String::new();
    let stdout = child.stdout.as_mut().unwrap();
    // Byte by byte, so that nothing after the first line is read here.
    while !first.ends_with('\n') {
        let mut byte = [0];
        assert_eq!(stdout.read(&mut byte).unwrap(), 1, "stop_well said nothing");
        first.push(byte[0] as char);
    }
    assert!(first.starts_with(&format!("== {mode}")), "{first}");
    let listening =
        wait_until_catching(child.id(), Signal::SIGTERM as i32, Duration::from_secs(20));
    assert!(listening, "stop_well never listened for SIGTERM");
    child
}

/// Sends `signal` to the example alone; its exit code, its JSON summary and
/// how long it took to stop. Fails if it has not stopped within 5 s.
fn stop(child: &mut Child, signal: Signal) -> (Option<i32>, serde_json::Value, Duration) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).unwrap();
    let sent = Instant::now();
    let status = crate::common::exit_within(child, Duration::from_secs(5))
        .unwrap_or_else(|| panic!("stop_well still running 5 s after {signal}"));
    let took = sent.elapsed();
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    let summary = serde_json::from_str(lines.last().expect("a summary")).unwrap();
    (status.code(), summary, took)
}

fn lines_of(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn threads_finish_the_task_in_hand_and_keep_the_results_so_far() {
    let out = scratch("stop-threads");
    let mut child = start("threads", &out, &["--tasks=40", "--seconds=0.2"]);
    thread::sleep(Duration::from_millis(1000));
    let (code, s, _) = stop(&mut child, Signal::SIGTERM);
    assert_eq!(code, Some(143), "128 + SIGTERM: {s}");
    assert_eq!(s["stopped_by"], "SIGTERM");
    let kept = s["kept"].as_u64().unwrap();
    // 40 tasks of 0.2 s on 2 threads take 4 s: the flag stopped them early.
    assert!((1..40).contains(&kept), "kept {kept} of 40: {s}");
    let saved = lines_of(&out.join("threads.txt"));
    assert_eq!(saved.len() as u64, kept, "every result so far is saved");
    assert!(
        saved
            .iter()
            .all(|l| l.starts_with("task ") && l.ends_with(" done"))
    );
}

#[test]
fn a_process_pool_stops_its_workers_and_keeps_what_finished() {
    let out = scratch("stop-processes");
    let mut child = start("processes", &out, &["--tasks=40", "--seconds=0.2"]);
    thread::sleep(Duration::from_millis(1000));
    let workers: Vec<u32> = children_of(child.id())
        .into_iter()
        .map(|(pid, _)| pid)
        .collect();
    assert_eq!(workers.len(), 2, "two worker processes: {workers:?}");
    let (code, s, _) = stop(&mut child, Signal::SIGINT);
    assert_eq!(code, Some(130), "128 + SIGINT: {s}");
    let kept = s["kept"].as_u64().unwrap();
    assert!((1..40).contains(&kept), "kept {kept} of 40: {s}");
    assert_eq!(lines_of(&out.join("processes.txt")).len() as u64, kept);
    // The pool killed and reaped its workers before the example exited.
    for pid in workers {
        let state = proc_stat(pid).map(|fields| fields[2].clone());
        assert!(state.is_none(), "worker {pid} left behind: {state:?}");
    }
}

#[test]
fn async_downloads_stop_within_a_second_and_leave_no_partial_file() {
    let out = scratch("stop-async");
    let mut child = start("async", &out, &["--tasks=8", "--workers=4"]);
    // Wait until downloads are half-way: partial files on the disk.
    let photos = out.join("async");
    let deadline = Instant::now() + Duration::from_secs(30);
    let partial = |dir: &Path| {
        (fs::read_dir(dir).into_iter().flatten().flatten())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
            .count()
    };
    while partial(&photos) == 0 {
        assert!(Instant::now() < deadline, "no download ever started");
        thread::sleep(Duration::from_millis(5));
    }
    let (code, s, took) = stop(&mut child, Signal::SIGTERM);
    assert_eq!(code, Some(143), "{s}");
    assert_eq!(s["stopped_by"], "SIGTERM");
    assert!(took < Duration::from_secs(5), "{took:?}"); // the example waits 1 s at most
    assert_eq!(
        partial(&photos),
        0,
        "cancelled downloads leave no partial file"
    );
    // What was kept is whole: each photo ends with the JPEG end marker.
    for entry in fs::read_dir(&photos).unwrap().flatten() {
        let bytes = fs::read(entry.path()).unwrap();
        assert!(bytes.ends_with(&[0xFF, 0xD9]), "{:?} is cut", entry.path());
    }
    assert_eq!(
        s["kept"].as_u64().unwrap() as usize,
        fs::read_dir(&photos).unwrap().count()
    );
}

#[test]
fn downloads_that_all_time_out_fail_the_run_and_say_so() {
    let out = scratch("stop-well-timeouts");
    // The server waits 2 s before each photo; each attempt may wait 0.3 s.
    let args = [
        "--mode",
        "async",
        "--tasks",
        "2",
        "--seconds",
        "2",
        "--timeout",
        "0.3",
        "--json",
    ];
    let out_flag = format!("--out={}", out.display());
    let mut all = args.to_vec();
    all.push(&out_flag);
    let output = crate::common::run_example("stop_well", &all, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "a failed run: {stderr}");
    assert_eq!(stderr.matches("timed out").count(), 2, "{stderr}");
    assert!(
        stderr.contains("/photos/photo-01.jpg"),
        "names the URL: {stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("a JSON line");
    assert_eq!(summary["failed"], 2, "{summary}");
    assert_eq!(summary["partial_files"], 0, "{summary}");
}

#[test]
fn a_second_signal_stops_at_once_and_the_first_is_the_one_reported() {
    let out = scratch("stop-twice");
    // Two tasks of 20 s: the first signal lets them finish, the second not.
    let mut child = start("threads", &out, &["--tasks=2", "--seconds=20"]);
    // Let both workers take their task first: a signal before that stops
    // them before they start, and the run ends at the first signal.
    thread::sleep(Duration::from_millis(1000));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, Signal::SIGINT).unwrap();
    thread::sleep(Duration::from_millis(200));
    nix::sys::signal::kill(pid, Signal::SIGTERM).unwrap();
    let status = crate::common::exit_within(&mut child, Duration::from_secs(10))
        .expect("stop_well still running 10 s after a second signal, its tasks take 20 s");
    assert_eq!(status.code(), Some(130), "128 + SIGINT, the first signal");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("stopping now"), "{stderr}");
    assert!(
        !out.join("threads.txt").exists(),
        "no results file, and no half-written one"
    );
    let left: Vec<_> = fs::read_dir(&out).unwrap().flatten().collect();
    assert!(left.is_empty(), "nothing left in --out: {left:?}");
}
