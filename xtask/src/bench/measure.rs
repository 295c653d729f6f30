//! Measured runs of a command: wall time and peak resident memory of the child process.
//!
//! Peak memory is the kernel's `ru_maxrss` for the child, which is only known once the child
//! has been waited for. `getrusage(RUSAGE_CHILDREN)` reports the largest of *all* children a
//! process ever waited for, and this xtask also waits for cargo builds, so every measured
//! command is started through a fresh copy of xtask (`xtask bench --measure-child …`) whose only
//! child it is: that copy starts the command, waits for it, reads `RUSAGE_CHILDREN` and writes
//! the figures to a small JSON file. (`wait4` would give the same figure in this process but
//! needs `unsafe`, which the workspace forbids; `nix` wraps `getrusage` safely.) The figure
//! covers the command's own children too when it waits for them, as progenitor does for
//! `rustfmt`: it is the peak of the largest process of the run.
//!
//! The same copy also caps the command's address space (`RLIMIT_AS`, inherited by whatever it
//! starts) so that a generator that runs away with memory fails on its own instead of sending
//! a shared machine into the OOM killer: progenitor 0.15 grew past 20 GiB on the DevRev
//! document before the kernel killed it. A run that hits the cap is reported as failed.
//!
//! Wall time is taken by that copy from just before the command is started to just after it
//! was reaped: process start-up and exit are included, as a user running the tool sees them.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// The copy of xtask that measures (see [`install_helper`]).
static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Copies the running xtask binary to `path` and measures through that copy from now on:
/// `cargo xtask` commands run by others rebuild `target/debug/xtask` while a bench runs, and a
/// replaced binary can no longer be started by its old path.
pub fn install_helper(path: &Path) -> Result<()> {
    let running = Path::new("/proc/self/exe");
    let source = if running.exists() {
        running.to_path_buf()
    } else {
        std::env::current_exe()?
    };
    std::fs::copy(&source, path).with_context(|| format!("copying xtask to {}", path.display()))?;
    let _ = HELPER.set(path.to_path_buf());
    Ok(())
}

/// A command to measure, run in `cwd` with stdout and stderr going to files under `logs`.
#[derive(Clone, Debug)]
pub struct Cmd {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    /// The directory the command generates into; removed before every run so each run is a
    /// first generation.
    pub out: PathBuf,
    pub timeout: Duration,
}

/// The address-space cap of every measured command, in MiB.
pub const MEMORY_CAP_MIB: u64 = 8 * 1024;

/// What the measuring copy of xtask reports about one run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Run {
    pub secs: f64,
    /// User + system CPU time of the command (and of the children it waited for).
    pub cpu_secs: f64,
    /// Peak resident set size in KiB (Linux reports `ru_maxrss` in KiB).
    pub max_rss_kib: u64,
    /// Exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub timed_out: bool,
}

/// The result of several runs of one command.
#[derive(Clone, Debug)]
pub enum Outcome {
    Measured {
        /// Median wall time over the timed runs.
        secs: f64,
        /// Median CPU time (user + system) over the same runs: less sensitive than wall time
        /// to other processes on a shared machine.
        cpu_secs: f64,
        /// The largest peak RSS over the timed runs.
        max_rss_kib: u64,
    },
    /// The first run failed: the first line that says why.
    Failed(String),
}

impl Outcome {
    pub fn secs(&self) -> Option<f64> {
        match self {
            Outcome::Measured { secs, .. } => Some(*secs),
            Outcome::Failed(_) => None,
        }
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Runs `cmd` once, measured; stdout and stderr go to `<logs>.out` / `<logs>.err`.
pub fn run_once(cmd: &Cmd, logs: &Path) -> Result<Run> {
    if cmd.out.exists() {
        std::fs::remove_dir_all(&cmd.out)
            .with_context(|| format!("removing {}", cmd.out.display()))?;
    }
    let report = logs.with_extension("run.json");
    let _ = std::fs::remove_file(&report);
    let helper = match HELPER.get() {
        Some(path) => path.clone(),
        None => std::env::current_exe()?,
    };
    let status = Command::new(&helper)
        .args(["bench", "--measure-child"])
        .arg(&report)
        .arg(cmd.timeout.as_secs().to_string())
        .arg(MEMORY_CAP_MIB.to_string())
        .arg("--")
        .arg(&cmd.program)
        .args(&cmd.args)
        .current_dir(&cmd.cwd)
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(File::create(logs.with_extension("out"))?)
        .stderr(File::create(logs.with_extension("err"))?)
        .status()
        .with_context(|| format!("starting {}", helper.display()))?;
    if !status.success() {
        bail!(
            "the measuring process failed ({status}); see {}",
            logs.with_extension("err").display()
        );
    }
    let text = std::fs::read_to_string(&report)
        .with_context(|| format!("reading {}", report.display()))?;
    Ok(serde_json::from_str(&text)?)
}

/// How many timed runs a command gets after its first: `wanted`, fewer when a run is slow, so
/// that one command costs about fifteen seconds. The same rule applies to every tool.
fn runs_for(first_secs: f64, wanted: usize) -> usize {
    let affordable = (15.0 / first_secs.max(1e-3)).floor() as usize;
    affordable.clamp(1, wanted.max(1))
}

/// Runs `cmd` until it has `wanted` timed runs (fewer for slow commands, see [`runs_for`]),
/// calling `after_each` after every timed run (so that another measurement can be taken under
/// the same load). A first run shorter than two seconds is a warm-up (file cache, page faults
/// of a fresh binary) and is not counted. A failing first run ends it, with the reason.
pub fn repeat(
    cmd: &Cmd,
    logs: &Path,
    wanted: usize,
    mut after_each: impl FnMut() -> Result<()>,
) -> Result<Outcome> {
    let first = run_once(cmd, logs)?;
    if first.code != Some(0) {
        return Ok(Outcome::Failed(failure(&first, logs)));
    }
    let total = runs_for(first.secs, wanted);
    let mut runs = Vec::new();
    if first.secs >= 2.0 {
        runs.push(first);
        after_each()?;
    }
    while runs.len() < total {
        let run = run_once(cmd, logs)?;
        if run.code != Some(0) {
            return Ok(Outcome::Failed(failure(&run, logs)));
        }
        runs.push(run);
        after_each()?;
    }
    Ok(Outcome::Measured {
        secs: median(&mut runs.iter().map(|r| r.secs).collect::<Vec<_>>()),
        cpu_secs: median(&mut runs.iter().map(|r| r.cpu_secs).collect::<Vec<_>>()),
        max_rss_kib: runs.iter().map(|r| r.max_rss_kib).max().unwrap_or_default(),
    })
}

/// The line of the logs that best says what went wrong: a panic's message, progenitor's
/// `gen fail:` line, else the first line that mentions an error.
pub fn failure(run: &Run, logs: &Path) -> String {
    if run.timed_out {
        return format!("timed out after {:.0} s", run.secs);
    }
    let read = |ext: &str| std::fs::read_to_string(logs.with_extension(ext)).unwrap_or_default();
    let (err, out) = (read("err"), read("out"));
    let mut lines = err.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.any(|l| l.contains("panicked at")) {
        if let Some(message) = lines.next() {
            return shorten(&format!("panic: {message}"));
        }
    }
    if let Some(line) = out
        .lines()
        .chain(err.lines())
        .find(|l| l.starts_with("gen fail:"))
    {
        return shorten(line);
    }
    if err.contains("memory allocation of") {
        return format!(
            "ran out of memory (cap: {} GiB of address space)",
            MEMORY_CAP_MIB / 1024
        );
    }
    first_error_line(&err)
        .or_else(|| first_error_line(&out))
        .unwrap_or_else(|| match run.code {
            Some(code) => format!("exit status {code}"),
            None => "killed by a signal".into(),
        })
}

fn shorten(line: &str) -> String {
    let mut short: String = line.trim().chars().take(140).collect();
    if short.len() < line.trim().len() {
        short.push('…');
    }
    short
}

/// The first line mentioning an error or failure, else the first non-empty line; cut short.
pub fn first_error_line(text: &str) -> Option<String> {
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    let line = lines()
        .find(|l| {
            let lower = l.to_ascii_lowercase();
            lower.contains("error") || lower.contains("fail") || lower.contains("panicked")
        })
        .or_else(|| lines().next())?;
    Some(shorten(line))
}

/// The measuring side: `xtask bench --measure-child REPORT TIMEOUT_SECS CAP_MIB -- PROGRAM
/// ARGS…`.
pub fn child_main(args: &[String]) -> Result<()> {
    let [report, timeout, cap, dashes, program, rest @ ..] = args else {
        bail!("usage: xtask bench --measure-child REPORT TIMEOUT_SECS CAP_MIB -- PROGRAM ARGS…");
    };
    if dashes != "--" {
        bail!("expected `--` before the command");
    }
    let timeout = Duration::from_secs(timeout.parse()?);
    let cap = cap.parse::<u64>()? * 1024 * 1024;
    // Set on this process, inherited by the command; this process allocates nothing large.
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_AS, cap, cap)?;
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(rest)
        .spawn()
        .with_context(|| format!("starting {program}"))?;
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id())?);
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let expired = finished.recv_timeout(timeout).is_err();
        if expired {
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
        expired
    });
    let status = child.wait()?;
    let secs = start.elapsed().as_secs_f64();
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 * 1e-6;
    let run = Run {
        secs,
        cpu_secs: seconds(usage.user_time()) + seconds(usage.system_time()),
        max_rss_kib: u64::try_from(usage.max_rss()).unwrap_or(0),
        code: status.code(),
        timed_out,
    };
    std::fs::write(report, serde_json::to_string(&run)?)?;
    Ok(())
}
