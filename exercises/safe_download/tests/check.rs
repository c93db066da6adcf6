//! Checks for "safe_download", against the book's image server on
//! 127.0.0.1 and its faults: the whole photo, or nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use exercise_safe_download::{client, save};
use exercise_support::within;
use image_server::{Fault, ImageServer, ServerConfig};

fn server() -> ImageServer {
    ImageServer::start(ServerConfig {
        photos: 1,
        size: (320, 240),
        latency: Duration::ZERO,
        bandwidth: None,
    })
    .expect("the image server starts")
}

/// An empty scratch folder, removed when the check ends, passed or failed.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn empty_folder(name: &str) -> Scratch {
    // Under cargo's own scratch folder, so that the system's temporary
    // folder stays for checking that `save` leaves nothing there either.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("safe-download-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// A fresh folder holding yesterday's `photo.jpg`, and that file's path.
fn folder_with_yesterdays_photo(name: &str) -> (Scratch, PathBuf) {
    let scratch = empty_folder(name);
    let target = scratch.0.join("photo.jpg");
    fs::write(&target, b"yesterday's photo").unwrap();
    (scratch, target)
}

/// What is in the system's temporary folder now.
fn in_the_system_temp_folder() -> std::collections::BTreeSet<std::ffi::OsString> {
    (fs::read_dir(std::env::temp_dir())
        .into_iter()
        .flatten()
        .flatten())
    .map(|entry| entry.file_name())
    .collect()
}

/// Fails if `save` left anything new in the system's temporary folder: a
/// temporary file belongs beside its target, and goes when it is done.
fn assert_nothing_new_in_the_system_temp_folder(
    before: &std::collections::BTreeSet<std::ffi::OsString>,
) {
    let new: Vec<_> = in_the_system_temp_folder()
        .difference(before)
        .cloned()
        .collect();
    assert!(
        new.is_empty(),
        "{new:?} appeared in {}: write the temporary file beside the target \
         (a rename cannot cross file systems) and remove it on every error",
        std::env::temp_dir().display()
    );
}

/// The files this process holds open in the system's temporary folder
/// (Linux's `/proc/self/fd`): a download that writes there holds its file
/// open while the body comes. Other programs' files there do not count, nor
/// this process's standard input, output and error (a log, maybe).
fn open_in_the_system_temp_folder() -> Vec<PathBuf> {
    let temp = std::env::temp_dir();
    let past_the_standard_three =
        |name: &std::ffi::OsStr| name.to_str().and_then(|n| n.parse::<u32>().ok()) > Some(2);
    (fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten())
    .filter(|fd| past_the_standard_three(&fd.file_name()))
    .filter_map(|fd| fs::read_link(fd.path()).ok())
    .filter(|path| path.starts_with(&temp))
    .collect()
}

/// The names in `dir`.
fn names_in(dir: &Path) -> Vec<std::ffi::OsString> {
    let mut names: Vec<_> = (fs::read_dir(dir).unwrap().flatten())
        .map(|e| e.file_name())
        .collect();
    names.sort();
    names
}

#[test]
fn a_failed_download_keeps_the_file_already_there() {
    let server = server();
    let (scratch, target) = folder_with_yesterdays_photo("kept");
    let url = server.fault_url(Fault::ShortBody, "photo.jpg");
    let (outcome, target) = within("save of a short body to fail", move || {
        (save(&client(Duration::from_secs(2)), &url, &target), target)
    });
    assert!(
        outcome.is_err(),
        "a short body must be an error, got {outcome:?}"
    );
    assert_eq!(
        fs::read(&target).unwrap(),
        b"yesterday's photo",
        "a failed download must leave the file already at the target as it was"
    );
    assert_eq!(
        names_in(&scratch.0),
        ["photo.jpg"],
        "and leave nothing else"
    );
}

#[test]
fn while_a_download_stalls_the_target_and_the_system_temp_folder_are_untouched() {
    // Headers and half the body come at once, then nothing until the
    // client's 2 s timeout; the checks look in the middle of that second.
    let server = server();
    let (_scratch, target) = folder_with_yesterdays_photo("stall");
    let url = server.fault_url(Fault::StallBody, "photo.jpg");
    let saving = {
        let target = target.clone();
        thread::spawn(move || save(&client(Duration::from_secs(2)), &url, &target))
    };
    thread::sleep(Duration::from_millis(1000));
    let open_during = open_in_the_system_temp_folder();
    let target_during = fs::read(&target).unwrap();
    let outcome = within("save of a stalled body to fail", move || {
        saving.join().unwrap()
    });
    assert!(
        outcome.is_err(),
        "a stalled body must be an error, got {outcome:?}"
    );
    assert_eq!(
        target_during, b"yesterday's photo",
        "while the download ran, the target was already being written: write a \
         temporary file beside it, and rename it only when the photo is whole"
    );
    assert!(
        open_during.is_empty(),
        "while the download ran, {open_during:?} was open for writing: the temporary \
         file belongs beside its target (a rename cannot cross file systems)"
    );
}

#[test]
fn two_saves_into_one_folder_at_once_each_keep_their_own_photo() {
    // One photo comes slowly (over about a second), the other at once, while
    // the first is still coming: one fixed name for the temporary file
    // mixes them up.
    let fast = server();
    let size = fast.photo_bytes(0).len() as u64;
    let slow = ImageServer::start(ServerConfig {
        photos: 1,
        size: (400, 300),
        latency: Duration::ZERO,
        bandwidth: Some(size / 2),
    })
    .expect("the image server starts");
    let scratch = empty_folder("two");
    let (dir, slow_url) = (scratch.0.clone(), slow.photo_urls()[0].clone());
    let slow_save = thread::spawn(move || {
        save(
            &client(Duration::from_secs(10)),
            &slow_url,
            &dir.join("slow.jpg"),
        )
    });
    // Until the slow one has begun writing its temporary file (2 s at most:
    // its body takes longer than that to come).
    let waited = Instant::now();
    while names_in(&scratch.0).is_empty() && waited.elapsed() < Duration::from_secs(2) {
        thread::sleep(Duration::from_millis(5));
    }
    assert!(
        !names_in(&scratch.0).is_empty(),
        "nothing was written beside the target while the body came: write the body \
         into the temporary file as it comes (a photo can be larger than memory)"
    );
    let (dir, fast_url) = (scratch.0.clone(), fast.photo_urls()[0].clone());
    let fast_outcome = within("the fast save to return", move || {
        save(
            &client(Duration::from_secs(10)),
            &fast_url,
            &dir.join("fast.jpg"),
        )
    });
    let slow_outcome = within("the slow save to return", move || slow_save.join().unwrap());
    assert!(
        fast_outcome.is_ok() && slow_outcome.is_ok(),
        "{fast_outcome:?}, {slow_outcome:?}"
    );
    assert_eq!(
        fs::read(scratch.0.join("fast.jpg")).unwrap(),
        fast.photo_bytes(0),
        "fast.jpg is not its photo: do two saves share one temporary file?"
    );
    assert_eq!(
        fs::read(scratch.0.join("slow.jpg")).unwrap(),
        slow.photo_bytes(0),
        "slow.jpg is not its photo: do two saves share one temporary file?"
    );
    assert_eq!(names_in(&scratch.0), ["fast.jpg", "slow.jpg"]);
}

#[test]
fn a_good_download_is_the_whole_photo() {
    let before = in_the_system_temp_folder();
    let server = server();
    // Yesterday's photo is there, and someone has it open: the new one must
    // replace it (a rename), not be written into it.
    let (scratch, target) = folder_with_yesterdays_photo("good");
    let dir = &scratch.0;
    let mut yesterday = fs::File::open(&target).unwrap();
    let (url, to) = (server.photo_urls()[0].clone(), target.clone());
    let bytes = within("save of a good photo to return", move || {
        save(&client(Duration::from_secs(10)), &url, &to)
    });
    let mut read_by_the_other = Vec::new();
    std::io::Read::read_to_end(&mut yesterday, &mut read_by_the_other).unwrap();
    assert_eq!(
        read_by_the_other, b"yesterday's photo",
        "the new photo was written into the file already at the target: a crash halfway \
         would leave half a photo there; write a temporary file and rename it over the target"
    );
    assert_eq!(bytes, Ok(server.photo_bytes(0).len() as u64));
    assert_eq!(
        fs::read(&target).unwrap(),
        server.photo_bytes(0),
        "the file is the photo"
    );
    assert_eq!(
        fs::read_dir(dir).unwrap().count(),
        1,
        "and nothing else is left"
    );
    assert_nothing_new_in_the_system_temp_folder(&before);
}

#[test]
fn a_failed_download_leaves_nothing_behind() {
    let before = in_the_system_temp_folder();
    let server = server();
    for fault in [
        Fault::NotFound,
        Fault::ShortBody,
        Fault::StallBody,
        Fault::Reset,
    ] {
        let scratch = empty_folder(fault.kind());
        let dir = &scratch.0;
        let target = dir.join("photo.jpg");
        let url = server.fault_url(fault, "photo.jpg");
        let outcome = within(
            "save of a faulty answer to fail (does your client time out?)",
            move || save(&client(Duration::from_secs(2)), &url, &target),
        );
        assert!(
            outcome.is_err(),
            "{fault:?} must be an error, got {outcome:?}"
        );
        let left: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(
            left.is_empty(),
            "after {fault:?}, {left:?} was left behind: a partial file looks like a photo \
             to whoever reads the folder next"
        );
    }
    assert_nothing_new_in_the_system_temp_folder(&before);
}
