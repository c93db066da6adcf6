//! Checks for "safe_download", against the book's image server on
//! 127.0.0.1 and its faults: the whole photo, or nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use exercise_safe_download::{client, save};
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

#[test]
fn a_good_download_is_the_whole_photo() {
    let before = in_the_system_temp_folder();
    let server = server();
    let scratch = empty_folder("good");
    let dir = &scratch.0;
    let target = dir.join("photo.jpg");
    let bytes = save(
        &client(Duration::from_secs(10)),
        &server.photo_urls()[0],
        &target,
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
    let client = client(Duration::from_secs(2));
    for fault in [
        Fault::NotFound,
        Fault::ShortBody,
        Fault::StallBody,
        Fault::Reset,
    ] {
        let scratch = empty_folder(fault.kind());
        let dir = &scratch.0;
        let target = dir.join("photo.jpg");
        let outcome = save(&client, &server.fault_url(fault, "photo.jpg"), &target);
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
