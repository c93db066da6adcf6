//! Builds, serves and checks the book, so that reading it needs only cargo.
//!
//! - [`benches`]: `cargo xtask bench-tables`, the chapters' criterion tables from criterion's JSON.
//! - [`build`]: runs mdBook as a library and fails on any warning or error it logs
//!   (mdBook itself only logs a missing include and still returns `Ok`).
//! - [`limit`]: the photo job's limit, `measured/bench-limit.md`, from the images bench.
//! - [`checks`]: the guards `cargo test` runs on the book's sources and output.
//! - [`compared`]: figures shown both in a recording and in a report table, kept in step.
//! - [`figures`]: figures in sentences quoted from the data, and the list of the others.
//! - [`quick_reference`]: the guard that keeps the quick reference complete.
//! - [`browser`]: the browser test, every page opened in headless Chromium.
//! - [`outputs`]: `cargo xtask outputs`, the program output the chapters show, recorded.
//! - [`provenance`]: what produced each recording, so that a stale one fails `cargo test`.
//! - [`report`]: `cargo xtask report`, Rust and Python measured side by side.
//! - [`serve`]: a small loopback server that rebuilds on change and reloads the page.

#[cfg(unix)]
pub mod benches;
#[cfg(all(unix, feature = "browser"))]
pub mod browser;
pub mod build;
pub mod checks;
pub mod compared;
pub mod data;
pub mod exercises;
pub mod figures;
pub mod includes;
#[cfg(unix)]
pub mod limit;
pub mod outputs;
pub mod provenance;
pub mod quick_reference;
pub mod recorded;
#[cfg(unix)]
pub mod report;
pub mod serve;
pub mod tutorial;

use std::path::{Path, PathBuf};

/// The repository root: the nearest folder at or above the working
/// directory that holds `book.toml` and `xtask/`. Found at run time, not from
/// where this binary was compiled: a second checkout sharing one target
/// folder would otherwise run a binary that writes into the first one.
/// Outside a checkout of the book, this exits with a message.
pub fn repo_root() -> PathBuf {
    let here = std::env::current_dir().unwrap_or_else(|e| {
        eprintln!("error: cannot read the working directory: {e}");
        std::process::exit(2)
    });
    let root = here
        .ancestors()
        .find(|dir| is_repo_root(dir))
        .map(Path::to_path_buf);
    root.unwrap_or_else(|| {
        eprintln!(
            "error: {} is not inside the book's repository (no folder above it holds book.toml and xtask/)",
            here.display()
        );
        std::process::exit(2)
    })
}

/// Whether `dir` is the book's repository root.
fn is_repo_root(dir: &Path) -> bool {
    dir.join("book.toml").is_file() && dir.join("xtask/Cargo.toml").is_file()
}
