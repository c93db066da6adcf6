//! Figures in sentences, quoted from the data that measured them.
//!
//! A sentence that restates a measurement quotes it with `{{figure ...}}`, so
//! the sentence and its table cannot drift apart:
//!
//! - `{{figure measured/bench-modes.md row="modes/seq" column="mean time (95% interval)"}}`
//!   is a table's cell: the row whose first cell (or first two) reads `row`
//!   (backticks aside), under the header `column`, without the interval in
//!   parentheses that may follow the figure;
//! - `{{figure recorded/pipes-flood.txt pattern="peak memory {} MiB"}}` is the
//!   number a recording shows where `pattern` has `{}`.
//!
//! The book's build replaces each with its figure ([`quote_all`]),
//! and a figure that cannot be found fails both the build and `cargo test`.
//! Every other figure with a unit in a chapter's prose (a parameter, a
//! Python or documentation figure, a measurement of another day) is listed in
//! [`SOURCES`] with where it comes from; `cargo test` fails on one that is not.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result, bail};
use mdbook_driver::book::{Book, BookItem};
use regex::Regex;

use crate::checks::{Problem, problem};

/// The list of prose figures that are not quoted, from the repository root.
pub const SOURCES: &str = "xtask/data/prose-figures.txt";

static FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{figure\s+(\S+)((?:\s+\w+=\x22[^\x22]*\x22)*)\s*\}\}").unwrap()
});
static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(\w+)="([^"]*)""#).unwrap());

/// The figure `quote` (the text of one `{{figure ...}}`) stands for, read
/// from its file under `root`.
fn resolve(root: &Path, source: &str, attributes: &str) -> Result<String> {
    let text = fs::read_to_string(root.join(source))
        .with_context(|| format!("{{{{figure}}}} quotes {source}, which cannot be read"))?;
    let attribute = |name: &str| {
        ATTRIBUTE
            .captures_iter(attributes)
            .find(|c| &c[1] == name)
            .map(|c| c[2].to_string())
    };
    if let Some(pattern) = attribute("pattern") {
        return text_in(&text, &pattern)
            .with_context(|| format!("{source} shows nothing like \"{pattern}\""));
    }
    let (Some(row), Some(column)) = (attribute("row"), attribute("column")) else {
        bail!("a {{{{figure}}}} of {source} needs pattern=\"..\", or row=\"..\" and column=\"..\"");
    };
    cell(&text, &row, &column).with_context(|| format!("in the table of {source}"))
}

/// The text `pattern`'s `{}` stands for at its first match in `text`: a
/// number, with its decimals and thousands separators as written.
pub fn text_in(text: &str, pattern: &str) -> Option<String> {
    let (before, after) = pattern.split_once("{}")?;
    let regex = format!(
        "{}([0-9][0-9,]*(?:\\.[0-9]+)?){}",
        regex::escape(before),
        regex::escape(after)
    );
    let found = Regex::new(&regex).ok()?.captures(text)?;
    Some(found[1].to_string())
}

/// The cell of a markdown table in `text` at `row` (its first cell, or its
/// first two joined by a space, as in `Rust exact seq`) and `column` (a
/// header), both read without backticks, cut before an interval in
/// parentheses.
fn cell(text: &str, row: &str, column: &str) -> Result<String> {
    let cells = |line: &str| -> Vec<String> {
        let cells = crate::quick_reference::split_cells(line).into_iter();
        cells.map(|c| c.replace('`', "")).collect()
    };
    // The first table only: a later one's rows have other columns.
    let mut lines = (text.lines())
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'));
    let header = cells(lines.next().context("no table")?);
    let index = header
        .iter()
        .position(|h| *h == column.replace('`', ""))
        .with_context(|| format!("no column \"{column}\" (the columns: {header:?})"))?;
    let row = row.replace('`', "");
    let names = |c: &Vec<String>| c[0] == row || c.len() > 1 && format!("{} {}", c[0], c[1]) == row;
    let matching: Vec<Vec<String>> = lines.map(cells).filter(names).collect();
    match matching.as_slice() {
        [only] => {
            let value = only.get(index).context("a short row")?;
            let value = value.split(" (").next().unwrap_or_default();
            if value.is_empty() {
                bail!("the cell of row \"{row}\" under \"{column}\" is empty");
            }
            Ok(value.to_string())
        }
        [] => bail!("no row \"{row}\""),
        _ => bail!("{} rows \"{row}\"", matching.len()),
    }
}

/// `text` with every `{{figure ...}}` replaced by its figure.
pub fn render(root: &Path, text: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for found in FIGURE.captures_iter(text) {
        let whole = found.get(0).unwrap();
        out.push_str(&text[last..whole.start()]);
        out.push_str(&resolve(root, &found[1], &found[2])?);
        last = whole.end();
    }
    out.push_str(&text[last..]);
    if let Some(at) = out.find("{{figure") {
        let line: String = out[at..].chars().take(80).collect();
        bail!("a {{{{figure}}}} that cannot be read: {line}");
    }
    Ok(out)
}

/// Quotes the figures of every chapter of `book`, whose files lie under
/// `root`, before mdBook builds it.
pub fn quote_all(root: &Path, book: &mut Book) -> Result<()> {
    let mut failed = None;
    book.for_each_mut(|item| {
        if let BookItem::Chapter(chapter) = item
            && failed.is_none()
        {
            match render(root, &chapter.content) {
                Ok(text) => chapter.content = text,
                Err(error) => {
                    let page = chapter.source_path.clone().unwrap_or_default();
                    failed = Some(error.context(format!("src/{}", page.display())));
                }
            }
        }
    });
    failed.map_or(Ok(()), Err)
}

/// A figure with a unit in prose: digits, then a unit of time (short or
/// spelled out), size, share or ratio (`3000 x 2000`, a size in pixels, and
/// `2 × 10⁸` are not ones). What follows it is checked apart: see
/// [`prose_figures`].
static UNIT_FIGURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^\w.])([0-9][0-9,]*(?:\.[0-9]+)?(?: ?(?:ms|µs|ns|s|MiB|KiB|GiB|MB|KB|GB|%|x|×)| (?:times|(?:milli|micro|nano)?seconds?|minutes?)))",
    )
    .unwrap()
});

/// The figures with a unit in `text`'s prose: not in fenced blocks (opened by
/// a line that starts, indented or not, with ```` ``` ```` or `~~~`), tables,
/// inline code, includes or quoted figures. Lines are joined first, so that a
/// figure broken across two lines is still one.
pub fn prose_figures(text: &str) -> BTreeSet<String> {
    let code = Regex::new(r"`[^`]*`").unwrap();
    let mut prose = String::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(marker)) => fence = Some(marker),
            (Some(open), Some(marker)) if open == marker && trimmed.trim() == marker => {
                fence = None
            }
            _ if fence.is_some() => {}
            _ if trimmed.starts_with('|') || line.contains("{{#include") => prose.push('\n'),
            _ => {
                prose.push_str(line);
                prose.push(' ');
            }
        }
    }
    let prose = FIGURE.replace_all(&prose, "");
    let prose = code.replace_all(&prose, "");
    let mut found = BTreeSet::new();
    for capture in UNIT_FIGURE.captures_iter(&prose) {
        let figure = capture.get(1).unwrap();
        let rest = &prose[figure.end()..];
        if rest.chars().next().is_some_and(char::is_alphanumeric) {
            continue; // "5 seconds" is not "5 s" followed by "econds"
        }
        let dimension = rest.trim_start().starts_with(|c: char| c.is_ascii_digit());
        let times = figure.as_str().ends_with('x') || figure.as_str().ends_with('×');
        if !(times && dimension) {
            found.insert(figure.as_str().to_string());
        }
    }
    found
}

/// One listed prose figure: its page (from `src/`), the figure as written,
/// and where it comes from.
struct Listed {
    page: String,
    figure: String,
}

fn listed(root: &Path) -> Result<Vec<Listed>> {
    let path = root.join(SOURCES);
    let text =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut list = Vec::new();
    for (number, fields) in crate::data::rows(&text, " | ") {
        let [page, figure, source] = fields[..] else {
            bail!("{SOURCES}:{number}: wants `page | figure | source`");
        };
        if source.is_empty() {
            bail!("{SOURCES}:{number}: says nothing of where {figure} comes from");
        }
        list.push(Listed {
            page: page.to_string(),
            figure: figure.to_string(),
        });
    }
    Ok(list)
}

/// Every `{{figure}}` that cannot be quoted, every prose figure neither
/// quoted nor listed in [`SOURCES`], and every listed figure its page no
/// longer shows.
pub fn check(root: &Path, chapters: &[(String, String)]) -> Result<Vec<Problem>> {
    let list = listed(root)?;
    let mut problems = Vec::new();
    // Each page's prose figures, read once for both directions of the check.
    let mut shown_on = std::collections::BTreeMap::new();
    for (page, text) in chapters {
        let file = root.join("src").join(page);
        if let Err(error) = render(root, text) {
            problems.push(problem(&file, format!("{error:#}")));
        }
        let shown = prose_figures(text);
        for figure in &shown {
            if !list.iter().any(|l| &l.page == page && &l.figure == figure) {
                problems.push(problem(
                    &file,
                    format!(
                        "\"{figure}\" in prose: quote it with {{{{figure}}}} if it restates a \
                         measurement, or list it in {SOURCES} with where it comes from"
                    ),
                ));
            }
        }
        shown_on.insert(page.as_str(), shown);
    }
    for l in &list {
        let gone = (shown_on.get(l.page.as_str())).is_none_or(|shown| !shown.contains(&l.figure));
        if gone {
            problems.push(problem(
                &root.join(SOURCES),
                format!(
                    "lists \"{}\" on {}, which its prose no longer shows",
                    l.figure, l.page
                ),
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "| bench | what | mean time (95% interval) |\n|---|---|---|\n\
        | `modes/seq` | one | 120 ms (110 ms to 130 ms) |\n| `modes/rayon` | two | 70.5 ms (69 ms to 72 ms) |\n";

    #[test]
    fn a_cell_is_found_by_row_and_column_without_its_interval() {
        assert_eq!(
            cell(TABLE, "modes/rayon", "mean time (95% interval)").unwrap(),
            "70.5 ms"
        );
        assert!(cell(TABLE, "modes/threads", "mean time (95% interval)").is_err());
        assert!(cell(TABLE, "modes/seq", "median").is_err());
        assert_eq!(cell(TABLE, "modes/seq one", "what").unwrap(), "one");
    }

    #[test]
    fn a_pattern_finds_the_number_as_written() {
        assert_eq!(
            text_in("peak memory 3.6 MiB", "peak memory {} MiB").unwrap(),
            "3.6"
        );
        assert_eq!(text_in("18,899 faults", "{} faults").unwrap(), "18,899");
        assert_eq!(text_in("peak memory 3.6 MiB", "peak {} GiB"), None);
    }

    #[test]
    fn rendering_quotes_each_figure_and_fails_on_a_missing_one() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("measured")).unwrap();
        fs::write(root.path().join("measured/t.md"), TABLE).unwrap();
        let text = "rayon took {{figure measured/t.md row=\"modes/rayon\" column=\"mean time (95% interval)\"}}.";
        assert_eq!(render(root.path(), text).unwrap(), "rayon took 70.5 ms.");
        let missing = text.replace("modes/rayon", "modes/none");
        let error = format!("{:#}", render(root.path(), &missing).unwrap_err());
        assert!(error.contains("no row \"modes/none\""), "{error}");
        assert!(render(root.path(), "{{figure measured/t.md row=\"x\"}}").is_err());
        assert!(render(root.path(), "{{figure measured/gone.md pattern=\"{} s\"}}").is_err());
        assert!(render(root.path(), "{{figure measured/t.md}} {{figure oops").is_err());
    }

    #[test]
    fn prose_figures_leave_out_code_tables_quotes_and_sizes_in_pixels() {
        let text = "Ten tasks of 0.3 s took 1.5 s, 1.7x, 12% and 64 KiB; `sleep(0.2 s)`, 20 ms/30 ms,\n\
            34.9\nµs, 15 milliseconds.\n  ```text\n  8 s\n  ```\n\
            | 9 s |\n```text\n8 s\n```\nA 3000 x 2000 photo of 2 × 10⁸, {{figure m.md pattern=\"{} s\"}} 3 times.\n";
        let found: Vec<String> = prose_figures(text).into_iter().collect();
        let expected = [
            "0.3 s",
            "1.5 s",
            "1.7x",
            "12%",
            "15 milliseconds",
            "20 ms",
            "3 times",
        ];
        let expected = [&expected[..], &["30 ms", "34.9 µs", "64 KiB"]].concat();
        assert_eq!(found, expected);
    }
}
