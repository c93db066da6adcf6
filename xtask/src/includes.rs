//! mdBook's `{{#include}}` directives: finding them, checking that each
//! quotes something, and resolving them as the reader sees the page.

use std::fs;
use std::path::Path;

use crate::checks::{Problem, problem};

/// One `{{#include ...}}` or `{{#rustdoc_include ...}}` directive.
#[derive(Debug, PartialEq, Eq)]
pub struct Include {
    pub path: String,
    /// An anchor name, a line range such as `3:7`, or nothing (the whole file).
    pub selector: Option<String>,
}

/// The include directives in a chapter (a backslash before `{{` escapes one, as in mdBook).
pub fn includes(text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    for directive in ["{{#include ", "{{#rustdoc_include "] {
        let mut rest = text;
        while let Some(at) = rest.find(directive) {
            let escaped = rest[..at].ends_with('\\');
            rest = &rest[at + directive.len()..];
            let Some(end) = rest.find("}}") else { break };
            if !escaped {
                let argument = rest[..end].trim();
                let (path, selector) = match argument.split_once(':') {
                    Some((path, selector)) => (path, Some(selector.to_string())),
                    None => (argument, None),
                };
                found.push(Include {
                    path: path.to_string(),
                    selector,
                });
            }
        }
    }
    found
}

impl Include {
    /// `path` or `path:selector`, as the directive names it.
    fn named(&self) -> String {
        match &self.selector {
            Some(selector) => format!("{}:{selector}", self.path),
            None => self.path.clone(),
        }
    }

    /// What it quotes of `source`, the file it names: all of it, a line
    /// range, or an anchor's lines (`None`: no such anchor).
    fn quoted(&self, source: &str) -> Option<String> {
        match &self.selector {
            None => Some(source.to_string()),
            Some(selector) if is_line_range(selector) => Some(lines_in_range(source, selector)),
            Some(anchor) => anchored_lines(source, anchor),
        }
    }
}

pub(crate) fn check_includes(chapter: &Path, text: &str) -> Vec<Problem> {
    let dir = chapter.parent().unwrap_or(Path::new("."));
    let mut problems = Vec::new();
    for include in includes(text) {
        let target = dir.join(&include.path);
        let Ok(source) = fs::read_to_string(&target) else {
            problems.push(problem(
                chapter,
                format!("includes {}, which cannot be read", include.path),
            ));
            continue;
        };
        let what = include.named();
        match include.quoted(&source) {
            None => problems.push(problem(
                chapter,
                format!(
                    "includes {what}, but that file has no ANCHOR/ANCHOR_END pair of that name"
                ),
            )),
            Some(lines) if lines.trim().is_empty() => problems.push(problem(
                chapter,
                format!("includes {what}, which quotes nothing"),
            )),
            Some(_) => {}
        }
    }
    problems
}

/// The chapter's text with every include replaced by what it quotes, as a
/// reader sees the page, its `{{figure}}`s quoted (an include that cannot
/// be read is left as it is:
/// [`check_includes`] reports it).
pub fn expand_includes(chapter: &Path, text: &str) -> String {
    let dir = chapter.parent().unwrap_or(Path::new("."));
    let mut expanded = text.to_string();
    for include in includes(text) {
        let Ok(source) = fs::read_to_string(dir.join(&include.path)) else {
            continue;
        };
        if let Some(quoted) = include.quoted(&source) {
            let directive = include.named();
            for kind in ["include", "rustdoc_include"] {
                expanded = expanded.replace(&format!("{{{{#{kind} {directive}}}}}"), &quoted);
            }
        }
    }
    // The figures of sentences too, quoted from the book's root.
    let root = dir.ancestors().find(|d| d.join("book.toml").is_file());
    if let Some(rendered) = root.and_then(|root| crate::figures::render(root, &expanded).ok()) {
        expanded = rendered;
    }
    expanded
}

fn is_line_range(selector: &str) -> bool {
    !selector.is_empty() && selector.chars().all(|c| c.is_ascii_digit() || c == ':')
}

/// Lines `a:b` (1-based, inclusive, either end open), as mdBook reads them.
pub(crate) fn lines_in_range(source: &str, range: &str) -> String {
    // `3` is line 3 alone, `3:` runs to the end, `:7` starts at the top.
    let (first, last) = match range.split_once(':') {
        None => (range.parse().unwrap_or(1), range.parse().ok()),
        Some((first, last)) => (first.parse().unwrap_or(1), last.parse().ok()),
    };
    let first: usize = first;
    let last: Option<usize> = last;
    source
        .lines()
        .enumerate()
        .filter(|(i, _)| *i + 1 >= first && last.is_none_or(|last| *i < last))
        .map(|(_, line)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

fn anchor_name<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let at = line.find(marker)?;
    line[at + marker.len()..].split_whitespace().next()
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without other anchor lines.
pub(crate) fn anchored_lines(source: &str, anchor: &str) -> Option<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in source.lines() {
        if inside {
            if anchor_name(line, "ANCHOR_END:") == Some(anchor) {
                return Some(lines.join("\n"));
            }
            if !line.contains("ANCHOR:") && !line.contains("ANCHOR_END:") {
                lines.push(line);
            }
        } else if anchor_name(line, "ANCHOR:") == Some(anchor) {
            inside = true;
        }
    }
    None
}
