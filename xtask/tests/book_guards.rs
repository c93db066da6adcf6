//! The book's guards, on the real book and on copies broken on purpose: each
//! guard must pass the real book and catch its own kind of breakage.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use test_support::passed;
use xtask::build::build_book;
use xtask::checks::{Problem, check_links, check_sources};
use xtask::repo_root;
use xtask::serve::BookServer;
use xtask::tutorial::check_tutorial_path;

/// A copy of what the book is built from: book.toml, Cargo.toml, src/,
/// examples/, tests/, measured/, recorded/, listings/ and python/.
fn book_copy() -> tempfile::TempDir {
    let root = repo_root();
    let copy = tempfile::tempdir().unwrap();
    for file in ["book.toml", "Cargo.toml", "build.rs"] {
        fs::copy(root.join(file), copy.path().join(file)).unwrap();
    }
    for dir in [
        "src",
        "examples",
        "tests",
        "measured",
        "recorded",
        "listings",
        "python",
        "crates",
        "exercises",
    ] {
        copy_dir(&root.join(dir), &copy.path().join(dir));
    }
    copy_dir(&root.join("xtask/data"), &copy.path().join("xtask/data"));
    copy
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_symlink() {
            // recorded/bad-photos holds a dangling one on purpose.
            #[cfg(unix)]
            std::os::unix::fs::symlink(fs::read_link(&path).unwrap(), &target).unwrap();
        } else if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn messages(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("{p}\n")).collect()
}

/// `None` when `check` passed before and no file of the repository (nor
/// this test binary) changed since: a warm `cargo test` skips the guards'
/// slowest checks, which build the whole book (CI runs them every time).
fn unless_passed_before(check: &str) -> Option<passed::Mark> {
    passed::unless_passed_before(check, &[repo_root()])
}

/// Asserts that the source guard finds a problem whose message says `expected`.
fn assert_caught(book: &tempfile::TempDir, expected: &str) {
    assert_found(check_sources, book, expected);
}

/// Asserts that `check` finds, in the book copy, a problem whose message says `expected`.
fn assert_found(
    check: impl Fn(&Path) -> anyhow::Result<Vec<Problem>>,
    book: &tempfile::TempDir,
    expected: &str,
) {
    let found = messages(&check(book.path()).unwrap());
    assert!(
        found.contains(expected),
        "expected {expected:?} in:\n{found}"
    );
}

#[test]
fn the_real_book_passes_every_guard() {
    let root = repo_root();
    let Some(mark) = unless_passed_before("the-real-book") else {
        return;
    };
    let problems = check_sources(&root).unwrap();
    assert!(problems.is_empty(), "{}", messages(&problems));
    let out = tempfile::tempdir().unwrap();
    let built = build_book(&root, Some(out.path())).unwrap();
    assert!(built.html_dir.join("index.html").is_file());
    let problems = check_links(&built.html_dir).unwrap();
    assert!(problems.is_empty(), "{}", messages(&problems));
    mark.passed();
}

#[test]
fn a_python_name_without_a_quick_reference_row_is_caught() {
    let book = book_copy();
    let page = book.path().join("src/quick-reference.md");
    edit(&page, "`queue.LifoQueue`", "`a stack`");
    assert_caught(&book, "queue.LifoQueue has no row");
}

#[test]
fn a_quick_reference_row_naming_no_real_test_is_caught() {
    let book = book_copy();
    let page = book.path().join("src/quick-reference.md");
    edit(
        &page,
        "`lifo_queue_hands_out_the_newest_first`",
        "`lifo_queue_is_tested_somewhere`",
    );
    assert_caught(&book, "`lifo_queue_is_tested_somewhere` is no example");
    edit(&page, "| `manual_threads` |", "| see the chapter |");
    assert_caught(&book, "names no example, listing or test");
}

#[test]
fn a_chapter_missing_from_summary_is_caught() {
    let book = book_copy();
    fs::write(book.path().join("src/orphan.md"), "# Orphan\n").unwrap();
    assert_caught(&book, "orphan.md: is not listed in SUMMARY.md");
}

#[test]
fn a_summary_entry_without_its_file_is_caught_and_not_created() {
    let book = book_copy();
    fs::remove_file(book.path().join("src/loop-join.md")).unwrap();
    assert_caught(&book, "lists loop-join.md, which does not exist");
    assert!(build_book(book.path(), Some(&book.path().join("out"))).is_err());
    assert!(
        !book.path().join("src/loop-join.md").exists(),
        "mdBook created the missing file"
    );
}

#[test]
fn a_chapter_headed_unlike_its_summary_entry_is_caught() {
    let book = book_copy();
    edit(
        &book.path().join("src/loop-join.md"),
        "# Many threads in a loop",
        "# Many threads in a loop: join them all",
    );
    assert_caught(&book, "is headed \"Many threads in a loop: join them all\"");
}

#[test]
fn an_include_of_a_missing_file_is_caught_by_the_check_and_the_build() {
    let Some(mark) =
        unless_passed_before("an_include_of_a_missing_file_is_caught_by_the_check_and_the_build")
    else {
        return;
    };
    let book = book_copy();
    edit(
        &book.path().join("src/sync-script.md"),
        "../examples/sync_script.rs:main",
        "../examples/no_such_example.rs:main",
    );
    assert_caught(
        &book,
        "includes ../examples/no_such_example.rs, which cannot be read",
    );
    let error = build_book(book.path(), Some(&book.path().join("out"))).unwrap_err();
    assert!(
        format!("{error:#}").contains("no_such_example.rs"),
        "{error:#}"
    );
    mark.passed();
}

#[test]
fn an_include_of_a_missing_anchor_is_caught() {
    let book = book_copy();
    edit(
        &book.path().join("examples/sync_script.rs"),
        "// ANCHOR: main",
        "// ANCHOR: renamed",
    );
    assert_caught(&book, "sync_script.rs:main, but that file has no ANCHOR");
}

#[test]
fn an_include_that_quotes_nothing_is_caught() {
    let book = book_copy();
    let example = book.path().join("examples/sync_script.rs");
    let text = fs::read_to_string(&example).unwrap();
    let start = text.find("// ANCHOR: main").unwrap();
    let end = text.find("// ANCHOR_END: main").unwrap();
    let body_start = start + text[start..].find('\n').unwrap() + 1;
    fs::write(&example, format!("{}{}", &text[..body_start], &text[end..])).unwrap();
    assert_caught(&book, "sync_script.rs:main, which quotes nothing");
}

#[test]
fn a_broken_internal_link_is_caught() {
    let Some(mark) = unless_passed_before("a_broken_internal_link_is_caught") else {
        return;
    };
    let book = book_copy();
    let chapter = book.path().join("src/introduction.md");
    let mut text = fs::read_to_string(&chapter).unwrap();
    text.push_str(
        "\nSee [a lost page](lost.md) and [a lost heading](sync-script.md#no-such-heading).\n",
    );
    fs::write(&chapter, text).unwrap();
    let built = build_book(book.path(), Some(&book.path().join("out"))).unwrap();
    let found = messages(&check_links(&built.html_dir).unwrap());
    assert!(
        found.contains("introduction.html: links to lost.html: no such file"),
        "{found}"
    );
    assert!(
        found.contains("no element with id `no-such-heading`"),
        "{found}"
    );
    mark.passed();
}

#[test]
fn a_run_button_on_code_the_playground_cannot_build_is_caught() {
    let book = book_copy();
    let chapter = book.path().join("src/sync-script.md");
    let mut text = fs::read_to_string(&chapter).unwrap();
    text.push_str("\n```rust\nuse concurrency_book::lessons::pool::Pool;\nfn main() {}\n```\n");
    text.push_str("\n```rust\n{{#include ../examples/sync_script.rs:main}}\n```\n");
    fs::write(&chapter, text).unwrap();
    assert_caught(
        &book,
        "using the crate `concurrency_book` needs `noplayground`",
    );
    assert_caught(&book, "a block quoting an example");
}

fn get(server: &BookServer, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

#[test]
fn the_server_serves_on_loopback_and_rebuilds_on_change() {
    let Some(mark) = unless_passed_before("the_server_serves_on_loopback_and_rebuilds_on_change")
    else {
        return;
    };
    let book = book_copy();
    let server = BookServer::start(book.path(), &book.path().join("out"), 0).unwrap();
    assert!(server.addr().ip().is_loopback());

    let (status, body) = get(&server, "/sync-script.html");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("/__livereload"), "no reload script injected");
    let (status, _) = get(&server, "/../book.toml");
    assert_eq!(status, "HTTP/1.1 404 Not Found");

    edit(
        &book.path().join("src/sync-script.md"),
        "# The synchronous script",
        "# The synchronous script, edited",
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.generation() < 2 {
        assert!(
            Instant::now() < deadline,
            "the book was not rebuilt after a change"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, reload) = get(&server, "/__livereload");
    assert_eq!(reload, "2");
    let (_, body) = get(&server, "/sync-script.html");
    assert!(body.contains("The synchronous script, edited"));
    mark.passed();
}

#[test]
fn an_ascii_timeline_without_its_svg_figure_is_caught() {
    let book = book_copy();
    let chapter = book.path().join("src/sync-script.md");
    let text = std::fs::read_to_string(&chapter).unwrap();
    let figure = (text.lines())
        .find(|line| line.contains("](figures/timelines/sync-script.svg)"))
        .expect("the chapter shows its timeline figure")
        .to_string();
    edit(&chapter, &figure, "");
    assert_caught(&book, "has no figures/timelines/ SVG after it");
}

#[test]
fn typed_program_output_is_caught_and_a_reason_lets_it_pass() {
    let book = book_copy();
    let chapter = book.path().join("src/sync-script.md");
    let typed = "```text\nSleeping 1.0 second(s)...\n```\n\n";
    let text = std::fs::read_to_string(&chapter).unwrap();
    std::fs::write(&chapter, format!("{text}\n{typed}")).unwrap();
    let problems = messages(&check_sources(book.path()).unwrap());
    assert!(
        problems.contains("shows output nobody recorded"),
        "{problems}"
    );
    // Inside a list item too, indented.
    let listed = "- A step:\n\n  ```text\n  Sleeping 1.0 second(s)...\n  ```\n";
    std::fs::write(&chapter, format!("{text}\n{listed}")).unwrap();
    let problems = messages(&check_sources(book.path()).unwrap());
    assert!(problems.contains("nobody recorded"), "{problems}");

    let reason = "<!-- illustrative: a sketch -->\n\n";
    std::fs::write(&chapter, format!("{text}\n{reason}{typed}")).unwrap();
    let problems = messages(&check_sources(book.path()).unwrap());
    assert!(!problems.contains("nobody recorded"), "{problems}");
    // A block of commands only needs no recording either.
    let commands = "```console\n$ cargo run --example sync_script \\\n    -- --tasks 3\n```\n";
    std::fs::write(&chapter, format!("{text}\n{commands}")).unwrap();
    let problems = messages(&check_sources(book.path()).unwrap());
    assert!(!problems.contains("nobody recorded"), "{problems}");
}

#[test]
fn every_chapter_page_is_on_the_tutorial_path_or_listed_as_pending() {
    let problems = check_tutorial_path(&repo_root()).unwrap();
    assert!(problems.is_empty(), "{}", messages(&problems));
}

#[test]
fn a_page_that_leaves_the_tutorial_path_is_caught() {
    let book = book_copy();
    // sync-script.md is on the path; a paragraph of 140 words takes it off.
    let chapter = book.path().join("src/sync-script.md");
    let long = "word ".repeat(140);
    edit(
        &chapter,
        "## Where the time goes\n",
        &format!("## Where the time goes\n\n{long}\n"),
    );
    let expected = "sync-script.md: off the tutorial path: a paragraph of 140 words";
    assert_found(check_tutorial_path, &book, expected);
}

#[test]
fn a_book_whose_median_page_is_full_of_figures_is_caught() {
    let book = book_copy();
    // Twenty figures on every page puts the median page at twenty, though
    // each page alone stays within its own limit of forty.
    let figures = "1.5 s, ".repeat(20);
    let src = book.path().join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") && !path.ends_with("SUMMARY.md") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("{text}\n| {figures} |\n")).unwrap();
        }
    }
    assert_found(check_tutorial_path, &book, "the median chapter page shows");
}

#[test]
fn a_chapter_that_begins_with_a_fragment_is_caught() {
    let book = book_copy();
    // sync-script.md begins with the whole program; a fragment in its place
    // takes it off the path.
    let chapter = book.path().join("src/sync-script.md");
    edit(
        &chapter,
        "{{#include ../listings/src/bin/sync_script.rs}}",
        "{{#include ../examples/sync_script.rs:main}}",
    );
    let expected = "sync-script.md: its first Rust listing is a fragment";
    assert_found(check_tutorial_path, &book, expected);
}
