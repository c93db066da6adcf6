//! Building the HTML book with mdBook as a library, with its log captured.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use mdbook_driver::MDBook;

/// What a successful build produced.
#[derive(Debug)]
pub struct Built {
    pub html_dir: PathBuf,
}

/// Builds the book at `root` into `dest` (or the `build-dir` of `book.toml`).
///
/// Quotes the figures of sentences from their data ([`crate::figures`]).
/// Fails when mdBook fails, or when it logs any warning or error: mdBook reports
/// a missing `{{#include}}` file only in its log and still returns `Ok`.
pub fn build_book(root: &Path, dest: Option<&Path>) -> Result<Built> {
    // mdBook's log, kept in a temporary file.
    let mut log = tempfile::tempfile().context("cannot create a file for mdBook's log")?;
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .without_time()
        .with_writer(Mutex::new(log.try_clone()?))
        .finish();
    let result = tracing::subscriber::with_default(subscriber, || -> Result<PathBuf> {
        let mut book = MDBook::load(root)
            .with_context(|| format!("cannot load the book at {}", root.display()))?;
        if let Some(dest) = dest {
            book.config.build.build_dir = dest.to_path_buf();
        }
        crate::figures::quote_all(root, &mut book.book)?;
        book.build().context("mdBook failed to build the book")?;
        Ok(book.build_dir_for("html"))
    });
    let html_dir = result?;
    let mut messages = String::new();
    log.seek(SeekFrom::Start(0))?;
    log.read_to_string(&mut messages)?;
    if !messages.trim().is_empty() {
        bail!("mdBook logged problems while building the book:\n{messages}");
    }
    remove_library_sources(&html_dir)?;
    Ok(Built { html_dir })
}

/// mdBook copies every file of its source folder into the HTML, and the book's
/// source folder is also the library's (`src/lib.rs`, `src/lessons/`,
/// `src/harness/`). Readers get that code quoted in the chapters; the raw
/// copies are not published.
fn remove_library_sources(html_dir: &Path) -> Result<()> {
    for folder in ["lessons", "harness"] {
        let path = html_dir.join(folder);
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    for entry in std::fs::read_dir(html_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}
