//! Writing generated crates, and checking that what is on disk is what would be written.
//!
//! Input: a directory and the [`GeneratedFile`]s that belong in it. `write` replaces changed
//! files only (so timestamps of unchanged files stay, and cargo does not rebuild them) and
//! removes files the generator no longer produces. `compare` does the same comparison without
//! touching anything and describes each difference, with a bounded unified diff.
//!
//! Invariant: the generator owns a generated crate's directory entirely; `target/` directories
//! are never touched.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::emit::GeneratedFile;

/// One difference between the disk and the generator's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Missing(PathBuf),
    Changed { path: PathBuf, diff: String },
    Extra(PathBuf),
}

impl Change {
    pub fn path(&self) -> &Path {
        match self {
            Change::Missing(p) | Change::Extra(p) => p,
            Change::Changed { path, .. } => path,
        }
    }
}

/// Counts of what [`write`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Most lines of diff shown per changed file.
const MAX_DIFF_LINES: usize = 80;

/// Every file below `dir`, relative to it, skipping `target/`.
fn existing_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                if entry.file_name() != "target" {
                    stack.push(path);
                }
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Differences between `dir` on disk and `files`, sorted by path.
pub fn compare(dir: &Path, files: &[GeneratedFile]) -> io::Result<Vec<Change>> {
    let mut changes = Vec::new();
    for file in files {
        let rel = PathBuf::from(&file.path);
        match std::fs::read(dir.join(&rel)) {
            Ok(bytes) => {
                let on_disk = String::from_utf8_lossy(&bytes);
                if on_disk != file.contents {
                    changes.push(Change::Changed {
                        diff: unified_diff(&rel, &on_disk, &file.contents),
                        path: rel,
                    });
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => changes.push(Change::Missing(rel)),
            Err(e) => return Err(e),
        }
    }
    for rel in existing_files(dir)? {
        if !files.iter().any(|f| Path::new(&f.path) == rel) {
            changes.push(Change::Extra(rel));
        }
    }
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(changes)
}

/// Makes `dir` hold exactly `files`.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> io::Result<WriteStats> {
    let mut stats = WriteStats::default();
    for file in files {
        let path = dir.join(&file.path);
        if std::fs::read(&path).is_ok_and(|old| old == file.contents.as_bytes()) {
            stats.unchanged += 1;
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.contents)?;
        stats.written += 1;
    }
    for rel in existing_files(dir)? {
        if !files.iter().any(|f| Path::new(&f.path) == rel) {
            std::fs::remove_file(dir.join(&rel))?;
            stats.removed += 1;
        }
    }
    Ok(stats)
}

/// A unified diff from `old` (on disk) to `new` (generated), cut after [`MAX_DIFF_LINES`].
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let name = path.display().to_string();
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{name} (committed)"),
            &format!("b/{name} (generated)"),
        )
        .to_string();
    let mut out = String::new();
    let total = text.lines().count();
    for line in text.lines().take(MAX_DIFF_LINES) {
        let _ = writeln!(out, "{line}");
    }
    if total > MAX_DIFF_LINES {
        let _ = writeln!(out, "... {} more diff lines", total - MAX_DIFF_LINES);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("oagen-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn file(path: &str, contents: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn write_then_compare_is_clean_and_changes_are_named() -> io::Result<()> {
        let dir = scratch("roundtrip");
        let files = vec![file("a.txt", "one\n"), file("src/b.rs", "two\n")];
        let stats = write(&dir, &files)?;
        assert_eq!(stats.written, 2);
        assert!(compare(&dir, &files)?.is_empty());
        assert_eq!(write(&dir, &files)?.unchanged, 2);

        std::fs::write(dir.join("a.txt"), "uno\n")?;
        std::fs::write(dir.join("stray.rs"), "x")?;
        std::fs::remove_file(dir.join("src/b.rs"))?;
        let changes = compare(&dir, &files)?;
        assert_eq!(changes.len(), 3);
        match &changes[0] {
            Change::Changed { path, diff } => {
                assert_eq!(path, Path::new("a.txt"));
                assert!(diff.contains("-uno"), "{diff}");
                assert!(diff.contains("+one"), "{diff}");
            }
            other => return Err(io::Error::other(format!("unexpected {other:?}"))),
        }
        assert_eq!(changes[1], Change::Missing("src/b.rs".into()));
        assert_eq!(changes[2], Change::Extra("stray.rs".into()));

        let stats = write(&dir, &files)?;
        assert_eq!((stats.written, stats.removed), (2, 1));
        assert!(compare(&dir, &files)?.is_empty());
        std::fs::remove_dir_all(&dir)
    }
}
