//! The quick reference's guard: every everyday Python name listed in
//! `src/quick-reference-names.txt` has a row in `src/quick-reference.md`, and
//! every row names something that runs its Rust counterpart: an example, one
//! of the book's whole programs (`NAME.rs` under a `listings` folder), a test
//! function in a file the row names, or a `cargo` command. A row whose Rust
//! cell starts with "none" says what to do instead and may name nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::checks::{Problem, problem};

/// One row of the quick reference's tables: Python, Rust, where it runs.
#[derive(Debug, PartialEq)]
pub struct ReferenceRow {
    pub python: String,
    pub rust: String,
    pub runs: String,
}

/// The table rows of a Markdown page, with `\|` kept inside cells.
pub fn rows(page: &str) -> Vec<ReferenceRow> {
    (page.lines())
        .filter(|line| line.starts_with('|') && !line.starts_with("|---"))
        .filter_map(|line| {
            let cells = split_cells(line);
            match cells.as_slice() {
                [python, rust, runs] if python != "Python" => Some(ReferenceRow {
                    python: python.clone(),
                    rust: rust.clone(),
                    runs: runs.clone(),
                }),
                _ => None,
            }
        })
        .collect()
}

/// A Markdown table row's cells, trimmed, with `\|` kept inside a cell.
pub(crate) fn split_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.trim().trim_start_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push(chars.next().unwrap())
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    if cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The names file's entries: (module, name, what the Python cell shows).
pub fn names(text: &str) -> Vec<(String, String, String)> {
    // The shown cell may hold a `|` of its own.
    (crate::data::lines(text))
        .filter_map(
            |(_, line)| match line.splitn(3, '|').map(str::trim).collect::<Vec<_>>()[..] {
                [module, name, shown] => Some((module.into(), name.into(), shown.into())),
                _ => None,
            },
        )
        .collect()
}

/// Everything wrong with the quick reference, in the book at `root`.
pub fn check(root: &Path) -> Result<Vec<Problem>> {
    let page_path = root.join("src/quick-reference.md");
    let names_path = root.join("src/quick-reference-names.txt");
    let read = |path: &Path| {
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let (page, list) = (read(&page_path)?, read(&names_path)?);
    let rows = rows(&page);
    let mut problems = Vec::new();
    let entries = names(&list);
    if entries.len() < 80 {
        problems.push(problem(
            &names_path,
            format!("only {} names: is the file cut short?", entries.len()),
        ));
    }
    // Backticks aside: `t = threading.Thread(target=f)` shows `threading.Thread(target=f)`.
    let plain = |text: &str| text.replace('`', "");
    for (module, name, shown) in entries {
        if !rows
            .iter()
            .any(|row| plain(&row.python).contains(&plain(&shown)))
        {
            problems.push(problem(
                &names_path,
                format!("{module}.{name} has no row whose Python cell shows {shown}"),
            ));
        }
    }
    let known = Known::find(root)?;
    for row in &rows {
        for message in known.check_row(root, row) {
            problems.push(problem(
                &page_path,
                format!("row {}: {message}", row.python),
            ));
        }
    }
    Ok(problems)
}

/// What a row may name: the examples and the whole programs.
struct Known {
    examples: BTreeSet<String>,
    listings: BTreeSet<String>,
}

impl Known {
    fn find(root: &Path) -> Result<Known> {
        let mut examples = BTreeSet::new();
        let mut listings = BTreeSet::new();
        let mut folders: Vec<(PathBuf, bool)> = vec![
            (root.join("examples"), true),
            (root.join("listings"), false),
            (root.join("listings/src/bin"), false),
        ];
        for part in fs::read_dir(root.join("crates"))?.flatten() {
            folders.push((part.path().join("examples"), true));
            folders.push((part.path().join("listings"), false));
        }
        for (folder, is_examples) in folders {
            for file in fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "rs") {
                    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                    let file_name = format!("{stem}.rs");
                    match is_examples {
                        true => examples.insert(stem),
                        false => listings.insert(file_name),
                    };
                }
            }
        }
        Ok(Known { examples, listings })
    }

    /// What is wrong with one row's last cell.
    fn check_row(&self, root: &Path, row: &ReferenceRow) -> Vec<String> {
        let tokens: Vec<&str> = row.runs.split('`').skip(1).step_by(2).collect();
        let none = row.rust.starts_with("none");
        if tokens.is_empty() && !none {
            return vec!["names no example, listing or test".into()];
        }
        if none && row.rust.len() < "none: ".len() + 20 {
            return vec!["says none, but not what to do instead".into()];
        }
        let files: Vec<String> = (tokens.iter())
            .filter(|t| t.ends_with(".rs") && t.contains('/'))
            .filter_map(|t| fs::read_to_string(root.join(t)).ok())
            .collect();
        let mut wrong = Vec::new();
        for token in &tokens {
            let first = token.split_whitespace().next().unwrap_or("");
            let fine = self.examples.contains(first)
                || first == "cargo"
                // A file or folder of the repository: `crates/downloads/listings/`.
                || (token.contains('/') && root.join(token).exists())
                || self.listings.contains(*token)
                || self.listings.contains(token.rsplit('/').next().unwrap_or(""))
                || (files.iter()).any(|text| text.contains(&format!("fn {token}(")));
            if !fine {
                wrong.push(format!(
                    "`{token}` is no example, listing, file, or test function in a file the row names"
                ));
            }
        }
        wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_escaped_bars_and_split_on_the_others() {
        let page = "| Python | Rust | example |\n|---|---|---|\n\
                    | `f(x)` | `spawn(move \\|\\| f(x))` | `thread_args` |\n";
        assert_eq!(
            rows(page),
            [ReferenceRow {
                python: "`f(x)`".into(),
                rust: "`spawn(move || f(x))`".into(),
                runs: "`thread_args`".into(),
            }]
        );
    }

    #[test]
    fn names_are_read_from_three_columns() {
        let list = "# comment\n\nqueue | LifoQueue | `queue.LifoQueue`\nnot a row\n";
        assert_eq!(
            names(list),
            [(
                "queue".into(),
                "LifoQueue".into(),
                "`queue.LifoQueue`".into()
            )]
        );
    }
}
