//! The book's guards. `cargo test` fails when any of them finds a problem:
//!
//! - every chapter file is listed in `SUMMARY.md`, and every entry there exists
//!   and is headed as `SUMMARY.md` names it;
//! - every `{{#include file:anchor}}` names an existing file and anchor, and
//!   quotes at least one non-blank line;
//! - no playground Run button on code that cannot run there (it quotes an
//!   example, or uses a crate other than std);
//! - every program output a chapter shows is recorded under `recorded/`, or
//!   marked as illustrative with the reason;
//! - every ASCII timeline is followed by its SVG figure;
//! - every everyday Python name has a quick-reference row that names a
//!   program or test running its Rust counterpart (see [`crate::quick_reference`]);
//! - every internal link of the built HTML leads to an existing page and anchor.
//!
//! Inline snippets are compiled by rustdoc (see `build.rs` of the main package).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mdbook_summary::{Summary, SummaryItem, parse_summary};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::includes::check_includes;
pub use crate::includes::{Include, expand_includes, includes};

/// One thing wrong with the book, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: PathBuf,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

pub(crate) fn problem(file: &Path, message: impl Into<String>) -> Problem {
    Problem {
        file: file.to_path_buf(),
        message: message.into(),
    }
}

/// All checks on the book's sources (everything but the links of the built HTML).
pub fn check_sources(root: &Path) -> Result<Vec<Problem>> {
    let src = root.join("src");
    let mut problems = check_summary(&src)?;
    let crates = non_std_crates(root)?;
    let mut chapters = Vec::new();
    for chapter in markdown_files(&src)? {
        let text = fs::read_to_string(&chapter)
            .with_context(|| format!("cannot read {}", chapter.display()))?;
        problems.extend(check_includes(&chapter, &text));
        problems.extend(check_playground(&chapter, &text, &crates));
        problems.extend(check_timeline_figures(&chapter, &text));
        problems.extend(check_recorded_outputs(&chapter, &text));
        let page = chapter.strip_prefix(&src).unwrap_or(&chapter);
        chapters.push((page.to_string_lossy().into_owned(), text));
    }
    problems.extend(crate::figures::check(root, &chapters)?);
    problems.extend(crate::quick_reference::check(root)?);
    problems.sort();
    Ok(problems)
}

/// The recordings a block includes (`{{#include ../recorded/NAME.txt}}`),
/// as paths next to the chapter's; `None` if any line is something else.
fn recorded_includes(chapter: &Path, block: &CodeBlock) -> Option<Vec<PathBuf>> {
    let folder = chapter.parent().unwrap_or(Path::new("."));
    let included = (block.body.lines())
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let path = line
                .trim()
                .strip_prefix("{{#include ")?
                .strip_suffix("}}")?;
            path.contains("recorded/").then(|| folder.join(path))
        });
    let included: Option<Vec<PathBuf>> = included.collect();
    included.filter(|paths| !paths.is_empty())
}

/// A block that only shows commands to type: every line starts with `$ `,
/// continues the line before (which ends with `\`), or is a `#` comment.
fn only_commands(block: &CodeBlock) -> bool {
    let mut continued = false;
    block.body.lines().all(|line| {
        let ok = continued || line.starts_with("$ ") || line.starts_with('#');
        continued = line.ends_with('\\');
        ok
    })
}

/// Every `text` or `console` block shows commands, a recording from
/// `recorded/` (which `cargo xtask outputs` writes and `cargo test` checks),
/// or follows a comment `<!-- illustrative: why -->` saying why it is typed.
fn check_recorded_outputs(chapter: &Path, text: &str) -> Vec<Problem> {
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    for block in code_blocks(text) {
        if !matches!(block.info.as_str(), "text" | "console") || only_commands(&block) {
            continue;
        }
        if recorded_includes(chapter, &block).is_some() {
            continue;
        }
        let before = lines[..block.start]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty());
        if before.is_some_and(|l| l.trim_start().starts_with("<!-- illustrative:")) {
            continue;
        }
        problems.push(problem(
            chapter,
            format!(
                "the `{}` block at line {} shows output nobody recorded: put its command in \
                 recorded/NAME.txt, run `cargo xtask outputs` and include the file, or say \
                 <!-- illustrative: why --> before it",
                block.info,
                block.start + 1
            ),
        ));
    }
    problems
}

/// Every ASCII timeline a chapter shows (a `text` or `console` block with
/// `task worker |`, typed or recorded) is followed, before the next code
/// block or heading, by its SVG figure from `figures/timelines/` (which
/// `cargo xtask report` draws), or by a comment `<!-- ascii only: why -->`
/// saying why there is none.
fn check_timeline_figures(chapter: &Path, text: &str) -> Vec<Problem> {
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    for block in code_blocks(text) {
        if !matches!(block.info.as_str(), "text" | "console") {
            continue;
        }
        let shown = match recorded_includes(chapter, &block) {
            Some(paths) => paths
                .iter()
                .map(|path| fs::read_to_string(path).unwrap_or_default())
                .collect::<String>(),
            None => block.body.clone(),
        };
        if !shown.contains("task worker") {
            continue;
        }
        let after = lines[block.end.min(lines.len())..]
            .iter()
            .map(|l| l.trim_start())
            .take_while(|l| !l.starts_with("```") && !l.starts_with('#'));
        let mut figured = false;
        for line in after {
            figured |=
                line.contains("](figures/timelines/") || line.starts_with("<!-- ascii only:");
        }
        if !figured {
            problems.push(problem(
                chapter,
                format!(
                    "the ASCII timeline at line {} has no figures/timelines/ SVG after it \
                     (add the run to xtask/data/report-timelines.txt, or say <!-- ascii only: why -->)",
                    block.start + 1
                ),
            ));
        }
    }
    problems
}

/// Every `.md` file under `src`, except `SUMMARY.md`.
pub fn markdown_files(src: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "md") && path != src.join("SUMMARY.md")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Every entry of `src/SUMMARY.md` in reading order: its name and its file
/// (`None` for a draft).
pub fn summary_entries(src: &Path) -> Result<Vec<(String, Option<PathBuf>)>> {
    let path = src.join("SUMMARY.md");
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let summary: Summary =
        parse_summary(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut entries = Vec::new();
    let parts = [
        &summary.prefix_chapters,
        &summary.numbered_chapters,
        &summary.suffix_chapters,
    ];
    let mut items: Vec<&SummaryItem> = parts.into_iter().flatten().rev().collect();
    while let Some(item) = items.pop() {
        if let SummaryItem::Link(link) = item {
            entries.push((link.name.clone(), link.location.clone()));
            items.extend(link.nested_items.iter().rev());
        }
    }
    Ok(entries)
}

/// `SUMMARY.md` lists every chapter file, and every file it lists exists.
pub fn check_summary(src: &Path) -> Result<Vec<Problem>> {
    let summary_path = src.join("SUMMARY.md");
    let mut listed = BTreeSet::new();
    let mut problems = Vec::new();
    for (name, location) in summary_entries(src)? {
        let Some(location) = location else {
            let draft = format!("`{name}` is a draft chapter with no file");
            problems.push(problem(&summary_path, draft));
            continue;
        };
        let chapter = src.join(&location);
        match fs::read_to_string(&chapter) {
            Err(_) => problems.push(problem(
                &summary_path,
                format!("lists {}, which does not exist", location.display()),
            )),
            // The table of contents and the page say the same (the
            // browser test looks chapters up by their title).
            Ok(text) => {
                let heading = text.lines().next().unwrap_or("");
                let heading = heading.trim_start_matches("# ").replace('`', "");
                if heading.trim() != name {
                    let says = format!("is headed {heading:?}, but SUMMARY.md calls it {name:?}");
                    problems.push(problem(&chapter, says));
                }
            }
        }
        listed.insert(chapter);
    }
    for chapter in markdown_files(src)? {
        if !listed.contains(&chapter) {
            problems.push(problem(&chapter, "is not listed in SUMMARY.md"));
        }
    }
    Ok(problems)
}

/// Names of the crates a snippet might use that the Rust playground cannot run
/// with this book's code: this package, its dependencies, and every crate of
/// the workspace's (the book's parts under crates/ and what they use).
pub fn non_std_crates(root: &Path) -> Result<Vec<String>> {
    let manifest_path = root.join("Cargo.toml");
    let manifest: toml::Table = fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?
        .parse()
        .with_context(|| format!("cannot parse {}", manifest_path.display()))?;
    let mut crates = Vec::new();
    if let Some(name) = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
    {
        crates.push(name.replace('-', "_"));
    }
    for section in ["dependencies", "dev-dependencies"] {
        if let Some(table) = manifest.get(section).and_then(|t| t.as_table()) {
            crates.extend(table.keys().map(|k| k.replace('-', "_")));
        }
    }
    let workspace = manifest
        .get("workspace")
        .and_then(|w| w.get("dependencies"));
    if let Some(table) = workspace.and_then(|t| t.as_table()) {
        crates.extend(table.keys().map(|k| k.replace('-', "_")));
    }
    crates.sort();
    crates.dedup();
    Ok(crates)
}

/// A fenced code block of a chapter, wherever it stands (in a list, say):
/// the index of its opening line, of the line after its closing fence, its
/// info string (`text`, `rust,noplayground`, ...) and its text.
struct CodeBlock {
    start: usize,
    end: usize,
    info: String,
    body: String,
}

fn code_blocks(text: &str) -> Vec<CodeBlock> {
    let line_of = |offset: usize| text[..offset].matches('\n').count();
    let mut blocks = Vec::new();
    let mut current: Option<CodeBlock> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                current = Some(CodeBlock {
                    start: line_of(range.start),
                    end: line_of(range.end.saturating_sub(1)) + 1,
                    info: info.trim().to_string(),
                    body: String::new(),
                });
            }
            Event::Text(text) => {
                if let Some(block) = current.as_mut() {
                    block.body.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(current.take()),
            _ => {}
        }
    }
    blocks
}

fn check_playground(chapter: &Path, text: &str, crates: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for block in code_blocks(text) {
        let attributes: Vec<&str> = block
            .info
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|a| !a.is_empty())
            .collect();
        if attributes.first() != Some(&"rust")
            || attributes
                .iter()
                .any(|a| *a == "noplayground" || *a == "ignore")
        {
            continue;
        }
        let first_line = block.body.lines().next().unwrap_or_default();
        // A whole program of listings/src/bin/ that needs no crate can run
        // on the playground, Run button and all: a block of such includes
        // alone, one per line.
        let quoted = includes(&block.body);
        let lines = block.body.trim().lines();
        let std_only_programs = quoted.len() == lines.clone().count()
            && lines
                .into_iter()
                .all(|line| line.trim().starts_with("{{#include "))
            && quoted.iter().all(|include| {
                let whole =
                    include.selector.is_none() && include.path.starts_with("../listings/src/bin/");
                let code = (chapter.parent().filter(|_| whole))
                    .and_then(|dir| fs::read_to_string(dir.join(&include.path)).ok());
                code.is_some_and(|code| !crates.iter().any(|name| uses_crate(&code, name)))
            });
        if !quoted.is_empty() && !std_only_programs {
            problems.push(problem(
                chapter,
                format!(
                    "a block quoting an example ({first_line}) needs `noplayground`: \
                     the playground cannot build this package"
                ),
            ));
        } else if let Some(name) = crates.iter().find(|name| uses_crate(&block.body, name)) {
            problems.push(problem(
                chapter,
                format!(
                    "a block using the crate `{name}` needs `noplayground` \
                     (it starts with: {first_line})"
                ),
            ));
        }
    }
    problems
}

/// `name::` at a word boundary, or `extern crate name`.
pub fn uses_crate(code: &str, name: &str) -> bool {
    let path = format!("{name}::");
    code.match_indices(&path).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    }) || code.contains(&format!("extern crate {name}"))
}

/// Every relative `href`/`src` of every built page points to an existing file,
/// and every `#fragment` to an existing `id` in that page.
pub fn check_links(html_dir: &Path) -> Result<Vec<Problem>> {
    let mut pages = HashMap::new();
    let mut pending = vec![html_dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                pages.insert(path.clone(), fs::read_to_string(&path)?);
            }
        }
    }
    let mut problems = Vec::new();
    for (page, html) in &pages {
        if page
            .file_name()
            .is_some_and(|n| n == "print.html" || n == "404.html")
        {
            continue; // generated wholesale from the chapters checked here
        }
        let dir = page.parent().unwrap_or(html_dir);
        for link in attribute_values(html, "href")
            .into_iter()
            .chain(attribute_values(html, "src"))
        {
            if is_external(link) {
                continue;
            }
            let (path, fragment) = match link.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (link, None),
            };
            let target = if path.is_empty() {
                page.clone()
            } else {
                normalize(&dir.join(path.split('?').next().unwrap_or(path)))
            };
            let shown = page.strip_prefix(html_dir).unwrap_or(page);
            if !target.exists() {
                problems.push(problem(shown, format!("links to {link}: no such file")));
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                let Some(target_html) = pages.get(&target) else {
                    continue;
                };
                if !target_html.contains(&format!("id=\"{fragment}\"")) {
                    problems.push(problem(
                        shown,
                        format!("links to {link}: no element with id `{fragment}` there"),
                    ));
                }
            }
        }
    }
    problems.sort();
    Ok(problems)
}

fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!(" {attribute}=\"");
    html.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

fn is_external(link: &str) -> bool {
    link.contains("://")
        || link.starts_with("//")
        || link.starts_with("mailto:")
        || link.starts_with("data:")
        || link.starts_with("javascript:")
        || link.contains("{{")
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
