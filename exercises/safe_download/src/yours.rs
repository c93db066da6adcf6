//! Download `url` into `target`, so that `target` is either the whole file
//! or not there at all: a failed download (an error status, a body cut
//! short, a stall past the timeout) returns an error and leaves nothing
//! behind, not even a temporary file. Practises "Real-world I/O:
//! downloading images".

use std::path::Path;
use std::time::Duration;

/// A blocking client with `timeout` per request (and the TLS set-up the
/// book's downloader uses).
pub fn client(timeout: Duration) -> reqwest::blocking::Client {
    use downloads::download::{Policy, blocking_client};
    blocking_client(&Policy::new(timeout, 0))
}

/// Downloads `url` to `target`; the number of bytes, or why it failed.
pub fn save(client: &reqwest::blocking::Client, url: &str, target: &Path) -> Result<u64, String> {
    todo!("check the status, copy the body into a temporary file beside target, rename it")
}
