//! The table of differences, made from the tests' tagged doc comments.

/// One ported behaviour, from a test's doc comment.
struct Row {
    test: String,
    cpython: String,
    behaviour: String,
    differs: Option<String>,
}

/// The rows of this file, in its order.
fn rows() -> Vec<Row> {
    let source = [
        include_str!("futures.rs"),
        include_str!("executors.rs"),
        include_str!("queues.rs"),
        include_str!("primitives.rs"),
    ]
    .join("\n");
    let mut rows = Vec::new();
    let mut tags: Vec<(&str, &str)> = Vec::new();
    for line in source.lines() {
        let line = line.trim();
        if let Some(tagged) = line.strip_prefix("/// ")
            && let Some((tag, text)) = tagged.split_once(": ")
            && ["cpython", "behaviour", "differs"].contains(&tag)
        {
            tags.push((tag, text));
        } else if let Some(name) = line
            .strip_prefix("fn ")
            .and_then(|rest| rest.split_once('('))
        {
            let tag = |wanted: &str| {
                tags.iter()
                    .find(|(tag, _)| *tag == wanted)
                    .map(|(_, text)| text.to_string())
            };
            if let (Some(cpython), Some(behaviour)) = (tag("cpython"), tag("behaviour")) {
                rows.push(Row {
                    test: name.0.to_string(),
                    cpython,
                    behaviour,
                    differs: tag("differs"),
                });
            }
            tags.clear();
        } else if !line.starts_with("#[") {
            tags.clear();
        }
    }
    rows
}

/// `text` with a line-break opportunity after each `_`, `/` and `.`, so
/// that long test names wrap in a narrow column instead of widening it.
fn breakable(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if matches!(c, '_' | '/' | '.') {
            out.push_str("<wbr>");
        }
    }
    out
}

/// The Markdown table the differences page includes.
fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "<!-- Generated from tests/cpython/ (table.rs): BOOK_REGENERATE=1 cargo test --test cpython -->\n\n\
         | behaviour | CPython's test | the book | test |\n|---|---|---|---|\n",
    );
    let mut ordered: Vec<&Row> = rows.iter().filter(|row| row.differs.is_some()).collect();
    ordered.extend(rows.iter().filter(|row| row.differs.is_none()));
    for row in ordered {
        let book = row
            .differs
            .as_deref()
            .map_or("the same".to_string(), |d| format!("**differs:** {d}"));
        text.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.behaviour.replace('|', "\\|"),
            breakable(&row.cpython),
            book.replace('|', "\\|"),
            breakable(&row.test)
        ));
    }
    text
}

#[test]
fn the_differences_table_is_generated_from_this_suite() {
    let rows = rows();
    assert!(rows.len() >= 40, "{} behaviours ported", rows.len());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cpython-suite.md");
    let fresh = table(&rows);
    if std::env::var_os("BOOK_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date: run `BOOK_REGENERATE=1 cargo test --test cpython`",
        path.display()
    );
}
