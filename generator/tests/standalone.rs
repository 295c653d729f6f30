//! `oagen generate` writes a crate that builds where it was written, outside this workspace:
//! the runtime is vendored beside it. This runs the real binary and then `cargo check` on the
//! result (sharing one target directory, `target/standalone`, so dependencies are not rebuilt).
//!
//! The same way, a crate generated with `--tag` and `--client-only` (and one with
//! `--server-only`) from `tests/standalone/pets.yaml` builds, has what was selected and lacks
//! the rest; and the server-only one, which has both tags, builds with one tag feature only.
//! A crate with both halves puts each behind a feature (`client` by default, `server` opt-in)
//! and builds with either, both or neither.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh scratch directory for this test.
fn scratch(name: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!("oagen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    out
}

/// Runs `oagen generate <spec> --out <crate_dir> <args>` from the workspace root.
fn generate(spec: &str, crate_dir: &Path, args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_oagen"))
        .current_dir(workspace())
        .args(["generate", spec, "--out"])
        .arg(crate_dir)
        .args(args)
        .status();
    assert!(status.is_ok_and(|s| s.success()), "oagen generate failed");
    assert!(
        crate_dir.join("oagen-rt/src/lib.rs").exists(),
        "runtime not vendored"
    );
}

/// `cargo check` of a crate on its own, with the workspace's dependency versions and no
/// network; fails on an error or a warning.
fn check(crate_dir: &Path, args: &[&str]) {
    let copied = std::fs::copy(workspace().join("Cargo.lock"), crate_dir.join("Cargo.lock"));
    assert!(copied.is_ok());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(crate_dir)
        .env("CARGO_TARGET_DIR", workspace().join("target/standalone"))
        .args(["check", "--offline", "--quiet"])
        .args(args)
        .output();
    assert!(output.is_ok(), "cannot run cargo: {output:?}");
    let Ok(output) = output else { return };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && !stderr.contains("warning"),
        "{} does not build cleanly on its own:\n{stderr}",
        crate_dir.display()
    );
}

fn read(path: PathBuf) -> String {
    // An unreadable file reads as this message, which the assertions then show.
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| format!("cannot read {}: {e}", path.display()))
}

#[test]
fn generated_crate_builds_outside_the_workspace() {
    let out = scratch("standalone");
    let crate_dir = out.join("conversations-client");
    generate(
        "specs/conversations.yaml",
        &crate_dir,
        &["--name", "conversations-client"],
    );
    check(&crate_dir, &[]);
    let _ = std::fs::remove_dir_all(&out);
}

/// Uses what `--tag pets` keeps, so the check below fails if any of it is missing.
const USES_SELECTED: &str = r#"
use pets::{Client, ListPetsOk, Owner, Pet, PetEvent, WatchPetsOk};

async fn first_pet(client: &Client) -> Option<Pet> {
    let ListPetsOk::Ok(pets) = client.list_pets().limit(2).await.ok()?;
    pets.into_iter().next()
}

async fn events(client: &Client) -> Option<pets::rt::sse::Events<PetEvent>> {
    let WatchPetsOk::Ok(events) = client.watch_pets().await.ok()?;
    Some(events)
}

#[test]
fn selected_items_are_there() {
    let pet = Pet { name: "Rex".into(), owner: Some(Owner { name: None }) };
    assert_eq!(pet.name, "Rex");
    let _ = (first_pet, events);
}
"#;

#[test]
fn selected_client_builds_with_only_what_it_uses() {
    let out = scratch("selected");
    let client = out.join("pets-client");
    generate(
        "generator/tests/standalone/pets.yaml",
        &client,
        &["--name", "pets", "--tag", "pets", "--client-only"],
    );
    assert!(!client.join("src/server.rs").exists(), "server.rs emitted");
    let lib = read(client.join("src/lib.rs"));
    assert!(
        lib.contains("pub mod client;") && !lib.contains("server"),
        "{lib}"
    );
    let manifest = read(client.join("Cargo.toml"));
    assert!(manifest.contains(r#"features = ["client"]"#), "{manifest}");
    let code = read(client.join("src/client.rs"));
    assert!(code.contains("pub fn list_pets(") && code.contains("pub fn watch_pets("));
    assert!(!code.contains("get_store"), "getStore was not selected");
    let types = read(client.join("src/types.rs"));
    for kept in [
        "pub struct Pet ",
        "pub struct Owner ",
        "pub struct PetEvent ",
    ] {
        assert!(types.contains(kept), "`{kept}` missing:\n{types}");
    }
    // Only getStore reaches these.
    for dropped in ["Store", "Address", "pub struct Error"] {
        assert!(!types.contains(dropped), "`{dropped}` kept:\n{types}");
    }
    std::fs::create_dir_all(client.join("tests")).unwrap();
    std::fs::write(client.join("tests/selected.rs"), USES_SELECTED).unwrap();
    check(&client, &["--all-targets"]);

    // The other half: every operation, server only.
    let server = out.join("pets-server");
    generate(
        "generator/tests/standalone/pets.yaml",
        &server,
        &["--name", "pets", "--server-only"],
    );
    assert!(!server.join("src/client.rs").exists(), "client.rs emitted");
    let manifest = read(server.join("Cargo.toml"));
    assert!(manifest.contains(r#"features = ["server"]"#), "{manifest}");
    assert!(read(server.join("src/server.rs")).contains("fn get_store("));
    check(&server, &["--all-targets"]);

    // Two tags, so one cargo feature each, both on by default, and one for the schema no
    // operation uses; with one tag, the other's operations and the types only they reach are
    // compiled out, and the crate still builds.
    assert!(
        manifest.contains(
            "default = [\"tag-pets\", \"tag-stores\", \"unused-types\"]\n\
             tag-pets = []\ntag-stores = []\nunused-types = []"
        ),
        "{manifest}"
    );
    let types = read(server.join("src/types.rs"));
    assert!(
        types.contains("#[cfg(any(feature = \"tag-stores\", feature = \"unused-types\"))]\n#[derive(Clone, Debug, Default, PartialEq)]\npub struct Address"),
        "{types}"
    );
    assert!(
        types.contains("#[cfg(feature = \"unused-types\")]\n/// No operation uses this"),
        "{types}"
    );
    check(
        &server,
        &[
            "--all-targets",
            "--no-default-features",
            "--features",
            "tag-pets",
        ],
    );
    // The unused schema with that tag builds too: what it refers to (the other tag's Store and
    // Address) comes with it.
    check(
        &server,
        &[
            "--all-targets",
            "--no-default-features",
            "--features",
            "tag-pets,unused-types",
        ],
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// Uses the client and the server of a crate generated with both halves.
const USES_BOTH: &str = r#"
struct Pets;

impl pets::server::Api for Pets {}

#[test]
fn both_are_there() {
    let _router = pets::server::router(std::sync::Arc::new(Pets));
    let _client = pets::Client::new("http://localhost");
}
"#;

#[test]
fn client_and_server_are_features() {
    let out = scratch("halves");
    let both = out.join("pets");
    generate(
        "generator/tests/standalone/pets.yaml",
        &both,
        &["--name", "pets"],
    );
    let manifest = read(both.join("Cargo.toml"));
    assert!(
        manifest.contains("oagen-rt = { path = \"oagen-rt\" }\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains(
            "default = [\"client\", \"tag-pets\", \"tag-stores\", \"unused-types\"]\n\
             client = [\"oagen-rt/client\"]\nserver = [\"oagen-rt/server\"]\n"
        ),
        "{manifest}"
    );
    let lib = read(both.join("src/lib.rs"));
    for gated in [
        "#[cfg(feature = \"client\")]\n#[rustfmt::skip]\npub mod client;",
        "#[cfg(feature = \"server\")]\n#[rustfmt::skip]\npub mod server;",
        "#[cfg(any(feature = \"client\", feature = \"server\"))]\n#[rustfmt::skip]\npub mod responses;",
        "#[cfg(feature = \"client\")]\npub use client::Client;",
    ] {
        assert!(lib.contains(gated), "`{gated}` missing:\n{lib}");
    }
    // The client alone (the default), the server alone, neither (types only), and both, which
    // the test below uses.
    check(&both, &[]);
    check(
        &both,
        &["--no-default-features", "--features", "server,tag-pets"],
    );
    check(&both, &["--no-default-features", "--features", "tag-pets"]);
    std::fs::create_dir_all(both.join("tests")).unwrap();
    std::fs::write(both.join("tests/both.rs"), USES_BOTH).unwrap();
    check(&both, &["--all-targets", "--features", "server"]);
    let _ = std::fs::remove_dir_all(&out);
}
