//! `cargo xtask report` on a tiny configuration: every table, chart and
//! timeline written, Rust rows always, Python rows or a reason for their
//! absence, and nothing written when a run fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use test_support::passed::{self, Mark};
use xtask::report::{self, Config, TimelineFigure};

/// The examples, built by `cargo test` (or here, if missing).
fn examples() -> PathBuf {
    let test_exe = std::env::current_exe().unwrap();
    let profile = test_exe.parent().and_then(Path::parent).unwrap();
    let examples = profile.join("examples");
    if !examples.join("image_server").exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let built = Command::new(cargo)
            .current_dir(xtask::repo_root())
            .args(["build", "--quiet", "--workspace", "--examples"])
            .status()
            .unwrap();
        assert!(built.success(), "building the examples failed");
    }
    examples
}

/// `None` when `check` passed before and neither the examples, the Python
/// scripts, the plan nor this test binary changed since (a warm `cargo
/// test` skips it; CI runs it every time).
fn unless_passed_before(check: &str) -> Option<Mark> {
    let root = xtask::repo_root();
    let inputs = [examples(), root.join("python"), root.join("xtask/data")];
    passed::unless_passed_before(check, &inputs)
}

fn tiny(out: &Path, python: &str) -> Config {
    let root = xtask::repo_root();
    Config {
        rounds: 1,
        sleep: (2, 0.01, 2),
        cpu: (2, 10_000, vec![1, 2]),
        downloads: (3, 0.01, vec![1, 3]),
        photos: (2, (320, 240)),
        starts: 3,
        primitive_ops: 200,
        chunk_tasks: 500,
        waiting_tasks: (50, 200),
        timelines: vec![TimelineFigure {
            prefix: "loop-join",
            example: "loop_join",
            args: vec!["--tasks", "2", "--seconds", "0.01"],
        }],
        python: Some(python.into()),
        examples: examples(),
        measured: out.join("measured"),
        figures: out.join("figures"),
        run_limit: Duration::from_secs(120),
        command: "a test".into(),
        ..Config::quick(&root)
    }
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows(table: &str, language: &str) -> usize {
    let start = format!("| {language} |");
    table
        .lines()
        .filter(|line| line.starts_with(&start))
        .count()
}

/// Circles per fill colour in an SVG chart (dots of a line chart).
fn dots(svg: &str, fill: &str) -> usize {
    let document = roxmltree::Document::parse(svg).expect("well-formed SVG");
    (document.descendants())
        .filter(|n| n.has_tag_name("circle"))
        .filter(|n| {
            n.attribute("fill")
                .is_some_and(|f| f.eq_ignore_ascii_case(fill))
        })
        .count()
}

#[test]
fn a_tiny_report_writes_every_table_chart_and_timeline() {
    let Some(mark) =
        unless_passed_before("report-a_tiny_report_writes_every_table_chart_and_timeline")
    else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let root = xtask::repo_root();
    let recorded = || std::fs::read(root.join("recorded/fingerprints.tsv")).unwrap();
    let before = recorded();
    let outcome = report::run(&tiny(out.path(), "python3")).expect("the report runs");
    // A report into another folder records nothing of the book's.
    assert!(recorded() == before, "the tiny report rewrote recorded/");
    let measured = out.path().join("measured");
    let machine = read(measured.join("machine.md"));
    assert!(machine.contains("rustc"), "{machine}");
    let python = !machine.contains("- Python:");
    let pillow = python && !machine.contains("- Python's photo pipeline:");
    let requests = python && !machine.contains("- Python's downloads:");
    for reason in &outcome.skipped {
        assert!(
            machine.contains(reason.as_str()),
            "{reason} not in {machine}"
        );
    }

    // (table, Rust rows, Python rows when it ran)
    let expected = [
        ("sleep-tasks.md", 3, if python { 3 } else { 0 }),
        // seq, rayon on 1 and 2, processes; seq, threads and fork on 1 and 2, spawn
        ("cpu-bound.md", 4, if python { 6 } else { 0 }),
        ("downloads.md", 2, if requests { 2 } else { 0 }),
        // Pillow in both qualities, three modes each
        ("photos-vs-pillow.md", 8, if pillow { 6 } else { 0 }),
        ("start-costs.md", 5, if python { 5 } else { 0 }),
        // timely: one worker, two threads, two processes (reading or sent the photos)
        ("distributed.md", 4, 0),
        // chunk-one, chunked, adaptive, unordered, bridge
        ("chunks.md", 5, if python { 5 } else { 0 }),
    ];
    // Tokio's tasks, threads, then four times as many tasks: Rust's start
    // time and memory beside Python's, in one row each.
    let costs = read(measured.join("task-costs.md"));
    let costs_rows: Vec<&str> = costs.lines().filter(|l| l.contains(" µs |")).collect();
    let firsts: Vec<&str> = costs_rows
        .iter()
        .map(|l| l.split(" | ").next().unwrap())
        .collect();
    assert_eq!(
        firsts,
        [
            "| 50 tasks (tokio, asyncio)",
            "| 50 threads",
            "| 200 tasks (tokio, asyncio)"
        ],
        "{costs}"
    );
    for row in &costs_rows {
        assert_eq!(
            row.matches(" µs |").count(),
            if python { 2 } else { 1 },
            "{costs}"
        );
        assert_eq!(
            row.matches(" KiB |").count(),
            if python { 2 } else { 1 },
            "{costs}"
        );
    }
    let headline = read(measured.join("task-costs-headline.md"));
    assert_eq!(headline.contains("asyncio took"), python, "{headline}");
    for (file, rust, python_rows) in expected {
        let table = read(measured.join(file));
        assert_eq!(rows(&table, "Rust"), rust, "{file}:\n{table}");
        assert_eq!(rows(&table, "Python"), python_rows, "{file}:\n{table}");
        assert!(
            table.contains("by `a test`"),
            "{file} does not say how it was made"
        );
    }
    // One worker against two processes for 1, 2, 4 and 8 photos, then the
    // full run's photos.
    let sweep = read(measured.join("distributed-sweep.md"));
    let counts: Vec<&str> = (sweep.lines())
        .filter_map(|line| line.strip_prefix("| ")?.split(' ').next())
        .filter(|first| first.parse::<usize>().is_ok())
        .collect();
    assert_eq!(counts, ["1", "2", "4", "8", "2"], "{sweep}");
    // Each exact photo mode alone, with its peak memory (the processes mode's
    // workers' too): seq, threads, rayon, processes, rayon-inner.
    let modes = read(measured.join("photos-modes.md"));
    let memory: Vec<&str> = (modes.lines().filter(|line| line.starts_with("| `")))
        .map(|line| line.rsplit(" | ").next().unwrap())
        .collect();
    assert_eq!(memory.len(), 5, "{modes}");
    if cfg!(target_os = "linux") {
        assert!(memory.iter().all(|m| m.contains(" MiB")), "{modes}");
        assert_eq!(modes.matches("MiB per worker").count(), 1, "{modes}");
    }
    // Eight primitives measured in Rust; Python's five beside them when it ran.
    let primitives = read(measured.join("primitives.md"));
    let rows: Vec<&str> = (primitives
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(" ns |")))
    .collect();
    assert_eq!(rows.len(), 8, "{primitives}");
    let with_python = rows
        .iter()
        .filter(|l| l.matches(" ns |").count() == 2)
        .count();
    assert_eq!(with_python, if python { 5 } else { 0 }, "{primitives}");
    let timely = read(measured.join("distributed-headline.md"));
    assert_eq!(timely.matches("photos per second").count(), 4, "{timely}");
    let chunks = read(measured.join("chunks-headline.md"));
    assert!(chunks.contains("a piece per task took"), "{chunks}");
    assert_eq!(
        chunks.contains("`chunksize=1`"),
        python,
        "Python's sentence when Python ran: {chunks}"
    );
    let samples: serde_json::Value =
        serde_json::from_str(&read(measured.join("report.json"))).unwrap();
    assert!(samples.as_array().is_some_and(|all| !all.is_empty()));

    let figures = out.path().join("figures");
    for chart in [
        "cpu-speedup",
        "download-makespan",
        "start-costs",
        "photos-per-second",
        "task-costs",
    ] {
        let svg = read(figures.join("measured").join(format!("{chart}.svg")));
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{chart}: {e}"));
    }
    // Rust's speedup line: a dot per worker count (1 and 2) and one in the legend.
    let speedup = read(figures.join("measured/cpu-speedup.svg"));
    assert_eq!(dots(&speedup, "#1F77B4"), 2 + 1);
    for mode in ["two-loops", "join-in-loop", "scope"] {
        let svg = read(figures.join(format!("timelines/loop-join-{mode}.svg")));
        roxmltree::Document::parse(&svg).unwrap();
    }
    mark.passed();
}

#[test]
fn without_python_the_report_says_why_and_measures_rust() {
    let Some(mark) =
        unless_passed_before("report-without_python_the_report_says_why_and_measures_rust")
    else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut config = tiny(out.path(), "no-such-python3");
    config.timelines.clear();
    let outcome = report::run(&config).expect("the report runs");
    assert!(
        outcome
            .skipped
            .iter()
            .any(|r| r.contains("`no-such-python3` does not run")),
        "{:?}",
        outcome.skipped
    );
    let machine = read(out.path().join("measured/machine.md"));
    assert!(
        machine.contains("`no-such-python3` does not run"),
        "{machine}"
    );
    let table = read(out.path().join("measured/cpu-bound.md"));
    assert_eq!(
        (rows(&table, "Rust"), rows(&table, "Python")),
        (4, 0),
        "{table}"
    );
    mark.passed();
}

#[test]
fn a_failing_run_is_an_error_naming_it_and_writes_nothing() {
    let Some(mark) =
        unless_passed_before("report-a_failing_run_is_an_error_naming_it_and_writes_nothing")
    else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut config = tiny(out.path(), "no-such-python3");
    config.photos = (2, (0, 0)); // process_images rejects a 0x0 size
    let before = "a table from an earlier report\n";
    std::fs::create_dir_all(out.path().join("measured")).unwrap();
    std::fs::write(out.path().join("measured/cpu-bound.md"), before).unwrap();
    let error = report::run(&config).expect_err("a run fails").to_string();
    assert!(error.contains("process_images"), "{error}");
    assert_eq!(read(out.path().join("measured/cpu-bound.md")), before);
    assert!(!out.path().join("figures").exists());
    mark.passed();
}

#[test]
fn a_report_that_cannot_write_one_file_changes_none() {
    let Some(mark) =
        unless_passed_before("report-a_report_that_cannot_write_one_file_changes_none")
    else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let config = tiny(out.path(), "no-such-python3");
    let before = "a table from an earlier report\n";
    std::fs::create_dir_all(out.path().join("measured/report.json")).unwrap(); // in the way
    std::fs::write(out.path().join("measured/cpu-bound.md"), before).unwrap();
    let error = format!(
        "{:#}",
        report::run(&config).expect_err("the last write fails")
    );
    assert!(error.contains("report.json"), "{error}");
    assert_eq!(read(out.path().join("measured/cpu-bound.md")), before);
    let mut left: Vec<String> = std::fs::read_dir(out.path().join("measured"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["cpu-bound.md", "report.json"],
        "nothing new, no temporary file"
    );
    // Folders may have been made on the way; no file was written in them.
    let mut folders = vec![out.path().join("figures")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            assert!(entry.path().is_dir(), "written: {}", entry.path().display());
            folders.push(entry.path());
        }
    }
    mark.passed();
}

#[test]
fn without_python3_the_command_refuses_unless_told_to_measure_rust_alone() {
    // A stand-in repository: were the refusal missing, the report would fail
    // there (no workspace to build) instead of rewriting the book's tables.
    let fake = tempfile::tempdir().unwrap();
    std::fs::write(fake.path().join("book.toml"), "").unwrap();
    std::fs::create_dir_all(fake.path().join("xtask")).unwrap();
    std::fs::write(fake.path().join("xtask/Cargo.toml"), "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["report", "--quick", "--python", "no-such-python3"])
        .current_dir(fake.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`no-such-python3` does not run"),
        "{stderr}"
    );
    assert!(stderr.contains("--no-python"), "{stderr}");
    assert!(!fake.path().join("measured").exists());
}

#[test]
fn only_one_table_runs_its_rows_and_writes_its_files_alone() {
    let Some(mark) =
        unless_passed_before("report-only_one_table_runs_its_rows_and_writes_its_files_alone")
    else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let mut config = tiny(out.path(), "no-such-python3");
    config.only = Some("task-costs".into());
    let measured = out.path().join("measured");
    std::fs::create_dir_all(&measured).unwrap();
    let earlier = r#"[{"table": "cpu-bound", "language": "Rust", "value": 1.5}]"#;
    std::fs::write(measured.join("report.json"), earlier).unwrap();
    let outcome = report::run(&config).expect("the report runs");
    let mut written: Vec<String> = (outcome.written.iter())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "report.json",
            "task-costs-headline.md",
            "task-costs.md",
            "task-costs.svg"
        ]
    );
    let samples: Vec<serde_json::Value> =
        serde_json::from_str(&read(measured.join("report.json"))).unwrap();
    assert_eq!(
        samples[0]["table"], "cpu-bound",
        "the earlier samples are kept"
    );
    assert!(samples[1..].iter().all(|s| s["table"] == "task-costs"));
    assert!(samples.len() > 1);

    config.only = Some("no-such-table".into());
    let error = report::run(&config)
        .expect_err("an unknown table")
        .to_string();
    assert!(
        error.contains("no such table") && error.contains("task-costs"),
        "{error}"
    );
    mark.passed();
}
