//! Slow checks that a warm `cargo test` may skip: a check whose inputs are
//! all known (files, folders, the test binary itself) is run again only when
//! one of them changed since it last passed. CI (where `CI` is set) and
//! `BOOK_RECHECK=1` run every check every time.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

/// A check to run, and where to note that it passed.
#[must_use = "call passed() at the end of the check"]
pub struct Mark {
    file: PathBuf,
    print: String,
}

impl Mark {
    /// Notes that the check passed against its inputs as they are now.
    pub fn passed(self) {
        let _ = std::fs::create_dir_all(self.file.parent().unwrap());
        let _ = std::fs::write(&self.file, &self.print);
    }
}

/// `None` when `check` passed before and nothing in `inputs` (nor the test
/// binary) has changed since: the caller returns at once. Otherwise the
/// [`Mark`] to call [`Mark::passed`] on once the check has passed.
pub fn unless_passed_before(check: &str, inputs: &[PathBuf]) -> Option<Mark> {
    let binary = std::env::current_exe().ok();
    let print = print(binary.iter().chain(inputs));
    let file = harness::target_dir().join("passed").join(check);
    let every_time = std::env::var_os("CI").is_some()
        || std::env::var_os("BOOK_RECHECK").is_some_and(|v| v == "1");
    let before = std::fs::read_to_string(&file).unwrap_or_default();
    if !every_time && before == print {
        println!("{check}: passed before, nothing it reads has changed (BOOK_RECHECK=1 runs it)");
        return None;
    }
    Some(Mark { file, print })
}

/// A hash of the names, sizes and times of `inputs` and of every file below
/// those that are folders: it changes when one of them does.
pub fn print<'a>(inputs: impl IntoIterator<Item = &'a PathBuf>) -> String {
    let mut hasher = DefaultHasher::new();
    for path in inputs {
        stamp(path, &mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// A file's name, size and time; a folder's, every file below it (but its
/// `target`, `.git` and `__pycache__`, and cargo's `.d` dep-info files).
fn stamp(path: &Path, hasher: &mut DefaultHasher) {
    let Ok(meta) = std::fs::metadata(path) else {
        path.hash(hasher); // a missing input is a state of its own
        return;
    };
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                !["target", ".git", "__pycache__"]
                    .iter()
                    .any(|skip| p.ends_with(skip))
            })
            // cargo rewrites an example's dep-info file on every run.
            .filter(|p| p.extension().is_none_or(|e| e != "d"))
            .collect();
        entries.sort();
        for entry in entries {
            stamp(&entry, hasher);
        }
        return;
    }
    path.hash(hasher);
    meta.len().hash(hasher);
    meta.modified().ok().hash(hasher);
}
