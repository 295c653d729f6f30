//! Which spec becomes which crate: `specs/crates.toml`.
//!
//! ```toml
//! [[crate]]
//! spec = "acp.json"   # relative to the file
//! name = "acp"        # package name; the crate goes to generated/<name>/
//! # Optional, as the CLI's --tag, --operation, --client-only and --server-only:
//! tags = ["runs"]             # keep the operations with any of these tags
//! operations = ["getAgent"]   # and these (operationId or method name)
//! server = false              # no server half (or `client = false`: no client half)
//! ```
//!
//! Unknown keys are errors, and every problem in the file is reported at once.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Halves, Selection};

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
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    operations: Vec<String>,
    #[serde(default = "yes")]
    client: bool,
    #[serde(default = "yes")]
    server: bool,
}

fn yes() -> bool {
    true
}

/// One generated crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateEntry {
    /// The spec, as the config names it joined to the config's directory.
    pub spec: PathBuf,
    /// Package name, also the directory under `generated/`.
    pub name: String,
    /// `tags` and `operations`: what to generate (default: everything).
    pub selection: Selection,
    /// `client = false` or `server = false`: one half only.
    pub halves: Halves,
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
        let halves = match (entry.client, entry.server) {
            (true, true) => Halves::Both,
            (true, false) => Halves::ClientOnly,
            (false, true) => Halves::ServerOnly,
            (false, false) => {
                problems.push(format!(
                    "crate #{}: `client = false` and `server = false` leave nothing to generate",
                    i + 1
                ));
                Halves::Both
            }
        };
        out.push(CrateEntry {
            spec,
            name: entry.name.clone(),
            selection: Selection {
                tags: entry.tags.clone(),
                operations: entry.operations.clone(),
            },
            halves,
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(format!("{}:\n  {}", path.display(), problems.join("\n  ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(entries: &str) -> Result<Vec<CrateEntry>, String> {
        let dir = std::env::temp_dir().join(format!("oagen-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("a.yaml"), "").map_err(|e| e.to_string())?;
        let path = dir.join("crates.toml");
        std::fs::write(&path, entries).map_err(|e| e.to_string())?;
        let result = read_crates_file(&path);
        let _ = std::fs::remove_dir_all(&dir);
        result.map_err(|e| e.lines().skip(1).collect::<Vec<_>>().join("\n"))
    }

    #[test]
    fn selection_keys() {
        let entries = read(
            "[[crate]]\nspec = \"a.yaml\"\nname = \"a\"\n\
             [[crate]]\nspec = \"a.yaml\"\nname = \"b\"\ntags = [\"pets\"]\n\
             operations = [\"getStore\"]\nserver = false\n",
        )
        .unwrap();
        assert_eq!(entries[0].selection, Selection::default());
        assert_eq!(entries[0].halves, Halves::Both);
        assert_eq!(entries[1].selection.tags, ["pets"]);
        assert_eq!(entries[1].selection.operations, ["getStore"]);
        assert_eq!(entries[1].halves, Halves::ClientOnly);
        assert_eq!(
            read("[[crate]]\nspec = \"a.yaml\"\nname = \"a\"\nclient = false\nserver = false\n"),
            Err(
                "  crate #1: `client = false` and `server = false` leave nothing to generate"
                    .to_owned()
            )
        );
    }
}
