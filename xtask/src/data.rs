//! The line-based data files (`xtask/data/*.txt`, the quick reference's
//! names): one row a line, its fields split at `|`; blank lines and lines
//! starting with `#` are comments.

/// Each row of `text`: its line number (from 1) and its fields, trimmed,
/// split at `separator` (`|`, or `" | "` where a field may hold a `|`).
pub fn rows<'a>(text: &'a str, separator: &'a str) -> impl Iterator<Item = (usize, Vec<&'a str>)> {
    lines(text).map(move |(number, line)| (number, line.split(separator).map(str::trim).collect()))
}

/// Each line of `text` that is not blank or a comment, with its number.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    (text.lines().enumerate())
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(i, line)| (i + 1, line))
}
