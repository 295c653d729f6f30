//! Which spec becomes which crate: `specs/crates.toml`.
//!
//! ```toml
//! [[crate]]
//! spec = "acp.json"   # relative to the file
//! name = "acp"        # package name; the crate goes to generated/<name>/
//! ```
//!
//! Unknown keys are errors, and every problem in the file is reported at once.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CratesFile {
    #[serde(rename = "crate", default)]
    crates: Vec<RawEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    spec: String,
    name: String,
}

/// One generated crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateEntry {
    /// The spec, as the config names it joined to the config's directory.
    pub spec: PathBuf,
    /// Package name, also the directory under `generated/`.
    pub name: String,
}

/// Reads and checks the crates file.
pub fn read_crates_file(path: &Path) -> Result<Vec<CrateEntry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let raw: CratesFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut problems = Vec::new();
    let mut out: Vec<CrateEntry> = Vec::new();
    for (i, entry) in raw.crates.iter().enumerate() {
        let valid_name = !entry.name.is_empty()
            && entry
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid_name {
            problems.push(format!(
                "crate #{}: name `{}` must be lowercase letters, digits, `-` or `_`",
                i + 1,
                entry.name
            ));
        }
        if out.iter().any(|e| e.name == entry.name) {
            problems.push(format!(
                "crate #{}: name `{}` is used twice",
                i + 1,
                entry.name
            ));
        }
        let spec = base.join(&entry.spec);
        if !spec.is_file() {
            problems.push(format!(
                "crate #{}: spec `{}` does not exist",
                i + 1,
                spec.display()
            ));
        }
        out.push(CrateEntry {
            spec,
            name: entry.name.clone(),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(format!("{}:\n  {}", path.display(), problems.join("\n  ")))
    }
}
