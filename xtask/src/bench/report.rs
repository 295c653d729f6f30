//! BENCHMARKS.md from the figures of one run: the machine, a summary of every bar and headline
//! ratio, then one table per measurement and how it was measured.

use std::fmt::Write as _;
use std::process::Command;

use anyhow::Result;

use super::measure::Outcome;
use super::peers::Peer;
use super::{
    ClientRun, CompileRow, Env, GenRow, GrowthRow, MedianRun, Options, SseRun, Stages, compile,
    peers,
};

pub(super) struct Report<'a> {
    pub(super) options: &'a Options,
    pub(super) peers: &'a [Peer],
    pub(super) notes: Vec<String>,
    pub(super) rows: Vec<GenRow>,
    pub(super) growth: Vec<GrowthRow>,
    pub(super) compile: Vec<CompileRow>,
    pub(super) client: MedianRun<ClientRun>,
    pub(super) sse: MedianRun<SseRun>,
    pub(super) load: (String, String),
    /// How long the whole run took.
    pub(super) took: std::time::Duration,
}

/// Whether a bar is met: every part must hold ("yes"); a part that failed makes it "**no**",
/// and otherwise a part not measured leaves it "n/a".
fn met(parts: &[Option<bool>]) -> &'static str {
    if parts.contains(&Some(false)) {
        "**no**"
    } else if parts.iter().all(|p| *p == Some(true)) {
        "yes"
    } else {
        "n/a"
    }
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

/// The ratios of every run of a bench, as the report lists them.
fn ratio_list(ratios: &[f64]) -> String {
    ratios
        .iter()
        .map(|r| format!("{r:.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

impl Report<'_> {
    pub(super) fn render(&self, env: &Env) -> Result<String> {
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
        writeln!(
            s,
            "- This run took {:.0} min{}",
            self.took.as_secs_f64() / 60.0,
            if self.compile.is_empty() {
                ""
            } else {
                ", most of it in `cargo check` of the generated crates"
            }
        )?;
        if self.peers.is_empty() {
            writeln!(s, "- Peers: not measured in this run")?;
        } else {
            let list: Vec<String> = self
                .peers
                .iter()
                .map(|p| {
                    let version =
                        peers::installed_version(p, &env.tools).unwrap_or(p.version.into());
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
        writeln!(
            s,
            "| measurement | ours | best peer | ours / peer | bar | met |"
        )?;
        writeln!(s, "|---|---:|---:|---:|---|---|")?;
        let peer_ratio = |row: &GenRow| {
            row.best_peer()
                .map(|(_, shared)| shared.ours_secs / shared.peer_secs)
        };
        if let Some(row) = self.rows.first() {
            let ours = row.ours_total().map(|t| t.secs);
            let (peer, r) = self.peer_cells(row);
            writeln!(
                s,
                "| generate {} (release binary) | {} | {peer} | {r} | < 1 s and ≤ 0.2 | {} |",
                row.label,
                ours.map(secs).unwrap_or("failed".into()),
                met(&[ours.map(|t| t < 1.0), peer_ratio(row).map(|r| r <= 0.2)])
            )?;
        }
        if let Some(row) = self.rows.last() {
            let ours = row.ours_total().map(|t| t.secs);
            let (peer, r) = self.peer_cells(row);
            writeln!(
                s,
                "| generate {} | {} | {peer} | {r} | < 5 s | {} |",
                row.label,
                ours.map(secs).unwrap_or("failed".into()),
                met(&[ours.map(|t| t < 5.0)])
            )?;
        }
        let c = &self.client.median;
        writeln!(
            s,
            "| a GET through the generated client (time per request) | {:.1} µs | {:.1} µs (reqwest by hand) | {} (CPU: {}) | ≤ 1.05 | {} |",
            1e6 / c.generated_rps,
            1e6 / c.reqwest_rps,
            ratio(c.time_ratio),
            ratio(c.cpu_ratio),
            met(&[Some(c.time_ratio <= 1.05)])
        )?;
        let (ours, theirs) = (self.sse.median.ours.0, self.sse.median.theirs.0);
        writeln!(
            s,
            "| SSE decoding into typed events (time per stream) | {} | {} (eventsource-stream) | {} | ≤ 1 | {} |",
            secs(ours),
            secs(theirs),
            ratio(ours / theirs),
            met(&[Some(ours <= theirs)])
        )?;
        for doc in ["Stripe", "OpenAI"] {
            let ours = self
                .compile
                .iter()
                .find(|r| r.document == doc && r.tool == "oagen");
            let best = self
                .compile
                .iter()
                .filter(|r| r.document == doc && r.tool != "oagen")
                .filter_map(|r| r.check.as_ref().ok().map(|t| (r, *t)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some(Ok(t)) = ours.map(|r| &r.check) {
                let (peer, r, within) = match best {
                    Some((row, p)) => (
                        format!("{} ({})", secs(p), row.tool),
                        ratio(t / p),
                        Some(t / p <= 0.5),
                    ),
                    None => ("no peer crate compiled".into(), "n/a".into(), None),
                };
                writeln!(
                    s,
                    "| clean `cargo check` of the {doc} crate | {} | {peer} | {r} | ≤ 0.5 | {} |",
                    secs(*t),
                    met(&[within])
                )?;
            }
            if let Some(Some(compile::TagCheck::Measured {
                features, secs: t, ..
            })) = ours.map(|r| &r.tag)
            {
                writeln!(
                    s,
                    "| clean `cargo check` of one {doc} tag (`{features}`) | {} | | | < 15 s | {} |",
                    secs(*t),
                    met(&[Some(*t < 15.0)])
                )?;
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
        let mut header =
            "| document | operations | types | ours: time | ours: CPU | ours: memory |".to_string();
        let mut rule = "|---|---:|---:|---:|---:|---:|".to_string();
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
            let (time, cpu, memory) = match row.ours_total() {
                Some(t) => (secs(t.secs), secs(t.cpu_secs), mib(t.rss_kib)),
                None => ("failed".into(), String::new(), String::new()),
            };
            write!(
                s,
                "| {} | {ops} | {types} | {time} | {cpu} | {memory} |",
                row.label
            )?;
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
                let count = failures
                    .iter()
                    .filter(|f| f.0 == *peer && &f.1 == label)
                    .count();
                let which = if count > 1
                    || self
                        .rows
                        .iter()
                        .any(|r| &r.label == label && r.specs.len() > 1)
                {
                    format!(
                        " ({count} documents failed; first: `{}`)",
                        spec.file_name()
                            .map(|f| f.to_string_lossy())
                            .unwrap_or_default()
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
             (the pipeline through the library, `benches/src/stages.rs`). Emit and format run \
             together on all cores; their wall time is split in the proportion of the thread time \
             each took, which is shown too (summed over threads). The sum is the work inside the \
             process; the wall time above adds process start and exit.\n"
        )?;
        writeln!(
            s,
            "| document | load | normalise | resolve | lower (model) | emit | format | write | sum | emit: thread time | format: thread time |"
        )?;
        writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        let row = |s: &mut String, label: &str, st: &Stages| {
            writeln!(
                s,
                "| {label} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
                st.load,
                st.normalize,
                st.resolve,
                st.lower,
                st.emit,
                st.format,
                st.write,
                st.total,
                st.emit_threads,
                st.format_threads
            )
        };
        for r in &self.rows {
            if let Some(st) = &r.stages {
                row(s, &r.label, st)?;
            }
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
            "| operations | schemas | types | lines of Rust | time | per operation | CPU | CPU per operation | memory | stage sum |"
        )?;
        writeln!(s, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")?;
        let per_op = |t: f64, ops: usize| format!("{:.0} µs", t * 1e6 / ops as f64);
        for g in &self.growth {
            let st = g.stages.clone().unwrap_or_default();
            let ops = g.operations;
            match g.total {
                Some(t) => writeln!(
                    s,
                    "| {ops} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    ops / 2,
                    st.types,
                    st.rust_lines,
                    secs(t.secs),
                    per_op(t.secs, ops),
                    secs(t.cpu_secs),
                    per_op(t.cpu_secs, ops),
                    mib(t.rss_kib),
                    secs(st.total / 1e3)
                )?,
                None => writeln!(s, "| {ops} | {} | | | failed | | | | | |", ops / 2)?,
            }
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
             (`xtask/src/bench/compile.rs`). The peers' crates are clients; ours is checked with its \
             default features (the client: the server is the opt-in `server` feature), and once \
             more \"with server\", as a user implementing the API builds it. \"One tag\" checks \
             ours with `--no-default-features --features client,tag-<one>` for a tag of middling \
             size. Ratios are of the default check against the peer with the fastest check.\n"
        )?;
        writeln!(
            s,
            "| document | tool | lines of Rust | clean check | with server | one tag only | lines: ours / peer | check: ours / peer |"
        )?;
        writeln!(s, "|---|---|---:|---:|---:|---|---:|---:|")?;
        for r in &self.compile {
            let check = match &r.check {
                Ok(t) => secs(*t),
                Err(e) => format!("failed: {}", cell(e)),
            };
            let tag = match &r.tag {
                None => String::new(),
                Some(compile::TagCheck::Absent) => "n/a (no per-tag features)".into(),
                Some(compile::TagCheck::Measured {
                    features,
                    operations,
                    of,
                    secs: t,
                }) => format!(
                    "{} (`--features {features}`: {operations} of {of} operations)",
                    secs(*t)
                ),
                Some(compile::TagCheck::Failed(e)) => format!("failed: {}", cell(e)),
            };
            let server = match &r.with_server {
                None => String::new(),
                Some(Ok(t)) => secs(*t),
                Some(Err(e)) => format!("failed: {}", cell(e)),
            };
            let (lines_ratio, check_ratio) = if r.tool == "oagen" {
                let best = self
                    .compile
                    .iter()
                    .filter(|p| p.document == r.document && p.tool != "oagen")
                    .filter_map(|p| p.check.as_ref().ok().map(|t| (p, *t)))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                match (best, &r.check) {
                    (Some((p, pt)), Ok(t)) => {
                        (ratio(r.lines as f64 / p.lines as f64), ratio(t / pt))
                    }
                    _ => ("n/a".into(), "n/a".into()),
                }
            } else {
                (String::new(), String::new())
            };
            writeln!(
                s,
                "| {} | {} | {} | {check} | {server} | {tag} | {lines_ratio} | {check_ratio} |",
                r.document, r.tool, r.lines
            )?;
        }
        let missing: Vec<String> = ["Stripe", "OpenAI"]
            .iter()
            .flat_map(|doc| {
                self.peers
                    .iter()
                    .filter(|p| {
                        !self
                            .compile
                            .iter()
                            .any(|r| r.document == *doc && r.tool == p.name)
                    })
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
        let c = &self.client.median;
        writeln!(s, "## Client overhead\n")?;
        writeln!(
            s,
            "`cargo bench -p oagen-bench --bench client`: `GET /v2/conversations/{{id}}` answered with \
             {} bytes of JSON by a loopback axum server, decoded into the same generated type; the \
             generated `conversations` client against the same request written by hand with \
             reqwest, over one `reqwest::Client`, in one tokio runtime. {} rounds of {} sequential \
             requests per side, alternating; medians. {} processes, because a process's ratio \
             depends on where its code and heap landed: the row is the process with the median \
             time ratio; the time ratios of all were {}.\n",
            c.body_bytes,
            c.rounds,
            c.requests_per_round,
            self.client.ratios.len(),
            ratio_list(&self.client.ratios)
        )?;
        writeln!(
            s,
            "| client | requests/s | time per request | CPU per request | time: ours / reqwest | CPU: ours / reqwest |"
        )?;
        writeln!(s, "|---|---:|---:|---:|---:|---:|")?;
        writeln!(
            s,
            "| generated client (oagen-rt) | {:.0} | {:.1} µs | {:.1} µs | {} | {} |",
            c.generated_rps,
            1e6 / c.generated_rps,
            c.generated_cpu_secs * 1e6,
            ratio(c.time_ratio),
            ratio(c.cpu_ratio)
        )?;
        writeln!(
            s,
            "| reqwest by hand | {:.0} | {:.1} µs | {:.1} µs | 1 | 1 |\n",
            c.reqwest_rps,
            1e6 / c.reqwest_rps,
            c.reqwest_cpu_secs * 1e6
        )?;
        writeln!(
            s,
            "CPU is that of the whole process (client, server, runtime) per request; the server's \
             share is the same on both sides. Both clocks count interference from other processes \
             on a shared machine (CPU time too, through shared caches and cores), which is why \
             the two sides alternate in short rounds and the ratio is the median of the rounds' \
             ratios.\n"
        )?;
        Ok(())
    }

    fn sse_table(&self, s: &mut String) -> Result<()> {
        let sse = &self.sse.median;
        writeln!(s, "## SSE decoding into typed events\n")?;
        writeln!(
            s,
            "`cargo bench -p oagen-rt --features client --bench sse`: 20,000 recorded agent events \
             (id, event name, one JSON data line, a keep-alive comment every 50 events; {:.1} MB) \
             cut into 1,400-byte chunks, decoded into a typed struct with serde_json — once with \
             this crate's `SseDecoder`, once with `eventsource-stream` 0.2 — in the same run \
             (criterion, median). The bench runs {} times and the run with the median ratio is \
             shown; the ratios of all runs: {}.\n",
            sse.ours.1 as f64 / 1e6,
            self.sse.ratios.len(),
            ratio_list(&self.sse.ratios)
        )?;
        writeln!(
            s,
            "| date | decoder | time per stream | throughput | ours / theirs |"
        )?;
        writeln!(s, "|---|---|---:|---:|---:|")?;
        let rate = |(t, bytes): (f64, u64)| format!("{:.0} MiB/s", bytes as f64 / t / 1_048_576.0);
        writeln!(
            s,
            "| {} | oagen-rt `SseDecoder` + serde_json | {} | {} | {} |",
            today(),
            secs(sse.ours.0),
            rate(sse.ours),
            ratio(sse.ours.0 / sse.theirs.0)
        )?;
        writeln!(
            s,
            "| {} | eventsource-stream + serde_json | {} | {} | 1 |\n",
            today(),
            secs(sse.theirs.0),
            rate(sse.theirs)
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
             (about 15 s per command and document), by the same rule for every tool.",
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

pub(super) fn load_average() -> String {
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

#[cfg(test)]
mod tests {
    use super::met;

    #[test]
    fn a_bar_is_met_only_when_every_part_holds() {
        assert_eq!(met(&[Some(true), Some(true)]), "yes");
        assert_eq!(met(&[Some(true), Some(false)]), "**no**");
        assert_eq!(met(&[None, Some(false)]), "**no**");
        assert_eq!(met(&[Some(true), None]), "n/a");
        assert_eq!(met(&[]), "yes");
    }
}
