//! `cargo xtask bench [--quick] [--runs N]`: measures the generator, the code it generates and
//! its runtime, against peers measured in the same run, and writes BENCHMARKS.md.
//!
//! 1. Generation: wall time (median of N runs) and peak memory of the release `oagen` binary
//!    on the largest documents of `../shared/corpus` and on a synthetic document of 10,000
//!    operations and 5,000 schemas (written to `target/bench/`), with the time of each stage
//!    from `oagen-stages` (`benches/src/stages.rs`), and the synthetic document at four sizes
//!    to show how time grows. The same documents through each peer (`bench/peers.rs`).
//! 2. Compile cost: lines of Rust and a clean `cargo check` of the crates generated from
//!    Stripe and OpenAI, ours and the peers' (`bench/compile.rs`).
//! 3. Client overhead: the generated client against plain reqwest (`benches/benches/client.rs`).
//! 4. SSE decoding: the runtime's criterion bench (`generator/runtime/benches/sse.rs`).
//!
//! `--quick` leaves out the peers and the compile cost (for working on the bench itself).
//! Everything is written under `target/bench/`; the report is BENCHMARKS.md. Peers are
//! installed there on first use while our own binaries build, and nothing is timed until every
//! build has finished. Figures that have a peer figure get a ratio "ours / peer" (below 1: ours
//! is faster or smaller); where two peers measured, the ratio is against the one that did best
//! relative to ours.

mod compile;
mod measure;
mod peers;
mod synthetic;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use measure::{Cmd, Outcome};
use peers::Peer;

/// The corpus documents measured, by path under `../shared/corpus`, the first two also for
/// compile cost.
const CORPUS: [(&str, &str); 5] = [
    ("Stripe", "large/stripe-spec3.yaml"),
    ("OpenAI", "agents/openai.openapi.yaml"),
    ("DevRev", "agents/devrev-public.openapi.yaml"),
    ("DigitalOcean", "vendors/digitalocean/digitalocean.com_2.0.openapi.yaml"),
    (
        "Kubernetes apps/v1",
        "vendors/kubernetes/k8s-v1.29.2-apis-apps-v1.openapi.json",
    ),
];
/// Every MANIFEST.tsv document under this folder is one document of the Matrix set.
const MATRIX: &str = "multifile/matrix-spec/";
/// Sizes of the synthetic document: operations (schemas are half as many). The last is the
/// one compared with the peers and held to the 5 s bar.
const GROWTH: [usize; 4] = [1_000, 2_500, 5_000, 10_000];
/// A generator run that takes longer than this is stopped and reported as failed.
const TIMEOUT: Duration = Duration::from_secs(180);

struct Options {
    quick: bool,
    runs: usize,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        quick: false,
        runs: 5,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => options.quick = true,
            "--runs" => options.runs = it.next().context("--runs needs a value")?.parse()?,
            other => bail!("unknown argument `{other}`; usage: cargo xtask bench [--quick] [--runs N]"),
        }
    }
    Ok(options)
}

/// Paths of one run.
struct Env {
    root: PathBuf,
    /// `target/bench`.
    bench: PathBuf,
    /// The workspace's target directory.
    target: PathBuf,
    runtime: PathBuf,
    tools: PathBuf,
    cargo: String,
}

impl Env {
    fn oagen(&self) -> PathBuf {
        self.target.join("release/oagen")
    }

    fn stages(&self) -> PathBuf {
        self.target.join("release/oagen-stages")
    }

    /// `cargo <args>` in the main workspace; output to `target/bench/logs/<log>.log`.
    fn cargo(&self, log: &str, args: &[&str]) -> Result<String> {
        let path = self.bench.join("logs").join(format!("{log}.log"));
        let out = Command::new(&self.cargo)
            .current_dir(&self.root)
            .args(args)
            .stdin(Stdio::null())
            .stderr(std::fs::File::create(&path)?)
            .output()?;
        if !out.status.success() {
            bail!("cargo {} failed; see {}", args.join(" "), path.display());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

pub fn run(root: &Path, args: &[String]) -> Result<()> {
    if args.first().map(String::as_str) == Some("--measure-child") {
        return measure::child_main(&args[1..]);
    }
    let options = parse(args)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bench = target.join("bench");
    std::fs::create_dir_all(bench.join("logs"))?;
    let env = Env {
        root: root.to_path_buf(),
        tools: bench.join("tools"),
        runtime: std::fs::canonicalize(root.join("generator/runtime"))?,
        bench,
        target,
        cargo: std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
    };
    measure::install_helper(&env.bench.join("measure-helper"))?;
    let load_before = load_average();

    // Builds first, the peers' installs beside them; nothing is timed until all are done.
    let installs = (!options.quick).then(|| {
        let tools = env.tools.clone();
        eprintln!("bench: installing peers missing from {} (in the background)", tools.display());
        std::thread::spawn(move || peers::install(&tools))
    });
    eprintln!("bench: building oagen and oagen-stages (release), the client and SSE benches");
    env.cargo(
        "build",
        &["build", "--release", "--quiet", "-p", "oagen", "-p", "oagen-bench", "--bins"],
    )?;
    env.cargo(
        "build-client-bench",
        &["bench", "--no-run", "--quiet", "-p", "oagen-bench", "--bench", "client"],
    )?;
    env.cargo(
        "build-sse-bench",
        &["bench", "--no-run", "--quiet", "-p", "oagen-rt", "--features", "client", "--bench", "sse"],
    )?;
    for ops in GROWTH {
        let doc = synthetic::document(ops, ops / 2);
        std::fs::write(synthetic_path(&env, ops), serde_json::to_string_pretty(&doc)?)?;
    }
    let mut peers: Vec<Peer> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    if let Some(handle) = installs {
        let results = handle
            .join()
            .map_err(|_| anyhow::anyhow!("the peer install thread panicked"))?;
        for (peer, result) in results {
            match result {
                Ok(()) => peers.push(peer),
                Err(e) => notes.push(format!("{} was not measured: {e:#}", peer.name)),
            }
        }
    }

    let corpus = root.join("../shared/corpus");
    let mut docs: Vec<(String, Vec<PathBuf>)> = CORPUS
        .iter()
        .map(|(label, path)| (label.to_string(), vec![corpus.join(path)]))
        .collect();
    let matrix = matrix_documents(&corpus)?;
    docs.push((format!("Matrix, multi-file ({} documents)", matrix.len()), matrix));
    let largest = *GROWTH.last().unwrap_or(&10_000);
    docs.push((
        format!("Synthetic, {largest} operations / {} schemas", largest / 2),
        vec![synthetic_path(&env, largest)],
    ));

    let mut rows = Vec::new();
    for (label, specs) in &docs {
        eprintln!("bench: generating {label}");
        rows.push(generation_row(&env, label, specs, &peers, options.runs)?);
    }
    let mut growth = Vec::new();
    for ops in GROWTH {
        let spec = synthetic_path(&env, ops);
        let row = match rows.iter().find(|r| r.specs == [spec.clone()]) {
            Some(row) => GrowthRow::from(ops, row),
            None => {
                eprintln!("bench: generating the synthetic document with {ops} operations");
                GrowthRow::from(ops, &generation_row(&env, "", &[spec], &[], options.runs)?)
            }
        };
        growth.push(row);
    }

    eprintln!("bench: client overhead (benches/benches/client.rs)");
    let client = client_overhead(&env)?;
    eprintln!("bench: SSE decoding (generator/runtime/benches/sse.rs)");
    let sse = sse_decoding(&env)?;

    let compile = if options.quick {
        Vec::new()
    } else {
        let mut crates = Vec::new();
        for (label, path) in CORPUS.iter().take(2) {
            eprintln!("bench: compile cost of the crates generated from {label}");
            crates.extend(compile_rows(&env, label, &corpus.join(path), &peers)?);
        }
        crates
    };

    let report = Report {
        options: &options,
        peers: &peers,
        notes,
        rows,
        growth,
        compile,
        client,
        sse,
        load: (load_before, load_average()),
    };
    let text = report.render(&env)?;
    std::fs::write(root.join("BENCHMARKS.md"), &text)?;
    println!("{text}");
    Ok(())
}

fn synthetic_path(env: &Env, ops: usize) -> PathBuf {
    env.bench.join(format!("synthetic-{ops}.json"))
}

/// The Matrix documents listed in the corpus manifest.
fn matrix_documents(corpus: &Path) -> Result<Vec<PathBuf>> {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv"))
        .context("reading ../shared/corpus/MANIFEST.tsv")?;
    Ok(manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|f| f.starts_with(MATRIX))
        .map(|f| corpus.join(f))
        .collect())
}

/// A crate name (and directory name) for a document.
fn slug(spec: &Path) -> String {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let stem = stem.split('.').next().unwrap_or_default();
    let name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("doc-{}", name.trim_matches('-'))
}

// ---------------------------------------------------------------------------------------------
// Generation

/// Per-stage medians, in milliseconds, from `oagen-stages`.
#[derive(Clone, Debug, Default, Deserialize)]
struct Stages {
    load: f64,
    normalize: f64,
    resolve: f64,
    lower: f64,
    emit: f64,
    format: f64,
    write: f64,
    total: f64,
    types: usize,
    operations: usize,
    rust_lines: usize,
    format_reproduced: bool,
}

impl Stages {
    /// The median of each stage over `runs`, separately.
    fn median(runs: &[Stages]) -> Stages {
        let m = |f: fn(&Stages) -> f64| measure::median(&mut runs.iter().map(f).collect::<Vec<_>>());
        let first = runs.first().cloned().unwrap_or_default();
        Stages {
            load: m(|s| s.load),
            normalize: m(|s| s.normalize),
            resolve: m(|s| s.resolve),
            lower: m(|s| s.lower),
            emit: m(|s| s.emit),
            format: m(|s| s.format),
            write: m(|s| s.write),
            total: m(|s| s.total),
            format_reproduced: runs.iter().all(|s| s.format_reproduced),
            ..first
        }
    }

    fn add(&mut self, other: &Stages) {
        self.load += other.load;
        self.normalize += other.normalize;
        self.resolve += other.resolve;
        self.lower += other.lower;
        self.emit += other.emit;
        self.format += other.format;
        self.write += other.write;
        self.total += other.total;
        self.types += other.types;
        self.operations += other.operations;
        self.rust_lines += other.rust_lines;
        self.format_reproduced &= other.format_reproduced;
    }
}

/// One document (or set of documents) through every tool; one entry per document.
struct GenRow {
    label: String,
    specs: Vec<PathBuf>,
    ours: Vec<Outcome>,
    stages: Option<Stages>,
    peers: Vec<(Peer, Vec<Outcome>)>,
}

fn generation_row(env: &Env, label: &str, specs: &[PathBuf], peers: &[Peer], runs: usize) -> Result<GenRow> {
    let mut ours = Vec::new();
    let mut stages: Option<Stages> = None;
    let mut all_staged = true;
    let gen_dir = env.bench.join("gen");
    let logs = env.bench.join("logs");
    for spec in specs {
        let name = slug(spec);
        let out = gen_dir.join("oagen").join(&name);
        let args = |out: &Path| {
            vec![
                "generate".to_string(),
                spec.display().to_string(),
                "--out".into(),
                out.display().to_string(),
                "--name".into(),
                name.clone(),
                "--runtime-path".into(),
                env.runtime.display().to_string(),
            ]
        };
        let cmd = Cmd {
            program: env.oagen(),
            args: args(&out),
            cwd: env.root.clone(),
            out: out.clone(),
            timeout: TIMEOUT,
        };
        let outcome = measure::repeat(&cmd, &logs.join(format!("oagen-{name}")), runs)?;
        // The stages, as many times as the wall time was measured.
        let staged = match &outcome {
            Outcome::Measured { runs, .. } => {
                let mut cmd = cmd.clone();
                cmd.program = env.stages();
                cmd.args.remove(0); // `generate`: oagen-stages takes the rest as they are
                let log = logs.join(format!("stages-{name}"));
                let mut samples = Vec::new();
                for _ in 0..*runs {
                    let run = measure::run_once(&cmd, &log)?;
                    if run.code != Some(0) {
                        break;
                    }
                    let text = std::fs::read_to_string(log.with_extension("out"))?;
                    let line = text.lines().last().unwrap_or_default();
                    samples.push(serde_json::from_str::<Stages>(line)?);
                }
                (!samples.is_empty()).then(|| Stages::median(&samples))
            }
            Outcome::Failed(_) => None,
        };
        match (staged, &mut stages) {
            (Some(s), Some(total)) => total.add(&s),
            (Some(s), None) => stages = Some(s),
            (None, _) => all_staged = false,
        }
        ours.push(outcome);
    }
    let mut peer_rows = Vec::new();
    for peer in peers {
        let mut outcomes = Vec::new();
        for spec in specs {
            let name = slug(spec);
            let out = gen_dir.join(peer.name).join(&name);
            let cmd = Cmd {
                program: peer.binary(&env.tools),
                args: peer.args(spec, &out, &name),
                cwd: env.root.clone(),
                out,
                timeout: TIMEOUT,
            };
            outcomes.push(measure::repeat(&cmd, &logs.join(format!("{}-{name}", peer.name)), runs)?);
        }
        peer_rows.push((*peer, outcomes));
    }
    Ok(GenRow {
        label: label.to_owned(),
        specs: specs.to_vec(),
        ours,
        stages: if all_staged { stages } else { None },
        peers: peer_rows,
    })
}

/// A figure summed over the documents a row and a peer both generated.
#[derive(Clone, Copy, Debug)]
struct Shared {
    ours_secs: f64,
    peer_secs: f64,
    ours_rss: u64,
    peer_rss: u64,
    docs: usize,
}

impl GenRow {
    /// Our time summed over every document and the largest peak RSS, when all generated.
    fn ours_total(&self) -> Option<(f64, u64)> {
        let mut secs = 0.0;
        let mut rss = 0;
        for o in &self.ours {
            let Outcome::Measured { secs: s, max_rss_kib, .. } = o else {
                return None;
            };
            secs += s;
            rss = rss.max(*max_rss_kib);
        }
        Some((secs, rss))
    }

    fn shared(&self, outcomes: &[Outcome]) -> Option<Shared> {
        let mut shared = Shared {
            ours_secs: 0.0,
            peer_secs: 0.0,
            ours_rss: 0,
            peer_rss: 0,
            docs: 0,
        };
        for (ours, theirs) in self.ours.iter().zip(outcomes) {
            if let (
                Outcome::Measured { secs: a, max_rss_kib: ra, .. },
                Outcome::Measured { secs: b, max_rss_kib: rb, .. },
            ) = (ours, theirs)
            {
                shared.ours_secs += a;
                shared.peer_secs += b;
                shared.ours_rss = shared.ours_rss.max(*ra);
                shared.peer_rss = shared.peer_rss.max(*rb);
                shared.docs += 1;
            }
        }
        (shared.docs > 0).then_some(shared)
    }

    /// The peer that did best relative to us: (peer, shared figures) with the highest time
    /// ratio.
    fn best_peer(&self) -> Option<(Peer, Shared)> {
        self.peers
            .iter()
            .filter_map(|(p, o)| self.shared(o).map(|s| (*p, s)))
            .max_by(|a, b| (a.1.ours_secs / a.1.peer_secs).total_cmp(&(b.1.ours_secs / b.1.peer_secs)))
    }
}

struct GrowthRow {
    operations: usize,
    secs: Option<f64>,
    rss_kib: u64,
    stages: Option<Stages>,
}

impl GrowthRow {
    fn from(operations: usize, row: &GenRow) -> Self {
        let total = row.ours_total();
        GrowthRow {
            operations,
            secs: total.map(|t| t.0),
            rss_kib: total.map(|t| t.1).unwrap_or_default(),
            stages: row.stages.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Compile cost

struct CompileRow {
    document: String,
    tool: String,
    lines: usize,
    check: std::result::Result<f64, String>,
    tag: Option<compile::TagCheck>,
}

/// Generates `spec` with every tool into `target/bench/crates`, then measures each crate.
fn compile_rows(env: &Env, label: &str, spec: &Path, peers: &[Peer]) -> Result<Vec<CompileRow>> {
    let crates = env.bench.join("crates");
    let check_target = env.bench.join("check-target");
    let base = slug(spec).trim_start_matches("doc-").to_owned();
    let mut rows = Vec::new();

    let name = format!("oagen-{base}");
    let dir = crates.join(&name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let out = Command::new(env.oagen())
        .args(["generate"])
        .arg(spec)
        .arg("--out")
        .arg(&dir)
        .args(["--name", &name, "--runtime-path"])
        .arg(&env.runtime)
        .output()?;
    let mut generated = vec![("oagen".to_string(), name, dir, out.status.success())];
    for peer in peers {
        let name = format!("{}-{base}", peer.name);
        let dir = crates.join(&name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let ok = Command::new(peer.binary(&env.tools))
            .args(peer.args(spec, &dir, &name))
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            && peer.make_crate(&dir, &name).is_ok();
        generated.push((peer.name.to_string(), name, dir, ok));
    }
    for (tool, name, dir, ok) in generated {
        if !ok {
            // The generation failure itself is in the generation table.
            continue;
        }
        eprintln!("bench:   cargo check of {name}");
        let krate = compile::Crate::new(&env.root, dir.clone(), &name, check_target.clone())?;
        let lines = compile::rust_lines(&dir.join("src"));
        let check = match krate.warm()? {
            Ok(()) => krate.clean_check(&[])?,
            Err(e) => Err(e),
        };
        let tag = (tool == "oagen" && check.is_ok())
            .then(|| krate.tag_check(spec))
            .transpose()?;
        rows.push(CompileRow {
            document: label.to_owned(),
            tool,
            lines,
            check,
            tag,
        });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Runtime benches

#[derive(Debug, Deserialize)]
struct ClientOverhead {
    rounds: usize,
    requests_per_round: usize,
    body_bytes: usize,
    generated_rps: f64,
    reqwest_rps: f64,
    time_ratio: f64,
}

fn client_overhead(env: &Env) -> Result<ClientOverhead> {
    let stdout = env.cargo(
        "client-bench",
        &["bench", "--quiet", "-p", "oagen-bench", "--bench", "client"],
    )?;
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .context("the client bench printed no result")?;
    Ok(serde_json::from_str(line)?)
}

struct SseResult {
    /// Median seconds per stream and bytes per stream, ours then eventsource-stream.
    ours: (f64, u64),
    theirs: (f64, u64),
}

fn sse_decoding(env: &Env) -> Result<SseResult> {
    env.cargo(
        "sse-bench",
        &["bench", "--quiet", "-p", "oagen-rt", "--features", "client", "--bench", "sse"],
    )?;
    let group = env.target.join("criterion/sse_decode_typed");
    let read = |function: &str| -> Result<(f64, u64)> {
        let dir = group.join(function);
        let size = std::fs::read_dir(&dir)?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir())
            .context("no criterion results")?;
        let estimates: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(size.join("new/estimates.json"))?)?;
        let benchmark: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(size.join("new/benchmark.json"))?)?;
        let ns = estimates["median"]["point_estimate"].as_f64().context("no median")?;
        let bytes = benchmark["throughput"]["Bytes"].as_u64().unwrap_or_default();
        Ok((ns / 1e9, bytes))
    };
    Ok(SseResult {
        ours: read("oagen-rt")?,
        theirs: read("eventsource-stream")?,
    })
}

// ---------------------------------------------------------------------------------------------
// The report

struct Report<'a> {
    options: &'a Options,
    peers: &'a [Peer],
    notes: Vec<String>,
    rows: Vec<GenRow>,
    growth: Vec<GrowthRow>,
    compile: Vec<CompileRow>,
    client: ClientOverhead,
    sse: SseResult,
    load: (String, String),
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn ratio(r: f64) -> String {
    format!("{r:.2}")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

impl Report<'_> {
    fn render(&self, env: &Env) -> Result<String> {
        let mut s = String::new();
        writeln!(s, "# Benchmarks\n")?;
        writeln!(
            s,
            "Written by `cargo xtask bench`{} on {}. Absolute numbers move with the machine and its \
             load; the ratios between tools measured in the same run are what to compare. A ratio \
             is ours / theirs: below 1, ours is faster or smaller.\n",
            if self.options.quick { " --quick" } else { "" },
            today()
        )?;
        writeln!(s, "- Machine: {}", machine())?;
        writeln!(s, "- Toolchain: {}", command_line("rustc", &["--version"]))?;
        writeln!(
            s,
            "- Load average (1, 5, 15 min) at the start: {}; at the end: {} (the machine is shared \
             with other builds)",
            self.load.0, self.load.1
        )?;
        if self.peers.is_empty() {
            writeln!(s, "- Peers: not measured in this run")?;
        } else {
            let list: Vec<String> = self
                .peers
                .iter()
                .map(|p| {
                    let version = peers::installed_version(p, &env.tools).unwrap_or(p.version.into());
                    format!("{} {version}", p.name)
                })
                .collect();
            writeln!(
                s,
                "- Peers: {} (release builds from crates.io, in `target/bench/tools`)",
                list.join(", ")
            )?;
        }
        for note in &self.notes {
            writeln!(s, "- {note}")?;
        }
        writeln!(s)?;
        self.summary(&mut s)?;
        self.generation(&mut s)?;
        self.stage_table(&mut s)?;
        self.growth_table(&mut s)?;
        self.compile_table(&mut s)?;
        self.client_table(&mut s)?;
        self.sse_table(&mut s)?;
        self.method(&mut s)?;
        Ok(s)
    }

    fn summary(&self, s: &mut String) -> Result<()> {
        writeln!(s, "## Summary\n")?;
        writeln!(s, "| measurement | ours | best peer | ours / peer | bar | met |")?;
        writeln!(s, "|---|---:|---:|---:|---|---|")?;
        let bar = |value: Option<f64>, limit: f64| match value {
            Some(v) if v < limit => "yes",
            Some(_) => "**no**",
            None => "n/a",
        };
        if let Some(row) = self.rows.first() {
            let ours = row.ours_total().map(|t| t.0);
            let (peer, r) = self.peer_cells(row);
            writeln!(
                s,
                "| generate {} (release binary) | {} | {peer} | {r} | < 1 s | {} |",
                row.label,
                ours.map(secs).unwrap_or("failed".into()),
                bar(ours, 1.0)
            )?;
        }
        if let Some(row) = self.rows.last() {
            let ours = row.ours_total().map(|t| t.0);
            let (peer, r) = self.peer_cells(row);
            writeln!(
                s,
                "| generate {} | {} | {peer} | {r} | < 5 s | {} |",
                row.label,
                ours.map(secs).unwrap_or("failed".into()),
                bar(ours, 5.0)
            )?;
        }
        let c = &self.client;
        writeln!(
            s,
            "| client request through the generated client (time per request) | {:.1} µs | {:.1} µs (reqwest by hand) | {} | within 5 % | {} |",
            1e6 / c.generated_rps,
            1e6 / c.reqwest_rps,
            ratio(c.time_ratio),
            bar(Some(c.time_ratio), 1.05)
        )?;
        let (ours, theirs) = (self.sse.ours.0, self.sse.theirs.0);
        writeln!(
            s,
            "| SSE decoding into typed events (time per stream) | {} | {} (eventsource-stream) | {} | | |",
            secs(ours),
            secs(theirs),
            ratio(ours / theirs)
        )?;
        for doc in ["Stripe", "OpenAI"] {
            let ours = self.compile.iter().find(|r| r.document == doc && r.tool == "oagen");
            let best = self
                .compile
                .iter()
                .filter(|r| r.document == doc && r.tool != "oagen")
                .filter_map(|r| r.check.as_ref().ok().map(|t| (r, *t)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some(Ok(t)) = ours.map(|r| &r.check) {
                let (peer, r) = match best {
                    Some((row, p)) => (format!("{} ({})", secs(p), row.tool), ratio(t / p)),
                    None => ("no peer crate compiled".into(), "n/a".into()),
                };
                writeln!(s, "| clean `cargo check` of the {doc} crate | {} | {peer} | {r} | | |", secs(*t))?;
            }
        }
        writeln!(s)?;
        Ok(())
    }

    /// "time (peer)" and the ratio against the best peer, for a generation row.
    fn peer_cells(&self, row: &GenRow) -> (String, String) {
        match row.best_peer() {
            Some((peer, shared)) => {
                let docs = if row.specs.len() > 1 {
                    format!(", {} of {} documents", shared.docs, row.specs.len())
                } else {
                    String::new()
                };
                (
                    format!("{} ({}{docs})", secs(shared.peer_secs), peer.name),
                    ratio(shared.ours_secs / shared.peer_secs),
                )
            }
            None if self.peers.is_empty() => ("not measured".into(), "n/a".into()),
            None => ("every peer failed".into(), "n/a".into()),
        }
    }

    fn generation(&self, s: &mut String) -> Result<()> {
        writeln!(s, "## Generation\n")?;
        writeln!(
            s,
            "Wall time (median of up to {} runs after a warm-up) and peak memory (largest resident \
             set of any run) of generating a crate from the document. Ours is the release `oagen \
             generate` binary writing client, server and types; the peers write a client. For the \
             Matrix set, times are summed over its documents and a ratio covers only the documents \
             both tools generated.\n",
            self.options.runs
        )?;
        let mut header = "| document | operations | types | ours: time | ours: memory |".to_string();
        let mut rule = "|---|---:|---:|---:|---:|".to_string();
        for p in self.peers {
            write!(header, " {0}: time | {0}: memory |", p.name)?;
            rule.push_str("---:|---:|");
        }
        header.push_str(" time: ours / best peer | memory: ours / same peer |");
        rule.push_str("---:|---:|");
        writeln!(s, "{header}\n{rule}")?;
        let mut failures = Vec::new();
        for row in &self.rows {
            let (ops, types) = row
                .stages
                .as_ref()
                .map(|st| (st.operations.to_string(), st.types.to_string()))
                .unwrap_or(("?".into(), "?".into()));
            let (time, memory) = match row.ours_total() {
                Some((t, m)) => (secs(t), mib(m)),
                None => ("failed".into(), String::new()),
            };
            write!(s, "| {} | {ops} | {types} | {time} | {memory} |", row.label)?;
            for (peer, outcomes) in &row.peers {
                let ok = outcomes.iter().filter(|o| o.secs().is_some()).count();
                for (spec, o) in row.specs.iter().zip(outcomes) {
                    if let Outcome::Failed(why) = o {
                        failures.push((peer.name, row.label.clone(), spec.clone(), why.clone()));
                    }
                }
                match row.shared(outcomes) {
                    Some(sh) if ok == outcomes.len() => {
                        write!(s, " {} | {} |", secs(sh.peer_secs), mib(sh.peer_rss))?
                    }
                    Some(sh) => write!(
                        s,
                        " {} ({ok} of {}) | {} |",
                        secs(sh.peer_secs),
                        outcomes.len(),
                        mib(sh.peer_rss)
                    )?,
                    None => write!(s, " failed | |")?,
                }
            }
            match row.best_peer() {
                Some((_, sh)) => writeln!(
                    s,
                    " {} | {} |",
                    ratio(sh.ours_secs / sh.peer_secs),
                    ratio(sh.ours_rss as f64 / sh.peer_rss as f64)
                )?,
                None => writeln!(s, " n/a | n/a |")?,
            }
        }
        if !failures.is_empty() {
            writeln!(s, "\nPeer failures (the first line that says why):\n")?;
            // One line per tool and row; a set names how many of its documents failed.
            let mut seen: Vec<(&str, String)> = Vec::new();
            for (peer, label, spec, why) in &failures {
                if seen.contains(&(*peer, label.clone())) {
                    continue;
                }
                seen.push((*peer, label.clone()));
                let count = failures.iter().filter(|f| f.0 == *peer && &f.1 == label).count();
                let which = if count > 1 || self.rows.iter().any(|r| &r.label == label && r.specs.len() > 1) {
                    format!(
                        " ({count} documents failed; first: `{}`)",
                        spec.file_name().map(|f| f.to_string_lossy()).unwrap_or_default()
                    )
                } else {
                    String::new()
                };
                writeln!(s, "- {peer} on {label}{which}: {}", cell(why))?;
            }
        }
        writeln!(s)?;
        Ok(())
    }

    fn stage_table(&self, s: &mut String) -> Result<()> {
        writeln!(s, "## Time per stage (ours)\n")?;
        writeln!(
            s,
            "Milliseconds, median of each stage over the same number of runs, from `oagen-stages` \
             (the pipeline through the library, `benches/src/stages.rs`). Format is measured by \
             formatting every emitted file again from its tokens, and is taken out of emit. The sum \
             is the work inside the process; the wall time above adds process start and exit.\n"
        )?;
        writeln!(
            s,
            "| document | load | normalise | resolve | lower (model) | emit | format | write | sum |"
        )?;
        writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        let row = |s: &mut String, label: &str, st: &Stages| {
            writeln!(
                s,
                "| {label} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
                st.load, st.normalize, st.resolve, st.lower, st.emit, st.format, st.write, st.total
            )
        };
        let mut all_reproduced = true;
        for r in &self.rows {
            if let Some(st) = &r.stages {
                row(s, &r.label, st)?;
                all_reproduced &= st.format_reproduced;
            }
        }
        if !all_reproduced {
            writeln!(
                s,
                "\nNote: formatting again did not reproduce every emitted file byte for byte, so \
                 the format column is an estimate for those documents."
            )?;
        }
        writeln!(s)?;
        Ok(())
    }

    fn growth_table(&self, s: &mut String) -> Result<()> {
        writeln!(s, "## Growth with document size (ours)\n")?;
        writeln!(
            s,
            "The synthetic document (`xtask/src/bench/synthetic.rs`) at four sizes, schemas half the \
             operations. Linear growth keeps the time per operation flat.\n"
        )?;
        writeln!(
            s,
            "| operations | schemas | types | lines of Rust | time | per operation | memory | stage sum |"
        )?;
        writeln!(s, "|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        for g in &self.growth {
            let st = g.stages.clone().unwrap_or_default();
            writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                g.operations,
                g.operations / 2,
                st.types,
                st.rust_lines,
                g.secs.map(secs).unwrap_or("failed".into()),
                g.secs
                    .map(|t| format!("{:.0} µs", t * 1e6 / g.operations as f64))
                    .unwrap_or_default(),
                mib(g.rss_kib),
                secs(st.total / 1e3)
            )?;
        }
        writeln!(s)?;
        Ok(())
    }

    fn compile_table(&self, s: &mut String) -> Result<()> {
        writeln!(s, "## Compile cost of the generated code\n")?;
        if self.compile.is_empty() {
            writeln!(s, "Not measured in this run (`--quick`).\n")?;
            return Ok(());
        }
        writeln!(
            s,
            "Lines of Rust the tool wrote (our runtime and the peers' support crates not counted) \
             and a clean `cargo check` of that crate alone, its dependencies already built \
             (`xtask/src/bench/compile.rs`). Ours has client and server; the peers' have a client. \
             \"One tag\" checks ours with `--no-default-features --features client,server,tag-<one>` \
             for a tag of middling size. Ratios are against the peer with the fastest check.\n"
        )?;
        writeln!(
            s,
            "| document | tool | lines of Rust | clean check | one tag only | lines: ours / peer | check: ours / peer |"
        )?;
        writeln!(s, "|---|---|---:|---:|---|---:|---:|")?;
        for r in &self.compile {
            let check = match &r.check {
                Ok(t) => secs(*t),
                Err(e) => format!("failed: {}", cell(e)),
            };
            let tag = match &r.tag {
                None => String::new(),
                Some(compile::TagCheck::Absent) => "n/a (no per-tag features)".into(),
                Some(compile::TagCheck::Measured { feature, operations, of, secs: t }) => {
                    format!("{} (`{feature}`, {operations} of {of} operations)", secs(*t))
                }
                Some(compile::TagCheck::Failed(e)) => format!("failed: {}", cell(e)),
            };
            let (lines_ratio, check_ratio) = if r.tool == "oagen" {
                let best = self
                    .compile
                    .iter()
                    .filter(|p| p.document == r.document && p.tool != "oagen")
                    .filter_map(|p| p.check.as_ref().ok().map(|t| (p, *t)))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                match (best, &r.check) {
                    (Some((p, pt)), Ok(t)) => (
                        ratio(r.lines as f64 / p.lines as f64),
                        ratio(t / pt),
                    ),
                    _ => ("n/a".into(), "n/a".into()),
                }
            } else {
                (String::new(), String::new())
            };
            writeln!(
                s,
                "| {} | {} | {} | {check} | {tag} | {lines_ratio} | {check_ratio} |",
                r.document, r.tool, r.lines
            )?;
        }
        let missing: Vec<String> = ["Stripe", "OpenAI"]
            .iter()
            .flat_map(|doc| {
                self.peers
                    .iter()
                    .filter(|p| !self.compile.iter().any(|r| r.document == *doc && r.tool == p.name))
                    .map(move |p| format!("{} on {doc}", p.name))
            })
            .collect();
        if !missing.is_empty() {
            writeln!(
                s,
                "\nNo crate to check (generation failed, see above): {}.",
                missing.join(", ")
            )?;
        }
        writeln!(s)?;
        Ok(())
    }

    fn client_table(&self, s: &mut String) -> Result<()> {
        let c = &self.client;
        writeln!(s, "## Client overhead\n")?;
        writeln!(
            s,
            "`cargo bench -p oagen-bench --bench client`: `GET /v2/conversations/{{id}}` answered with \
             {} bytes of JSON by a loopback axum server, decoded into the same generated type; the \
             generated `conversations` client against the same request written by hand with \
             reqwest, over one `reqwest::Client`, in one tokio runtime. {} rounds of {} sequential \
             requests per side, alternating; medians.\n",
            c.body_bytes, c.rounds, c.requests_per_round
        )?;
        writeln!(s, "| client | requests/s | time per request | ours / reqwest |")?;
        writeln!(s, "|---|---:|---:|---:|")?;
        writeln!(
            s,
            "| generated client (oagen-rt) | {:.0} | {:.1} µs | {} |",
            c.generated_rps,
            1e6 / c.generated_rps,
            ratio(c.time_ratio)
        )?;
        writeln!(
            s,
            "| reqwest by hand | {:.0} | {:.1} µs | 1 |\n",
            c.reqwest_rps,
            1e6 / c.reqwest_rps
        )?;
        Ok(())
    }

    fn sse_table(&self, s: &mut String) -> Result<()> {
        writeln!(s, "## SSE decoding into typed events\n")?;
        writeln!(
            s,
            "`cargo bench -p oagen-rt --features client --bench sse`: 20,000 recorded agent events \
             (id, event name, one JSON data line, a keep-alive comment every 50 events; {:.1} MB) \
             cut into 1,400-byte chunks, decoded into a typed struct with serde_json — once with \
             this crate's `SseDecoder`, once with `eventsource-stream` 0.2 — in the same run \
             (criterion, median).\n",
            self.sse.ours.1 as f64 / 1e6
        )?;
        writeln!(s, "| date | decoder | time per stream | throughput | ours / theirs |")?;
        writeln!(s, "|---|---|---:|---:|---:|")?;
        let rate = |(t, bytes): (f64, u64)| format!("{:.0} MiB/s", bytes as f64 / t / 1_048_576.0);
        writeln!(
            s,
            "| {} | oagen-rt `SseDecoder` + serde_json | {} | {} | {} |",
            today(),
            secs(self.sse.ours.0),
            rate(self.sse.ours),
            ratio(self.sse.ours.0 / self.sse.theirs.0)
        )?;
        writeln!(
            s,
            "| {} | eventsource-stream + serde_json | {} | {} | 1 |\n",
            today(),
            secs(self.sse.theirs.0),
            rate(self.sse.theirs)
        )?;
        Ok(())
    }

    fn method(&self, s: &mut String) -> Result<()> {
        writeln!(s, "## How it is measured\n")?;
        for line in [
            "Every generator is a separate process started by a fresh copy of xtask that waits for \
             it, so wall time includes process start and exit, and peak memory is the kernel's \
             `ru_maxrss` of that process (or of the largest process it waited for, such as \
             progenitor's `rustfmt`). Each run generates into an empty directory.",
            "Runs are capped at 180 s and 8 GiB of address space, so a runaway generator fails \
             alone instead of pushing a shared machine into the OOM killer.",
            "A first run under 2 s is a warm-up and not counted; slow commands get fewer runs \
             (about 30 s per command and document), by the same rule for every tool.",
            "Nothing is timed while anything is being built: our binaries, the benches and the \
             peers' installs finish first.",
            "Benchmarks live in `cargo xtask bench` and `benches/`, never in `cargo test`.",
        ] {
            writeln!(s, "- {line}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Facts about the machine

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} GiB", kib / 1_048_576.0))
        })
        .unwrap_or_else(|| "unknown memory".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| format!(", Linux {}", k.trim()))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {memory}{kernel}")
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock (days to civil date, after Howard
/// Hinnant's `civil_from_days`).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
