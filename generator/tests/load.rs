//! Runs load + normalize over every document of the shared corpus (`../shared/corpus` beside the
//! workspace, or `$OAGEN_CORPUS`): no panic, and every failure is a located diagnostic whose
//! pointer exists in the file it names. Then reads each normalised root as `openapiv3::OpenAPI`
//! and prints (does not assert) what openapiv3 still refuses, for the resolver's benefit.
//!
//! Skipped, with a note, when the corpus is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use oagen::diag::{Diagnostic, Diagnostics, Severity};
use oagen::load::{self, Sources};
use oagen::normalize::normalize;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("OAGEN_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_path_buf());
    let dir = manifest.parent()?.parent()?.join("shared").join("corpus");
    dir.is_dir().then_some(dir)
}

/// Root documents listed in MANIFEST.tsv (first column), relative to the corpus.
fn manifest_roots(corpus: &Path) -> TestResult<Vec<String>> {
    let text = std::fs::read_to_string(corpus.join("MANIFEST.tsv"))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|f| !f.is_empty())
        .map(String::from)
        .collect())
}

fn all_documents(dir: &Path, out: &mut Vec<PathBuf>) -> TestResult {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            all_documents(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// A diagnostic is located when it names a readable file and, if it has a pointer, the pointer
/// exists in that file as written on disk.
fn check_located(d: &Diagnostic, problems: &mut Vec<String>) {
    let path = Path::new(&d.file);
    if !path.is_file() {
        problems.push(format!("names no file: {d}"));
        return;
    }
    if d.pointer.is_empty() {
        if d.severity == Severity::Error
            && d.message.starts_with("invalid")
            && !d.message.contains("line")
        {
            problems.push(format!("parse error without a line: {d}"));
        }
        return;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        problems.push(format!("unreadable: {d}"));
        return;
    };
    let mut scratch = Diagnostics::new();
    match load::parse_document(&text, &d.file, &mut scratch) {
        Some(value) if value.pointer(&d.pointer).is_some() => {}
        Some(_) => problems.push(format!("pointer not in file: {d}")),
        None => problems.push(format!("file does not parse for: {d}")),
    }
}

struct Outcome {
    doc: String,
    sources: Option<Sources>,
    diags: Diagnostics,
}

fn run_one(path: &Path) -> Outcome {
    let mut diags = Diagnostics::new();
    let mut sources = load::load(path, &mut diags);
    if let Some(sources) = sources.as_mut() {
        normalize(sources, &mut diags);
    }
    Outcome {
        doc: path.display().to_string(),
        sources,
        diags,
    }
}

/// A warning's message with its specifics (`names`, 'refs') blanked, for counting by kind.
fn warning_kind(message: &str) -> String {
    let mut out = String::new();
    let mut quote = None;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '`' || c == '\'' => {
                quote = Some(c);
                out.push('…');
            }
            None => out.push(c),
        }
    }
    out.split(';')
        .next()
        .unwrap_or("")
        .chars()
        .take(80)
        .collect()
}

/// 3.1-only shapes left in a normalised document outside literal values: a census, printed, of
/// what normalize missed (a `$ref` to something it could not follow, or a bug).
fn leftovers(value: &Value, path: &mut Vec<String>, out: &mut BTreeMap<String, Vec<String>>) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                leftovers(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            let names = matches!(
                path.last().map(String::as_str),
                Some("properties" | "schemas" | "paths" | "responses")
            );
            if !names {
                let here = format!("/{}", path.join("/"));
                let mut note =
                    |what: &str| out.entry(what.to_string()).or_default().push(here.clone());
                if map.get("type").is_some_and(Value::is_array) {
                    note("type array");
                }
                if ["exclusiveMinimum", "exclusiveMaximum"]
                    .iter()
                    .any(|k| map.get(*k).is_some_and(Value::is_number))
                {
                    note("numeric exclusive bound");
                }
                if map.contains_key("$ref") && map.len() > 1 {
                    note("$ref with siblings");
                }
                if map.contains_key("const") {
                    note("const");
                }
            }
            for (key, child) in map {
                let literal = matches!(
                    key.as_str(),
                    "example" | "examples" | "default" | "enum" | "const"
                ) || key.starts_with("x-");
                if names || !literal {
                    path.push(key.clone());
                    leftovers(child, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// The first part of an openapiv3 error, with quoted specifics kept, for grouping.
fn reason(message: &str) -> String {
    let short = message.split(" at line ").next().unwrap_or(message);
    short.chars().take(140).collect()
}

#[test]
fn corpus_loads_and_normalises() -> TestResult {
    let Some(corpus) = corpus_dir() else {
        println!("note: ../shared/corpus not found beside the workspace; corpus test skipped");
        return Ok(());
    };
    // Relative display paths keep messages short, so this test runs from the corpus directory;
    // the working directory is process-wide, so it stays the only test of this binary.
    std::env::set_current_dir(&corpus)?;
    let roots = manifest_roots(&corpus)?;
    let started = Instant::now();

    let mut problems = Vec::new();
    let mut loaded = 0;
    let mut refused = Vec::new();
    let mut warnings = 0;
    let mut warning_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut v3_failures: Vec<(String, String, String)> = Vec::new();
    let mut leftover: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for root in &roots {
        let t = Instant::now();
        let outcome = match std::panic::catch_unwind(|| run_one(Path::new(root))) {
            Ok(outcome) => outcome,
            Err(_) => {
                problems.push(format!("panicked on {root}"));
                continue;
            }
        };
        let elapsed = t.elapsed();
        if elapsed.as_secs_f64() > 2.0 {
            println!("slow: {root} took {elapsed:.1?}");
        }
        for d in &outcome.diags {
            check_located(d, &mut problems);
            if d.severity == Severity::Warning {
                warnings += 1;
                let kind = warning_kind(&d.message);
                *warning_kinds.entry(kind).or_default() += 1;
            }
        }
        match &outcome.sources {
            None => {
                if !outcome.diags.has_errors() {
                    problems.push(format!("{root}: load failed without an error"));
                }
                refused.push(format!(
                    "{}: {}",
                    outcome.doc,
                    outcome
                        .diags
                        .errors()
                        .next()
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ));
            }
            Some(sources) => {
                loaded += 1;
                if outcome.diags.has_errors() {
                    problems.push(format!("{root}: loaded but with errors: {}", outcome.diags));
                }
                let value = &sources.root().value;
                let mut found = BTreeMap::new();
                leftovers(value, &mut Vec::new(), &mut found);
                for (what, places) in found {
                    for place in places {
                        leftover
                            .entry(what.clone())
                            .or_default()
                            .push(format!("{root}#{place}"));
                    }
                }
                if let Err(e) = serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(value) {
                    v3_failures.push((root.clone(), e.path().to_string(), e.inner().to_string()));
                }
            }
        }
    }

    // Every other file (multi-file parts, examples) through `load` alone: no panic, and whatever
    // is reported is located.
    let mut everything = Vec::new();
    all_documents(&corpus, &mut everything)?;
    let mut others = 0;
    for path in everything {
        let rel = path.strip_prefix(&corpus).unwrap_or(&path).to_path_buf();
        if roots.iter().any(|r| Path::new(r) == rel) {
            continue;
        }
        others += 1;
        match std::panic::catch_unwind(|| run_one(&rel)) {
            Ok(outcome) => outcome
                .diags
                .iter()
                .for_each(|d| check_located(d, &mut problems)),
            Err(_) => problems.push(format!("panicked on {}", rel.display())),
        }
    }

    println!(
        "corpus: {} roots: {loaded} loaded, {} refused with located errors; {others} other files scanned; {warnings} warnings; {:.1?}",
        roots.len(),
        refused.len(),
        started.elapsed()
    );
    for r in &refused {
        println!("  refused: {r}");
    }
    println!("warnings by kind:");
    for (kind, n) in &warning_kinds {
        println!("  {n:5}  {kind}");
    }
    println!("3.1 shapes left in normalised roots:");
    for (what, places) in &leftover {
        let some: Vec<&str> = places.iter().take(3).map(String::as_str).collect();
        println!("  {:5}  {what}: {}", places.len(), some.join(", "));
    }
    let mut by_reason: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (doc, path, message) in &v3_failures {
        by_reason
            .entry(reason(message))
            .or_default()
            .push((doc.clone(), path.clone()));
    }
    println!(
        "openapiv3: {} of {loaded} normalised roots fail to deserialize",
        v3_failures.len()
    );
    let mut reasons: Vec<_> = by_reason.into_iter().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.1.len()));
    for (reason, docs) in reasons.iter().take(15) {
        println!("  {:3} × {reason}", docs.len());
        for (doc, path) in docs.iter().take(3) {
            println!("        {doc}: {path}");
        }
    }

    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    Ok(())
}
