//! `oagen generate` writes a crate that builds where it was written, outside this workspace:
//! the runtime is vendored beside it. This runs the real binary and then `cargo check` on the
//! result (sharing this workspace's target directory so dependencies are not rebuilt).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn generated_crate_builds_outside_the_workspace() {
    let out = std::env::temp_dir().join(format!("oagen-standalone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let crate_dir = out.join("conversations-client");
    let status = Command::new(env!("CARGO_BIN_EXE_oagen"))
        .current_dir(workspace())
        .args(["generate", "specs/conversations.yaml", "--out"])
        .arg(&crate_dir)
        .args(["--name", "conversations-client"])
        .status();
    assert!(status.is_ok_and(|s| s.success()), "oagen generate failed");
    assert!(
        crate_dir.join("oagen-rt/src/lib.rs").exists(),
        "runtime not vendored"
    );

    // Same dependency versions as the workspace, and no network.
    let copied = std::fs::copy(workspace().join("Cargo.lock"), crate_dir.join("Cargo.lock"));
    assert!(copied.is_ok());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(&crate_dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/standalone"))
        .args(["check", "--offline", "--quiet"])
        .output();
    assert!(output.is_ok(), "cannot run cargo: {output:?}");
    let Ok(output) = output else { return };
    assert!(
        output.status.success(),
        "the generated crate does not build on its own:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(&out);
}
