//! A worked solution: the body goes into a hidden temporary file beside the
//! target, which is renamed over the target only when it is complete; any
//! error removes it.

use std::fs::{self, File};
use std::io::Write;
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
    let name = target.file_name().ok_or("the target has no file name")?;
    let temporary = target.with_file_name(format!(".{}.part", name.to_string_lossy()));
    let result = (|| {
        let mut response = client.get(url).send().map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("the server answered {}", response.status()));
        }
        let mut file = File::create(&temporary).map_err(|e| e.to_string())?;
        // `copy_to` fails if the body is cut short of its Content-Length.
        let bytes = response.copy_to(&mut file).map_err(|e| e.to_string())?;
        file.flush().map_err(|e| e.to_string())?;
        drop(file);
        fs::rename(&temporary, target).map_err(|e| e.to_string())?;
        Ok(bytes)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}
