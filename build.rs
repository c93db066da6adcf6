//! Turns every chapter of the book into a doc-test module (see `book` in `src/lib.rs`).
//!
//! A fenced block that quotes an example with `{{#include ...}}` or
//! `{{#rustdoc_include ...}}` cannot be compiled by rustdoc; the example itself
//! is compiled by cargo, so such a block becomes a `text` block here. Lines are
//! never added or removed, so rustdoc's line numbers match the chapter's.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let book_src = manifest_dir.join("src");
    println!("cargo::rerun-if-changed=src");

    // The `loom` feature sets `cfg(loom)`, the name loom's docs and the Rust
    // ecosystem use. A feature rather than RUSTFLAGS="--cfg loom": RUSTFLAGS
    // would rebuild every dependency, this rebuilds only this package.
    println!("cargo::rustc-check-cfg=cfg(loom)");
    if env::var_os("CARGO_FEATURE_LOOM").is_some() {
        println!("cargo::rustc-cfg=loom");
    }

    let mut chapters = Vec::new();
    collect_chapters(&book_src, &mut chapters);
    chapters.sort();

    let chapter_dir = out_dir.join("chapters");
    fs::create_dir_all(&chapter_dir).unwrap();
    let mut modules = String::new();
    for chapter in &chapters {
        let relative = chapter.strip_prefix(&book_src).unwrap();
        let text = fs::read_to_string(chapter).unwrap();
        let flat_name = relative.to_string_lossy().replace(['/', '\\'], "__");
        let copy = chapter_dir.join(&flat_name);
        fs::write(&copy, blank_include_blocks(&text)).unwrap();
        let module = flat_name.trim_end_matches(".md").replace(['-', '.'], "_");
        writeln!(
            modules,
            "#[doc = include_str!({:?})]\npub mod {module} {{}}",
            copy.display().to_string()
        )
        .unwrap();
    }
    fs::write(out_dir.join("chapters.rs"), modules).unwrap();
}

fn collect_chapters(dir: &Path, chapters: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_chapters(&path, chapters);
        } else if path.extension().is_some_and(|e| e == "md")
            && path.file_name().is_some_and(|n| n != "SUMMARY.md")
        {
            chapters.push(path);
        }
    }
}

/// Rewrites the info string of every fenced block that contains an include to `text`.
fn blank_include_blocks(chapter: &str) -> String {
    let lines: Vec<&str> = chapter.lines().collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(fence) = fence_of(lines[i]) else {
            i += 1;
            continue;
        };
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_start().starts_with(fence))
            .unwrap_or(lines.len());
        let body = &lines[i + 1..end];
        if body
            .iter()
            .any(|l| l.contains("{{#include") || l.contains("{{#rustdoc_include"))
        {
            let indent = &lines[i][..lines[i].len() - lines[i].trim_start().len()];
            out[i] = format!("{indent}{fence}text");
        }
        i = end + 1;
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The fence (```` ``` ```` or `~~~`, any length) that opens a code block on this line.
fn fence_of(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    for marker in ['`', '~'] {
        let count = trimmed.chars().take_while(|&c| c == marker).count();
        if count >= 3 {
            return Some(&trimmed[..count]);
        }
    }
    None
}
