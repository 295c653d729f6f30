//! `oagen-stages <spec> --out <dir> [--name <crate>] [--runtime-path <path>]`: generates a
//! crate exactly as `oagen generate` does, and prints how long each stage of the pipeline took
//! as one JSON line on stdout (milliseconds):
//!
//! ```text
//! {"load":…,"normalize":…,"resolve":…,"lower":…,"emit":…,"format":…,"emit_threads":…,
//!  "format_threads":…,"write":…,"total":…,"types":…,"operations":…,"rust_lines":…}
//! ```
//!
//! `cargo xtask bench` runs it (release build) several times per document and takes the median
//! of each stage. It links the generator as a library instead of adding a flag to the `oagen`
//! binary, so the user-facing command stays as it is; the wall time and peak memory in the
//! report come from the real `oagen` binary, this tool only splits that time up.
//!
//! How each stage is measured:
//!
//! - load, normalize, resolve, lower: [`oagen::Timings`], recorded by the library itself.
//! - emit and format: the library emits and formats the files together, piece by piece on all
//!   cores, and records the wall time of the whole and each thread's time in either kind of
//!   work ([`oagen::emit::ThreadTimes`]). The wall time is split between "emit" (building token
//!   streams and templates) and "format" (parsing and printing them) in the proportion of
//!   their thread times, which are reported too (`emit_threads`, `format_threads`).
//! - write: [`oagen::write::write`] into an empty directory (the caller removes it first), so
//!   every file is written, as on a first generation.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use oagen::{RuntimeDep, Settings};

/// The allocator the `oagen` binary uses, so the stages add up to its work.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    spec: PathBuf,
    out: PathBuf,
    name: String,
    runtime: RuntimeDep,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut spec = None;
    let mut out = None;
    let mut name = None;
    let mut runtime = RuntimeDep::Vendored;
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--name" => name = Some(value("--name")?),
            "--runtime-path" => runtime = RuntimeDep::Path(value("--runtime-path")?),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            positional if spec.is_none() => spec = Some(PathBuf::from(positional)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    Ok(Args {
        spec: spec.ok_or("missing <spec>")?,
        out: out.ok_or("missing --out <dir>")?,
        name: name.unwrap_or_else(|| "api".to_owned()),
        runtime,
    })
}

/// Lines of Rust the crate's modules hold (not the vendored runtime).
fn rust_lines(files: &[oagen::GeneratedFile]) -> usize {
    files
        .iter()
        .filter(|f| f.path.ends_with(".rs") && f.path.starts_with("src/"))
        .map(|f| f.contents.lines().count())
        .sum()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let settings = Settings::new(&args.spec, &args.name).with_runtime(args.runtime);
    let output = match oagen::generate(&settings) {
        Ok(o) => o,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    if let Err(e) = oagen::write::write(&args.out, &output.files) {
        eprintln!("error: writing {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    let write = start.elapsed();
    let t = output.timings;
    // Emitting and formatting run together on all cores: the wall time is split in the
    // proportion of the thread time each took.
    let threads = t.emit_threads.tokens + t.emit_threads.format;
    let format_share = if threads.is_zero() {
        0.0
    } else {
        t.emit_threads.format.as_secs_f64() / threads.as_secs_f64()
    };
    let format = t.emit.mul_f64(format_share);
    let total = t.load + t.normalize + t.resolve + t.lower + t.emit + write;
    let report = serde_json::json!({
        "load": ms(t.load),
        "normalize": ms(t.normalize),
        "resolve": ms(t.resolve),
        "lower": ms(t.lower),
        "emit": ms(t.emit - format),
        "format": ms(format),
        "emit_threads": ms(t.emit_threads.tokens),
        "format_threads": ms(t.emit_threads.format),
        "write": ms(write),
        "total": ms(total),
        "types": output.types,
        "operations": output.operations,
        "rust_lines": rust_lines(&output.files),
    });
    println!("{report}");
    ExitCode::SUCCESS
}
