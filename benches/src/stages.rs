//! `oagen-stages <spec> --out <dir> [--name <crate>] [--runtime-path <path>]`: generates a
//! crate exactly as `oagen generate` does, and prints how long each stage of the pipeline took
//! as one JSON line on stdout (milliseconds):
//!
//! ```text
//! {"load":…,"normalize":…,"resolve":…,"lower":…,"emit":…,"format":…,"write":…,"total":…,
//!  "types":…,"operations":…,"rust_lines":…,"format_reproduced":true}
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
//! - emit and format: the library times them together (the emitters call `format::rust_file`
//!   file by file). To separate them, every emitted Rust file is lexed back into tokens (not
//!   timed) and `oagen::format::rust_file` is timed on those tokens: the same function on the
//!   same token trees, so the same work. `format_reproduced` says the result was the emitted
//!   file again (up to whitespace, see [`same_code`]), which is the check that it was the same
//!   work. "emit" is reported as the library's emit time minus that format time: building the
//!   token streams and templates.
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

/// Formats every emitted Rust file of the crate again from its tokens; returns the time spent
/// in `oagen::format::rust_file`, whether every result matched the emitted text, and the
/// number of lines of Rust.
fn format_again(files: &[oagen::GeneratedFile]) -> Result<(Duration, bool, usize), String> {
    let mut spent = Duration::ZERO;
    let mut reproduced = true;
    let mut lines = 0;
    for file in files.iter().filter(|f| {
        f.path.ends_with(".rs") && f.path.starts_with("src/") // not a vendored runtime
    }) {
        lines += file.contents.lines().count();
        // The `@generated` comment is the header `rust_file` puts on top; comments are not
        // tokens, so it is passed again as the header.
        let (header, body) = match file.contents.split_once('\n') {
            Some((first, rest)) if first.starts_with("//") => (format!("{first}\n"), rest),
            _ => (String::new(), file.contents.as_str()),
        };
        let tokens: proc_macro2::TokenStream = body
            .parse()
            .map_err(|e| format!("{}: does not lex: {e}", file.path))?;
        let start = Instant::now();
        let again = oagen::format::rust_file(&tokens, &header)?;
        spent += start.elapsed();
        reproduced &= same_code(&again, &file.contents);
    }
    Ok((spent, reproduced, lines))
}

/// Whether two renderings hold the same code: equal once whitespace is removed. Layout can
/// differ where the emitted tokens had invisible groups (a `syn::Expr` interpolated by
/// `quote!`), which lexing the printed text cannot bring back; the work is the same.
fn same_code(a: &str, b: &str) -> bool {
    let code = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    a == b || code(a) == code(b)
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
    let (format, reproduced, lines) = match format_again(&output.files) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let t = output.timings;
    let total = t.load + t.normalize + t.resolve + t.lower + t.emit + write;
    let report = serde_json::json!({
        "load": ms(t.load),
        "normalize": ms(t.normalize),
        "resolve": ms(t.resolve),
        "lower": ms(t.lower),
        "emit": ms(t.emit.saturating_sub(format)),
        "format": ms(format),
        "write": ms(write),
        "total": ms(total),
        "types": output.types,
        "operations": output.operations,
        "rust_lines": lines,
        "format_reproduced": reproduced,
    });
    println!("{report}");
    ExitCode::SUCCESS
}
