//! How the first parts' examples behave (and the later parts' that need no
//! more than their binaries: processes, stopping), one module per topic, in
//! one test binary: one build and link instead of nine. The downloads, images
//! and cluster tests live in their crates under `crates/`, since they call
//! those crates' code. Two tests live on their own here:
//! `tests/reaping.rs` makes its process a child subreaper, which must not see
//! other tests' children, and `tests/loom.rs` needs `--features loom`.

use std::path::{Path, PathBuf};

use test_support as common;

mod closed_stdout;
mod coordinating;
mod cpu_and_mistakes;
mod figures;
mod pools;
mod processes;
mod stopping;
mod testing_concurrency;
mod thread_basics;

/// The examples' source files, their modules' included.
fn example_sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut folders = vec![root.join("examples")];
    for entry in std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
    {
        folders.push(entry.path().join("examples"));
    }
    let mut sources = Vec::new();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                sources.push(path);
            }
        }
    }
    sources
}

/// The names of the examples in the repository: the files directly in an
/// `examples/` folder (their modules sit in folders below).
fn examples_in_the_repository() -> Vec<String> {
    let mut names: Vec<String> = (example_sources().into_iter())
        .filter(|path| {
            path.parent()
                .is_some_and(|folder| folder.ends_with("examples"))
        })
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_string()))
        .collect();
    names.sort();
    names
}
