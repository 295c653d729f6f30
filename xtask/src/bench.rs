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
//! 3. Client overhead: the generated client against plain reqwest (`benches/benches/client.rs`),
//!    in several processes (the median one is reported).
//! 4. SSE decoding: the runtime's criterion bench (`generator/runtime/benches/sse.rs`).
//!
//! `--quick` leaves out the peers and the compile cost (for working on the bench itself).
//! Everything is written under `target/bench/` (each command's output in `target/bench/logs/`);
//! the report is BENCHMARKS.md, written by `bench/report.rs`. Processes are measured by
//! `bench/measure.rs`. Peers are installed there on first use while our own binaries build,
//! and nothing is timed until every build has finished. Figures that have a peer figure get a
//! ratio "ours / peer" (below 1: ours is faster or smaller); where two peers measured, the
//! ratio is against the one that did best relative to ours.

mod compile;
mod measure;
mod peers;
mod report;
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use measure::{Cmd, Outcome};
use peers::Peer;
use report::{Report, load_average};

/// The corpus documents measured, by path under `../shared/corpus`, the first two also for
/// compile cost.
const CORPUS: [(&str, &str); 5] = [
    ("Stripe", "large/stripe-spec3.yaml"),
    ("OpenAI", "agents/openai.openapi.yaml"),
    ("DevRev", "agents/devrev-public.openapi.yaml"),
    (
        "DigitalOcean",
        "vendors/digitalocean/digitalocean.com_2.0.openapi.yaml",
    ),
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
            other => {
                bail!("unknown argument `{other}`; usage: cargo xtask bench [--quick] [--runs N]")
            }
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
    let started = std::time::Instant::now();
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
        eprintln!(
            "bench: installing peers missing from {} (in the background)",
            tools.display()
        );
        std::thread::spawn(move || peers::install(&tools))
    });
    eprintln!("bench: building oagen and oagen-stages (release), the client and SSE benches");
    env.cargo(
        "build",
        &[
            "build",
            "--release",
            "--quiet",
            "-p",
            "oagen",
            "-p",
            "oagen-bench",
            "--bins",
        ],
    )?;
    env.cargo(
        "build-client-bench",
        &[
            "bench",
            "--no-run",
            "--quiet",
            "-p",
            "oagen-bench",
            "--bench",
            "client",
        ],
    )?;
    env.cargo(
        "build-sse-bench",
        &[
            "bench",
            "--no-run",
            "--quiet",
            "-p",
            "oagen-rt",
            "--features",
            "client",
            "--bench",
            "sse",
        ],
    )?;
    for ops in GROWTH {
        let doc = synthetic::document(ops, ops / 2);
        std::fs::write(
            synthetic_path(&env, ops),
            serde_json::to_string_pretty(&doc)?,
        )?;
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
    docs.push((
        format!("Matrix, multi-file ({} documents)", matrix.len()),
        matrix,
    ));
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
        took: started.elapsed(),
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
    /// Thread time building tokens, and formatting, summed over the emit threads.
    emit_threads: f64,
    format_threads: f64,
    write: f64,
    total: f64,
    types: usize,
    operations: usize,
    rust_lines: usize,
}

impl Stages {
    /// The median of each stage over `runs`, separately.
    fn median(runs: &[Stages]) -> Stages {
        let m =
            |f: fn(&Stages) -> f64| measure::median(&mut runs.iter().map(f).collect::<Vec<_>>());
        let first = runs.first().cloned().unwrap_or_default();
        Stages {
            load: m(|s| s.load),
            normalize: m(|s| s.normalize),
            resolve: m(|s| s.resolve),
            lower: m(|s| s.lower),
            emit: m(|s| s.emit),
            format: m(|s| s.format),
            emit_threads: m(|s| s.emit_threads),
            format_threads: m(|s| s.format_threads),
            write: m(|s| s.write),
            total: m(|s| s.total),
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
        self.emit_threads += other.emit_threads;
        self.format_threads += other.format_threads;
        self.write += other.write;
        self.total += other.total;
        self.types += other.types;
        self.operations += other.operations;
        self.rust_lines += other.rust_lines;
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

fn generation_row(
    env: &Env,
    label: &str,
    specs: &[PathBuf],
    peers: &[Peer],
    runs: usize,
) -> Result<GenRow> {
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
        // After every timed run of `oagen`, one run of `oagen-stages`, so both see the same load.
        let mut stage_cmd = cmd.clone();
        stage_cmd.program = env.stages();
        stage_cmd.args.remove(0); // `generate`: oagen-stages takes the rest as they are
        let stage_log = logs.join(format!("stages-{name}"));
        let mut samples = Vec::new();
        let mut stages_failed = false;
        let outcome = measure::repeat(&cmd, &logs.join(format!("oagen-{name}")), runs, || {
            let run = measure::run_once(&stage_cmd, &stage_log)?;
            if run.code == Some(0) {
                let text = std::fs::read_to_string(stage_log.with_extension("out"))?;
                let line = text.lines().last().unwrap_or_default();
                samples.push(serde_json::from_str::<Stages>(line)?);
            } else {
                stages_failed = true;
            }
            Ok(())
        })?;
        let staged = (!stages_failed && !samples.is_empty()).then(|| Stages::median(&samples));
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
            let log = logs.join(format!("{}-{name}", peer.name));
            outcomes.push(measure::repeat(&cmd, &log, runs, || Ok(()))?);
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

#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    secs: f64,
    cpu_secs: f64,
    rss_kib: u64,
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
    /// Our wall and CPU time summed over every document and the largest peak RSS, when all
    /// generated.
    fn ours_total(&self) -> Option<Totals> {
        let mut t = Totals::default();
        for o in &self.ours {
            let Outcome::Measured {
                secs,
                cpu_secs,
                max_rss_kib,
                ..
            } = o
            else {
                return None;
            };
            t.secs += secs;
            t.cpu_secs += cpu_secs;
            t.rss_kib = t.rss_kib.max(*max_rss_kib);
        }
        Some(t)
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
                Outcome::Measured {
                    secs: a,
                    max_rss_kib: ra,
                    ..
                },
                Outcome::Measured {
                    secs: b,
                    max_rss_kib: rb,
                    ..
                },
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
            .max_by(|a, b| {
                (a.1.ours_secs / a.1.peer_secs).total_cmp(&(b.1.ours_secs / b.1.peer_secs))
            })
    }
}

struct GrowthRow {
    operations: usize,
    total: Option<Totals>,
    stages: Option<Stages>,
}

impl GrowthRow {
    fn from(operations: usize, row: &GenRow) -> Self {
        GrowthRow {
            operations,
            total: row.ours_total(),
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
    /// Ours with the `server` feature too.
    with_server: Option<std::result::Result<f64, String>>,
}

/// Generates `spec` with every tool into `target/bench/crates`, then measures each crate.
fn compile_rows(env: &Env, label: &str, spec: &Path, peers: &[Peer]) -> Result<Vec<CompileRow>> {
    let crates = env.bench.join("crates");
    let check_target = env.bench.join("check-target");
    let base = slug(spec).trim_start_matches("doc-").to_owned();
    let mut rows = Vec::new();

    // Generated as in the generation table (same caps), one run each.
    let logs = env.bench.join("logs");
    let mut generated = Vec::new();
    let name = format!("oagen-{base}");
    let dir = crates.join(&name);
    let mut args = vec!["generate".to_string(), spec.display().to_string()];
    args.extend([
        "--out".into(),
        dir.display().to_string(),
        "--name".into(),
        name.clone(),
    ]);
    args.extend(["--runtime-path".into(), env.runtime.display().to_string()]);
    let cmd = Cmd {
        program: env.oagen(),
        args,
        cwd: env.root.clone(),
        out: dir.clone(),
        timeout: TIMEOUT,
    };
    let ok = measure::run_once(&cmd, &logs.join(format!("crate-{name}")))?.code == Some(0);
    generated.push(("oagen".to_string(), name, dir, ok));
    for peer in peers {
        let name = format!("{}-{base}", peer.name);
        let dir = crates.join(&name);
        let cmd = Cmd {
            program: peer.binary(&env.tools),
            args: peer.args(spec, &dir, &name),
            cwd: env.root.clone(),
            out: dir.clone(),
            timeout: TIMEOUT,
        };
        let ok = measure::run_once(&cmd, &logs.join(format!("crate-{name}")))?.code == Some(0)
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
        let check = krate.warm_check(&[])?;
        let tag = (tool == "oagen" && check.is_ok())
            .then(|| krate.tag_check(spec))
            .transpose()?;
        let with_server = if tool == "oagen" && check.is_ok() {
            krate.server_check()?
        } else {
            None
        };
        rows.push(CompileRow {
            document: label.to_owned(),
            tool,
            lines,
            check,
            tag,
            with_server,
        });
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// Runtime benches

/// One process of the client bench, as it prints it.
#[derive(Debug, Deserialize)]
struct ClientRun {
    rounds: usize,
    requests_per_round: usize,
    body_bytes: usize,
    generated_rps: f64,
    reqwest_rps: f64,
    /// CPU seconds of the process per request.
    generated_cpu_secs: f64,
    reqwest_cpu_secs: f64,
    time_ratio: f64,
    cpu_ratio: f64,
}

/// A bench run several times: the run whose ratio is the median, and the ratio of every run,
/// lowest first.
struct MedianRun<T> {
    median: T,
    ratios: Vec<f64>,
}

impl<T> MedianRun<T> {
    /// Picks the run whose `ratio` is the median (the upper one of an even count).
    fn of(mut runs: Vec<T>, ratio: impl Fn(&T) -> f64) -> Self {
        runs.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)));
        let ratios = runs.iter().map(&ratio).collect();
        let median = runs.swap_remove(runs.len() / 2);
        MedianRun { median, ratios }
    }
}

/// How many processes the client bench runs, and how many rounds each. A process's ratio
/// depends on where its code and heap landed (the same binary measured 1.036 to 1.054 in six
/// processes), which more rounds in one process do not average out; the median process does.
const CLIENT_RUNS: usize = 7;
const CLIENT_ROUNDS: &str = "61";

fn client_overhead(env: &Env) -> Result<MedianRun<ClientRun>> {
    let mut runs = Vec::new();
    for _ in 0..CLIENT_RUNS {
        let stdout = env.cargo(
            "client-bench",
            &[
                "bench",
                "--quiet",
                "-p",
                "oagen-bench",
                "--bench",
                "client",
                "--",
                "--rounds",
                CLIENT_ROUNDS,
            ],
        )?;
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .context("the client bench printed no result")?;
        runs.push(serde_json::from_str::<ClientRun>(line)?);
    }
    Ok(MedianRun::of(runs, |run| run.time_ratio))
}

/// One run of the SSE bench.
struct SseRun {
    /// Median seconds per stream and bytes per stream, ours then eventsource-stream.
    ours: (f64, u64),
    theirs: (f64, u64),
}

/// How many times the SSE bench runs. Criterion measures one decoder completely before the
/// other, so a build starting on a shared machine in between lands in one side only; the run
/// with the median ratio is the one reported.
const SSE_RUNS: usize = 3;

fn sse_decoding(env: &Env) -> Result<MedianRun<SseRun>> {
    let mut runs = Vec::new();
    for _ in 0..SSE_RUNS {
        runs.push(sse_run(env)?);
    }
    Ok(MedianRun::of(runs, |run| run.ours.0 / run.theirs.0))
}

/// One run of the criterion bench, read back from `target/criterion`.
fn sse_run(env: &Env) -> Result<SseRun> {
    env.cargo(
        "sse-bench",
        &[
            "bench",
            "--quiet",
            "-p",
            "oagen-rt",
            "--features",
            "client",
            "--bench",
            "sse",
        ],
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
        let ns = estimates["median"]["point_estimate"]
            .as_f64()
            .context("no median")?;
        let bytes = benchmark["throughput"]["Bytes"]
            .as_u64()
            .unwrap_or_default();
        Ok((ns / 1e9, bytes))
    };
    Ok(SseRun {
        ours: read("oagen-rt")?,
        theirs: read("eventsource-stream")?,
    })
}

#[cfg(test)]
mod tests {
    use super::MedianRun;

    #[test]
    fn the_median_run_is_reported_with_every_ratio_in_order() {
        let runs = MedianRun::of(
            vec![("c", 1.07), ("a", 1.03), ("b", 1.05), ("d", 1.04)],
            |r| r.1,
        );
        assert_eq!(runs.median.0, "b");
        assert_eq!(runs.ratios, [1.03, 1.04, 1.05, 1.07]);
    }
}
