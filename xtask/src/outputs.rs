//! `cargo xtask outputs`: runs every command recorded under `recorded/` and
//! writes what it printed into its file (see
//! `xtask::recorded`), or with `--check` only compares.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::provenance;
use crate::recorded::{self, Recording};
use anyhow::{Context, Result, bail};
use atomic_write::write_all_or_nothing;

/// The longest one recorded run may take.
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

/// What to record: the recordings (from [`select`]) and the examples'
/// folders their commands need (dev and release builds).
pub struct Plan<'a> {
    pub root: &'a Path,
    pub selected: &'a [(PathBuf, Recording, String)],
    pub dev_examples: Option<&'a Path>,
    pub release_examples: Option<&'a Path>,
    pub check: bool,
    /// The `cargo xtask report` run recording these, if one is.
    pub report_run: Option<&'a str>,
}

/// The recordings `names` selects (by file stem), every one if empty, and
/// with `release_only` only those recorded with `--release`; an unknown name
/// is an error. With `leave_the_reports`, it leaves out (or, named, refuses)
/// the recordings `cargo xtask report` makes with their table.
pub fn select(
    root: &Path,
    names: &[String],
    release_only: bool,
    leave_the_reports: bool,
) -> Result<Vec<(PathBuf, Recording, String)>> {
    let paths = recorded::recordings(&root.join("recorded")).map_err(anyhow::Error::msg)?;
    let stem = |path: &Path| path.file_stem().map(|s| s.to_string_lossy().into_owned());
    // Recordings compared with a report table are the report's to make.
    let by_report = crate::compared::made_by_the_report(root)?;
    for name in names {
        if !paths.iter().any(|path| stem(path).as_deref() == Some(name)) {
            bail!("no recording named {name} in recorded/");
        }
        if let Some(table) = by_report.get(name)
            && leave_the_reports
        {
            bail!(
                "{name} is compared with the report's {table} table on its page, so the \
                 report records it in the run that measures the table: \
                 cargo xtask report --only {table}"
            );
        }
    }
    let mut selected = Vec::new();
    for path in paths {
        let name = stem(&path).unwrap_or_default();
        if names.is_empty() && leave_the_reports && by_report.contains_key(&name) {
            println!(
                "{name}: left to `cargo xtask report --only {}`",
                by_report[&name]
            );
            continue;
        }
        if names.is_empty() || names.contains(&name) {
            let (recording, output) = Recording::read(&path).map_err(anyhow::Error::msg)?;
            if recording.release || !release_only {
                selected.push((path, recording, output));
            }
        }
    }
    Ok(selected)
}

/// Runs each selected recording's command in turn (one at a time, so that
/// the recorded times are the machine's own), then writes every file that
/// changed, all or none. With `check`, compares instead and writes nothing.
pub fn run(plan: &Plan) -> Result<()> {
    let (changed, outputs_changed) = record(plan)?;
    write_all_or_nothing(&changed)?;
    for (path, _) in &changed {
        println!(
            "wrote {}",
            path.strip_prefix(plan.root).unwrap_or(path).display()
        );
    }
    println!(
        "{} recording(s) run, {} changed",
        plan.selected.len(),
        outputs_changed
    );
    Ok(())
}

/// Files to write, each with its bytes.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// Runs the recordings as [`run`] does, and returns the files to write (the
/// recordings that changed, and the fingerprints) and how many changed.
pub fn record(plan: &Plan) -> Result<(Files, usize)> {
    let (mut changed, mut drifted) = (Vec::new(), Vec::new());
    let sources = provenance::Sources::read(plan.root)?;
    let mut manifest = provenance::Manifest::read(plan.root);
    for (path, recording, before) in plan.selected {
        let name = path
            .strip_prefix(plan.root)
            .unwrap_or(path)
            .display()
            .to_string();
        let examples = match (recording.runs_an_example(), recording.release) {
            (false, _) => Some(Path::new("")), // rustc, python3 and cargo test run no example
            (true, true) => plan.release_examples,
            (true, false) => plan.dev_examples,
        };
        let examples = examples.with_context(|| format!("{name}: its examples were not built"))?;
        if let Some(why) = recording.unavailable(plan.root) {
            let reason = format!("{name}: {why}");
            if plan.check {
                println!("{reason}: skipped");
                continue;
            }
            bail!(reason);
        }
        let started = Instant::now();
        let output = recording
            .run_to_its_end(examples, plan.root, RUN_LIMIT)
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        println!("{name}: {:.1} s", started.elapsed().as_secs_f64());
        if plan.check {
            if let Err(diff) = recording.matches(before, &output.text) {
                let chapters = recorded::chapters_including(plan.root, path).join(", ");
                drifted.push(format!(
                    "{name} (shown in {chapters}; - recorded, + now):\n{diff}"
                ));
            }
        } else {
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            manifest.insert(file, sources.fingerprint(recording)?, plan.report_run);
            if *before != output.text {
                changed.push((path.clone(), recording.render(&output.text).into_bytes()));
            }
        }
    }
    if !drifted.is_empty() {
        bail!(
            "{} output(s) drifted from their recording; `cargo xtask outputs` records them again:\n{}",
            drifted.len(),
            drifted.join("\n")
        );
    }
    let outputs_changed = changed.len();
    if !plan.check {
        // The fingerprints with the outputs they vouch for, all or none.
        changed.push((
            plan.root.join(provenance::MANIFEST),
            manifest.text().into_bytes(),
        ));
    }
    Ok((changed, outputs_changed))
}

/// Whether `python3` runs here: the report's own check (the notes'
/// scripts need nothing else).
pub fn python_runs() -> bool {
    #[cfg(unix)]
    return crate::report::python_runs("python3").is_ok();
    #[cfg(not(unix))]
    false
}
