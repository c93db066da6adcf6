//! Running the jobs: child processes with deadlines and their JSON lines,
//! the image server, and finding Python.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use harness::cli::Summary;
use processes::worker;

use super::*;

/// The Python side is run only when its interpreter and packages are there.
pub(super) struct Python {
    pub(super) program: String,
    pub(super) version: String,
    pub(super) pillow: Result<String, String>,
    pub(super) requests: Result<String, String>,
    /// A free-threaded interpreter (no GIL) on PATH, or why there is none.
    pub(super) free_threaded: Result<String, String>,
}

/// Runs a program with a deadline and returns the summaries it printed; a
/// failure, a timeout, no summary or a malformed one is an error naming the run.
pub(super) fn run_json(
    config: &Config,
    program: &Path,
    args: &[String],
    label: &str,
) -> Result<Vec<Summary>> {
    let child = worker::dies_with_parent(&mut Command::new(program))
        .args(args)
        .current_dir(&config.root)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let Ok(std::process::Output {
        status,
        stdout,
        stderr,
    }) = test_support::output_within(child, config.run_limit)
    else {
        bail!("{label}: ran longer than {:?}, killed", config.run_limit);
    };
    if !status.success() {
        bail!(
            "{label} failed ({status}):\n{}",
            tail(&String::from_utf8_lossy(&stderr), 20)
        );
    }
    let stdout = String::from_utf8_lossy(&stdout);
    let summaries = (stdout.lines())
        .filter(|line| line.starts_with('{'))
        .map(|line| Summary::from_json(line).with_context(|| format!("{label}: {line}")))
        .collect::<Result<Vec<_>>>()?;
    if summaries.is_empty() {
        bail!("{label}: printed no JSON summary line");
    }
    Ok(summaries)
}

pub(super) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The image server example, started for the downloads and stopped (killed
/// and reaped) when dropped.
pub(super) struct ServerGuard(Child);

impl ServerGuard {
    pub(super) fn start(
        config: &Config,
        tasks: usize,
        latency: f64,
        urls: &Path,
    ) -> Result<ServerGuard> {
        // It dies with the report, however the report ends (PR_SET_PDEATHSIG).
        let mut server = Command::new(config.examples.join("image_server"));
        let mut child = worker::dies_with_parent(&mut server)
            .args([
                "--tasks",
                &tasks.to_string(),
                "--seconds",
                &latency.to_string(),
            ])
            .args([
                "--urls-file",
                &urls.display().to_string(),
                "--stop-after",
                "7200",
            ])
            .current_dir(&config.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the image_server example")?;
        let stdout = child.stdout.take().expect("piped");
        let guard = ServerGuard(child);
        let (ready, is_ready) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("serving on ") {
                    let _ = ready.send(());
                }
            }
        });
        // Making the photos the first time takes a few seconds.
        is_ready
            .recv_timeout(Duration::from_secs(120))
            .context("the image_server example did not start serving within 120 s")?;
        Ok(guard)
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(super) fn find_python(program: &str) -> Result<Python, String> {
    let version = python_says(program, "import platform; print(platform.python_version())")
        .map_err(|e| format!("`{program}` does not run ({e})"))?;
    let package = |module: &str, name: &str| {
        python_says(
            program,
            &format!("import {module}; print({module}.__version__)"),
        )
        .map_err(|_| format!("{name} is not installed (pip install -r python/requirements.txt)"))
    };
    Ok(Python {
        program: program.to_string(),
        version,
        pillow: package("PIL", "Pillow"),
        requests: package("requests", "requests"),
        free_threaded: find_free_threaded(),
    })
}

/// Interpreters of CPython's free-threaded build, newest first.
const FREE_THREADED: [&str; 2] = ["python3.14t", "python3.13t"];

/// The first free-threaded interpreter on PATH that runs with its GIL off.
fn find_free_threaded() -> Result<String, String> {
    let gil_off = "import sys; print(sys._is_gil_enabled())";
    (FREE_THREADED.iter())
        .find(|program| python_says(program, gil_off).is_ok_and(|says| says == "False"))
        .map(|program| program.to_string())
        .ok_or_else(|| format!("not found ({} on PATH)", FREE_THREADED.join(", ")))
}

pub(super) fn python_says(program: &str, code: &str) -> Result<String, String> {
    let output = Command::new(program)
        .args(["-c", code])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A table row: (table, language, series, workers).
pub(super) type GroupKey = (&'static str, &'static str, String, usize);
/// The samples, grouped: each row to every round's value.
pub(super) type Grouped = BTreeMap<GroupKey, Vec<f64>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Set for the report's stand-in: where its server writes the URL list.
    const STAND_IN: &str = "XTASK_REPORT_STAND_IN_URLS";

    /// Not a test by itself: a report that starts its image server as the
    /// real one does and then waits to be killed, started in a process of
    /// its own by `the_image_server_dies_with_the_report`.
    #[test]
    #[ignore = "started by the_image_server_dies_with_the_report"]
    fn report_stand_in() {
        let urls = std::env::var(STAND_IN).expect("started by the test below");
        let mut config = Config::quick(&crate::repo_root());
        let server = test_support::example_binary("image_server");
        config.examples = server.parent().expect("an examples folder").to_path_buf();
        let server = ServerGuard::start(&config, 2, 0.0, Path::new(&urls)).unwrap();
        println!("server {}", server.0.id());
        thread::sleep(Duration::from_secs(60));
    }

    fn alive(pid: u32) -> bool {
        // A zombie has died; its parent has not reaped it yet.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| !stat.rsplit(')').next().unwrap_or("").starts_with(" Z"))
    }

    #[test]
    fn the_image_server_dies_with_the_report() {
        test_support::example_binary("image_server"); // built before the stand-in's clock runs
        let scratch = tempfile::tempdir().unwrap();
        let mut report = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "report::running::tests::report_stand_in"])
            .args(["--ignored", "--nocapture", "--test-threads=1"])
            .env(STAND_IN, scratch.path().join("urls.txt"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(report.stdout.take().unwrap()).lines();
        let server: u32 = loop {
            let line = lines
                .next()
                .expect("the stand-in names its server")
                .unwrap();
            // libtest may print the test's name on the same line first.
            if let Some((_, pid)) = line.split_once("server ") {
                break pid.trim().parse().unwrap();
            }
        };
        assert!(alive(server), "the server runs while the report does");
        // SIGKILL: the report runs no clean-up at all.
        report.kill().unwrap();
        report.wait().unwrap();
        // Generous: SIGTERM makes the server stop serving (200 ms at most)
        // and exit, which on a loaded machine can take a while.
        let deadline = Instant::now() + Duration::from_secs(30);
        while alive(server) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        if alive(server) {
            // What each of its threads waits in, for the failure's message.
            let threads = std::fs::read_dir(format!("/proc/{server}/task"))
                .map(|tasks| {
                    let wchan = |task: &std::path::Path, file: &str| {
                        std::fs::read_to_string(task.join(file)).unwrap_or_default()
                    };
                    (tasks.flatten())
                        .map(|t| {
                            format!(
                                "{} in {}",
                                wchan(&t.path(), "comm").trim(),
                                wchan(&t.path(), "wchan")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            // Leave nothing running when the test fails.
            let _ = Command::new("kill")
                .args(["-KILL", &server.to_string()])
                .status();
            panic!("image_server {server} outlived the report by 30 s; its threads: {threads}");
        }
    }
}
