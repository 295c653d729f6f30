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
            .with_runtime(RuntimeDep::Path(RUNTIME_PATH.to_owned()))
            .with_selection(entry.selection.clone())
            .with_halves(entry.halves);
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

/// Fails with a report naming every difference, each changed file with a bounded diff.
pub fn check(root: &Path) -> Result<()> {
    let crates = generate_all(root)?;
    let mut report = String::new();
    let mut problems = 0;
    for (name, files) in &crates {
        let dir = root.join("generated").join(name);
        for change in oagen::write::compare(&dir, files)? {
            problems += 1;
            let path = format!("generated/{name}/{}", change.path().display());
            match change {
                Change::Missing(_) => report.push_str(&format!("missing: {path}\n")),
                Change::Extra(_) => {
                    report.push_str(&format!("extra:   {path} (no longer generated)\n"));
                }
                Change::Changed { diff, .. } => {
                    report.push_str(&format!("changed: {path}\n{diff}"));
                }
            }
        }
    }
    for name in stale_crates(root, &crates)? {
        problems += 1;
        report.push_str(&format!(
            "extra:   generated/{name}/ (no spec in specs/crates.toml produces it)\n"
        ));
    }
    if problems > 0 {
        bail!(
            "{report}\ngenerated/ is out of date with specs/ ({problems} difference(s)); run `cargo xtask generate` and commit the result"
        );
    }
    println!(
        "generated/ is up to date with specs/ ({} crates)",
        crates.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "openapi: 3.0.3\ninfo: {title: Tiny, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Pet:\n      type: object\n      properties:\n        name: {type: string}\n";

    #[test]
    fn check_names_the_file_a_spec_edit_makes_stale() -> Result<()> {
        let root = std::env::temp_dir().join(format!("oagen-xtask-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("specs"))?;
        std::fs::write(
            root.join("specs/crates.toml"),
            "[[crate]]\nspec = \"tiny.yaml\"\nname = \"tiny\"\n",
        )?;
        std::fs::write(root.join("specs/tiny.yaml"), SPEC)?;
        generate(&root)?;
        check(&root)?;

        // Edit the spec without regenerating.
        std::fs::write(
            root.join("specs/tiny.yaml"),
            format!("{SPEC}        age: {{type: integer}}\n"),
        )?;
        let report = match check(&root) {
            Ok(()) => bail!("check passed on a stale crate"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            report.contains("changed: generated/tiny/src/types.rs"),
            "{report}"
        );
        assert!(report.contains("+    pub age: Option<i64>,"), "{report}");
        assert!(report.contains("cargo xtask generate"), "{report}");

        // A stray file and a stray crate are reported too.
        std::fs::write(root.join("generated/tiny/src/stray.rs"), "")?;
        std::fs::create_dir_all(root.join("generated/old"))?;
        let report = format!(
            "{:#}",
            check(&root).err().unwrap_or_else(|| anyhow::anyhow!(""))
        );
        assert!(
            report.contains("extra:   generated/tiny/src/stray.rs"),
            "{report}"
        );
        assert!(report.contains("extra:   generated/old/"), "{report}");
        std::fs::remove_dir_all(&root)?;
        Ok(())
    }
}
