//! The downloads chapters' whole programs (`crates/downloads/listings/`),
//! each the first listing of its page: a reader pastes one into
//! `src/main.rs` of a new project. They are compiled here as modules, with
//! their `main`, and their functions run against the image server on
//! loopback; nothing asserts speed.

use std::path::Path;
use std::time::Duration;

use image_server::{ImageServer, ServerConfig};
use test_support::scratch;

#[allow(dead_code)] // its `main` is the reader's, not ours
#[path = "../listings/download_photos.rs"]
mod download_photos;

#[allow(dead_code)]
#[path = "../listings/careful_download.rs"]
mod careful_download;

#[allow(dead_code)]
#[path = "../listings/select_drops.rs"]
mod select_drops;

#[allow(dead_code)]
#[path = "../listings/stop_on_signal.rs"]
mod stop_on_signal;

#[allow(dead_code)]
#[path = "../listings/lazy_futures.rs"]
mod lazy_futures;

#[allow(dead_code)]
#[path = "../listings/gather_join.rs"]
mod gather_join;

#[allow(dead_code)]
#[path = "../listings/stalled_heartbeat.rs"]
mod stalled_heartbeat;

#[allow(dead_code)]
#[path = "../listings/limits_timeouts.rs"]
mod limits_timeouts;

#[allow(dead_code)]
#[path = "../listings/many_tasks.rs"]
mod many_tasks;

#[allow(dead_code)]
#[path = "../listings/sync_and_async.rs"]
mod sync_and_async;

/// The client the programs' `main` builds, with this workspace's TLS set-up
/// (its reqwest has no default crypto provider; a reader's has).
fn client() -> reqwest::blocking::Client {
    downloads::download::blocking_client(&downloads::download::Policy::default())
}

/// A server whose every answer waits 300 ms: long enough that downloads
/// started together are seen waiting together.
fn slow_server(photos: usize) -> ImageServer {
    let config = ServerConfig {
        photos,
        size: (160, 120),
        latency: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    ImageServer::start(config).expect("the server starts")
}

/// Every download saved, under its own name, with the bytes served.
fn assert_saved(server: &ImageServer, saved: &[Result<std::path::PathBuf, String>], folder: &Path) {
    assert_eq!(saved.len(), server.photo_urls().len());
    for (index, result) in saved.iter().enumerate() {
        let path = result.as_ref().expect("every photo downloads");
        assert_eq!(path, &folder.join(format!("photo-{:02}.jpg", index + 1)));
        assert_eq!(std::fs::read(path).unwrap(), server.photo_bytes(index));
    }
}

#[test]
fn download_photos_one_after_another_never_overlaps_and_threads_all_do() {
    let client = client();
    let folder = scratch("listing-download-photos");
    let server = slow_server(4);
    let saved = download_photos::one_after_another(&client, &server.photo_urls(), &folder);
    assert_saved(&server, &saved, &folder);
    assert_eq!(server.most_at_once(), 1, "one download at a time");
    let server = slow_server(4);
    let saved = download_photos::one_thread_each(&client, &server.photo_urls(), &folder);
    assert_saved(&server, &saved, &folder);
    assert!(
        server.most_at_once() >= 2,
        "the threads' downloads overlapped"
    );
}

#[test]
fn download_photos_saves_nothing_outside_its_folder_and_names_failures() {
    let client = client();
    let folder = scratch("listing-download-photos-names");
    let server = slow_server(1);
    let base = format!("http://{}", server.addr());
    for url in [format!("{base}/photos/.."), format!("{base}/photos/")] {
        let error = download_photos::download(&client, &url, &folder).unwrap_err();
        assert!(error.contains("no file name"), "{error}");
    }
    let missing = format!("{base}/photos/missing.jpg");
    let error = download_photos::download(&client, &missing, &folder).unwrap_err();
    assert!(
        error.contains("404") && error.contains("missing.jpg"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        0,
        "nothing saved"
    );
}

/// Each fault of the image server, through the careful download: what is
/// retried, how often, and that no file or temporary file is left after a
/// failure.
#[test]
fn careful_download_retries_what_can_get_better_and_leaves_no_partial_file() {
    use image_server::Fault;
    let client = client();
    let folder = scratch("listing-careful-download");
    let config = ServerConfig {
        photos: 1,
        size: (160, 120),
        latency: Duration::ZERO,
        ..ServerConfig::default()
    };
    // (fault, saved, requests the server saw, words of the error)
    let cases = [
        (Fault::Flaky, true, 3, ""),
        (
            Fault::ServerError,
            false,
            4,
            "500 Internal Server Error (attempt 4 of 4)",
        ),
        (Fault::NotFound, false, 1, "404 Not Found"),
        (Fault::NotAnImage, false, 1, "not an image"),
        (Fault::TooLarge, false, 1, "over 20971520 bytes"),
        (Fault::ShortBody, false, 4, "(attempt 4 of 4)"),
        (Fault::Reset, false, 4, "(attempt 4 of 4)"),
    ];
    for (fault, saved, requests, words) in cases {
        let server = ImageServer::start(config.clone()).expect("the server starts");
        let target = folder.join(format!("{}.jpg", fault.kind()));
        let url = server.fault_url(fault, "photo.jpg");
        let result = careful_download::download(&client, &url, &target);
        assert_eq!(result.is_ok(), saved, "{fault:?}: {result:?}");
        assert_eq!(server.requests(), requests, "{fault:?}: attempts");
        match result {
            Ok(bytes) => {
                assert_eq!(std::fs::read(&target).unwrap(), server.photo_bytes(0));
                assert_eq!(bytes, server.photo_bytes(0).len() as u64);
            }
            Err(error) => {
                assert!(error.contains(words), "{fault:?}: {error}");
                assert!(!target.exists(), "{fault:?}: no file after a failure");
            }
        }
    }
    let names: Vec<String> = (std::fs::read_dir(&folder).unwrap().flatten())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["flaky.jpg"], "no temporary file is left");
}

#[test]
fn select_drops_loses_a_message_to_a_tick_and_the_kept_read_does_not() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let all = ["message 1", "message 2", "message 3"];
    let kept = runtime.block_on(select_drops::one_read_kept_alive(3));
    assert_eq!(kept, all, "every message arrives when the read lives on");
    // A tick every 10 ms in a 100 ms pause: the first read loses its length.
    let lossy = runtime.block_on(select_drops::new_read_each_time(3));
    assert!(
        lossy.len() < all.len(),
        "a read dropped mid-message: {lossy:?}"
    );
    assert!(!lossy.contains(&all[0].to_string()), "{lossy:?}");
}

/// The flag is raised as a signal would raise it (the signal thread itself
/// is the stop_well example's, tested with real signals in tests/).
#[test]
fn stop_on_signal_finishes_every_task_it_took_and_takes_none_after_the_flag() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let work = Duration::from_millis(100);
    let raised = AtomicBool::new(true);
    assert!(stop_on_signal::run_until_stopped(20, 4, work, &raised).is_empty());
    let stop = AtomicBool::new(false);
    let done = std::thread::scope(|scope| {
        let run = scope.spawn(|| stop_on_signal::run_until_stopped(20, 4, work, &stop));
        std::thread::sleep(Duration::from_millis(150)); // mid-way through the second wave
        stop.store(true, Ordering::SeqCst);
        run.join().unwrap()
    });
    let mut sorted = done.clone();
    sorted.sort_unstable();
    // Tasks are taken in order: the ones done are 0..n, each taken one finished.
    assert_eq!(sorted, (0..done.len()).collect::<Vec<_>>(), "{done:?}");
    assert!(
        (4..20).contains(&done.len()),
        "the tasks in hand finished, and no more: {done:?}"
    );
}

#[test]
fn lazy_futures_run_in_turn_when_awaited_and_side_by_side_when_spawned() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let log = lazy_futures::Log::new();
    let in_turn = runtime.block_on(lazy_futures::awaited_in_turn(&log));
    assert_eq!(in_turn, ["a", "b", "c"]);
    let each = |names: &[&str], what: &str| -> Vec<String> {
        names.iter().map(|name| format!("{name} {what}")).collect()
    };
    let expected: Vec<String> = ["a", "b", "c"]
        .iter()
        .flat_map(|name| [format!("{name} starts"), format!("{name} done")])
        .collect();
    assert_eq!(
        log.lines(),
        expected,
        "each awaited future ends before the next starts"
    );
    let log = lazy_futures::Log::new();
    let spawned = runtime.block_on(lazy_futures::spawned(&log));
    assert_eq!(
        spawned,
        ["a", "b", "c"],
        "the handles give the results in order"
    );
    let lines = log.lines();
    let (starts, dones) = lines.split_at(3);
    let mut starts = starts.to_vec();
    starts.sort();
    assert_eq!(
        starts,
        each(&["a", "b", "c"], "starts"),
        "all three start before any ends"
    );
    assert!(dones.iter().all(|line| line.ends_with("done")), "{lines:?}");
}

#[test]
fn join_keeps_order_try_join_drops_the_rest_and_a_join_set_gives_them_as_they_finish() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let log = gather_join::Log::default();
    let all = runtime.block_on(gather_join::join_all(&log));
    assert_eq!(
        all,
        (Ok(300), Ok(100), Ok(200)),
        "join! gives argument order"
    );
    let finished = log.lock().unwrap().clone();
    assert_eq!(finished, ["100 ms done", "200 ms done", "300 ms done"]);

    let log = gather_join::Log::default();
    let first = runtime.block_on(async {
        let first = gather_join::first_error(&log).await;
        tokio::time::sleep(Duration::from_millis(400)).await; // past the 300 ms one
        first
    });
    assert_eq!(first, Err("the 0 ms fetch failed".to_string()));
    assert!(
        log.lock().unwrap().is_empty(),
        "the dropped 300 ms fetch never finished"
    );

    let log = gather_join::Log::default();
    let order = runtime.block_on(gather_join::as_they_finish(&log));
    assert_eq!(
        order,
        [100, 200, 300],
        "join_next gives them as they finish"
    );

    let log = gather_join::Log::default();
    runtime.block_on(gather_join::dropped_set(&log));
    assert!(
        log.lock().unwrap().is_empty(),
        "dropping the set aborted its task"
    );
}

#[test]
fn a_blocking_sleep_stops_the_heartbeat_and_spawn_blocking_does_not() {
    // One thread, as the program's main: nothing else can tick while it blocks.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    assert_eq!(runtime.block_on(stalled_heartbeat::blocking()), 0);
    assert!(runtime.block_on(stalled_heartbeat::off_the_runtime()) >= 1);
}

#[test]
fn a_semaphore_limits_a_timeout_cancels_and_a_bounded_channel_holds_back() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    assert_eq!(runtime.block_on(limits_timeouts::at_most_two()), 2);
    assert_eq!(
        runtime.block_on(limits_timeouts::too_slow()),
        (true, false),
        "timed out, and the dropped wait never finished"
    );
    let ahead = runtime.block_on(limits_timeouts::bounded_queue());
    assert!(
        ahead <= 3,
        "the producer got {ahead} ahead of a channel of 2"
    );
}

#[test]
fn ten_thousand_tasks_all_finish() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    assert_eq!(runtime.block_on(many_tasks::wait_together(10_000)), 10_000);
}

#[test]
fn sync_code_blocks_on_a_runtime_a_thread_uses_its_handle_and_nesting_panics() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    assert_eq!(sync_and_async::from_sync_code(&runtime), 50);
    assert_eq!(sync_and_async::from_a_thread(&runtime), 30);
    assert!(
        sync_and_async::blocking_inside_async(&runtime),
        "block_on inside a runtime panics"
    );
    assert_eq!(
        sync_and_async::from_sync_code(&runtime),
        50,
        "and the runtime still works"
    );
}
