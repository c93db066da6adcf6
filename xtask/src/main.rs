//! `cargo xtask book [--serve]`: build (or serve) the book; `cargo xtask check`: run its guards;
//! `cargo xtask outputs`: record the examples' output the chapters show.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
#[cfg(feature = "browser")]
use xtask::browser;
use xtask::build::build_book;
use xtask::checks::{check_links, check_sources};
use xtask::repo_root;
use xtask::serve::BookServer;
use xtask::tutorial;

#[derive(Parser)]
#[command(about = "Build, serve and check the book without installing mdBook")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the book, then build it as HTML (default: target/book).
    Book {
        /// Serve the book on 127.0.0.1 and rebuild it when a source changes.
        #[arg(long)]
        serve: bool,
        /// Port for --serve (0 picks a free one).
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Where to write the HTML book.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run the book's guards (SUMMARY, includes, playground markers, links) without serving.
    Check,
    /// Measure every chapter page as the tutorial path does (words, longest
    /// paragraph, figures, summary, try it) and say what each lacks.
    Tutorial,
    /// Run the examples and the notes' Python scripts side by side, several
    /// rounds, and write the results (tables, charts, timelines) into the book.
    Report {
        /// A smaller, shorter report: under two minutes on two cores.
        #[arg(long)]
        quick: bool,
        /// Interleaved rounds (default: 5, or 2 with --quick).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=100))]
        rounds: Option<u16>,
        /// The Python interpreter to run the scripts under python/ with.
        #[arg(long, default_value = "python3")]
        python: String,
        /// Measure Rust only.
        #[arg(long)]
        no_python: bool,
        /// Build and run the examples with --release (default: the dev
        /// profile `cargo run --example` uses, optimized for this book).
        #[arg(long)]
        release: bool,
        /// Run one table's rows alone (task-costs, say) and write only its
        /// table, headline and chart; the other tables stay as they are.
        #[arg(long, value_name = "TABLE")]
        only: Option<String>,
    },
    /// Write the chapters' tables of criterion figures (measured/bench-*.md)
    /// from criterion's estimates in target/criterion.
    BenchTables {
        /// Run the benches the tables need first (about 20 minutes on 2 cores).
        #[arg(long)]
        run: bool,
    },
    /// Run every command recorded under recorded/ and write what it printed
    /// into its file, which the chapters include.
    Outputs {
        /// Only these recordings (file names without .txt); default: all.
        names: Vec<String>,
        /// Compare with the recordings instead of writing them; fail on drift.
        #[arg(long)]
        check: bool,
        /// Only the recordings made with --release (cargo test checks the others).
        #[arg(long)]
        release_only: bool,
    },
    /// Check your answer to an exercise: run its tests against
    /// exercises/NAME/src/yours.rs and say what fails.
    Exercise {
        /// The exercise (the page "Exercises" lists them).
        #[arg(required_unless_present_any = ["check_all", "list"])]
        name: Option<String>,
        /// Test the worked solution instead of your file.
        #[arg(long)]
        solution: bool,
        /// List the exercises.
        #[arg(long)]
        list: bool,
        /// CI: every solution must pass and every untouched starter fail.
        #[arg(long)]
        check_all: bool,
    },
    /// Build the book, then open every page in headless Chromium and check what a
    /// reader would see (needs Debian's chromium and chromium-driver).
    BrowserTest {
        /// The Chromium binary.
        #[arg(long, default_value = "/usr/bin/chromium")]
        chromium: PathBuf,
        /// The chromedriver binary.
        #[arg(long, default_value = "/usr/bin/chromedriver")]
        chromedriver: PathBuf,
        /// Build and test the book from this folder instead of the repository.
        #[arg(long)]
        book: Option<PathBuf>,
        /// Where to write one screenshot per page (default: target/browser-test).
        #[arg(long)]
        screenshots: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let root = repo_root();
    let (serve, port, out) = match cli.command {
        Command::Book { serve, port, out } => (serve, port, out),
        Command::Check => (false, 0, None),
        Command::Tutorial => return tutorial::print_shapes(&root),
        Command::Report {
            quick,
            rounds,
            python,
            no_python,
            release,
            only,
        } => {
            return report(
                &root,
                quick,
                rounds,
                (!no_python).then_some(python),
                release,
                only,
            );
        }
        Command::Outputs {
            names,
            check,
            release_only,
        } => return outputs(&root, &names, check, release_only),
        Command::BenchTables { run } => return bench_tables(&root, run),
        Command::Exercise {
            name,
            solution,
            list,
            check_all,
        } => return exercise(&root, name.as_deref(), solution, list, check_all),
        Command::BrowserTest {
            chromium,
            chromedriver,
            book,
            screenshots,
        } => {
            #[cfg(feature = "browser")]
            {
                let options = browser::Options {
                    chromium,
                    chromedriver,
                    screenshots: screenshots.unwrap_or_else(|| root.join("target/browser-test")),
                };
                return browser_test(&book.unwrap_or(root.clone()), &root, &options);
            }
            #[cfg(not(feature = "browser"))]
            {
                // The WebDriver client is built only for this command: run
                // it again from an xtask built with its `browser` feature.
                let _ = (chromium, chromedriver, book, screenshots);
                return again_with_feature(&root, "browser");
            }
        }
    };
    let out = out.unwrap_or_else(|| root.join("target/book"));

    let problems = check_sources(&root)?;
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("{problem}");
        }
        bail!("the book has {} problem(s)", problems.len());
    }
    if serve {
        let server = BookServer::start(&root, &out, port)?;
        println!(
            "Serving the book on http://{}/ (Ctrl-C stops)",
            server.addr()
        );
        server.wait();
        return Ok(());
    }
    let built = build_book(&root, Some(&out))?;
    let problems = check_links(&built.html_dir)?;
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("{problem}");
        }
        bail!("the book has {} broken link(s)", problems.len());
    }
    println!(
        "The book is in {}",
        built.html_dir.join("index.html").display()
    );
    Ok(())
}

/// Runs this same command again from an xtask built with `feature`, and
/// exits with its exit code.
#[cfg(not(feature = "browser"))]
fn again_with_feature(root: &std::path::Path, feature: &str) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "xtask",
            "--features",
            feature,
            "--",
        ])
        .args(std::env::args_os().skip(1))
        .status()?;
    std::process::exit(status.code().unwrap_or(1));
}

/// `cargo xtask exercise`: one exercise's tests, with advice when they fail.
fn exercise(
    root: &std::path::Path,
    name: Option<&str>,
    solution: bool,
    list: bool,
    check_all: bool,
) -> Result<()> {
    use xtask::exercises;
    if list {
        for e in exercises::all() {
            println!("{:<18} {:<7} src/{}", e.name, e.difficulty, e.chapter);
        }
        return Ok(());
    }
    if check_all {
        return exercises::check_all(root);
    }
    let exercise = exercises::find(name.expect("clap requires a name"))?;
    let whose = if solution {
        "the worked solution"
    } else {
        "your answer"
    };
    println!("Checking {whose} to {} ...", exercise.name);
    let run = exercises::run(root, &exercise, solution)?;
    println!("{}", exercises::condensed(&run.output).trim_end());
    if run.passed {
        println!("\n{}: every check passes.", exercise.name);
        return Ok(());
    }
    println!("\n{}: not solved yet.", exercise.name);
    for line in exercises::advice(&exercise, &run.output) {
        println!("- {line}");
    }
    std::process::exit(1);
}

/// `cargo xtask report`: builds the examples, then runs the report.
fn report(
    root: &std::path::Path,
    quick: bool,
    rounds: Option<u16>,
    python: Option<String>,
    release: bool,
    only: Option<String>,
) -> Result<()> {
    let mut config = if quick {
        xtask::report::Config::quick(root)
    } else {
        xtask::report::Config::full(root)
    };
    let mut command = vec![config.command.clone()];
    if let Some(rounds) = rounds {
        config.rounds = rounds.into();
        command.push(format!("--rounds {rounds}"));
    }
    if release {
        command.push("--release".into());
    }
    if python.is_none() {
        command.push("--no-python".into());
    }
    if let Some(table) = &only {
        command.push(format!("--only {table}"));
    }
    config.only = only;
    // A report without its Python rows is asked for with --no-python, never
    // made because python3 is missing: that would rewrite the book's tables
    // without them.
    if let Some(program) = &python
        && let Err(reason) = xtask::report::python_runs(program)
    {
        bail!(
            "Python: {reason}. Install Python 3 (and `pip install -r \
             python/requirements.txt`), name it with --python, or measure Rust \
             alone with --no-python; nothing was written"
        );
    }
    config.python = python;
    config.command = command.join(" ");
    println!("building the examples...");
    config.examples = build_examples(root, release)?;
    config.release = release;
    let report = xtask::report::run(&config)?;
    for path in &report.written {
        println!(
            "wrote {}",
            path.strip_prefix(root).unwrap_or(path).display()
        );
    }
    for reason in &report.skipped {
        println!("skipped: {reason}");
    }
    Ok(())
}

/// `cargo xtask bench-tables`: (with `run`, runs each table's benches, then)
/// writes every table, all or none.
fn bench_tables(root: &std::path::Path, run: bool) -> Result<()> {
    if run {
        let mut done = Vec::new();
        // The limit table reads the stages table's benches.
        for bench in xtask::benches::all_tables()
            .into_iter()
            .map(|table| table.bench)
        {
            if done.contains(&bench) {
                continue;
            }
            println!("cargo bench {bench}");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = std::process::Command::new(cargo)
                .current_dir(root)
                .arg("bench")
                // As a shell would: the quotes only keep `a|b` one word.
                .args(bench.split_whitespace().map(|a| a.trim_matches('\'')))
                .status()?;
            if !status.success() {
                bail!("cargo bench {bench} failed");
            }
            done.push(bench);
        }
    }
    let criterion = harness::target_dir().join("criterion");
    let footer = format!(
        "Measured on {} by `cargo xtask bench-tables` on {}.",
        xtask::report::machine::today(),
        xtask::report::machine::rust_machine_description()
    );
    let files = xtask::benches::tables(&criterion, &root.join("measured"), &footer)?;
    atomic_write::write_all_or_nothing(&files)?;
    for (path, _) in &files {
        println!(
            "wrote {}",
            path.strip_prefix(root).unwrap_or(path).display()
        );
    }
    Ok(())
}

/// `cargo xtask outputs`: builds the examples (release ones too when a
/// recording asks for `--release`), then records.
fn outputs(
    root: &std::path::Path,
    names: &[String],
    check: bool,
    release_only: bool,
) -> Result<()> {
    // Checking reads them all; recording leaves the report's to the report.
    let selected = xtask::outputs::select(root, names, release_only, !check)?;
    let needs = |release: bool| {
        (selected.iter()).any(|(_, r, _)| r.runs_an_example() && r.release == release)
    };
    println!("building the examples...");
    let dev_examples = if needs(false) {
        Some(build_examples(root, false)?)
    } else {
        None
    };
    let release_examples = if needs(true) {
        Some(build_examples(root, true)?)
    } else {
        None
    };
    xtask::outputs::run(&xtask::outputs::Plan {
        root,
        selected: &selected,
        dev_examples: dev_examples.as_deref(),
        release_examples: release_examples.as_deref(),
        check,
        report_run: None,
    })
}

/// `cargo xtask browser-test`: the book at `book` built into target/, then opened page by page.
#[cfg(feature = "browser")]
fn browser_test(
    book: &std::path::Path,
    root: &std::path::Path,
    options: &browser::Options,
) -> Result<()> {
    let started = std::time::Instant::now();
    let out = root.join("target/browser-test/book");
    let built = build_book(book, Some(&out))?;
    let pages = browser::summary_pages(&book.join("src"))?;
    let crates = xtask::checks::non_std_crates(book)?;
    println!("opening {} pages in headless Chromium", pages.len());
    let problems = browser::run(&built.html_dir, &pages, &crates, options)?;
    for problem in &problems {
        eprintln!("{problem}");
    }
    if !problems.is_empty() {
        bail!("the browser test found {} problem(s)", problems.len());
    }
    println!(
        "{} pages, search, the 404 page and the print view passed in {:.1} s; screenshots in {}",
        pages.len(),
        started.elapsed().as_secs_f64(),
        options.screenshots.display()
    );
    Ok(())
}

/// Builds the book's examples and returns the folder cargo put them in,
/// read from cargo's JSON messages (so `CARGO_TARGET_DIR` and the profile
/// are cargo's business, not a guess).
fn build_examples(root: &std::path::Path, release: bool) -> Result<std::path::PathBuf> {
    use cargo_metadata::Message;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = std::process::Command::new(cargo);
    // Every part's examples: the report runs examples of several crates.
    build.current_dir(root).args([
        "build",
        "--workspace",
        "--examples",
        // The listings' whole programs, which recordings run too.
        "--bins",
        "--message-format=json-render-diagnostics",
    ]);
    if release {
        build.arg("--release");
    }
    let output = build.stderr(std::process::Stdio::inherit()).output()?;
    if !output.status.success() {
        bail!("building the examples failed");
    }
    let mut folders = std::collections::BTreeSet::new();
    for message in Message::parse_stream(&output.stdout[..]) {
        if let Message::CompilerArtifact(artifact) = message? {
            let is_example = artifact.target.is_example();
            let folder = artifact.executable.as_ref().and_then(|e| e.parent());
            if let (true, Some(folder)) = (is_example, folder) {
                folders.insert(folder.as_std_path().to_path_buf());
            }
        }
    }
    match folders.len() {
        1 => Ok(folders.pop_first().expect("one folder")),
        0 => bail!("cargo built no example binaries"),
        _ => bail!("cargo put the examples in several folders: {folders:?}"),
    }
}
