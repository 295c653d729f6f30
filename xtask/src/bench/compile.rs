//! Compile cost of generated code: lines of Rust and the time of a clean `cargo check` of one
//! generated crate, its dependencies already built.
//!
//! Each crate is generated under `target/bench/crates/<name>` and made a workspace of its own
//! (a `[workspace]` table is added to its manifest, and the main workspace's lock file is copied
//! beside it, so our crates get the dependency versions the project tests with), so a crate
//! that does not resolve cannot spoil the others. All share one target directory under
//! `target/bench`, so dependencies are built once. What is timed is the crate alone: before timing,
//! the crate's dependencies are built by checking it with an empty `src/lib.rs` (the same
//! manifest, so the same dependency features), the real `lib.rs` is put back, `cargo clean -p`
//! removes what was built for the crate, and `cargo check -p` is timed.
//!
//! When the generated manifest has per-tag features (`tag-<kebab>`), the crate is also checked
//! with `--no-default-features --features client,tag-<one>` (`client` when the manifest has
//! it) for a tag of middling size, which is what a user who needs one part of a large API pays.
//! When it has a `server` feature (off by default), the whole crate is checked with it too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Result;

/// A generated crate in a workspace of its own; `name` is its package name and the last
/// component of `dir`.
#[derive(Debug)]
pub struct Crate {
    pub dir: PathBuf,
    pub name: String,
    pub target: PathBuf,
    cargo: String,
}

/// What checking with a single tag gave.
#[derive(Debug)]
pub enum TagCheck {
    /// The manifest has no `tag-…` feature.
    Absent,
    Measured {
        /// The features enabled (with `--no-default-features`).
        features: String,
        /// Operations of that tag, and of the whole document.
        operations: usize,
        of: usize,
        secs: f64,
    },
    Failed(String),
}

impl Crate {
    /// Makes the crate at `dir` a workspace of its own, with `root`'s lock file.
    pub fn new(root: &Path, dir: PathBuf, name: &str, target: PathBuf) -> Result<Self> {
        let manifest = dir.join("Cargo.toml");
        let mut text = std::fs::read_to_string(&manifest)?;
        if !text.lines().any(|l| l.trim() == "[workspace]") {
            text.push_str("\n[workspace]\n");
            std::fs::write(&manifest, text)?;
        }
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))?;
        Ok(Crate {
            dir,
            name: name.to_owned(),
            target,
            cargo: std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        })
    }

    fn cargo(&self, args: &[&str]) -> Result<(bool, String)> {
        let out = Command::new(&self.cargo)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .args(args)
            .output()?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Builds the crate's dependencies (with `extra` arguments: features) by checking it with
    /// an empty lib.rs.
    fn warm(&self, extra: &[&str]) -> Result<std::result::Result<(), String>> {
        let krate = self.name.as_str();
        let lib = self.dir.join("src/lib.rs");
        let real = std::fs::read_to_string(&lib)?;
        std::fs::write(&lib, "")?;
        let mut args = vec!["check", "--quiet", "--message-format=short", "-p", krate];
        args.extend_from_slice(extra);
        let result = self.cargo(&args);
        std::fs::write(&lib, real)?;
        let (ok, stderr) = result?;
        Ok(if ok {
            Ok(())
        } else {
            Err(first_error(&stderr))
        })
    }

    /// Seconds of a `cargo check -p <crate>` (with `extra` arguments) after `cargo clean -p`.
    fn clean_check(&self, extra: &[&str]) -> Result<std::result::Result<f64, String>> {
        let krate = self.name.as_str();
        let (ok, stderr) = self.cargo(&["clean", "--quiet", "-p", krate])?;
        if !ok {
            return Ok(Err(first_error(&stderr)));
        }
        let mut args = vec!["check", "--quiet", "--message-format=short", "-p", krate];
        args.extend_from_slice(extra);
        let start = Instant::now();
        let (ok, stderr) = self.cargo(&args)?;
        let secs = start.elapsed().as_secs_f64();
        Ok(if ok {
            Ok(secs)
        } else {
            Err(first_error(&stderr))
        })
    }

    /// The features the manifest declares.
    fn features(&self) -> Result<Vec<String>> {
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(self.dir.join("Cargo.toml"))?)?;
        Ok(manifest
            .get("features")
            .and_then(|f| f.as_table())
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default())
    }

    /// The check of our crate with its `server` feature as well, when it has one (its
    /// dependencies built first): what a user who implements the API pays.
    pub fn server_check(&self) -> Result<Option<std::result::Result<f64, String>>> {
        if !self.features()?.iter().any(|f| f == "server") {
            return Ok(None);
        }
        self.warm_check(&["--features", "server"]).map(Some)
    }

    /// [`warm`](Self::warm), then [`clean_check`](Self::clean_check), with the same `extra`
    /// arguments, so only the crate itself is timed whatever its features pull in.
    pub fn warm_check(&self, extra: &[&str]) -> Result<std::result::Result<f64, String>> {
        match self.warm(extra)? {
            Ok(()) => self.clean_check(extra),
            Err(e) => Ok(Err(e)),
        }
    }

    /// The per-tag check of our crate, generated from `spec`.
    pub fn tag_check(&self, spec: &Path) -> Result<TagCheck> {
        let features = self.features()?;
        let tags: Vec<&String> = features.iter().filter(|f| f.starts_with("tag-")).collect();
        if tags.is_empty() {
            return Ok(TagCheck::Absent);
        }
        let counts = operations_per_tag(spec);
        let of = counts.get("").copied().unwrap_or_default();
        let mut sized: Vec<(usize, &String)> = tags
            .iter()
            .map(|f| {
                let key = squash(f.trim_start_matches("tag-"));
                let n = counts
                    .iter()
                    .filter(|(tag, _)| !tag.is_empty() && squash(tag) == key)
                    .map(|(_, n)| n)
                    .sum();
                (n, *f)
            })
            .collect();
        sized.sort();
        let (operations, feature) = sized[sized.len() / 2];
        let list = if features.iter().any(|f| f == "client") {
            format!("client,{feature}")
        } else {
            feature.clone()
        };
        Ok(
            match self.warm_check(&["--no-default-features", "--features", &list])? {
                Ok(secs) => TagCheck::Measured {
                    features: list.clone(),
                    operations,
                    of,
                    secs,
                },
                Err(e) => TagCheck::Failed(e),
            },
        )
    }
}

/// Lowercase letters and digits only, so `Payment Intents`, `payment_intents` and
/// `tag-payment-intents` meet.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Operations per tag of the document (every tag an operation lists counts it); the key ""
/// holds the number of operations.
fn operations_per_tag(spec: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let mut diags = oagen::diag::Diagnostics::default();
    let Some(sources) = oagen::load::load(spec, &mut diags) else {
        return counts;
    };
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let paths = sources
        .root()
        .value
        .get("paths")
        .and_then(|p| p.as_object());
    for item in paths.into_iter().flat_map(|p| p.values()) {
        for op in methods.iter().filter_map(|m| item.get(*m)) {
            *counts.entry(String::new()).or_default() += 1;
            let tags = op.get("tags").and_then(|t| t.as_array());
            for tag in tags.into_iter().flatten().filter_map(|t| t.as_str()) {
                *counts.entry(tag.to_owned()).or_default() += 1;
            }
        }
    }
    counts
}

/// Lines of the `.rs` files under `dir`.
pub fn rust_lines(dir: &Path) -> usize {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                total += std::fs::read_to_string(&path)
                    .map(|t| t.lines().count())
                    .unwrap_or_default();
            }
        }
    }
    total
}

fn first_error(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find(|l| l.contains("error"))
        .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("failed");
    line.chars().take(160).collect()
}
