//! Building the HTML book with mdBook as a library, with its log captured.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    let log = CapturedLog::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .without_time()
        .with_writer(log.clone())
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
    let messages = log.text();
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

/// A `tracing` writer that keeps everything in memory.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLog {
    type Writer = CapturedLog;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
