//! Recorded program output: the book shows no program output that was typed,
//! except blocks that say why (`<!-- illustrative: why -->`).
//!
//! Each file under `recorded/` holds one run of an example as a reader would
//! see it in a terminal: the command on the first line (`$ cargo run
//! --example NAME -- FLAGS`), then what the program printed, stdout and stderr
//! interleaved as they were written. A chapter includes the file with
//! `{{#include}}`. `cargo xtask outputs` runs every command again and rewrites
//! the files; `cargo test` runs them too and fails when an output has drifted
//! from its recording, after [`mask`] has hidden what varies from run to run
//! (every number, temporary paths, timeline bars).
//!
//! A command that must fail says so at its end: `$ cargo run --example X --
//! --bad-flag   # exits with 1`. One that reads input the reader fetches
//! first (photos from a Debian package, say) names it: `# needs PATH`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::thread;
use std::time::Duration;

use regex::Regex;

/// One recorded run, as its file's first line describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recording {
    /// The command line as the chapter shows it, without the `$ `.
    pub command: String,
    pub example: String,
    pub args: Vec<String>,
    /// `--release` before `--example`: recorded from a release build.
    pub release: bool,
    /// `$ rustc FILE`: a listing that must not compile (no example then).
    pub rustc: bool,
    /// `$ python3 python/SCRIPT.py [FLAGS]`: one of the notes' scripts, for
    /// the Python side of a comparison (skipped where python3 does not run).
    pub python: bool,
    /// `$ cargo run -p listings --bin NAME`: one of the whole programs of
    /// `listings/src/bin/` (`example` holds its name).
    pub bin: bool,
    /// `$ cargo test --features loom --test NAME -- FLAGS`: the root
    /// package's loom models (`tests/NAME.rs`, whose name `example` holds),
    /// run through cargo, whose own status lines are left out.
    pub loom: bool,
    /// The exit code the run must end with (0 unless the line says otherwise).
    pub exit_code: i32,
    /// `# every run differs`: a run whose lines show the outcome of a race
    /// (a stress test), so only each line's first word is compared.
    pub varies: bool,
    /// `# needs PATH`: input the reader fetches first, as the chapter shows
    /// (relative to the repository); without it the run is skipped.
    pub needs: Option<String>,
}

/// What a run printed and how it ended.
pub struct Output {
    pub text: String,
    pub exit_code: Option<i32>,
}

const EXITS: &str = "exits with ";
const VARIES: &str = "every run differs";
const NEEDS: &str = "needs ";

impl Recording {
    /// Reads a recording's first line, `$ cargo run [--release] --example
    /// NAME [-- FLAGS]   [# exits with N]`, or `$ rustc [FLAGS] FILE   #
    /// exits with 1` for a listing that must not compile. Flags are split at
    /// spaces, so none may contain quotes.
    pub fn parse(first_line: &str) -> Result<Recording, String> {
        let command = first_line
            .strip_prefix("$ ")
            .ok_or("the first line must be the command, starting with `$ `")?
            .trim_end()
            .to_string();
        // What the line says after ` # `: `exits with N`, `every run differs`.
        let (line, comment) = command.split_once(" # ").unwrap_or((&command, ""));
        let line = line.trim_end();
        let (mut exit_code, mut varies, mut needs) = (0, false, None);
        for part in comment.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some(code) = part.strip_prefix(EXITS) {
                exit_code = code
                    .parse()
                    .map_err(|_| format!("`{part}`: not an exit code"))?;
            } else if part == VARIES {
                varies = true;
            } else if let Some(path) = part.strip_prefix(NEEDS) {
                needs = Some(path.trim().to_string());
            } else {
                return Err(format!(
                    "`# {part}`: expected `{EXITS}N`, `{VARIES}` or `{NEEDS}PATH`"
                ));
            }
        }
        if line.contains(['"', '\'', '\\']) {
            return Err("flags with quotes or backslashes cannot be run".into());
        }
        let base = Recording {
            command: command.clone(),
            exit_code,
            varies,
            needs,
            ..Recording::default()
        };
        // What follows the program's name: nothing, or `-- FLAGS`.
        let flags = |mut words: std::str::SplitWhitespace, after: &str| match words.next() {
            None => Ok(Vec::new()),
            Some("--") => Ok(words.map(String::from).collect()),
            Some(other) => Err(format!("unexpected `{other}` after {after}")),
        };
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("cargo"), Some("run")) => {}
            (Some("cargo"), Some("test")) => {
                let (features, test) = (words.next(), words.next());
                let (loom, name) = (words.next(), words.next());
                if (features, test, loom) != (Some("--features"), Some("loom"), Some("--test")) {
                    return Err("a recorded test run must be `cargo test --features loom \
                                --test NAME [-- FLAGS]`"
                        .into());
                }
                let example = name.ok_or("--test needs a name")?.to_string();
                let args = flags(words, "the test")?;
                return Ok(Recording {
                    example,
                    args,
                    loom: true,
                    ..base
                });
            }
            (Some(tool @ ("rustc" | "python3")), Some(first)) => {
                let args = std::iter::once(first).chain(words).map(String::from);
                return Ok(Recording {
                    args: args.collect(),
                    rustc: tool == "rustc",
                    python: tool == "python3",
                    ..base
                });
            }
            _ => {
                return Err("the command must be `cargo run ... --example NAME`, \
                            `cargo run -p listings --bin NAME`, `cargo test --features \
                            loom --test NAME`, `rustc FILE` or `python3 python/SCRIPT.py`"
                    .into());
            }
        }
        let (mut release, mut bin) = (false, false);
        let example = loop {
            match words.next() {
                Some("--release") => release = true,
                Some("--example") => break words.next().ok_or("--example needs a name")?,
                Some("-p" | "--package") if words.next() == Some("listings") => {
                    if words.next() != Some("--bin") {
                        return Err("`-p listings` must be followed by `--bin NAME`".into());
                    }
                    bin = true;
                    break words.next().ok_or("--bin needs a name")?;
                }
                other => {
                    return Err(format!(
                        "unexpected `{}` before --example",
                        other.unwrap_or("")
                    ));
                }
            }
        };
        Ok(Recording {
            example: example.to_string(),
            args: flags(words, "the example's name")?,
            release,
            bin,
            ..base
        })
    }

    /// Reads the recording in `path`: its command, and the output recorded.
    pub fn read(path: &Path) -> Result<(Recording, String), String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let (first, output) = text.split_once('\n').unwrap_or((&text, ""));
        let recording = Recording::parse(first).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((recording, output.to_string()))
    }

    /// Runs the example's binary from `examples` (a `target/PROFILE/examples`
    /// folder) in `dir`, within `limit`: stdout and stderr go to one pipe, as
    /// they would to one terminal.
    pub fn run(&self, examples: &Path, dir: &Path, limit: Duration) -> Result<Output, String> {
        let binary = self.binary(examples);
        // A listing that compiles after all must not leave its program in `dir`.
        let scratch = std::env::temp_dir().join(format!("recorded-rustc-{}", std::process::id()));
        let hidden: &[&std::ffi::OsStr] = match self.rustc {
            true => &["--out-dir".as_ref(), scratch.as_os_str()],
            false => &[],
        };
        let (mut reader, writer) = std::io::pipe().map_err(|e| format!("a pipe: {e}"))?;
        let error_writer = writer.try_clone().map_err(|e| format!("a pipe: {e}"))?;
        let mut command = Command::new(&binary);
        if self.loom {
            let test = [
                "test",
                "--locked",
                "--features",
                "loom",
                "--test",
                &self.example,
                "--",
            ];
            command.args(test).env("CARGO_TERM_COLOR", "never");
        }
        let mut child = command
            .args(&self.args)
            .args(hidden)
            .current_dir(dir)
            // A reader's default: a panic prints its message, no backtrace.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(error_writer)
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        // The pipe's write ends are the child's now, once the Command drops ours.
        drop(command);
        let collector = thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = reader.read_to_end(&mut bytes);
            bytes
        });
        let status = test_support::exit_within(&mut child, limit)
            .ok_or_else(|| format!("`{}` ran longer than {limit:?}", self.command))?;
        let bytes = collector.join().map_err(|_| "reading the output failed")?;
        let _ = std::fs::remove_dir_all(&scratch);
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if self.loom {
            // cargo's own lines (building, `Running tests/...`, warnings)
            // all come before the test binary's first line.
            let start = (text.lines().position(|line| TEST_RUN_STARTS.is_match(line)))
                .ok_or_else(|| format!("`{}` ran no tests:\n{text}", self.command))?;
            text = (text.lines().skip(start))
                .map(|line| format!("{line}\n"))
                .collect();
        }
        Ok(Output {
            text,
            exit_code: status.code(),
        })
    }

    /// [`Recording::run`], failing unless it ends with the recorded exit code.
    pub fn run_to_its_end(
        &self,
        examples: &Path,
        dir: &Path,
        limit: Duration,
    ) -> Result<Output, String> {
        let output = self.run(examples, dir, limit)?;
        if output.exit_code != Some(self.exit_code) {
            return Err(format!(
                "`{}` exited with {:?}, expected {}; it printed:\n{}",
                self.command, output.exit_code, self.exit_code, output.text
            ));
        }
        Ok(output)
    }

    /// Why it cannot run here, if it cannot: the input the reader fetches
    /// first (`# needs PATH`) is missing, or python3 does not run.
    pub fn unavailable(&self, root: &Path) -> Option<String> {
        if let Some(needs) = self.needs.as_deref()
            && !root.join(needs).exists()
        {
            return Some(format!(
                "needs {needs}, which is missing (the chapter that includes it says how to get it)"
            ));
        }
        (self.python && !crate::outputs::python_runs()).then(|| "python3 does not run here".into())
    }

    /// Whether it runs a program the workspace builds (an example, a
    /// listing's or the loom models), not rustc or python3.
    pub fn runs_a_build(&self) -> bool {
        !self.rustc && !self.python
    }

    /// Whether it runs an example or a listing's program, which
    /// `cargo xtask outputs` builds first (cargo builds the loom models).
    pub fn runs_an_example(&self) -> bool {
        self.runs_a_build() && !self.loom
    }

    /// What runs: rustc, python3, an example from `examples` (a
    /// `target/PROFILE/examples` folder), or a listing's program beside it.
    pub fn binary(&self, examples: &Path) -> PathBuf {
        let file = format!("{}{}", self.example, std::env::consts::EXE_SUFFIX);
        if self.python {
            return PathBuf::from("python3");
        }
        if self.loom {
            return std::env::var_os("CARGO").map_or("cargo".into(), PathBuf::from);
        }
        match (self.rustc, self.bin) {
            (true, _) => PathBuf::from("rustc"),
            (false, true) => examples.parent().unwrap_or(examples).join(file),
            (false, false) => examples.join(file),
        }
    }

    /// The file's text for this run: the command, then the output.
    pub fn render(&self, output: &str) -> String {
        let mut text = format!("$ {}\n{output}", self.command);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}

/// libtest's first line, `running 4 tests`: what a test run through cargo
/// prints from here on is the test's; its recording leaves out what cargo
/// printed before (`   Compiling x`, `     Running tests/loom.rs (...)`).
static TEST_RUN_STARTS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^running \d+ tests?$").expect("a valid pattern"));

/// Lines a run may print or not, by how it was built or what is cached: not
/// compared (matched by their start).
const UNCOMPARED: &[&str] = &[
    "(a debug build: add --release for the real speed)",
    // Only the first run on a machine makes the test photos.
    "generating test photos of ",
];

static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Rust 1.91 added the thread's ID to panic messages (rust-lang/rust#115746);
        // the book's minimum, 1.88, prints none.
        (r"thread '([^']*)' \(\d+\) panicked", "thread '$1' panicked"),
        // Temporary folders have random names.
        (r"/tmp/[^\s:)]*", "/tmp/..."),
        // Output checksums: the photo pipeline's bytes depend on how libjpeg
        // was built (with its SIMD code or without, see build.rs).
        (r"\bcrc32 [0-9a-f]{8}\b", "crc32 X"),
        // Bar charts drawn with `#` (a bar can be empty).
        (r"\s*#+\s*$", ""),
        // Every number: times, rates, counts of lost updates or failures in
        // a race, process and thread IDs, ports, which worker ran a task.
        (r"\d+(\.\d+)*", "N"),
        // Columns line up differently when their numbers change width.
        (r"\s+", " "),
    ]
    .into_iter()
    .map(|(pattern, to)| (Regex::new(pattern).expect("a valid mask"), to))
    .collect()
});

/// `line` with what varies from run to run replaced by placeholders: a
/// timeline's bars (between its first and last `|`) whole, and every number.
/// The words stay: a changed message, a lost line or a new one shows.
pub fn mask(line: &str) -> String {
    let line = line.trim();
    let line = match (line.find('|'), line.rfind('|')) {
        (Some(first), Some(last)) if last > first && line.ends_with('|') => {
            format!("{}|...|", &line[..first])
        }
        _ => line.to_string(),
    };
    MASKS.iter().fold(line, |line, (pattern, to)| {
        pattern.replace_all(&line, *to).into_owned()
    })
}

/// Compares a fresh output with its recording, line by line after masking;
/// lines may come in another order (threads finish in varying order), but
/// each must be there as often. The error lists the lines missing and new.
pub fn compare(recorded: &str, fresh: &str) -> Result<(), String> {
    let lines = |text: &str| {
        let mut lines: Vec<String> = text
            .lines()
            .filter(|line| {
                !UNCOMPARED
                    .iter()
                    .any(|start| line.trim().starts_with(start))
            })
            .map(mask)
            .collect();
        lines.sort();
        lines
    };
    let (mut recorded, mut fresh) = (lines(recorded), lines(fresh));
    let mut missing = Vec::new();
    recorded.retain(|line| match fresh.iter().position(|l| l == line) {
        Some(at) => {
            fresh.remove(at);
            false
        }
        None => {
            missing.push(line.clone());
            true
        }
    });
    if missing.is_empty() && fresh.is_empty() {
        return Ok(());
    }
    let mut diff = String::new();
    for line in &missing {
        diff.push_str(&format!("- {line}\n"));
    }
    for line in &fresh {
        diff.push_str(&format!("+ {line}\n"));
    }
    Err(diff)
}

impl Recording {
    /// Whether `fresh` output still matches the `recorded` one: for a
    /// program, [`compare`]; for rustc, the same error codes (`E0373`), since
    /// the wording of its messages changes from one Rust release to the next.
    pub fn matches(&self, recorded: &str, fresh: &str) -> Result<(), String> {
        if self.varies {
            let first_words = |text: &str| {
                let words = text
                    .lines()
                    .map(|l| l.split_whitespace().next().unwrap_or(""));
                words.collect::<Vec<_>>().join("\n")
            };
            return compare(&first_words(recorded), &first_words(fresh));
        }
        if !self.rustc {
            return compare(recorded, fresh);
        }
        let codes = |text: &str| {
            let mut codes: Vec<String> = ERROR_CODE
                .find_iter(text)
                .map(|m| m.as_str().into())
                .collect();
            codes.sort();
            codes
        };
        match (codes(recorded), codes(fresh)) {
            (before, now) if before == now => Ok(()),
            (before, now) => Err(format!("- errors {before:?}\n+ errors {now:?}\n{fresh}")),
        }
    }
}

static ERROR_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bE\d{4}\b").expect("a valid pattern"));

/// The chapters (`src/*.md` under `root`) that include the recording at
/// `path`, for messages that tell a reader where a drifted output shows.
pub fn chapters_including(root: &Path, path: &Path) -> Vec<String> {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return Vec::new();
    };
    let needle = format!("recorded/{name}");
    let Ok(entries) = std::fs::read_dir(root.join("src")) else {
        return Vec::new();
    };
    let mut chapters: Vec<String> = (entries.filter_map(Result::ok))
        .map(|entry| entry.path())
        .filter(|chapter| chapter.extension().is_some_and(|ext| ext == "md"))
        .filter(|chapter| std::fs::read_to_string(chapter).is_ok_and(|text| text.contains(&needle)))
        .filter_map(|chapter| Some(format!("src/{}", chapter.file_name()?.to_str()?)))
        .collect();
    chapters.sort();
    chapters
}

/// Every recording under `dir` (`recorded/` of the book), sorted by path.
pub fn recordings(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_with_their_flags_and_exit_code() {
        let r = Recording::parse("$ cargo run --example loop_join -- --tasks 3").unwrap();
        assert_eq!(
            (r.example.as_str(), r.args.len(), r.release),
            ("loop_join", 2, false)
        );
        let r = Recording::parse("$ cargo run --release --example cpu_bound").unwrap();
        assert!(r.release && r.args.is_empty() && r.exit_code == 0);
        let r = Recording::parse("$ cargo run --example x -- --bad   # exits with 2").unwrap();
        assert_eq!(
            (r.args, r.exit_code, r.varies),
            (vec!["--bad".to_string()], 2, false)
        );
        let r = Recording::parse("$ cargo run --example x # every run differs; exits with 1");
        assert_eq!(r.map(|r| (r.varies, r.exit_code)), Ok((true, 1)));
        assert!(Recording::parse("$ cargo run --example x # exits fast").is_err());
        let r = Recording::parse("$ cargo run --example x -- --input target/m # needs target/m");
        assert_eq!(r.map(|r| r.needs), Ok(Some("target/m".to_string())));
        let r = Recording::parse("$ python3 python/shared_counter.py --tasks 9").unwrap();
        assert!(r.python && !r.rustc && !r.runs_a_build());
        assert_eq!(r.args, ["python/shared_counter.py", "--tasks", "9"]);
        assert_eq!(r.binary(Path::new("x")), PathBuf::from("python3"));
        let r = Recording::parse("$ cargo run -p listings --bin sync_script").unwrap();
        assert!(r.bin && !r.rustc && r.example == "sync_script" && r.args.is_empty());
        let examples = Path::new("target/debug/examples");
        assert_eq!(r.binary(examples), Path::new("target/debug/sync_script"));
        let r = Recording::parse("$ cargo test --features loom --test loom -- --nocapture a b");
        let r = r.unwrap();
        assert!(r.loom && r.runs_a_build() && !r.runs_an_example() && r.example == "loom");
        assert_eq!(r.args, ["--nocapture", "a", "b"]);
        for bad in [
            "$ cargo test --test loom",
            "$ cargo test --features loom --test",
            "$ cargo run -p listings sync_script",
            "$ cargo run -p other --bin x",
            "cargo run --example x",
            "$ cargo test",
            "$ cargo run --example x --y",
            "$ cargo run --example x -- --a 'b c'",
        ] {
            assert!(Recording::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_drifted_recording_is_traced_to_the_chapters_that_show_it() {
        let root = &crate::repo_root();
        let chapters = chapters_including(root, &root.join("recorded/sync-script.txt"));
        assert_eq!(chapters, ["src/sync-script.md"]);
        assert!(chapters_including(root, Path::new("recorded/none.txt")).is_empty());
    }

    #[test]
    fn masks_hide_what_varies_and_keep_the_words() {
        assert_eq!(
            mask("15 photos in 0.38 s (0.01 s before): 39.2 per second, pid 4242"),
            "N photos in N s (N s before): N per second, pid N"
        );
        assert_eq!(mask("   3 T2     |   [====]   |"), "N TN |...|");
        assert_eq!(
            mask("GET http://127.0.0.1:39523/a.jpg"),
            "GET http://N:N/a.jpg"
        );
        assert_eq!(mask("decode   12.5 ms   18% #######"), "decode N ms N%");
        assert_eq!(mask("31086 bytes  crc32 4c1d2d4d"), "N bytes crcN X");
        assert_eq!(mask("wrote /tmp/abc123/x.svg: ok"), "wrote /tmp/...: ok");
    }

    #[test]
    fn a_changed_word_or_a_missing_line_is_a_difference_and_order_is_not() {
        let recorded = "== join ==\ntask 1 done in 1.01 s\ntask 2 done in 1.00 s\n";
        assert!(
            compare(
                recorded,
                "== join ==\ntask 2 done in 0.99 s\ntask 1 done in 1.02 s\n"
            )
            .is_ok()
        );
        let diff = compare(recorded, "== join ==\ntask 1 finished in 1.01 s\n").unwrap_err();
        assert!(
            diff.contains("- task N done in N s") && diff.contains("+ task N finished"),
            "{diff}"
        );
        assert!(compare(recorded, "== join ==\ntask 1 done in 1.01 s\n").is_err());
        let first_run = format!("generating test photos of 64x48 (cached afterwards)\n{recorded}");
        assert!(compare(recorded, &first_run).is_ok());
    }
}
