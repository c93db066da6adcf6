//! Unit tests of `checks`.

use super::*;
use crate::includes::{anchored_lines, lines_in_range};

#[test]
fn finds_includes_with_and_without_selectors() {
    let text = "```rust\n{{#include ../examples/a.rs:main}}\n```\n\
                {{#rustdoc_include b.rs}} and \\{{#include escaped.rs}} {{#include c.rs:3:9}}";
    let found = includes(text);
    assert_eq!(
        found,
        vec![
            Include {
                path: "../examples/a.rs".into(),
                selector: Some("main".into())
            },
            Include {
                path: "c.rs".into(),
                selector: Some("3:9".into())
            },
            Include {
                path: "b.rs".into(),
                selector: None
            },
        ]
    );
}

#[test]
fn anchors_need_both_ends_and_skip_nested_markers() {
    let source =
        "a\n// ANCHOR: outer\nb\n// ANCHOR: inner\nc\n// ANCHOR_END: inner\n// ANCHOR_END: outer\n";
    assert_eq!(anchored_lines(source, "outer").as_deref(), Some("b\nc"));
    assert_eq!(anchored_lines(source, "inner").as_deref(), Some("c"));
    assert_eq!(anchored_lines(source, "missing"), None);
    assert_eq!(anchored_lines("// ANCHOR: open\nx\n", "open"), None);
}

#[test]
fn crate_use_is_found_at_word_boundaries_only() {
    assert!(uses_crate("use rayon::prelude::*;", "rayon"));
    assert!(uses_crate("let v = clap::Command::new(\"x\");", "clap"));
    assert!(!uses_crate("use std::thread;", "clap"));
    assert!(!uses_crate("my_rayon::go();", "rayon"));
    assert!(!uses_crate("std::serde::x", "serde"));
}

#[test]
fn line_ranges_are_one_based_and_inclusive() {
    assert_eq!(lines_in_range("1\n2\n3\n4", "2:3"), "2\n3");
    assert_eq!(lines_in_range("1\n2\n3\n4", "3"), "3");
    assert_eq!(lines_in_range("1\n2\n3\n4", "3:"), "3\n4");
    assert_eq!(lines_in_range("1\n2\n3\n4", ":2"), "1\n2");
    assert_eq!(lines_in_range("1\n2", "5:9"), "");
}
