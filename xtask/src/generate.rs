//! `generate` and `check`: specs/ → generated/.
//!
//! Paths handed to the generator are relative to the workspace root (`specs/acp.json`), so the
//! `@generated` headers, and therefore the committed files, are the same on every machine.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use oagen::write::Change;
use oagen::{GeneratedFile, RuntimeDep, Settings};

/// Where generated crates find the runtime crate, relative to `generated/<name>/`.
const RUNTIME_PATH: &str = "../../generator/runtime";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every crate the specs give, in memory: `(name, files)`.
fn generate_all(root: &Path) -> Result<Vec<(String, Vec<GeneratedFile>)>> {
    std::env::set_current_dir(root).context("entering the workspace root")?;
    let entries = oagen::config::read_crates_file(Path::new("specs/crates.toml"))
        .map_err(anyhow::Error::msg)?;
    let mut out = Vec::new();
    let mut failed = 0;
    for entry in entries {
        let settings = Settings::new(&entry.spec, &entry.name)
            .with_runtime(RuntimeDep::Path(RUNTIME_PATH.to_owned()));
        match oagen::generate(&settings) {
            Ok(output) => {
                for w in &output.warnings {
                    eprintln!("{w}");
                }
                eprintln!(
                    "{:<16} {:>4} types {:>4} operations {:>3} untyped  ({})",
                    entry.name,
                    output.types,
                    output.operations,
                    output.untyped,
                    entry.spec.display()
                );
                out.push((entry.name, output.files));
            }
            Err(diags) => {
                eprintln!("{diags}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} spec(s) could not be generated");
    }
    Ok(out)
}

/// Directories under `generated/` that no spec produces any more.
fn stale_crates(root: &Path, crates: &[(String, Vec<GeneratedFile>)]) -> Result<Vec<String>> {
    let dir = root.join("generated");
    let mut stale = Vec::new();
    if dir.exists() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_dir() && !crates.iter().any(|(n, _)| *n == name) {
                stale.push(name);
            }
        }
    }
    stale.sort();
    Ok(stale)
}

pub fn generate(root: &Path) -> Result<()> {
    let crates = generate_all(root)?;
    for (name, files) in &crates {
        let dir = root.join("generated").join(name);
        let stats = oagen::write::write(&dir, files)
            .with_context(|| format!("writing {}", dir.display()))?;
        println!(
            "generated/{name}: {} written, {} unchanged, {} removed",
            stats.written, stats.unchanged, stats.removed
        );
    }
    for name in stale_crates(root, &crates)? {
        std::fs::remove_dir_all(root.join("generated").join(&name))?;
        println!("generated/{name}: removed (no spec produces it)");
    }
    Ok(())
}

pub fn check(root: &Path) -> Result<()> {
    let crates = generate_all(root)?;
    let mut problems = 0;
    for (name, files) in &crates {
        let dir = root.join("generated").join(name);
        for change in oagen::write::compare(&dir, files)? {
            problems += 1;
            let path = Path::new("generated").join(name).join(change.path());
            match change {
                Change::Missing(_) => eprintln!("missing: {}", path.display()),
                Change::Extra(_) => eprintln!("extra:   {} (no longer generated)", path.display()),
                Change::Changed { diff, .. } => {
                    eprintln!("changed: {}\n{diff}", path.display());
                }
            }
        }
    }
    for name in stale_crates(root, &crates)? {
        problems += 1;
        eprintln!("extra:   generated/{name}/ (no spec in specs/crates.toml produces it)");
    }
    if problems > 0 {
        bail!(
            "generated/ is out of date with specs/ ({problems} difference(s)); run `cargo xtask generate` and commit the result"
        );
    }
    println!("generated/ is up to date with specs/ ({} crates)", crates.len());
    Ok(())
}
