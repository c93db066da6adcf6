//! "What the examples promise" (src/promises.md): each failure that page
//! lists, tried on the example, with the outcome it promises. Every wait here
//! is bounded; none asserts a speed, only what was kept, left or said.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use image_server::{Fault, ImageServer, ServerConfig};
use images::pipeline;
use test_support::{Limits, assert_rejected, flags, run_example, run_example_within, scratch};
use test_support::{children_of, proc_stat, spawn_example, summary, wait_until_catching};

mod server;

const TEN: Duration = Duration::from_secs(10);

/// Every file below `dir`, as paths relative to it, sorted.
fn all_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                found.push(relative.display().to_string());
            }
        }
    }
    found.sort();
    found
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that `signal` stops the example within 3 s (a second, plus room
/// for a busy machine) with exit code 128 + the signal, leaving no file in `out`.
fn assert_stops_clean(child: &mut Child, signal: Signal, out: &Path) {
    let code = stop(child, signal, Duration::from_secs(3));
    assert_eq!(
        code,
        Some(128 + signal as i32),
        "{signal} is handled as Ctrl-C is"
    );
    assert_eq!(all_files(out), Vec::<String>::new(), "no partial file kept");
}

/// Sends `signal` to `child` alone and waits for it at most `limit`: its
/// exit code, or a panic if it is still running then (it is killed).
fn stop(child: &mut Child, signal: Signal, limit: Duration) -> Option<i32> {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, signal).expect("the signal is sent");
    let status = test_support::exit_within(child, limit);
    let status = status
        .unwrap_or_else(|| panic!("the example, after {signal}: still running {limit:?} later"));
    status.code()
}

#[test]
fn a_full_disk_fails_each_download_and_keeps_no_truncated_photo() {
    // The first photo the embedded server serves, and a file size limit just
    // under it: the last write of each download fails, as on a full disk.
    // (The async mode used to drop the error of that last write.)
    let photo = &test_photos::ensure(1, 1600, 1200).unwrap()[0];
    let size = fs::metadata(photo).unwrap().len();
    let out = scratch("full-disk");
    let out_flag = format!("--out={}", out.display());
    let limits = Limits {
        file_bytes: Some(size - 100),
        ..Limits::default()
    };
    for mode in ["seq", "pool", "async"] {
        let args = ["--tasks", "1", "--seconds", "0", "--mode", mode, &out_flag];
        let output = run_example_within("download_images", &args, limits, Duration::from_secs(60));
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{mode}: {stdout}");
        assert!(stdout.contains("failed"), "{mode}: {stdout}");
        assert!(
            !stdout.contains("ok "),
            "{mode} reported a photo it could not write: {stdout}"
        );
        assert_eq!(all_files(&out), Vec::<String>::new(), "{mode} left files");
    }
}

/// A scratch folder with a `photos` folder in it holding one small photo
/// under each of `names`: (the folder, the photos' folder, the photo's bytes).
fn photo_folder(name: &str, names: &[&str]) -> (PathBuf, PathBuf, Vec<u8>) {
    let dir = scratch(name);
    let input = dir.join("photos");
    fs::create_dir_all(&input).unwrap();
    let photo = pipeline::encode_jpeg(&test_photos::photo_like(160, 120, 1), 90).unwrap();
    for name in names {
        fs::write(input.join(name), &photo).unwrap();
    }
    (dir, input, photo)
}

#[test]
fn an_output_folder_that_overlaps_the_input_is_refused_and_the_photos_stay() {
    let (dir, input, photo) = photo_folder("overlap", &["a.jpg"]);
    let input_flag = format!("--input={}", input.display());
    for (out, why) in [
        (input.clone(), "is --input"),
        (input.join("results"), "is inside --input"),
        (dir.clone(), "contains --input"),
    ] {
        for example in ["process_images", "photo_stages", "distributed_images"] {
            let out_flag = format!("--out={}", out.display());
            let output = run_example(example, &[&input_flag, &out_flag], Duration::from_secs(30));
            let stderr = text(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{example} {out_flag}: {stderr}"
            );
            assert!(stderr.contains(why), "{example} {out_flag}: {stderr}");
        }
    }
    assert_eq!(
        all_files(&dir),
        ["photos/a.jpg"],
        "nothing made, nothing replaced"
    );
    assert_eq!(fs::read(input.join("a.jpg")).unwrap(), photo);
}

#[test]
fn two_photos_with_one_output_name_are_refused_before_any_work() {
    let (dir, input, _) = photo_folder("one-name", &["a.jpg", "a.jpeg"]);
    fs::write(input.join("notes.png"), b"not a JPEG: not an input").unwrap();
    let out = dir.join("out");
    let args = [
        format!("--input={}", input.display()),
        format!("--out={}", out.display()),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run_example("process_images", &args, Duration::from_secs(30));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let both = stderr.contains("a.jpeg and ") && stderr.contains("a.jpg would both be written");
    assert!(both, "{stderr}");
    assert_eq!(
        all_files(&out),
        Vec::<String>::new(),
        "refused before any work"
    );
}

#[test]
fn only_the_jpegs_of_an_input_folder_are_read() {
    let (dir, input, _) = photo_folder("only-jpegs", &["a.jpg", "b.JPEG"]);
    fs::write(input.join("c.png"), b"a PNG: the pipeline reads JPEGs only").unwrap();
    let (input_flag, out_flag) = (
        format!("--input={}", input.display()),
        format!("--out={}", dir.join("out").display()),
    );
    let s = summary("process_images", &["--mode", "seq", &input_flag, &out_flag]);
    assert_eq!(
        (s["tasks"].as_u64(), s["failed"].as_u64()),
        (Some(2), Some(0)),
        "{s}"
    );
    assert_eq!(all_files(&dir.join("out")), ["a.jpg", "b.jpg"]);
}

#[test]
fn output_flags_refuse_special_files_and_follow_links() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("special-files");
    let fifo = dir.join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let server = |path: &Path| {
        let flag = format!("--urls-file={}", path.display());
        run_example(
            "image_server",
            &["--tasks", "1", "--stop-after", "1", &flag],
            TEN,
        )
    };
    for (path, kind) in [
        (Path::new("/dev/null"), "a device"),
        (&fifo, "a FIFO"),
        (&dir, "a folder"),
    ] {
        let output = server(path);
        let stderr = text(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {stderr}",
            path.display()
        );
        assert!(stderr.contains(kind), "{}: {stderr}", path.display());
    }
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    // A link is followed: its target gets the URLs, the link stays a link.
    std::os::unix::fs::symlink("urls.txt", dir.join("link")).unwrap();
    assert!(server(&dir.join("link")).status.success());
    assert!(
        fs::symlink_metadata(dir.join("link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(dir.join("urls.txt"))
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
}

#[test]
fn counts_sizes_and_durations_have_upper_limits() {
    assert_rejected("loop_join", &["--tasks 10001"]);
    assert_rejected("pool_submit", &["--workers 20000"]);
    assert_rejected("cpu_bound", &["--n 2e10"]);
    assert_rejected(
        "process_images",
        &["--sigma 1e30", "--size 13000x100", "--tasks 101"],
    );
    assert_rejected("download_images", &["--timeout 0", "--retries 11"]);
    assert_rejected("pipes_and_queues", &["--tasks 2e10"]);
    assert_rejected("shared_memory", &["--deadline 0"]);
    assert_rejected("distributed_images", &["--connect-timeout 0"]);
    assert_rejected("stress_test", &["--jitter-us 1000000"]);
}

#[test]
fn a_thread_the_system_refuses_is_a_clear_error_not_a_panic() {
    // Stacks of 768 MiB in 1 GiB of address space: the first thread's fits,
    // the second's cannot. With small stacks the space ran out at random
    // places, now and then inside a thread that had started (mapping its
    // signal stack), where std aborts before the example can say anything.
    let limits = Limits {
        memory_bytes: Some(1 << 30),
        thread_stack_bytes: Some(768 << 20),
        ..Limits::default()
    };
    let args = flags("--tasks 3000 --seconds 0.5 --mode two-loops");
    let output = run_example_within("loop_join", &args, limits, Duration::from_secs(60));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the system refused another thread"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_url_file_is_read_with_a_limit_and_a_bad_line_is_named() {
    let output = run_example("download_images", &flags("--urls-file /dev/zero"), TEN);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a list of URLs"), "{stderr}");
    let list = scratch("url-lines").join("urls.txt");
    fs::write(
        &list,
        "\u{feff}HTTP://127.0.0.1:9/a.jpg\n\nhttp://exa mple.com/b.jpg\n",
    )
    .unwrap();
    let output = run_example(
        "download_images",
        &["--urls-file", list.to_str().unwrap()],
        Duration::from_secs(30),
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 3: `http://exa mple.com/b.jpg` is not a URL"),
        "{stderr}"
    );
}

/// An in-test image server with no latency.
fn quick_server(photos: usize, bandwidth: Option<u64>) -> ImageServer {
    let config = ServerConfig {
        photos,
        latency: Duration::ZERO,
        bandwidth,
        ..ServerConfig::default()
    };
    ImageServer::start(config).expect("the server starts")
}

/// Starts download_images on `urls` (lines of a URL file) with `flags`,
/// into a fresh folder: (the running example, its folder).
fn start_download(name: &str, urls: &str, flags_line: &str) -> (Child, PathBuf) {
    let dir = scratch(name);
    let (list, out) = (dir.join("urls.txt"), dir.join("out"));
    fs::write(&list, format!("{urls}\n")).unwrap();
    let mut args = vec![
        format!("--urls-file={}", list.display()),
        format!("--out={}", out.display()),
    ];
    args.extend(flags(flags_line).into_iter().map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    (
        spawn_example("download_images", &args, Limits::default()),
        out,
    )
}

#[test]
fn ctrl_c_is_not_kept_waiting_by_a_retry_backoff() {
    let server = quick_server(1, None);
    let url = server.fault_url(Fault::ServerError, "x.jpg");
    let (mut child, out) = start_download("backoff", &url, "--mode seq --retries 10");
    // Mid-retries (the waits themselves: lessons::download's unit tests).
    thread::sleep(Duration::from_millis(1500));
    assert_stops_clean(&mut child, Signal::SIGINT, &out);
}

#[test]
fn sigterm_stops_downloads_like_ctrl_c_and_leaves_no_partial_file() {
    // 20 KB/s: a photo takes many seconds, so downloads are under way.
    let server = quick_server(3, Some(20_000));
    let urls = server.photo_urls().join("\n");
    let (mut child, out) = start_download("sigterm", &urls, "--mode pool");
    thread::sleep(Duration::from_millis(1500));
    let partial = all_files(&out);
    assert!(
        partial.iter().any(|f| f.ends_with(".part")),
        "under way: {partial:?}"
    );
    assert_stops_clean(&mut child, Signal::SIGTERM, &out);
}

#[test]
fn ctrl_c_while_the_test_photos_are_made_stops_at_once() {
    // A size no other test uses: its photos are made afresh, for many seconds.
    let _ = fs::remove_dir_all(test_photos::cache_dir(3001, 2001));
    let out = scratch("ctrl-c-generating");
    let out_flag = format!("--out={}", out.display());
    let args = ["--tasks", "100", "--size", "3001x2001", &out_flag];
    let mut child = spawn_example("download_images", &args, Limits::default());
    thread::sleep(Duration::from_secs(1));
    assert_stops_clean(&mut child, Signal::SIGINT, &out);
}

#[test]
fn sigterm_to_a_photo_run_removes_its_and_its_workers_half_written_files() {
    // Two worker processes, each held 30 s on its photo (--seconds): the
    // run is surely in the middle when the signal comes.
    let out = scratch("sigterm-photos");
    let out_flag = format!("--out={}", out.display());
    let args = flags("--mode processes --workers 2 --tasks 2 --size 64x48");
    let args = [&args[..], &["--seconds", "30", &out_flag]].concat();
    let mut parent = spawn_example("distributed_images", &args, Limits::default());
    let deadline = Instant::now() + Duration::from_secs(20);
    let workers = loop {
        let workers: Vec<u32> = children_of(parent.id())
            .into_iter()
            .map(|(pid, _)| pid)
            .collect();
        if workers.len() == 2 || Instant::now() > deadline {
            break workers;
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(workers.len(), 2, "two worker processes");
    // Each has its SIGTERM handler (which removes its half-written files) in
    // place before the signal comes, however loaded the machine is.
    for pid in workers.iter().chain([&parent.id()]) {
        let ready = wait_until_catching(*pid, Signal::SIGTERM as i32, Duration::from_secs(20));
        assert!(ready, "process {pid} never installed its SIGTERM handler");
    }
    // Half-written outputs, as the parent and each worker name them.
    for pid in workers.iter().chain([&parent.id()]) {
        fs::write(out.join(format!(".half-{pid}.jpg.{pid}.tmp")), b"half").unwrap();
    }
    let parent_pid = parent.id();
    let code = stop(&mut parent, Signal::SIGTERM, Duration::from_secs(5));
    assert_eq!(
        code,
        Some(143),
        "SIGTERM is handled as Ctrl-C is, with 128 + 15"
    );
    // The workers, stopped by their parent's death, remove their own (a
    // loaded machine may take a few seconds to schedule them).
    let deadline = Instant::now() + Duration::from_secs(15);
    while all_files(&out).iter().any(|f| f.ends_with(".tmp")) {
        assert!(
            Instant::now() < deadline,
            "left: {:?} (workers {workers:?}, parent {parent_pid})",
            all_files(&out)
        );
        thread::sleep(Duration::from_millis(20));
    }
    // Gone, or dead and waiting for init to reap them: a worker removes its
    // files just before it exits, so give it a moment (bounded) to go.
    let ended = |pid: &u32| proc_stat(*pid).is_none_or(|fields| fields[0] == "Z");
    let deadline = Instant::now() + Duration::from_secs(15);
    while !workers.iter().all(ended) {
        assert!(
            Instant::now() < deadline,
            "workers {workers:?} still running"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn partial_files_of_dead_processes_are_removed_at_start() {
    let out = scratch("stale");
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let stale = format!(".photo-01.jpg.{dead}.part");
    fs::write(out.join(&stale), b"half a photo").unwrap();
    let out_flag = format!("--out={}", out.display());
    let args = ["--tasks", "1", "--seconds", "0", "--mode", "seq", &out_flag];
    let output = run_example("download_images", &args, Duration::from_secs(60));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(all_files(&out), ["photo-01.jpg"]);
}

#[test]
fn a_deadline_that_passes_is_a_failure_not_a_success() {
    let args = flags("--mode processes --workers 2 --increments 1e10 --deadline 0.5");
    let output = run_example("shared_memory", &args, Duration::from_secs(30));
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("did not finish within --deadline"),
        "{stderr}"
    );
}

#[test]
fn a_producer_ahead_of_its_consumer_waits_instead_of_filling_memory() {
    // The consumer starts half a second late; a million 32-byte messages
    // queued in an unbounded channel would take about 40 MiB.
    for mode in ["std-channel", "crossbeam"] {
        let args = ["--mode", mode, "--tasks", "1e6", "--consumer-delay", "0.5"];
        let s = summary("pipes_and_queues", &args);
        assert_eq!(s["intact"], true, "{s}");
        let peak = s["peak_memory_mib"].as_f64().expect("Linux reports a peak");
        assert!(
            peak < 16.0,
            "{mode}: a peak of {peak} MiB: the messages piled up: {s}"
        );
    }
}

#[test]
fn the_threads_mode_runs_at_most_workers_photos_at_once() {
    let out = scratch("threads-limit");
    let out_flag = format!("--out={}", out.display());
    let s = summary(
        "process_images",
        &[
            "--mode",
            "threads",
            "--tasks",
            "6",
            "--size",
            "1200x800",
            "--workers",
            "2",
            &out_flag,
        ],
    );
    assert_eq!(s["workers"], 2, "{s}");
    assert!(s["max_overlap"].as_u64().unwrap() <= 2, "{s}");
    assert_eq!(
        (s["tasks"].as_u64(), s["failed"].as_u64()),
        (Some(6), Some(0)),
        "{s}"
    );
}

#[test]
fn the_photo_cache_stays_bounded_however_many_photos_are_served() {
    let (width, height) = (66, 44); // a size no other test uses
    let cache = test_photos::cache_dir(width, height);
    let _ = fs::remove_dir_all(&cache);
    let list = scratch("many-photos").join("urls.txt");
    let urls_file = format!("--urls-file={}", list.display());
    let mut args = flags("--tasks 150 --size 66x44 --stop-after 1");
    args.push(&urls_file);
    let output = run_example("image_server", &args, Duration::from_secs(60));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(fs::read_to_string(&list).unwrap().lines().count(), 150);
    assert_eq!(all_files(&cache).len(), test_photos::MAX_DISTINCT);
}
