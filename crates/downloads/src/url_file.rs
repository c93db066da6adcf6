//! Reading a list of URLs from a file, for `download_images --urls-file`:
//! with a size limit, a line number in every error, and only http(s) URLs.

use std::path::Path;

/// The most a URL file may hold: far more than a lesson needs, and a stop
/// for `--urls-file /dev/zero`.
pub const MAX_URL_FILE_BYTES: u64 = 10 << 20;

/// The URLs of a file, one per line; blank lines and `#` comments are
/// skipped, a byte-order mark is ignored. Every URL must parse as an http(s)
/// URL; the error names the file and the line.
pub fn read_url_file(file: &Path) -> Result<Vec<String>, String> {
    let fail = |why: String| format!("--urls-file {}: {why}", file.display());
    let mut bytes = Vec::new();
    let opened = std::fs::File::open(file).map_err(|e| fail(e.to_string()))?;
    std::io::Read::read_to_end(
        &mut std::io::Read::take(opened, MAX_URL_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_URL_FILE_BYTES {
        return Err(fail(format!(
            "more than {MAX_URL_FILE_BYTES} bytes: not a list of URLs"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| fail(format!("not UTF-8 text: {e}")))?;
    let mut urls = Vec::new();
    for (number, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let url = reqwest::Url::parse(line)
            .map_err(|e| fail(format!("line {}: `{line}` is not a URL ({e})", number + 1)))?;
        if !["http", "https"].contains(&url.scheme()) {
            return Err(fail(format!(
                "line {}: `{line}` is not an http(s) URL",
                number + 1
            )));
        }
        urls.push(url.to_string());
    }
    if urls.is_empty() {
        return Err(fail("no URLs to download".into()));
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_files_skip_a_bom_accept_upper_case_and_name_the_bad_line() {
        let file = std::env::temp_dir().join(format!("urls-{}.txt", std::process::id()));
        std::fs::write(
            &file,
            "\u{feff}# photos\nHTTP://Example.com/a.jpg\n\nhttps://h/b.jpg\n",
        )
        .unwrap();
        let urls = read_url_file(&file).unwrap();
        assert_eq!(urls, ["http://example.com/a.jpg", "https://h/b.jpg"]);
        std::fs::write(&file, "http://h/a.jpg\nhttp//h/b.jpg\n").unwrap();
        let error = read_url_file(&file).unwrap_err();
        assert!(
            error.contains("line 2: `http//h/b.jpg` is not a URL"),
            "{error}"
        );
        std::fs::write(&file, "file:///etc/passwd\n").unwrap();
        let error = read_url_file(&file).unwrap_err();
        assert!(
            error.contains("line 1: `file:///etc/passwd` is not an http(s) URL"),
            "{error}"
        );
        std::fs::remove_file(&file).unwrap();
    }
}
