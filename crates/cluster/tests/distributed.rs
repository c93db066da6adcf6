//! "Beyond one machine": the photo job on timely dataflow, as one worker, as
//! threads, as processes on 127.0.0.1, and as a cluster started by hand.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use test_support::{
    assert_rejected, assert_rejected_naming, example_binary, files, flags, run_example, scratch,
    summary, svg_chart,
};

const EXAMPLE: &str = "distributed_images";
const PHOTOS: &[&str] = &["--tasks", "5", "--size", "640x480"];

fn run_mode(mode: &str, out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--mode", mode, "--out", out.to_str().unwrap()];
    args.extend_from_slice(PHOTOS);
    args.extend_from_slice(extra);
    summary(EXAMPLE, &args)
}

#[test]
fn two_processes_write_the_same_files_as_one_worker() {
    let one = scratch("distributed-one");
    let two = scratch("distributed-processes");
    let sent = scratch("distributed-sent");
    let svg = two.join("timeline.svg");
    let alone = run_mode("one-worker", &one, &[]);
    let spread = run_mode("processes", &two, &["--svg", svg.to_str().unwrap()]);
    let shipped = run_mode("processes", &sent, &["--send-photos"]);
    assert_eq!(
        (alone["workers"].as_u64(), alone["processes"].as_u64()),
        (Some(1), Some(1))
    );
    for s in [&spread, &shipped] {
        assert_eq!(s["processes"], 2, "{s}");
        assert_eq!(s["workers_used"], 2, "both processes did some photos: {s}");
    }
    for s in [&alone, &spread, &shipped] {
        assert_eq!(
            (s["tasks"].as_u64(), s["failed"].as_u64()),
            (Some(5), Some(0)),
            "{s}"
        );
        assert_eq!(s["checksum"], alone["checksum"], "{s}");
    }

    // The checksums stand for the files: the same names, the same bytes.
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    std::fs::remove_file(&svg).unwrap();
    let expected = files(&one);
    assert_eq!(expected.len(), 5);
    assert_eq!(files(&two), expected);
    assert_eq!(files(&sent), expected);

    // The timeline: one bar per photo in two workers' colours, plus one
    // legend entry per worker.
    let (texts, bars) = svg_chart(&svg_text);
    assert_eq!(bars.iter().sum::<usize>(), 5 + 2, "{bars:?}");
    assert_eq!(bars.iter().filter(|&&n| n > 0).count(), 2, "{bars:?}");
    assert!(texts.iter().any(|t| t.contains("p1/w1")), "{texts:?}");
}

#[test]
fn threads_mode_spreads_the_photos_over_its_workers() {
    let out = scratch("distributed-threads");
    let s = run_mode("threads", &out, &["--workers", "3"]);
    assert_eq!(
        (s["workers"].as_u64(), s["processes"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(s["workers_used"], 3, "{s}");
    assert_eq!(files(&out).len(), 5);
}

/// Cluster members started by hand, killed and reaped when dropped.
struct Members(Vec<Child>);

impl Drop for Members {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A hostfile for `count` processes on free loopback ports.
fn hostfile(dir: &Path, count: usize) -> (PathBuf, Vec<String>) {
    let addresses = cluster::free_loopback_addresses(count).unwrap();
    let path = dir.join("hosts.txt");
    cluster::write_hostfile(&path, &addresses).unwrap();
    (path, addresses)
}

fn member(process: usize, hostfile: &Path, out: &Path, extra: &[&str]) -> Child {
    Command::new(example_binary(EXAMPLE))
        .arg(format!("--process={process}"))
        .arg(format!("--hostfile={}", hostfile.display()))
        .arg(format!("--out={}", out.display()))
        .args(PHOTOS)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts")
}

/// Waits for `child` to exit, at most `limit` (else kills it and fails);
/// returns its exit code and stderr.
fn finish(child: &mut Child, limit: Duration) -> (Option<i32>, String) {
    let status = test_support::exit_within(child, limit);
    let status = status.unwrap_or_else(|| panic!("still running after {limit:?}"));
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    (status.code(), stderr)
}

#[test]
fn strangers_on_the_port_are_dropped_and_the_cluster_runs() {
    let dir = scratch("distributed-stray");
    let (hosts, addresses) = hostfile(&dir, 2);
    let out = dir.join("out");
    let mut first = Members(vec![member(0, &hosts, &out, &["--connect-timeout=60"])]);
    // As soon as process 0 listens: one client hangs up at once, one sends
    // what timely itself would take for process 1 (its number, 8 bytes).
    let deadline = Instant::now() + Duration::from_secs(20);
    let hang_up = loop {
        if let Ok(stream) = TcpStream::connect(&addresses[0]) {
            break stream;
        }
        assert!(Instant::now() < deadline, "process 0 never listened");
        thread::sleep(Duration::from_millis(10));
    };
    drop(hang_up);
    let mut impostor = TcpStream::connect(&addresses[0]).unwrap();
    impostor.write_all(&1u64.to_le_bytes()).unwrap();
    let _second = Members(vec![member(1, &hosts, &out, &["--connect-timeout=60"])]);
    let (code, stderr) = finish(&mut first.0[0], Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    let dropped = stderr
        .matches("dropped a connection from 127.0.0.1:")
        .count();
    assert_eq!(dropped, 2, "both strangers named: {stderr}");
    assert!(stderr.contains("not a member's greeting"), "{stderr}");
    assert_eq!(files(&out).len(), 5, "every photo processed");
}

#[test]
fn a_port_taken_by_another_program_is_named() {
    let dir = scratch("distributed-taken");
    // Taken first, then written into the hostfile: no other test can have
    // the port in between.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (hosts, mut addresses) = hostfile(&dir, 1);
    addresses.push(taken.local_addr().unwrap().to_string());
    cluster::write_hostfile(&hosts, &addresses).unwrap();
    let host = format!("--hostfile={}", hosts.display());
    let out = format!("--out={}", dir.join("out").display());
    let output = run_example(
        EXAMPLE,
        &["--process=1", &host, &out],
        Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected = format!("process 1 cannot listen on {}", addresses[1]);
    assert!(stderr.contains(&expected), "{stderr}");
}

/// A key file for the tests' members, readable by its owner only.
fn key_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    cluster::Key::create(&path).expect("a key file");
    path
}

#[test]
fn members_with_the_key_and_different_settings_both_refuse_to_run() {
    let dir = scratch("distributed-disagree");
    let (hosts, _) = hostfile(&dir, 2);
    let out = dir.join("out");
    let key = format!("--key-file={}", key_file(&dir, "cluster.key").display());
    for (first, second, both_named) in [
        ("--sigma=15", "--sigma=3", ["sigma: 15.0", "sigma: 3.0"]),
        (
            "--workers=1",
            "--workers=2",
            ["of 1 worker(s)", "of 2 worker(s)"],
        ),
    ] {
        let mut members = Members(vec![
            member(0, &hosts, &out, &[first, &key]),
            member(1, &hosts, &out, &[second, &key]),
        ]);
        for (process, child) in members.0.iter_mut().enumerate() {
            let (code, stderr) = finish(child, Duration::from_secs(30));
            assert_eq!(code, Some(1), "process {process}: {stderr}");
            assert!(
                stderr.contains("runs another job"),
                "process {process}: {stderr}"
            );
            assert!(
                both_named.iter().all(|setting| stderr.contains(setting)),
                "{both_named:?}: {stderr}"
            );
        }
    }
    assert_eq!(files(&out).len(), 0, "no photo processed");
}

/// Without a key, a hello for another job could come from anyone: process 0
/// names it, tells it nothing of its own job, and waits on for the real one.
#[test]
fn without_a_key_a_member_for_another_job_is_turned_away_and_the_real_one_joins() {
    let dir = scratch("distributed-turned-away");
    let (hosts, _) = hostfile(&dir, 2);
    let out = dir.join("out");
    let wait = "--connect-timeout=60";
    let mut first = Members(vec![member(0, &hosts, &out, &["--sigma=15", wait])]);
    let mut other = Members(vec![member(1, &hosts, &out, &["--sigma=3", wait])]);
    let (code, stderr) = finish(&mut other.0[0], Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("refused us: it runs another job"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("sigma: 15.0"),
        "process 0's job stays its own: {stderr}"
    );
    let mut real = Members(vec![member(1, &hosts, &out, &["--sigma=15", wait])]);
    let (code, stderr) = finish(&mut first.0[0], Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("runs another job") && stderr.contains("sigma: 3.0"),
        "{stderr}"
    );
    assert_eq!(finish(&mut real.0[0], Duration::from_secs(30)).0, Some(0));
    assert_eq!(files(&out).len(), 5, "every photo processed");
}

/// A member without the cluster's key, or with another, cannot join, and
/// learns nothing of the job; the real member still can.
#[test]
fn a_member_without_the_key_is_refused_and_the_real_one_joins() {
    let dir = scratch("distributed-key");
    let (hosts, _) = hostfile(&dir, 2);
    let out = dir.join("out");
    let key = format!("--key-file={}", key_file(&dir, "cluster.key").display());
    let other_key = format!("--key-file={}", key_file(&dir, "other.key").display());
    let wait = "--connect-timeout=60";
    let mut first = Members(vec![member(0, &hosts, &out, &[&key, wait])]);
    for (flags, expected) in [
        (vec![wait], "it expects a key"),
        (vec![wait, &other_key], "does not hold our key"),
    ] {
        let mut stranger = Members(vec![member(1, &hosts, &out, &flags)]);
        let (code, stderr) = finish(&mut stranger.0[0], Duration::from_secs(30));
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("sigma"), "nothing of the job: {stderr}");
    }
    let mut real = Members(vec![member(1, &hosts, &out, &[&key, wait])]);
    let (code, stderr) = finish(&mut first.0[0], Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(finish(&mut real.0[0], Duration::from_secs(30)).0, Some(0));
    assert_eq!(files(&out).len(), 5, "every photo processed");
}

#[test]
fn a_cluster_started_by_hand_reports_on_process_0() {
    let dir = scratch("distributed-by-hand");
    let (hosts, _) = hostfile(&dir, 2);
    let mut members = Members(vec![member(1, &hosts, &dir, &[])]);
    let host = format!("--hostfile={}", hosts.display());
    let out = format!("--out={}", dir.display());
    let mut args = vec!["--process=0", &host, &out];
    args.extend_from_slice(PHOTOS);
    let s = summary(EXAMPLE, &args);
    assert_eq!(s["mode"], "cluster");
    assert_eq!(
        (s["processes"].as_u64(), s["workers_used"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(s["failed"], 0);
    let (code, stderr) = finish(&mut members.0[0], Duration::from_secs(30));
    assert_eq!(code, Some(0), "process 1: {stderr}");
}

#[test]
fn a_missing_peer_is_named_when_the_connect_timeout_passes() {
    let dir = scratch("distributed-missing");
    let (hosts, addresses) = hostfile(&dir, 2);
    let host = format!("--hostfile={}", hosts.display());
    let out = format!("--out={}", dir.display());
    let args = [
        "--process=0",
        &host,
        &out,
        "--connect-timeout=1",
        "--tasks=2",
        "--size=320x240",
    ];
    // Well before the default --deadline of 120 s.
    let output = run_example(EXAMPLE, &args, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("within --connect-timeout 1 s"), "{stderr}");
    let expected = format!("no answer from process 1 ({})", addresses[1]);
    assert!(stderr.contains(&expected), "{stderr}");
}

#[test]
fn a_killed_peer_makes_the_other_exit_with_an_error() {
    let dir = scratch("distributed-killed");
    let (hosts, addresses) = hostfile(&dir, 2);
    // Half a second per photo: the run lasts long enough to kill a member in it.
    let slow = ["--seconds=0.5", "--deadline=60"];
    let mut members = Members(vec![
        member(0, &hosts, &dir, &slow),
        member(1, &hosts, &dir, &slow),
    ]);
    // Wait until process 1 says it is connected and working.
    let stdout = members.0[1].stdout.take().unwrap();
    let (lines, connected) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = connected
            .recv_timeout(left)
            .expect("process 1 never connected");
        if line.contains("connected to all 2 processes") {
            break;
        }
    }
    members.0[1].kill().unwrap();
    members.0[1].wait().unwrap();
    let (code, stderr) = finish(&mut members.0[0], Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    let expected = format!("lost process 1 ({})", addresses[1]);
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(
        !stderr.contains("panicked"),
        "a clear error, not a panic: {stderr}"
    );
}

#[test]
fn bad_flags_and_hostfiles_are_rejected() {
    assert_rejected(EXAMPLE, &["--workers 0", "--deadline -1"]);
    assert_rejected_naming(EXAMPLE, &flags("--process 0"), "--hostfile");
    assert_rejected_naming(EXAMPLE, &flags("--mode threads --process 0"), "--mode");

    let dir = scratch("distributed-bad-flags");
    let (hosts, _) = hostfile(&dir, 2);
    let host = format!("--hostfile={}", hosts.display());
    let missing = format!("--hostfile={}", dir.join("nope.txt").display());
    fs::write(
        dir.join("twice.txt"),
        "127.0.0.1:2101\n127.0.0.1:2102\n127.0.0.1:2101\n",
    )
    .unwrap();
    fs::write(
        dir.join("two-on-a-line.txt"),
        "127.0.0.1:2101 127.0.0.1:2102\n",
    )
    .unwrap();
    let twice = format!("--hostfile={}", dir.join("twice.txt").display());
    let two = format!("--hostfile={}", dir.join("two-on-a-line.txt").display());
    for (args, named) in [
        (
            vec!["--process=0", twice.as_str()],
            "line 3: 127.0.0.1:2101 is process 0's address too",
        ),
        (
            vec!["--process=0", two.as_str()],
            "line 1: expected one host:port",
        ),
        (vec!["--process=2", host.as_str()], "--process 2"),
        (
            vec!["--process=0", host.as_str(), "--processes=3"],
            "--processes is 3",
        ),
        (vec!["--process=0", missing.as_str()], "nope.txt"),
        (
            vec!["--process=0", host.as_str(), "--input=/no/such/dir"],
            "/no/such/dir",
        ),
    ] {
        // Each run in the scratch folder, not the default target/.
        let out = format!("--out={}", dir.join("out").display());
        let args = [args, vec![out.as_str()]].concat();
        let output = run_example(EXAMPLE, &args, Duration::from_secs(30));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(named),
            "{args:?} should name {named}: {stderr}"
        );
    }
}

/// `distributed_images --mode processes` writing into `out` (any path, UTF-8
/// or not), its stderr piped.
fn launch_processes(out: &Path, extra: &[&str]) -> Child {
    Command::new(example_binary(EXAMPLE))
        .args(["--mode", "processes", "--out"])
        .arg(out)
        .args(PHOTOS)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts")
}

#[test]
#[cfg(unix)]
fn sigterm_to_the_launcher_removes_its_hostfile_folder() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let out = scratch("distributed-sigterm");
    let mut launcher = launch_processes(&out, &["--seconds", "0.5"]);
    let folder = std::env::temp_dir().join(format!("timely-cluster-{}", launcher.id()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !folder.join("hosts.txt").exists() {
        assert!(Instant::now() < deadline, "no hostfile within 30 s");
        thread::sleep(Duration::from_millis(10));
    }
    kill(Pid::from_raw(launcher.id() as i32), Signal::SIGTERM).expect("SIGTERM sent");
    let (code, _) = finish(&mut launcher, Duration::from_secs(30));
    assert_eq!(code, Some(143), "SIGTERM ends the run with 128 + 15");
    assert!(!folder.exists(), "{} was left behind", folder.display());
}

#[test]
#[cfg(unix)]
fn an_out_folder_that_is_not_utf8_is_refused_before_any_member_starts() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let out = scratch("distributed-non-utf8").join(OsStr::from_bytes(b"out-\xff"));
    let mut child = launch_processes(&out, &[]);
    let (code, stderr) = finish(&mut child, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("--out") && stderr.contains("not UTF-8"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing was made");
}
