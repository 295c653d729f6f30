//! `cargo xtask corpus [DIR] [--out SCRATCH] [--filter TEXT]`: generate a complete crate for
//! every OpenAPI document under DIR (default `../shared/corpus`) into one scratch workspace,
//! `cargo check` each with a shared target directory, and print a table: document, outcome
//! (compiled / warnings / located error / failed to compile / panic), seconds to generate,
//! seconds to check, first message. The totals go to CORPUS.md.
//!
//! DIR's `MANIFEST.tsv` lists the documents when there is one; otherwise every `.json`,
//! `.yaml` and `.yml` file whose top level has an `openapi` or `swagger` key is a document, so
//! it works on folders it has never seen.

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};

#[derive(Debug)]
enum Outcome {
    Compiled,
    CompiledWithWarnings(usize),
    Refused,
    FailedToCompile,
    Panicked,
}

impl Outcome {
    fn label(&self) -> String {
        match self {
            Outcome::Compiled => "compiled".into(),
            Outcome::CompiledWithWarnings(n) => format!("compiled, {n} warning(s)"),
            Outcome::Refused => "located error".into(),
            Outcome::FailedToCompile => "failed to compile".into(),
            Outcome::Panicked => "panic".into(),
        }
    }
}

struct Row {
    doc: String,
    outcome: Outcome,
    generate_secs: f64,
    check_secs: f64,
    untyped: usize,
    first: String,
}

fn documents(dir: &Path) -> Vec<PathBuf> {
    if let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) {
        return manifest
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .filter(|f| !f.is_empty())
            .map(|f| dir.join(f))
            .collect();
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) && looks_like_openapi(&p)
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn looks_like_openapi(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    text.lines().take(200).any(|l| {
        let l = l.trim_start_matches(['{', ' ', '"']);
        l.starts_with("openapi") || l.starts_with("swagger")
    })
}

fn crate_name(i: usize, doc: &Path) -> String {
    let stem: String = doc
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("c{i:03}-{}", stem.trim_matches('-'))
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut dir = root.join("../shared/corpus");
    let mut scratch = root.join("target/corpus");
    let mut filter = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => scratch = PathBuf::from(it.next().context("--out needs a value")?),
            "--filter" => filter = Some(it.next().context("--filter needs a value")?.clone()),
            other => dir = PathBuf::from(other),
        }
    }
    let docs: Vec<PathBuf> = documents(&dir)
        .into_iter()
        .filter(|d| {
            filter
                .as_ref()
                .is_none_or(|f| d.to_string_lossy().contains(f.as_str()))
        })
        .collect();
    std::fs::create_dir_all(&scratch)?;
    let runtime = std::fs::canonicalize(root.join("generator/runtime"))?;
    let mut rows = Vec::new();
    let mut members = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let name = crate_name(i, doc);
        let shown = doc.strip_prefix(&dir).unwrap_or(doc).display().to_string();
        let settings = oagen::Settings::new(doc, &name)
            .with_runtime(oagen::RuntimeDep::Path(runtime.display().to_string()));
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| oagen::generate(&settings)));
        let generate_secs = start.elapsed().as_secs_f64();
        let mut row = Row {
            doc: shown,
            outcome: Outcome::Refused,
            generate_secs,
            check_secs: 0.0,
            untyped: 0,
            first: String::new(),
        };
        match result {
            Err(_) => row.outcome = Outcome::Panicked,
            Ok(Err(diags)) => {
                row.first = diags
                    .errors()
                    .next()
                    .map(ToString::to_string)
                    .unwrap_or_default();
            }
            Ok(Ok(output)) => {
                row.untyped = output.untyped;
                oagen::write::write(&scratch.join(&name), &output.files)?;
                members.push(name.clone());
                row.outcome = Outcome::Compiled;
                row.first = name;
            }
        }
        rows.push(row);
    }
    let manifest = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
        members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    std::fs::write(scratch.join("Cargo.toml"), manifest)?;
    let _ = std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for row in rows
        .iter_mut()
        .filter(|r| matches!(r.outcome, Outcome::Compiled))
    {
        let name = std::mem::take(&mut row.first);
        let start = Instant::now();
        let out = Command::new(&cargo)
            .current_dir(&scratch)
            .args(["check", "--quiet", "--message-format=short", "-p", &name])
            .output()?;
        row.check_secs = start.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mine = |l: &&str| l.contains(&format!("{name}/src"));
        let warnings = stderr
            .lines()
            .filter(|l| l.contains(": warning") && mine(l))
            .count();
        row.first = stderr
            .lines()
            .find(|l| (l.contains(": error") || l.contains(": warning")) && mine(l))
            .or_else(|| stderr.lines().find(|l| l.starts_with("error")))
            .unwrap_or_default()
            .to_owned();
        row.outcome = if !out.status.success() {
            Outcome::FailedToCompile
        } else if warnings > 0 {
            Outcome::CompiledWithWarnings(warnings)
        } else {
            Outcome::Compiled
        };
        eprintln!(
            "{:<60} {:<22} {:>6.2}s {:>7.1}s",
            row.doc,
            row.outcome.label(),
            row.generate_secs,
            row.check_secs
        );
    }
    report(root, &dir, &rows)
}

fn report(root: &Path, dir: &Path, rows: &[Row]) -> Result<()> {
    let mut table = String::new();
    writeln!(
        table,
        "| document | outcome | generate (s) | check (s) | untyped | first message |"
    )?;
    writeln!(table, "|---|---|---:|---:|---:|---|")?;
    for r in rows {
        let first = r
            .first
            .replace('|', "\\|")
            .chars()
            .take(160)
            .collect::<String>();
        writeln!(
            table,
            "| {} | {} | {:.2} | {:.1} | {} | {} |",
            r.doc,
            r.outcome.label(),
            r.generate_secs,
            r.check_secs,
            r.untyped,
            first
        )?;
    }
    let count = |f: &dyn Fn(&Outcome) -> bool| rows.iter().filter(|r| f(&r.outcome)).count();
    let compiled = count(&|o| matches!(o, Outcome::Compiled));
    let warned = count(&|o| matches!(o, Outcome::CompiledWithWarnings(_)));
    let refused = count(&|o| matches!(o, Outcome::Refused));
    let failed = count(&|o| matches!(o, Outcome::FailedToCompile));
    let panicked = count(&|o| matches!(o, Outcome::Panicked));
    let untyped: usize = rows.iter().map(|r| r.untyped).sum();
    let totals = format!(
        "{} documents: {compiled} compiled cleanly, {warned} compiled with warnings, {failed} failed to compile, {refused} refused with a located error, {panicked} panicked; {untyped} schemas fell back to serde_json::Value.",
        rows.len()
    );
    println!("{table}\n{totals}");
    let text = format!(
        "# Corpus\n\nWritten by `cargo xtask corpus` over `{}`: every document generated into one scratch workspace (client and server), each crate checked with `cargo check`.\n\n{totals}\n\n{table}",
        dir.strip_prefix(root).unwrap_or(dir).display()
    );
    std::fs::write(root.join("CORPUS.md"), text)?;
    Ok(())
}
