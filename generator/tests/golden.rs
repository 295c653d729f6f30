//! Golden tests: each `tests/golden/cases/<case>/spec.yaml` generates exactly the committed
//! `types.rs` beside it. `UPDATE_GOLDEN=1 cargo test -p oagen --test golden` rewrites them.
//!
//! The outputs are also compiled and exercised: `tests/golden/` is the `golden-types` crate,
//! whose `lib.rs` includes every case and whose tests round-trip JSON through the types.

use std::path::Path;

fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("tests/golden/cases")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().join("spec.yaml").exists())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn golden_types() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let cases = cases();
    assert!(cases.len() >= 9, "golden cases not found: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let dir = Path::new("tests/golden/cases").join(case);
        let settings = oagen::Settings::new(dir.join("spec.yaml"), case.as_str())
            .with_runtime(oagen::RuntimeDep::Path("../../runtime".into()));
        let output = match oagen::generate(&settings) {
            Ok(o) => o,
            Err(diags) => {
                failures.push(format!("{case}: generation failed:\n{diags}"));
                continue;
            }
        };
        let Some(types) = output.files.iter().find(|f| f.path == "src/types.rs") else {
            failures.push(format!("{case}: no src/types.rs"));
            continue;
        };
        let expected_path = dir.join("types.rs");
        if update {
            if let Err(e) = std::fs::write(&expected_path, &types.contents) {
                failures.push(format!("{case}: {e}"));
            }
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != types.contents {
            failures.push(format!(
                "{case}: output differs from {}:\n{}",
                expected_path.display(),
                oagen::write::unified_diff(&expected_path, &expected, &types.contents)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(run with UPDATE_GOLDEN=1 to accept)",
        failures.join("\n")
    );
}
