//! `cargo xtask book [--serve]`: build (or serve) the book; `cargo xtask check`: run its guards;
//! `cargo xtask outputs`: record the examples' output the chapters show.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};
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
    Book(BookArgs),
    /// Run the book's guards (SUMMARY, includes, playground markers, links) without serving.
    Check,
    /// Measure every chapter page as the tutorial path does (words, longest
    /// paragraph, figures, summary, try it) and say what each lacks.
    Tutorial,
    /// Run the examples and the notes' Python scripts side by side, several
    /// rounds, and write the results (tables, charts, timelines) into the book.
    Report(ReportArgs),
    /// Write the chapters' tables of criterion figures (measured/bench-*.md)
    /// from criterion's estimates in target/criterion.
    BenchTables {
        /// Run the benches the tables need first (about 20 minutes on 2 cores).
        #[arg(long)]
        run: bool,
    },
    /// Run every command recorded under recorded/ and write what it printed
    /// into its file, which the chapters include.
    Outputs(OutputsArgs),
    /// Check your answer to an exercise: run its tests against
    /// exercises/NAME/src/yours.rs and say what fails.
    Exercise(ExerciseArgs),
    /// Build the book, then open every page in headless Chromium and check what a
    /// reader would see (needs Debian's chromium and chromium-driver).
    BrowserTest(BrowserArgs),
}

#[derive(Args)]
struct BookArgs {
    /// Serve the book on 127.0.0.1 and rebuild it when a source changes.
    #[arg(long)]
    serve: bool,
    /// Port for --serve (0 picks a free one).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Where to write the HTML book.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct ReportArgs {
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
}

#[derive(Args)]
struct OutputsArgs {
    /// Only these recordings (file names without .txt); default: all.
    names: Vec<String>,
    /// Compare with the recordings instead of writing them; fail on drift.
    #[arg(long)]
    check: bool,
    /// Only the recordings made with --release (cargo test checks the others).
    #[arg(long)]
    release_only: bool,
}

#[derive(Args)]
struct ExerciseArgs {
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
}

#[derive(Args)]
struct BrowserArgs {
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
    let root = &repo_root();
    match cli.command {
        Command::Book(args) => book(root, &args),
        Command::Check => book(
            root,
            &BookArgs {
                serve: false,
                port: 0,
                out: None,
            },
        ),
        Command::Tutorial => tutorial::print_shapes(root),
        Command::Report(args) => report(root, args),
        Command::BenchTables { run } => bench_tables(root, run),
        Command::Outputs(args) => outputs(root, &args),
        Command::Exercise(args) => exercise(root, &args),
        #[cfg(feature = "browser")]
        Command::BrowserTest(args) => browser_test(root, args),
        // The WebDriver client is built only for this command: run it again
        // from an xtask built with its `browser` feature.
        #[cfg(not(feature = "browser"))]
        Command::BrowserTest(_) => again_with_feature(root, "browser"),
    }
}

/// Fails naming each problem, if there are any.
fn fail_on(problems: &[impl std::fmt::Display], who: &str, what: &str) -> Result<()> {
    for problem in problems {
        eprintln!("{problem}");
    }
    if !problems.is_empty() {
        bail!("{who} {} {what}", problems.len());
    }
    Ok(())
}

/// Says which files were written.
fn print_written<'a>(root: &Path, paths: impl IntoIterator<Item = &'a PathBuf>) {
    for path in paths {
        println!(
            "wrote {}",
            path.strip_prefix(root).unwrap_or(path).display()
        );
    }
}

/// `cargo xtask book` and `check`: the guards, then the book built (and
/// its links checked) or served.
fn book(root: &Path, args: &BookArgs) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| root.join("target/book"));
    fail_on(&check_sources(root)?, "the book has", "problem(s)")?;
    if args.serve {
        let server = BookServer::start(root, &out, args.port)?;
        println!(
            "Serving the book on http://{}/ (Ctrl-C stops)",
            server.addr()
        );
        server.wait();
        return Ok(());
    }
    let built = build_book(root, Some(&out))?;
    fail_on(
        &check_links(&built.html_dir)?,
        "the book has",
        "broken link(s)",
    )?;
    println!(
        "The book is in {}",
        built.html_dir.join("index.html").display()
    );
    Ok(())
}

/// Runs this same command again from an xtask built with `feature`, and
/// exits with its exit code.
#[cfg(not(feature = "browser"))]
fn again_with_feature(root: &Path, feature: &str) -> Result<()> {
    let status = test_support::cargo()
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "xtask",
            "--features",
            feature,
        ])
        .arg("--")
        .args(std::env::args_os().skip(1))
        .status()?;
    std::process::exit(status.code().unwrap_or(1));
}

/// `cargo xtask exercise`: one exercise's tests, with advice when they fail.
fn exercise(root: &Path, args: &ExerciseArgs) -> Result<()> {
    use xtask::exercises;
    let solution = args.solution;
    if args.list {
        for e in exercises::all() {
            println!("{:<18} {:<7} src/{}", e.name, e.difficulty, e.chapter);
        }
        return Ok(());
    }
    if args.check_all {
        return exercises::check_all(root);
    }
    let exercise = exercises::find(args.name.as_deref().expect("clap requires a name"))?;
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
fn report(root: &Path, args: ReportArgs) -> Result<()> {
    let ReportArgs {
        rounds,
        release,
        only,
        ..
    } = args;
    let python = (!args.no_python).then_some(args.python);
    let mut config = if args.quick {
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
    print_written(root, &report.written);
    for reason in &report.skipped {
        println!("skipped: {reason}");
    }
    Ok(())
}

/// `cargo xtask bench-tables`: (with `run`, runs each table's benches, then)
/// writes every table, all or none.
fn bench_tables(root: &Path, run: bool) -> Result<()> {
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
            let status = test_support::cargo()
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
    print_written(root, files.iter().map(|(path, _)| path));
    Ok(())
}

/// `cargo xtask outputs`: builds the examples (release ones too when a
/// recording asks for `--release`), then records.
fn outputs(root: &Path, args: &OutputsArgs) -> Result<()> {
    let check = args.check;
    // Checking reads them all; recording leaves the report's to the report.
    let selected = xtask::outputs::select(root, &args.names, args.release_only, !check)?;
    let needs = |release: bool| {
        (selected.iter()).any(|(_, r, _)| r.runs_an_example() && r.release == release)
    };
    println!("building the examples...");
    let built = |release: bool| needs(release).then(|| build_examples(root, release));
    let dev_examples = built(false).transpose()?;
    let release_examples = built(true).transpose()?;
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
fn browser_test(root: &Path, args: BrowserArgs) -> Result<()> {
    let options = &browser::Options {
        chromium: args.chromium,
        chromedriver: args.chromedriver,
        screenshots: (args.screenshots).unwrap_or_else(|| root.join("target/browser-test")),
    };
    let book = args.book.as_deref().unwrap_or(root);
    let started = std::time::Instant::now();
    let out = root.join("target/browser-test/book");
    let built = build_book(book, Some(&out))?;
    let pages = browser::summary_pages(&book.join("src"))?;
    let crates = xtask::checks::non_std_crates(book)?;
    println!("opening {} pages in headless Chromium", pages.len());
    let problems = browser::run(&built.html_dir, &pages, &crates, options)?;
    fail_on(&problems, "the browser test found", "problem(s)")?;
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
fn build_examples(root: &Path, release: bool) -> Result<PathBuf> {
    use cargo_metadata::Message;
    let mut build = test_support::cargo();
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
