//! Workspace automation: `cargo xtask <command>`.
//!
//! - `generate`: regenerate every crate in `generated/` from `specs/` (as `specs/crates.toml`
//!   declares), writing changed files only.
//! - `check`: regenerate in memory and fail, naming each missing, changed or extra file with a
//!   bounded unified diff, when `generated/` is not what the specs give.
//!
//! - `corpus`: generate and `cargo check` every document of a folder; see `corpus.rs`.
//! - `bench`: generation time and memory, compile cost, client and SSE overhead, each against
//!   peers measured in the same run; writes BENCHMARKS.md. See `bench.rs`.
//! - `interop`: outside SDKs against our generated servers and our generated clients against
//!   Prism, one table in INTEROP.md; see `interop.rs`.
//!
//! This file only dispatches; the work is in `generate.rs` and the generator library.

mod bench;
mod corpus;
mod generate;
mod interop;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <generate|check|corpus [DIR] [--out DIR] [--filter TEXT]|interop [--rounds N]|bench [--quick] [--runs N]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = generate::workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate::generate(&root),
        Some("check") => generate::check(&root),
        Some("corpus") => corpus::run(&root, &args[1..]),
        Some("interop") => interop::run(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}
