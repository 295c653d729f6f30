//! Every document in `../shared/corpus/` (as its MANIFEST.tsv lists them) either generates a
//! crate or is refused with located errors. None may panic.
//!
//! The counts are printed (`cargo test -p oagen --test corpus -- --nocapture`); the README
//! reports them. Whether the generated crates compile is `cargo xtask corpus`'s job, not this
//! test's.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

fn documents(dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').next())
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_corpus_document_generates_or_gets_located_errors() {
    let dir = corpus_dir();
    if !dir.join("MANIFEST.tsv").exists() {
        eprintln!("note: {} not found; corpus test skipped", dir.display());
        return;
    }
    let docs = documents(&dir);
    assert!(
        docs.len() > 100,
        "expected the whole corpus, found {}",
        docs.len()
    );
    let (mut generated, mut refused) = (0, 0);
    let mut problems = Vec::new();
    for doc in &docs {
        let settings = oagen::Settings::new(dir.join(doc), "corpus-crate")
            .with_runtime(oagen::RuntimeDep::Path("rt".into()));
        match catch_unwind(AssertUnwindSafe(|| oagen::generate(&settings))) {
            Ok(Ok(_)) => generated += 1,
            Ok(Err(diags)) => {
                refused += 1;
                let errors: Vec<_> = diags.errors().collect();
                if errors.is_empty() {
                    problems.push(format!("{doc}: refused without an error"));
                }
                for e in errors {
                    if e.file.is_empty() || e.message.is_empty() {
                        problems.push(format!("{doc}: error without a location: {e}"));
                    }
                }
                let first = diags
                    .errors()
                    .next()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                println!("refused  {doc}: {first}");
            }
            Err(_) => problems.push(format!("{doc}: the generator panicked")),
        }
    }
    println!(
        "corpus: {} documents, {generated} generated, {refused} refused with located errors",
        docs.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
