//! Builds, serves and checks the book, so that reading it needs only cargo.
//!
//! - [`benches`]: `cargo xtask bench-tables`, the chapters' criterion tables from criterion's JSON.
//! - [`build`]: runs mdBook as a library and fails on any warning or error it logs
//!   (mdBook itself only logs a missing include and still returns `Ok`).
//! - [`limit`]: the photo job's limit, `measured/bench-limit.md`, from the images bench.
//! - [`checks`]: the guards `cargo test` runs on the book's sources and output.
//! - [`browser`]: the browser test, every page opened in headless Chromium.
//! - [`outputs`]: `cargo xtask outputs`, the program output the chapters show, recorded.
//! - [`report`]: `cargo xtask report`, Rust and Python measured side by side.
//! - [`serve`]: a small loopback server that rebuilds on change and reloads the page.

#[cfg(unix)]
pub mod benches;
#[cfg(all(unix, feature = "browser"))]
pub mod browser;
pub mod build;
pub mod checks;
pub mod exercises;
#[cfg(unix)]
pub mod limit;
pub mod outputs;
#[cfg(unix)]
pub mod report;
pub mod serve;

use std::path::{Path, PathBuf};

/// The repository root (where `book.toml` is), from this crate's location.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the repository root")
        .to_path_buf()
}
