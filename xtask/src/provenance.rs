//! What produced each recording under `recorded/`, so that a recording made
//! before a code change cannot pass for one made after it (numbers are
//! masked when outputs are compared, so the output alone cannot tell).
//!
//! A recording's fingerprint hashes the sources its program was built from:
//! the package that holds the example (or listing) and every workspace
//! package it depends on (the dev-dependencies the program names, not the
//! ones only its package's tests use; their `Cargo.toml`,
//! `build.rs` and every `.rs` file under `src/`), the example's own file and
//! the modules in its `examples/` subfolders, the files its arguments name,
//! the lock file, the root manifest (the profiles) and the profile it ran
//! in. A `rustc` listing's is its file's. `cargo xtask outputs` writes the
//! fingerprints into [`MANIFEST`] beside the recordings; `cargo test` fails
//! when one no longer matches the tree, naming the command that records it
//! again.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use cargo_metadata::{DependencyKind, MetadataCommand, TargetKind};
use sha2::{Digest, Sha256};

use crate::recorded::Recording;

/// Where the fingerprints live: one `FILE<TAB>FINGERPRINT` line per recording.
pub const MANIFEST: &str = "recorded/fingerprints.tsv";

/// The workspace's packages, as far as fingerprints need them.
pub struct Sources {
    root: PathBuf,
    /// Package name to its folder and the workspace packages it depends
    /// on (each with whether it is a dev-dependency).
    packages: HashMap<String, (PathBuf, Vec<(String, bool)>)>,
    /// (a listing's binary?, name) to its package and source file: the
    /// listings and the examples share names.
    programs: HashMap<(bool, String), (String, PathBuf)>,
    /// What every fingerprint shares: the lock file and the root manifest.
    shared: Vec<u8>,
}

impl Sources {
    /// Reads the workspace with `cargo metadata` (offline, no dependencies).
    pub fn read(root: &Path) -> Result<Sources> {
        let metadata = MetadataCommand::new()
            .manifest_path(root.join("Cargo.toml"))
            .no_deps()
            .other_options(vec!["--offline".to_string()])
            .exec()
            .context("cargo metadata")?;
        let by_folder: HashMap<PathBuf, String> = (metadata.packages.iter())
            .map(|p| {
                let dir = p
                    .manifest_path
                    .parent()
                    .unwrap()
                    .as_std_path()
                    .to_path_buf();
                (dir, p.name.to_string())
            })
            .collect();
        let mut packages = HashMap::new();
        let mut programs = HashMap::new();
        for package in &metadata.packages {
            let dir = package.manifest_path.parent().unwrap().as_std_path();
            let deps = (package.dependencies.iter())
                .filter_map(|d| {
                    let name = by_folder.get(d.path.as_ref()?.as_std_path())?.clone();
                    Some((name, d.kind == DependencyKind::Development))
                })
                .collect();
            packages.insert(package.name.to_string(), (dir.to_path_buf(), deps));
            for target in &package.targets {
                let listing = package.name == "listings";
                let program = (target.kind.iter())
                    .any(|k| *k == TargetKind::Example || listing && *k == TargetKind::Bin);
                if program {
                    let source = target.src_path.as_std_path().to_path_buf();
                    let key = (listing, target.name.clone());
                    programs.insert(key, (package.name.to_string(), source));
                }
            }
        }
        let mut shared = Vec::new();
        for file in ["Cargo.lock", "Cargo.toml"] {
            shared
                .extend(fs::read(root.join(file)).with_context(|| format!("cannot read {file}"))?);
        }
        Ok(Sources {
            root: root.to_path_buf(),
            packages,
            programs,
            shared,
        })
    }

    /// The fingerprint of what produced `recording`, as the tree is now.
    pub fn fingerprint(&self, recording: &Recording) -> Result<String> {
        let mut hasher = Sha256::new();
        if recording.runs_a_build() {
            hasher.update(&self.shared);
            hasher.update(if recording.release { "release" } else { "dev" });
        }
        for path in self.inputs(recording)? {
            let relative = path.strip_prefix(&self.root).unwrap_or(&path);
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update(
                fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
            );
        }
        Ok(hex(hasher))
    }

    /// The files a recording's fingerprint reads, besides the lock file and
    /// the root manifest, in a fixed order.
    pub fn inputs(&self, recording: &Recording) -> Result<Vec<PathBuf>> {
        if recording.rustc {
            let files = recording.args.iter().filter(|a| a.ends_with(".rs"));
            return Ok(files.map(|a| self.root.join(a)).collect());
        }
        if recording.python {
            // The script, and what every script shares.
            let files = (recording.args.iter().filter(|a| a.ends_with(".py")))
                .map(|a| self.root.join(a))
                .chain([self.root.join("python/summary.py")]);
            return Ok(files.filter(|f| f.is_file()).collect());
        }
        let key = (recording.bin, recording.example.clone());
        // The loom models are a test of the root package.
        let loom_models = match recording.loom {
            true => {
                let root_package = (self.packages.iter())
                    .find(|(_, (dir, _))| dir == &self.root)
                    .context("no package at the workspace's root, whose test the loom run is")?;
                let test = format!("{}.rs", recording.example);
                Some((root_package.0.clone(), self.root.join("tests").join(test)))
            }
            false => None,
        };
        let (package, source) = (loom_models.as_ref().or_else(|| self.programs.get(&key)))
            .with_context(|| format!("no example or listing named {}", recording.example))?;
        let mut files = vec![source.clone()];
        // Modules the example's file pulls in from its folder's subfolders;
        // a test's, the files its `#[path = "..."]` attributes name.
        if recording.loom {
            let text = fs::read_to_string(source).unwrap_or_default();
            for found in PATH_ATTRIBUTE.captures_iter(&text) {
                files.push(source.parent().unwrap().join(&found[1]));
            }
        } else {
            for folder in fs::read_dir(source.parent().unwrap())?.flatten() {
                if folder.path().is_dir() {
                    rust_files(&folder.path(), &mut files);
                }
            }
        }
        // The program's own package's dev-dependencies count where the
        // program names them (harness, say, not the tests' test-support);
        // further down, only what a library needs to build.
        let program_text: String = (files.iter())
            .filter_map(|f| fs::read_to_string(f).ok())
            .collect();
        let named = |dep: &str| {
            let lib = dep.replace('-', "_");
            program_text.contains(&format!("{lib}::"))
                || program_text.contains(&format!("use {lib}"))
        };
        let mut seen: Vec<String> = Vec::new();
        let mut next = vec![package.clone()];
        let mut first = true;
        while let Some(name) = next.pop() {
            if seen.contains(&name) {
                continue;
            }
            let (dir, deps) = &self.packages[&name];
            for file in ["Cargo.toml", "build.rs"] {
                if dir.join(file).is_file() {
                    files.push(dir.join(file));
                }
            }
            // Not `src/bin/`: another program's file (the listings' whole
            // programs) is no part of this one.
            rust_files(&dir.join("src"), &mut files);
            files.retain(|f| !f.starts_with(dir.join("src/bin")) || f == source);
            let wanted = (deps.iter()).filter(|(dep, dev)| !dev || first && named(dep));
            next.extend(wanted.map(|(dep, _)| dep.clone()));
            first = false;
            seen.push(name);
        }
        for arg in &recording.args {
            let named = self
                .root
                .join(arg.split_once('=').map_or(arg.as_str(), |(_, v)| v));
            if named.is_file() && named.starts_with(&self.root) {
                files.push(named);
            }
        }
        files[1..].sort();
        files.dedup();
        Ok(files)
    }
}

/// A module's file named by `#[path = "FILE"]`.
static PATH_ATTRIBUTE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"#\[path\s*=\s*"([^"]+)"\]"#).expect("a valid pattern")
});

/// Every `.rs` file below `dir`, sorted.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

fn hex(hasher: Sha256) -> String {
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// What [`MANIFEST`] holds: each recording's fingerprint, and for those
/// `cargo xtask report` makes, the report run that made them.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// File name to fingerprint.
    pub prints: BTreeMap<String, String>,
    /// File name to report run (see `xtask::compared`).
    pub report_runs: BTreeMap<String, String>,
}

impl Manifest {
    /// [`MANIFEST`] as it is (empty where it is missing).
    pub fn read(root: &Path) -> Manifest {
        let text = fs::read_to_string(root.join(MANIFEST)).unwrap_or_default();
        let mut manifest = Manifest::default();
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let mut columns = line.split('\t');
            let (Some(file), Some(print)) = (columns.next(), columns.next()) else {
                continue;
            };
            manifest.prints.insert(file.into(), print.into());
            if let Some(run) = columns.next() {
                manifest.report_runs.insert(file.into(), run.into());
            }
        }
        manifest
    }

    /// Records `file`'s fingerprint, made by report run `run` or by
    /// `cargo xtask outputs` (None).
    pub fn insert(&mut self, file: String, print: String, run: Option<&str>) {
        match run {
            Some(run) => self.report_runs.insert(file.clone(), run.into()),
            None => self.report_runs.remove(&file),
        };
        self.prints.insert(file, print);
    }

    /// [`MANIFEST`]'s text.
    pub fn text(&self) -> String {
        let mut text = String::from(
            "# What produced each recording: see xtask/src/provenance.rs. Written by\n\
             # `cargo xtask outputs`; `cargo test` fails when a line no longer matches.\n\
             # A third column names the `cargo xtask report` run that made it.\n",
        );
        for (file, print) in &self.prints {
            match self.report_runs.get(file) {
                Some(run) => text.push_str(&format!("{file}\t{print}\t{run}\n")),
                None => text.push_str(&format!("{file}\t{print}\n")),
            }
        }
        text
    }
}
