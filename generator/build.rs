//! Embeds the runtime crate (`runtime/`) in the generator, so `oagen generate` can write it
//! beside a generated crate that must build outside this workspace.
//!
//! Writes two files to OUT_DIR:
//! - `runtime_files.rs`: `RUNTIME_FILES: &[(&str, &str)]`, every file under `runtime/src`
//!   (path relative to the runtime crate, contents), sorted by path.
//! - `runtime_manifest.toml`: the runtime's Cargo.toml made standalone: `workspace = true`
//!   entries replaced by the workspace's own versions, dev-dependencies and lints dropped.

use std::path::{Path, PathBuf};

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let runtime = dir.join("runtime");
    println!("cargo:rerun-if-changed=runtime/src");
    println!("cargo:rerun-if-changed=runtime/Cargo.toml");
    println!("cargo:rerun-if-changed=../Cargo.toml");

    let mut files = Vec::new();
    collect(&runtime.join("src"), &runtime, &mut files);
    files.sort();
    let mut code = String::from(
        "/// Every source file of the runtime crate: (path, contents).\npub const RUNTIME_FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        code.push_str(&format!("    ({rel:?}, include_str!({abs:?})),\n"));
    }
    code.push_str("];\n");
    write(&out.join("runtime_files.rs"), &code);

    let manifest = standalone_manifest(&dir.join("../Cargo.toml"), &runtime.join("Cargo.toml"));
    write(&out.join("runtime_manifest.toml"), &manifest);
}

fn write(path: &Path, contents: &str) {
    if let Err(e) = std::fs::write(path, contents) {
        println!("cargo:warning=cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, base, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((rel, path.to_string_lossy().into_owned()));
        }
    }
}

fn read_table(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.parse::<toml::Table>().unwrap_or_default()
}

fn standalone_manifest(workspace: &Path, runtime: &Path) -> String {
    let ws = read_table(workspace);
    let rt = read_table(runtime);
    let ws_package = ws
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.as_table())
        .cloned()
        .unwrap_or_default();
    let ws_deps = ws
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();

    let mut package = toml::Table::new();
    if let Some(p) = rt.get("package").and_then(|p| p.as_table()) {
        for (key, value) in p {
            let inherited = value.get("workspace").and_then(|w| w.as_bool()) == Some(true);
            let value = if inherited {
                match ws_package.get(key) {
                    Some(v) => v.clone(),
                    None => continue,
                }
            } else {
                value.clone()
            };
            if key != "publish" {
                package.insert(key.clone(), value);
            }
        }
    }

    let mut deps = toml::Table::new();
    if let Some(d) = rt.get("dependencies").and_then(|d| d.as_table()) {
        for (name, spec) in d {
            let inherited = spec.get("workspace").and_then(|w| w.as_bool()) == Some(true);
            if !inherited {
                deps.insert(name.clone(), spec.clone());
                continue;
            }
            let mut resolved = match ws_deps.get(name) {
                Some(toml::Value::String(version)) => {
                    let mut t = toml::Table::new();
                    t.insert("version".into(), toml::Value::String(version.clone()));
                    t
                }
                Some(toml::Value::Table(t)) => t.clone(),
                _ => toml::Table::new(),
            };
            if let Some(local) = spec.as_table() {
                for (key, value) in local {
                    match key.as_str() {
                        "workspace" => {}
                        "features" => {
                            let mut features = resolved
                                .get("features")
                                .and_then(|f| f.as_array())
                                .cloned()
                                .unwrap_or_default();
                            features.extend(value.as_array().cloned().unwrap_or_default());
                            resolved.insert("features".into(), toml::Value::Array(features));
                        }
                        _ => {
                            resolved.insert(key.clone(), value.clone());
                        }
                    }
                }
            }
            deps.insert(name.clone(), toml::Value::Table(resolved));
        }
    }

    let mut manifest = toml::Table::new();
    manifest.insert("package".into(), toml::Value::Table(package));
    if let Some(f) = rt.get("features") {
        manifest.insert("features".into(), f.clone());
    }
    manifest.insert("dependencies".into(), toml::Value::Table(deps));
    format!(
        "# Vendored by oagen: the runtime its generated code calls.\n{}",
        toml::to_string(&manifest).unwrap_or_default()
    )
}
