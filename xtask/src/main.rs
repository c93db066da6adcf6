//! `cargo xtask book [--serve]`: build (or serve) the book; `cargo xtask check`: run its guards.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use xtask::build::build_book;
use xtask::checks::{check_links, check_sources};
use xtask::repo_root;
use xtask::serve::BookServer;

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
