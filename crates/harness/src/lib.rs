//! The harness: what the examples need around their lesson (flags and the
//! `--json` summary, timelines and charts, speedups, memory probes). A reader
//! of a chapter never needs to read it, and it imports no lesson: examples
//! bring the two together. Its dependencies stay light, since the first
//! chapter's program builds it: the test photos and the image server are
//! crates of their own (`crates/test-photos`, `crates/image-server`).

use std::path::PathBuf;

pub mod charts;
pub mod cli;
mod ending;
#[cfg(unix)]
pub mod memory;
pub mod speedup;
pub mod stdout;

/// Spans and timelines (a crate of its own, since lesson code opens spans too).
pub use timeline;

/// The build's target folder (where cargo wrote this program), for caches
/// such as the generated test photos: found at run time from the running
/// binary, so that it is right with `CARGO_TARGET_DIR` too. Cargo marks the
/// folder with a `CACHEDIR.TAG` file. Outside a cargo build: the system's
/// temporary folder.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().ok();
    let marked = exe.as_deref().and_then(|exe| {
        (exe.ancestors().skip(1))
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
            .map(PathBuf::from)
    });
    marked.unwrap_or_else(|| std::env::temp_dir().join("concurrency-book"))
}
