//! `cargo xtask interop [--rounds N]`: outside tools against what we generate, one table.
//!
//! 1. Installs what it needs, locally: a virtual environment at `.venv-interop/` filled from
//!    `tests/interop/python/requirements.txt` (the `revengai` and `agntcy-acp` SDKs, pytest),
//!    and Prism from `tests/interop/prism/package.json` into `target/interop/node`. Each is
//!    redone only when its pinned list changed. Builds the `interop` binaries.
//! 2. The published SDKs against our generated servers: pytest in `tests/interop/python`
//!    starts the `serve` binary (recording `conversations` and `acp` servers on 127.0.0.1) and
//!    drives every operation of each SDK through it.
//! 3. Schemathesis against our generated servers: `tests/interop/schemathesis/run.py` starts
//!    each with `serve` and fuzzes it against its spec, valid requests then invalid ones.
//! 4. Our generated clients against Prism: one Prism per spec in `specs/crates.toml`
//!    (127.0.0.1, request validation on); `prism_client` calls every operation once with
//!    Prism's examples (`static`: does Prism flag the request?), `--rounds` times with
//!    generated answers (`dynamic`: does every answer decode?), and a few times per documented
//!    4xx/5xx status (`errors`: does each documented error decode as that error?).
//!
//! Prints one table (spec, outside tool, operations exercised, checks passed and failed, the
//! first failure) with notes, writes the same to `INTEROP.md`, and fails when a check failed.
//! Logs are kept in `target/interop/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Pinned Python packages.
const REQUIREMENTS: &str = "tests/interop/python/requirements.txt";
/// Pinned npm packages (Prism).
const PACKAGE_JSON: &str = "tests/interop/prism/package.json";
/// The virtual environment, at the workspace root.
const VENV: &str = ".venv-interop";
/// Calls per documented error status (each a generated body).
const ERROR_ROUNDS: usize = 3;
/// How long Prism may take to listen.
const PRISM_START: Duration = Duration::from_secs(120);

/// One row of the table.
#[derive(Debug, Default)]
struct Row {
    spec: String,
    tool: String,
    operations: usize,
    passed: usize,
    failed: usize,
    first_failure: String,
    notes: Vec<String>,
}

/// A Prism process, ended when dropped.
#[derive(Debug)]
struct Prism {
    child: Child,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut rounds = 20_usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rounds" => {
                rounds = it
                    .next()
                    .context("--rounds needs a value")?
                    .parse()
                    .context("--rounds needs a number")?;
            }
            other => bail!("interop: unknown argument {other:?} (usage: interop [--rounds N])"),
        }
    }
    let started = Instant::now();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map_or_else(|| root.join("target"), |t| root.join(t));
    let work = target.join("interop");
    std::fs::create_dir_all(&work)?;

    let python = install_venv(root)?;
    let prism_bin = install_prism(root, &work)?;
    eprintln!("interop: building the interop binaries");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--quiet", "-p", "interop", "--bins"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build -p interop --bins failed");
    }
    let bin = target.join("debug");

    let entries = oagen::config::read_crates_file(&root.join("specs/crates.toml"))
        .map_err(anyhow::Error::msg)?;
    let mut rows = python_rows(root, &python, &bin.join("serve"), &work)?;
    rows.extend(schemathesis_rows(root, &python, &bin.join("serve"), &work)?);
    rows.extend(prism_rows(
        &entries,
        &prism_bin,
        &bin.join("prism_client"),
        &work,
        rounds,
    )?);
    // By spec, in the order of specs/crates.toml; the SDK rows first (the sort is stable).
    let order = |spec: &str| {
        entries
            .iter()
            .position(|e| spec_name(&e.spec) == spec)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|r| order(&r.spec));

    let table = render(&rows);
    println!("{table}");
    std::fs::write(root.join("INTEROP.md"), document(&table))?;
    let failed: usize = rows.iter().map(|r| r.failed).sum();
    eprintln!(
        "interop: {} passed, {failed} failed in {:.0} s (logs in {})",
        rows.iter().map(|r| r.passed).sum::<usize>(),
        started.elapsed().as_secs_f64(),
        work.display()
    );
    if failed > 0 {
        bail!("{failed} interoperability check(s) failed; see INTEROP.md");
    }
    Ok(())
}

/// Creates `.venv-interop/` and installs the pinned requirements when they changed.
fn install_venv(root: &Path) -> Result<PathBuf> {
    let venv = root.join(VENV);
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!("interop: creating {VENV}/");
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .context("running python3 -m venv")?;
        if !status.success() {
            bail!("python3 -m venv {} failed", venv.display());
        }
    }
    let wanted = std::fs::read_to_string(root.join(REQUIREMENTS))
        .with_context(|| format!("reading {REQUIREMENTS}"))?;
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        eprintln!("interop: installing {REQUIREMENTS} into {VENV}/");
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(root.join(REQUIREMENTS))
            .status()
            .context("running pip install")?;
        if !status.success() {
            bail!("pip install -r {REQUIREMENTS} failed");
        }
        std::fs::write(&stamp, &wanted)?;
    }
    Ok(python)
}

/// Installs Prism into `target/interop/node` when its pinned package list changed.
fn install_prism(root: &Path, work: &Path) -> Result<PathBuf> {
    let prefix = work.join("node");
    std::fs::create_dir_all(&prefix)?;
    let wanted = std::fs::read_to_string(root.join(PACKAGE_JSON))
        .with_context(|| format!("reading {PACKAGE_JSON}"))?;
    let manifest = prefix.join("package.json");
    let prism = prefix.join("node_modules/.bin/prism");
    if !prism.exists() || std::fs::read_to_string(&manifest).ok().as_deref() != Some(&wanted) {
        eprintln!("interop: installing Prism into {}", prefix.display());
        std::fs::write(&manifest, &wanted)?;
        let status = Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--no-audit", "--no-fund", "--loglevel=error"])
            .stdout(Stdio::null())
            .status()
            .context("running npm install")?;
        if !status.success() {
            let _ = std::fs::remove_file(&manifest);
            bail!("npm install --prefix {} failed", prefix.display());
        }
    }
    Ok(prism)
}

/// Runs the pytest suite and makes one row per (spec, SDK).
fn python_rows(root: &Path, python: &Path, serve: &Path, work: &Path) -> Result<Vec<Row>> {
    let results = work.join("python-results.jsonl");
    let _ = std::fs::remove_file(&results);
    let log = work.join("pytest.log");
    eprintln!("interop: SDKs against the generated servers (pytest)");
    let status = Command::new(python)
        .current_dir(root.join("tests/interop/python"))
        .args(["-m", "pytest", "-q", "-rfEX", "-p", "no:cacheprovider"])
        .env("INTEROP_SERVE", serve)
        .env("INTEROP_RESULTS", &results)
        .stdout(std::fs::File::create(&log)?)
        .stderr(Stdio::inherit())
        .status()
        .context("running pytest")?;
    // 0: all passed, 1: some failed; anything else (collection error, usage, no test) means
    // the results are not the whole suite.
    if !matches!(status.code(), Some(0 | 1)) {
        bail!(
            "pytest did not run the whole suite ({status}); see {}",
            log.display()
        );
    }
    let text = std::fs::read_to_string(&results).unwrap_or_default();
    if text.is_empty() {
        bail!("pytest ({status}) reported no test; see {}", log.display());
    }
    eprintln!(
        "interop: pytest finished ({status}); log in {}",
        log.display()
    );
    rows_from_results(&text)
}

/// Runs schemathesis against every generated server (`tests/interop/schemathesis/run.py`)
/// and makes one row per (spec, kind of request).
fn schemathesis_rows(root: &Path, python: &Path, serve: &Path, work: &Path) -> Result<Vec<Row>> {
    let results = work.join("schemathesis-results.jsonl");
    let _ = std::fs::remove_file(&results);
    let dir = work.join("schemathesis");
    eprintln!("interop: schemathesis against the generated servers");
    let status = Command::new(python)
        .current_dir(root)
        .arg("tests/interop/schemathesis/run.py")
        .arg(serve)
        .arg(&results)
        .arg(&dir)
        .stdin(Stdio::null())
        .status()
        .context("running tests/interop/schemathesis/run.py")?;
    if !status.success() {
        bail!(
            "schemathesis did not run ({status}); logs in {}",
            dir.display()
        );
    }
    let text = std::fs::read_to_string(&results).unwrap_or_default();
    if text.is_empty() {
        bail!(
            "schemathesis reported no operation; logs in {}",
            dir.display()
        );
    }
    rows_from_results(&text)
}

/// Rows from result lines (JSON: spec, tool, operation, test, outcome, detail, notes), one
/// per (spec, tool), counting operations once.
fn rows_from_results(text: &str) -> Result<Vec<Row>> {
    let mut rows: BTreeMap<(String, String), (Row, Vec<String>)> = BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).context("a pytest result line")?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let (row, ops) = rows
            .entry((s("spec"), s("tool")))
            .or_insert_with(|| (Row::default(), Vec::new()));
        row.spec = s("spec");
        row.tool = s("tool");
        if !ops.contains(&s("operation")) {
            ops.push(s("operation"));
        }
        match s("outcome").as_str() {
            "passed" => row.passed += 1,
            "noted" => row
                .notes
                .push(format!("`{}`: {}", s("operation"), s("detail"))),
            _ => {
                row.failed += 1;
                if row.first_failure.is_empty() {
                    row.first_failure = format!("{}: {}", s("test"), s("detail"));
                }
            }
        }
        for note in v["notes"].as_array().into_iter().flatten() {
            let note = format!(
                "`{}`: {}",
                s("operation"),
                note.as_str().unwrap_or_default()
            );
            if !row.notes.contains(&note) {
                row.notes.push(note);
            }
        }
    }
    Ok(rows
        .into_values()
        .map(|(mut row, ops)| {
            row.operations = ops.len();
            row
        })
        .collect())
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Starts Prism on `spec` and waits until it accepts connections.
fn start_prism(prism: &Path, spec: &Path, log: &Path) -> Result<Prism> {
    let port = free_port()?;
    let out = std::fs::File::create(log)?;
    let child = Command::new(prism)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(spec)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .with_context(|| format!("starting {}", prism.display()))?;
    let mut prism = Prism {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + PRISM_START;
    loop {
        if let Some(status) = prism.child.try_wait()? {
            bail!(
                "Prism on {} exited ({status}); see {}",
                spec.display(),
                log.display()
            );
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(prism);
        }
        if Instant::now() > deadline {
            bail!(
                "Prism on {} did not listen within {PRISM_START:?}",
                spec.display()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Runs `prism_client` for one crate and mode; its JSON lines.
fn prism_client(
    client: &Path,
    name: &str,
    url: &str,
    mode: &str,
    rounds: usize,
    spec: &Path,
) -> Result<Vec<Value>> {
    let mut child = Command::new(client)
        .args([name, url, mode, &rounds.to_string()])
        .arg(spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", client.display()))?;
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut out)?;
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("prism_client {name} {mode} failed ({status})");
    }
    out.lines()
        .map(|l| serde_json::from_str(l).context("a prism_client line"))
        .collect()
}

/// The file name of a spec, as the table shows it.
fn spec_name(spec: &Path) -> String {
    spec.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Starts a Prism per spec, runs the three modes against each, and makes a row per mode.
fn prism_rows(
    entries: &[oagen::config::CrateEntry],
    prism: &Path,
    client: &Path,
    work: &Path,
    rounds: usize,
) -> Result<Vec<Row>> {
    eprintln!(
        "interop: generated clients against Prism ({} specs)",
        entries.len()
    );
    let mut servers = Vec::new();
    for entry in entries {
        let log = work.join(format!("prism-{}.log", entry.name));
        servers.push(start_prism(prism, &entry.spec, &log)?);
    }
    type Modes = [Vec<Value>; 3];
    let results: Vec<Result<Modes>> = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .iter()
            .zip(&servers)
            .map(|(entry, server)| {
                scope.spawn(move || -> Result<Modes> {
                    let run = |mode: &str, rounds: usize| {
                        prism_client(client, &entry.name, &server.url, mode, rounds, &entry.spec)
                    };
                    Ok([
                        run("static", 1)?,
                        run("dynamic", rounds)?,
                        run("errors", ERROR_ROUNDS)?,
                    ])
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a prism_client thread panicked")))
            })
            .collect()
    });
    drop(servers);
    let mut rows = Vec::new();
    for (entry, result) in entries.iter().zip(results) {
        let [fixed, dynamic, errors] = result?;
        let spec = spec_name(&entry.spec);
        rows.push(prism_row(
            &spec,
            "Prism: requests validated (static)",
            &fixed,
        ));
        rows.push(prism_row(
            &spec,
            &format!("Prism: answers decoded (dynamic, {rounds} rounds)"),
            &dynamic,
        ));
        rows.push(prism_row(
            &spec,
            &format!("Prism: documented errors decoded ({ERROR_ROUNDS} rounds per status)"),
            &errors,
        ));
    }
    Ok(rows)
}

fn prism_row(spec: &str, tool: &str, reports: &[Value]) -> Row {
    let mut row = Row {
        spec: spec.to_owned(),
        tool: tool.to_owned(),
        operations: reports.len(),
        ..Row::default()
    };
    let mut unchecked: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in reports {
        let op = r["operation"].as_str().unwrap_or_default();
        if r["passed"].as_bool() == Some(true) {
            row.passed += 1;
        } else {
            row.failed += 1;
            if row.first_failure.is_empty() {
                row.first_failure = format!(
                    "`{op}` ({}/{} rounds): {}",
                    r["failed_rounds"],
                    r["rounds"],
                    r["detail"].as_str().unwrap_or_default()
                );
            }
        }
        if r["unchecked_rounds"].as_u64().unwrap_or(0) > 0 {
            let why = r["notes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .find(|n| n.contains("not checked"))
                .unwrap_or("not checked")
                .to_owned();
            unchecked.entry(summarise(&why)).or_default().push(format!(
                "`{op}` ({}/{})",
                r["unchecked_rounds"], r["rounds"]
            ));
        }
    }
    for (why, ops) in unchecked {
        row.notes.push(format!("{}: {why}", ops.join(", ")));
    }
    row
}

/// A note without the parts that differ per operation (paths, JSON pointers).
fn summarise(note: &str) -> String {
    let short: String = note.chars().take(260).collect();
    if short.len() < note.len() {
        format!("{short}…")
    } else {
        short
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The table and its notes, as Markdown.
fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| spec | outside tool | operations exercised | passed | failed | first failure |"
    );
    let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | --- |");
    for r in rows {
        let detail: String = r.first_failure.chars().take(400).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&r.spec),
            cell(&r.tool),
            r.operations,
            r.passed,
            r.failed,
            if detail.is_empty() {
                "—".to_owned()
            } else {
                cell(&detail)
            }
        );
    }
    let notes: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            r.notes
                .iter()
                .map(move |n| format!("- {} / {}: {n}", r.spec, r.tool))
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "\nNotes (not failures; what could not be checked, and why):\n"
        );
        for n in notes {
            let _ = writeln!(out, "{}", n.replace('\n', " "));
        }
    }
    out
}

fn document(table: &str) -> String {
    format!(
        "# Interoperability\n\n\
         Outside tools against what oagen generates. Regenerate this page with \
         `cargo xtask interop` (it installs what it needs: `.venv-interop/` from \
         `tests/interop/python/requirements.txt`, Prism into `target/interop/node`); the code is \
         in `tests/interop/` and `xtask/src/interop.rs`.\n\n\
         - **revengai** and **agntcy-acp** are the published Python SDKs of the conversations and \
         ACP APIs. Each drives our generated server (a recording implementation, \
         `tests/interop/src/*_server.rs`) through every operation it offers: the request the SDK \
         sent must be what the server recorded and what the implementation was handed, the \
         answer must be what the SDK hands back, and a documented 404 must reach the SDK as its \
         `NotFoundException`. Counts are pytest checks (`tests/interop/python/`).\n\
         - **Prism** (`@stoplight/prism-cli`) serves each spec with request validation. Every \
         operation of the generated client is called with valid arguments: once against the \
         spec's examples (a check fails when Prism flags the request), then many rounds against \
         generated answers (a check fails when an answer does not decode), then for each \
         documented 4xx/5xx status with a generated body of that status (the client must decode \
         it as that documented error). Counts are operations.\n\
         - **schemathesis** fuzzes every generated server against its own spec (the recording \
         servers, and the `e2e` crate's reference implementations of the agent runtime and \
         platform), with the credentials each accepts: schema-valid requests (every answer must \
         be documented: status, content type, headers, body; no 5xx; unknown credentials \
         refused) and schema-invalid ones (no 5xx; each refusal a documented status and body). \
         SSE payloads are checked by `tests/interop/schemathesis/hooks.py`. Counts are \
         operations; what is not an answer breaking the spec (invalid data accepted, since the \
         router does not check numeric bounds, lengths, patterns or formats yet) is a note.\n\n\
         {table}"
    )
}
