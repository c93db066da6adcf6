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
