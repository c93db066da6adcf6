//! Downloads every URL given on the command line into the folder `photos/`:
//! first one after another, then on one thread per URL, and says how long
//! each way took.
//!
//! Cargo.toml: `reqwest = { version = "0.13", features = ["blocking"] }`
//! Run: `cargo run -- https://example.com/a.jpg https://example.com/b.jpg`

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;

/// Downloads `url` into `folder`, under the last part of its path.
pub fn download(client: &Client, url: &str, folder: &Path) -> Result<PathBuf, String> {
    let name = url.rsplit('/').next().unwrap_or_default();
    // A name that comes from the network must not leave the folder.
    if name.is_empty() || name.starts_with('.') || name.contains('\\') {
        return Err(format!("{url}: no file name to save it under"));
    }
    let response = client.get(url).send().and_then(|r| r.error_for_status());
    let bytes = response
        .and_then(|r| r.bytes())
        .map_err(|e| format!("{url}: {e}"))?;
    let path = folder.join(name);
    fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The Python script's loop: each download waits for the one before.
pub fn one_after_another(
    client: &Client,
    urls: &[String],
    folder: &Path,
) -> Vec<Result<PathBuf, String>> {
    urls.iter()
        .map(|url| download(client, url, folder))
        .collect()
}

/// One thread per URL, all waiting on the network at once. The threads
/// borrow the client, the URLs and the folder: `thread::scope` joins them
/// all before it returns.
pub fn one_thread_each(
    client: &Client,
    urls: &[String],
    folder: &Path,
) -> Vec<Result<PathBuf, String>> {
    thread::scope(|scope| {
        let handles: Vec<_> = (urls.iter())
            .map(|url| scope.spawn(move || download(client, url, folder)))
            .collect();
        (handles.into_iter())
            .map(|handle| handle.join().expect("a download thread panicked"))
            .collect()
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let urls: Vec<String> = std::env::args().skip(1).collect();
    let folder = Path::new("photos");
    fs::create_dir_all(folder)?;
    // One client for every download: it keeps connections open between them.
    let client = Client::builder().timeout(Duration::from_secs(30)).build()?;
    let ways = [
        (
            "one after another",
            one_after_another as fn(&Client, &[String], &Path) -> _,
        ),
        ("one thread each", one_thread_each),
    ];
    for (way, download_all) in ways {
        let start = Instant::now();
        let results = download_all(&client, &urls, folder);
        for result in &results {
            match result {
                Ok(path) => println!("saved {}", path.display()),
                Err(error) => eprintln!("failed: {error}"),
            }
        }
        let saved = results.iter().filter(|result| result.is_ok()).count();
        let seconds = start.elapsed().as_secs_f64();
        println!("{way}: {saved} of {} saved in {seconds:.2} s\n", urls.len());
    }
    Ok(())
}
