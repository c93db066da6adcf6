//! `cargo xtask browser-test`: opens every page of the built book in headless
//! Chromium, driven over WebDriver (chromedriver) with fantoccini, the way a
//! reader's browser would load it, and reports what a reader would notice.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them).
//! The book is served on 127.0.0.1 only; the browser runs with its background
//! networking off, so it reaches nothing else. The WebDriver session is ended
//! on every path, then the driver's whole process group is killed, so no
//! browser outlives the test.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use std::{fs, thread};

use anyhow::{Context, Result, bail};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

use crate::checks;
use crate::serve::BookServer;

/// Where the browser and its driver are, and where screenshots go.
pub struct Options {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub screenshots: PathBuf,
}

/// One page of SUMMARY.md: its title and its HTML file, relative to the book.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    pub html: String,
}

/// Every chapter of `src/SUMMARY.md`, in reading order.
pub fn summary_pages(src: &Path) -> Result<Vec<Page>> {
    let entries = checks::summary_entries(src)?.into_iter();
    let pages = entries.filter_map(|(title, location)| {
        let html = location?.with_extension("html");
        let html = html.to_string_lossy().replace('\\', "/");
        Some(Page { title, html })
    });
    Ok(pages.collect())
}

/// Runs every check on the book built in `html_dir`; returns what failed.
/// `crates` are the crates the playground does not have (see
/// [`checks::non_std_crates`]): a Run button on code that uses one is a problem.
pub fn run(
    html_dir: &Path,
    pages: &[Page],
    crates: &[String],
    options: &Options,
) -> Result<Vec<String>> {
    for (what, path) in [
        ("chromium", &options.chromium),
        ("chromedriver", &options.chromedriver),
    ] {
        if !path.is_file() {
            bail!(
                "{what} not found at {} (on Debian: apt-get install chromium chromium-driver)",
                path.display()
            );
        }
    }
    fs::create_dir_all(&options.screenshots)
        .with_context(|| format!("cannot create {}", options.screenshots.display()))?;
    let server = BookServer::serve_built(html_dir)?;
    let base = format!("http://{}/", server.addr());
    let profile = tempfile::Builder::new()
        .prefix("browser-profile-")
        .tempdir()
        .context("cannot create a browser profile folder")?;
    let profile = profile.path();
    let mut driver = Driver::start(&options.chromedriver)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let client = connect(driver.port, &options.chromium, profile).await?;
        // Whatever the checks do, the session (and with it the browser) ends.
        let checked = check_book(&client, &base, pages, crates, &options.screenshots).await;
        let closed = client.close().await;
        let problems = checked?;
        closed.context("ending the WebDriver session")?;
        Ok::<_, anyhow::Error>(problems)
    });
    driver.stop();
    let mut problems = outcome?;
    // The browser must be gone: any process still naming our profile is a leak.
    let profile_arg = profile.to_string_lossy().into_owned();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut left = processes_mentioning(&profile_arg);
    while !left.is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
        left = processes_mentioning(&profile_arg);
    }
    if !left.is_empty() {
        problems.push(format!("browser processes left running: {left:?}"));
    }
    Ok(problems)
}

/// Process ids whose command line contains `text` (Linux /proc; elsewhere none).
fn processes_mentioning(text: &str) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline);
            let is_zombie_free = fs::read_to_string(entry.path().join("stat"))
                .map(|stat| !stat.contains(") Z "))
                .unwrap_or(false);
            (cmdline.contains(text) && is_zombie_free).then_some(pid)
        })
        .collect()
}

/// chromedriver in a process group of its own, so that stopping it also stops
/// any browser it started.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(chromedriver: &Path) -> Result<Driver> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", chromedriver.display()))?;
        let mut driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if Instant::now() > deadline {
                driver.stop();
                bail!("chromedriver did not listen on 127.0.0.1:{port} within 20 s");
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// Kills the driver's process group (the driver and any browser left) and reaps the driver.
    fn stop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

async fn connect(port: u16, chromium: &Path, profile: &Path) -> Result<Client> {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!("a JSON object")
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .context("cannot start a Chromium session through chromedriver")
}

/// chromedriver's log endpoint: what the page printed to its console, errors,
/// and requests that failed. Reading it empties it.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

async fn severe_log_entries(client: &Client) -> Result<Vec<String>> {
    let entries = client
        .issue_cmd(BrowserLog)
        .await
        .context("reading the browser log")?;
    let messages: Vec<String> = entries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect();
    Ok(without_offline_playground(messages))
}

/// A page with a runnable block asks play.rust-lang.org for its crate list.
/// With no internet (CI, or this test's browser, which reaches only 127.0.0.1)
/// that request fails, and mdBook's `fetch_with_timeout` rejects uncaught (the
/// first `fetch` in book.js). Those two entries, and only while the playground
/// request itself failed on the same page, are expected here; any other
/// failed request or script error is a problem.
fn without_offline_playground(messages: Vec<String>) -> Vec<String> {
    let playground_failed = messages.iter().any(|m| {
        m.starts_with("https://play.rust-lang.org/") && m.contains("Failed to load resource")
    });
    messages
        .into_iter()
        .filter(|m| {
            let playground_request = m.starts_with("https://play.rust-lang.org/");
            let its_rejection =
                m.contains("/book-") && m.ends_with("Uncaught TypeError: Failed to fetch");
            !(playground_failed && (playground_request || its_rejection))
        })
        .collect()
}

/// What one page looks like from inside the browser.
const INSPECT_PAGE: &str = r#"
return {
  // Each link as a path from the book's root, from pages in folders too.
  sidebar: (() => {
    // mdBook's path_to_root: '' on top-level pages, '../' in a folder.
    const up = typeof path_to_root === 'string' && path_to_root !== '' ? path_to_root : './';
    const root = new URL(up, location.href).href;
    return Array.from(document.querySelectorAll('mdbook-sidebar-scrollbox a[href]'))
      .map(a => a.href.split('#')[0])
      .map(href => href.startsWith(root) ? href.slice(root.length) : href);
  })(),
  rustBlocks: document.querySelectorAll('pre code.language-rust').length,
  unhighlighted: Array.from(document.querySelectorAll('pre code.language-rust'))
    .filter(c => !c.classList.contains('hljs') || c.querySelector('[class^="hljs-"]') === null)
    .length,
  runnable: Array.from(document.querySelectorAll('pre .play-button'))
    .map(b => b.closest('pre').querySelector('code').textContent),
  images: Array.from(document.images).map(i => ({src: i.getAttribute('src'), width: i.naturalWidth,
    shown: i.getBoundingClientRect().width})),
  // Wider than the column they sit in: the reader scrolls sideways.
  wideTables: Array.from(document.querySelectorAll('main table'))
    .filter(t => t.scrollWidth > (t.closest('.table-wrapper') || t.parentElement).clientWidth + 1)
    .map(t => (t.querySelector('th') || t).textContent.trim().slice(0, 40)),
  pageScrollsSideways: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
  failedResources: performance.getEntriesByType('resource')
    .filter(r => r.responseStatus >= 400).map(r => r.name + ' (' + r.responseStatus + ')'),
};
"#;

async fn check_book(
    client: &Client,
    base: &str,
    pages: &[Page],
    crates: &[String],
    screenshots: &Path,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for (number, page) in pages.iter().enumerate() {
        let url = format!("{base}{}", page.html);
        client
            .goto(&url)
            .await
            .with_context(|| format!("opening {url}"))?;
        wait_until(
            client,
            "return document.readyState === 'complete' && \
            document.querySelector('mdbook-sidebar-scrollbox a') !== null",
        )
        .await;
        let seen = client.execute(INSPECT_PAGE, vec![]).await?;
        let mut fail = |what: String| problems.push(format!("{}: {what}", page.html));
        for message in severe_log_entries(client).await? {
            fail(format!("browser log: {message}"));
        }
        for resource in seen["failedResources"].as_array().into_iter().flatten() {
            fail(format!("failed request: {resource}"));
        }
        let sidebar = string_array(&seen["sidebar"]);
        for chapter in pages {
            if !sidebar.contains(&chapter.html.as_str()) {
                fail(format!(
                    "the sidebar does not list {} ({})",
                    chapter.html, chapter.title
                ));
            }
        }
        for table in string_array(&seen["wideTables"]) {
            fail(format!(
                "a table scrolls sideways at 1280 px (its first heading: {table:?})"
            ));
        }
        if seen["pageScrollsSideways"].as_bool() == Some(true) {
            fail("the page scrolls sideways at 1280 px".into());
        }
        if let Some(n) = seen["unhighlighted"].as_u64().filter(|&n| n > 0) {
            fail(format!(
                "{n} Rust code block(s) without syntax highlighting"
            ));
        }
        for code in string_array(&seen["runnable"]) {
            let unexpanded_include = code.contains("{{#");
            if unexpanded_include || crates.iter().any(|name| checks::uses_crate(code, name)) {
                let first = code.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                fail(format!(
                    "a Run button on a block that cannot run on the playground: {first}"
                ));
            }
        }
        // mdBook 0.5 puts each figure in twice: one shown in the page, one
        // hidden until clicked (the zoomed copy). A figure is broken when it
        // did not load, or when none of its copies is shown.
        let images: Vec<&serde_json::Value> =
            seen["images"].as_array().into_iter().flatten().collect();
        let mut sources: Vec<&str> = images.iter().filter_map(|i| i["src"].as_str()).collect();
        sources.dedup();
        for source in sources {
            let copies = images.iter().filter(|i| i["src"].as_str() == Some(source));
            let loaded = copies.clone().all(|i| i["width"].as_f64() > Some(0.0));
            let shown = copies.clone().any(|i| i["shown"].as_f64() > Some(0.0));
            if !loaded || !shown {
                fail(format!(
                    "figure \"{source}\" has no size (missing or broken)"
                ));
            }
        }
        let shot = screenshots.join(format!("{number:02}-{}.png", page.html.replace('/', "_")));
        fs::write(&shot, client.screenshot().await?)
            .with_context(|| format!("cannot write {}", shot.display()))?;
    }
    problems
        .extend(check_search(client, base, "rayon", &["cpu-bound.html", "pool-map.html"]).await?);
    problems.extend(check_search(client, base, "fork", &["fork-vs-spawn.html"]).await?);
    problems.extend(check_not_found_page(client, base).await?);
    problems.extend(check_print_view(client, base, pages).await?);
    Ok(problems)
}

/// The strings in a JSON array (none if it is not one).
fn string_array(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The strings a script returns as an array.
async fn strings(client: &Client, script: &str) -> Result<Vec<String>> {
    let value = client.execute(script, vec![]).await?;
    Ok(string_array(&value)
        .into_iter()
        .map(str::to_string)
        .collect())
}

/// Polls `condition` (a script returning a boolean) for up to 10 s.
async fn wait_until(client: &Client, condition: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Value::Bool(true)) = client.execute(condition, vec![]).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Types `word` into the search box and checks that the results link to each of `expected`.
async fn check_search(
    client: &Client,
    base: &str,
    word: &str,
    expected: &[&str],
) -> Result<Vec<String>> {
    client.goto(&format!("{base}index.html")).await?;
    wait_until(client, "return document.readyState === 'complete'").await;
    client
        .find(fantoccini::Locator::Id("mdbook-search-toggle"))
        .await
        .context("the search button")?
        .click()
        .await?;
    let searchbar = client
        .find(fantoccini::Locator::Id("mdbook-searchbar"))
        .await?;
    searchbar.send_keys(word).await?;
    let has_results = wait_until(
        client,
        "return document.querySelectorAll('#mdbook-searchresults a').length > 0",
    )
    .await;
    let mut problems = Vec::new();
    if !has_results {
        problems.push(format!("search for {word:?}: no results"));
        return Ok(problems);
    }
    let links = strings(
        client,
        "return Array.from(document.querySelectorAll('#mdbook-searchresults a'))\
         .map(a => a.getAttribute('href'))",
    )
    .await?;
    for page in expected {
        if !links.iter().any(|link| link.starts_with(page)) {
            problems.push(format!(
                "search for {word:?}: no result links to {page} (got {links:?})"
            ));
        }
    }
    Ok(problems)
}

/// A missing page deep in the site gets the book's 404 page, styled and with its sidebar.
async fn check_not_found_page(client: &Client, base: &str) -> Result<Vec<String>> {
    client.goto(&format!("{base}no/such/chapter.html")).await?;
    let styled = wait_until(
        client,
        "return document.readyState === 'complete' && \
         Array.from(document.styleSheets).some(s => s.href && s.href.includes('general')) && \
         document.querySelector('mdbook-sidebar-scrollbox a') !== null",
    )
    .await;
    let mut problems: Vec<String> = severe_log_entries(client)
        .await?
        .into_iter()
        .filter(|m| !m.contains("no/such/chapter.html")) // the 404 itself is expected
        .map(|m| format!("404 page: browser log: {m}"))
        .collect();
    if !styled {
        problems.push(
            "404 page: a missing nested page is not shown with the book's style and sidebar".into(),
        );
    }
    Ok(problems)
}

/// The print view holds every chapter.
async fn check_print_view(client: &Client, base: &str, pages: &[Page]) -> Result<Vec<String>> {
    client.goto(&format!("{base}print.html")).await?;
    wait_until(client, "return document.readyState === 'complete'").await;
    let headings = strings(
        client,
        "return Array.from(document.querySelectorAll('main h1')).map(h => h.textContent.trim())",
    )
    .await?;
    let mut problems: Vec<String> = severe_log_entries(client)
        .await?
        .into_iter()
        .map(|m| format!("print.html: browser log: {m}"))
        .collect();
    for page in pages {
        if !headings.iter().any(|h| h.eq_ignore_ascii_case(&page.title)) {
            problems.push(format!("print.html: no chapter headed {:?}", page.title));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "https://play.rust-lang.org/meta/crates - Failed to load resource: net::ERR_NAME_NOT_RESOLVED";
    const REJECTION: &str =
        "http://127.0.0.1:42305/book-609e4cb8.js 39:12 Uncaught TypeError: Failed to fetch";

    #[test]
    fn only_the_offline_playground_request_and_its_rejection_are_expected() {
        let kept = without_offline_playground(vec![REQUEST.into(), REJECTION.into()]);
        assert!(kept.is_empty(), "{kept:?}");
        let other = "http://127.0.0.1:1/figure.svg - Failed to load resource: 404 (Not Found)";
        let kept = without_offline_playground(vec![REQUEST.into(), other.into()]);
        assert_eq!(kept, [other]);
        // Without the failed playground request, a failed fetch is a problem.
        let kept = without_offline_playground(vec![REJECTION.into()]);
        assert_eq!(kept, [REJECTION]);
    }
}
