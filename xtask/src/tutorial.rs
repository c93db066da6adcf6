//! The tutorial path: a chapter page teaches one idea a reader can follow.
//! Its numbers, with every `{{#include}}` resolved as the reader sees it:
//! at most [`MAX_WORDS`] words, no paragraph over [`MAX_PARAGRAPH`] words,
//! at most [`MAX_FIGURES`] figures (numbers with a unit), and a summary and a
//! "try it" section at the end.
//!
//! Pages still on their way there are listed in
//! `xtask/data/tutorial-path.toml` with what they lack; the guard fails for a
//! page that falls short without being listed, and for a listed page that
//! meets the path (so that the list only shrinks). The appendix pages
//! (measurements, promises, the quick reference) are listed there too and
//! are not held to the path.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result};
use regex::Regex;
use serde::Deserialize;

use crate::checks::{Problem, expand_includes, markdown_files};
use crate::includes::includes;

pub const MAX_WORDS: usize = 2500;
pub const MAX_PARAGRAPH: usize = 130;
pub const MAX_FIGURES: usize = 40;
/// The median page outside the appendix shows fewer figures than this.
pub const MEDIAN_FIGURES_UNDER: usize = 10;

/// What the guard measures of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub words: usize,
    pub longest_paragraph: usize,
    pub figures: usize,
    pub summary: bool,
    pub try_it: bool,
}

/// A number with a unit: 1.5 s, 240 ms, 2.3x, 45 %, 12 MB, 35 dB. A bare
/// zero ("0 s", the left end of every timeline's axis) tells nothing and
/// is not counted.
static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[1-9]\d*|0[.,]\d+|\d+[.,]\d+)(?:[.,]\d+)?\s?(?:ms|µs|us|ns|s|x|%|MB|GB|KB|MiB|GiB|dB)\b")
        .expect("a valid pattern")
});

/// Measures a page's text (includes already resolved).
pub fn shape(text: &str) -> Shape {
    let mut prose = String::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            prose.push('\n');
        } else if !in_code {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    // A paragraph: prose between blank lines that is not a table, a list, a
    // heading, HTML or a comment.
    let is_prose = |p: &&str| {
        let first = p.trim_start();
        !(first.is_empty()
            || ["|", "- ", "* ", "#", "<", "!["]
                .iter()
                .any(|s| first.starts_with(s))
            || first
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok()))
    };
    let longest_paragraph = (prose.split("\n\n"))
        .filter(is_prose)
        .map(|p| p.split_whitespace().count())
        .max()
        .unwrap_or(0);
    let headings: Vec<String> = (text.lines())
        .filter(|l| l.starts_with("## "))
        .map(|l| l.to_lowercase())
        .collect();
    Shape {
        words: text.split_whitespace().count(),
        longest_paragraph,
        figures: FIGURE.find_iter(text).count(),
        summary: headings.iter().any(|h| h.contains("summary")),
        try_it: headings.iter().any(|h| h.contains("try it")),
    }
}

/// What a page lacks to be on the tutorial path (nothing: it is on it).
pub fn shortfalls(shape: &Shape) -> Vec<String> {
    let mut missing = Vec::new();
    if shape.words > MAX_WORDS {
        missing.push(format!("{} words (at most {MAX_WORDS})", shape.words));
    }
    if shape.longest_paragraph > MAX_PARAGRAPH {
        missing.push(format!(
            "a paragraph of {} words (at most {MAX_PARAGRAPH})",
            shape.longest_paragraph
        ));
    }
    if shape.figures > MAX_FIGURES {
        missing.push(format!("{} figures (at most {MAX_FIGURES})", shape.figures));
    }
    if !shape.summary {
        missing.push("no \"## Summary\" section".into());
    }
    if !shape.try_it {
        missing.push("no \"## Try it\" section".into());
    }
    missing
}

/// `xtask/data/tutorial-path.toml`: the appendix, and the pages not there yet.
#[derive(Debug, Deserialize)]
struct Listed {
    appendix: Vec<String>,
    pending: BTreeMap<String, String>,
    /// Chapter pages whose first Rust listing is still a fragment.
    fragment_first: Vec<String>,
}

/// Whether a page's first Rust listing is a whole program from `listings/`
/// (a program `listings/tests/programs.rs` runs, or one that must not
/// compile, shown with its error) or, for a part that needs heavier crates,
/// a whole file from `crates/PART/listings/` (compiled and run by that
/// crate's `tests/listings.rs`); `None` for a page with no Rust listing.
pub fn first_listing_is_whole(text: &str) -> Option<bool> {
    let mut lines = text.lines();
    lines.find(|line| line.trim_start().starts_with("```rust"))?;
    let body = lines.next().unwrap_or_default();
    let first = includes(body).into_iter().next();
    Some(first.is_some_and(|include| {
        let in_a_part = (include.path.strip_prefix("../crates/"))
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(_, rest)| rest.starts_with("listings/") && !rest.contains(".."));
        include.path.starts_with("../listings/") || (in_a_part && include.selector.is_none())
    }))
}

/// Every whole program in `crates/PART/listings/` that its crate's
/// `tests/listings.rs` does not compile as a module (`#[path =
/// "../listings/NAME.rs"]`): a listing nothing builds could rot unseen.
fn untested_part_listings(root: &Path) -> Result<Vec<String>> {
    let mut untested = Vec::new();
    let Ok(parts) = fs::read_dir(root.join("crates")) else {
        return Ok(untested); // a test's small book has no crates
    };
    for part in parts.flatten() {
        let Ok(listings) = fs::read_dir(part.path().join("listings")) else {
            continue;
        };
        let tests = fs::read_to_string(part.path().join("tests/listings.rs")).unwrap_or_default();
        for listing in listings.flatten() {
            let name = listing.file_name().to_string_lossy().into_owned();
            if !tests.contains(&format!("#[path = \"../listings/{name}\"]")) {
                let part = part.file_name().to_string_lossy().into_owned();
                untested.push(format!("crates/{part}/listings/{name}"));
            }
        }
    }
    untested.sort();
    Ok(untested)
}

fn listed(root: &Path) -> Result<Listed> {
    let path = root.join("xtask/data/tutorial-path.toml");
    let text = fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{}", path.display()))
}

/// Every chapter page that falls short without being listed as pending, and
/// every listed page that no longer falls short.
pub fn check_tutorial_path(root: &Path) -> Result<Vec<Problem>> {
    let listed = listed(root)?;
    let src = root.join("src");
    let mut problems = Vec::new();
    let mut figures = Vec::new();
    for chapter in markdown_files(&src)? {
        let name = chapter.strip_prefix(&src).unwrap_or(&chapter);
        let name = name.to_string_lossy().into_owned();
        if listed.appendix.contains(&name) {
            continue;
        }
        let text = fs::read_to_string(&chapter)?;
        let listed_fragment = listed.fragment_first.contains(&name);
        let problem = match (first_listing_is_whole(&text), listed_fragment) {
            (Some(false), false) => Some(
                "its first Rust listing is a fragment: begin with a whole program from \
                 listings/src/bin/ (run by listings/tests/programs.rs) or \
                 crates/PART/listings/ (run by that crate's tests/listings.rs)",
            ),
            (Some(true) | None, true) => Some(
                "its first listing is a whole program now (or it has none): remove it from \
                 fragment_first in xtask/data/tutorial-path.toml",
            ),
            _ => None,
        };
        problems.extend(problem.map(|message| crate::checks::problem(&chapter, message)));
        let shape = shape(&expand_includes(&chapter, &text));
        figures.push(shape.figures);
        let missing = shortfalls(&shape);
        let problem = match (missing.is_empty(), listed.pending.contains_key(&name)) {
            (false, false) => format!("off the tutorial path: {}", missing.join(", ")),
            (true, true) => "meets the tutorial path now: remove it from the pending list \
                             in xtask/data/tutorial-path.toml"
                .into(),
            _ => continue,
        };
        problems.push(crate::checks::problem(&chapter, problem));
    }
    if let Some(median) = median(&mut figures)
        && median >= MEDIAN_FIGURES_UNDER
    {
        let message = format!(
            "the median chapter page shows {median} figures (fewer than \
             {MEDIAN_FIGURES_UNDER} on the tutorial path): move tables to the Measured part"
        );
        problems.push(crate::checks::problem(&src.join("SUMMARY.md"), message));
    }
    for listing in untested_part_listings(root)? {
        let message = "a whole program that nothing compiles: add it as a module to its \
                       crate's tests/listings.rs (#[path = \"../listings/NAME.rs\"]) and run it";
        problems.push(crate::checks::problem(&root.join(&listing), message));
    }
    Ok(problems)
}

/// The middle value (the higher of the two middle ones for an even count).
fn median(values: &mut [usize]) -> Option<usize> {
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

/// `cargo xtask tutorial`: one line per page, appendix pages marked.
pub fn print_shapes(root: &Path) -> Result<()> {
    let listed = listed(root)?;
    let src = root.join("src");
    let mut table = format!("{:>6} {:>5} {:>7}  page\n", "words", "para", "figures");
    for chapter in markdown_files(&src)? {
        let name = chapter.strip_prefix(&src).unwrap_or(&chapter);
        let name = name.to_string_lossy().into_owned();
        let text = fs::read_to_string(&chapter)?;
        let shape = shape(&expand_includes(&chapter, &text));
        let status = if listed.appendix.contains(&name) {
            "appendix".to_string()
        } else {
            let missing = shortfalls(&shape);
            if missing.is_empty() {
                "on the path".to_string()
            } else {
                missing.join(", ")
            }
        };
        table.push_str(&format!(
            "{:>6} {:>5} {:>7}  {name}: {status}\n",
            shape.words, shape.longest_paragraph, shape.figures
        ));
    }
    // Written at once, and a reader that stops early (`| head`) is no error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), table.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_measured_as_its_reader_sees_it() {
        let page = "# T\n\nFrom 0 s to 1.5 s and 20 ms.\n\n```rust\nlet x = 1;\n```\n\n\
                    | a | 3 x |\n\n## Summary\n\nDone.\n\n## Try it\n\nRun it.\n";
        let shape = shape(page);
        assert_eq!(shape.longest_paragraph, 9);
        assert_eq!(shape.figures, 3);
        assert!(shape.summary && shape.try_it);
        assert!(shortfalls(&shape).is_empty());
    }

    #[test]
    fn a_first_listing_is_whole_when_it_comes_from_listings() {
        let whole = "# T\n\n```python\nx = 1\n```\n\n```rust\n{{#include ../listings/src/bin/a.rs}}\n```\n\n```rust,noplayground\n{{#include ../examples/a.rs:x}}\n```\n";
        assert_eq!(first_listing_is_whole(whole), Some(true));
        let fragment = "# T\n\n```rust,noplayground\n{{#include ../examples/a.rs:x}}\n```\n";
        assert_eq!(first_listing_is_whole(fragment), Some(false));
        let part = |include: &str| {
            format!("# T\n\n```rust,noplayground\n{{{{#include {include}}}}}\n```\n")
        };
        assert_eq!(
            first_listing_is_whole(&part("../crates/downloads/listings/a.rs")),
            Some(true)
        );
        for not_whole in [
            "../crates/downloads/listings/a.rs:anchor",
            "../crates/downloads/src/listings/a.rs",
            "../crates/downloads/listings/../src/a.rs",
        ] {
            assert_eq!(
                first_listing_is_whole(&part(not_whole)),
                Some(false),
                "{not_whole}"
            );
        }
        assert_eq!(
            first_listing_is_whole("# T\n\n```console\n$ ls\n```\n"),
            None
        );
    }

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(&mut [12, 1, 9]), Some(9));
        assert_eq!(median(&mut [4, 30, 1, 10]), Some(10));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn each_shortfall_is_named() {
        let long = "word ".repeat(MAX_PARAGRAPH + 1);
        let figures = "1 s ".repeat(MAX_FIGURES + 1);
        let shape = shape(&format!("# T\n\n{long}\n\n{figures}\n"));
        let missing = shortfalls(&shape).join("; ");
        for expected in [
            "a paragraph of 131 words",
            "41 figures",
            "Summary",
            "Try it",
        ] {
            assert!(missing.contains(expected), "{missing}");
        }
    }
}
