//! The peers: other generators of Rust code from OpenAPI documents, run on the same documents in
//! the same run, so that each of our figures has one to be compared with.
//!
//! - progenitor (`cargo-progenitor`, Oxide): a client crate (`Cargo.toml` + `src/lib.rs`,
//!   formatted with `rustfmt`); no server. It reads OpenAPI 3.0 only (JSON, or YAML after JSON
//!   fails), one file.
//! - openapi-to-rust (gpu-cli): typed models and an async client as a module folder plus a
//!   `REQUIRED_DEPS.toml` fragment; with its default direct mode, no server.
//!
//! Both generate a client only while ours generates a client and a server, so on equal terms
//! ours does more work per document. Versions are pinned so a report can be reproduced; they
//! are installed under `target/bench/tools` by `cargo install --locked`, never globally.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

#[derive(Clone, Copy, Debug)]
pub struct Peer {
    /// As shown in the report.
    pub name: &'static str,
    pub krate: &'static str,
    pub version: &'static str,
    pub bin: &'static str,
}

pub const PEERS: [Peer; 2] = [
    Peer {
        name: "progenitor",
        krate: "cargo-progenitor",
        version: "0.15.1",
        bin: "cargo-progenitor",
    },
    Peer {
        name: "openapi-to-rust",
        krate: "openapi-to-rust",
        version: "0.23.0",
        bin: "openapi-to-rust",
    },
];

impl Peer {
    pub fn binary(&self, tools: &Path) -> PathBuf {
        tools.join("bin").join(self.bin)
    }

    /// The arguments that generate a crate named `name` from `spec` into `out`.
    pub fn args(&self, spec: &Path, out: &Path, name: &str) -> Vec<String> {
        let (spec, out) = (spec.display().to_string(), out.display().to_string());
        match self.name {
            "progenitor" => vec![
                "progenitor".into(),
                "-i".into(),
                spec,
                "-o".into(),
                out,
                "-n".into(),
                name.into(),
                "-v".into(),
                "0.1.0".into(),
            ],
            _ => vec![
                "generate".into(),
                spec,
                "--output-dir".into(),
                format!("{out}/src/api"),
                "--module-name".into(),
                "api".into(),
                "--quiet".into(),
            ],
        }
    }

    /// Turns what the peer wrote into `out` into a crate named `name` that `cargo check` can
    /// build: progenitor writes a crate already; openapi-to-rust writes a module, which gets a
    /// manifest made of its `REQUIRED_DEPS.toml` and a `lib.rs` that declares it (edition 2024:
    /// its code uses let chains).
    pub fn make_crate(&self, out: &Path, name: &str) -> Result<()> {
        if self.name == "progenitor" {
            return Ok(());
        }
        let deps = std::fs::read_to_string(out.join("src/api/REQUIRED_DEPS.toml"))
            .unwrap_or_else(|_| "[dependencies]\n".into());
        std::fs::write(
            out.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n{deps}"
            ),
        )?;
        std::fs::write(out.join("src/lib.rs"), "pub mod api;\n")?;
        Ok(())
    }
}

/// Installs every peer missing from `tools` (in this thread; the caller runs it beside other
/// work). Returns one line per peer: installed, or why not.
pub fn install(tools: &Path) -> Vec<(Peer, Result<()>)> {
    PEERS
        .iter()
        .map(|peer| (*peer, install_one(peer, tools)))
        .collect()
}

fn install_one(peer: &Peer, tools: &Path) -> Result<()> {
    if installed_version(peer, tools).as_deref() == Some(peer.version)
        && peer.binary(tools).exists()
    {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let log = tools.join(format!("install-{}.log", peer.krate));
    std::fs::create_dir_all(tools)?;
    let status = Command::new(cargo)
        .args(["install", "--locked", "--quiet", "--root"])
        .arg(tools)
        .args([peer.krate, "--version", peer.version])
        .env_remove("CARGO_TARGET_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .status()
        .with_context(|| format!("running cargo install {}", peer.krate))?;
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        bail!(
            "cargo install {} failed: {}",
            peer.krate,
            super::measure::first_error_line(&text).unwrap_or_default()
        );
    }
    Ok(())
}

/// The version of `peer` that `cargo install` recorded in `tools/.crates.toml`.
pub fn installed_version(peer: &Peer, tools: &Path) -> Option<String> {
    let text = std::fs::read_to_string(tools.join(".crates.toml")).ok()?;
    let prefix = format!("\"{} ", peer.krate);
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(&prefix)?;
        Some(rest.split_whitespace().next()?.to_owned())
    })
}
