//! The `oagen` command: arguments → [`oagen::Settings`] → [`oagen::generate`] → files.
//!
//! ```text
//! oagen generate <spec> --out <dir> [--name <crate>] [--runtime-path <path> | --runtime-version <req>]
//!                [--tag <tag>]... [--operation <id>]... [--client-only | --server-only]
//! oagen check <spec> --out <dir> [same options]     exit 1 with a diff when <dir> is stale
//! ```
//!
//! `--tag` and `--operation` become a [`oagen::Selection`] (the model keeps the operations
//! named and the types they reach), `--client-only` / `--server-only` an [`oagen::Halves`].

use std::path::PathBuf;
use std::process::ExitCode;

use oagen::{Halves, RuntimeDep, Selection, Settings};

/// Emitting and formatting build and drop millions of small token trees on several threads;
/// mimalloc serves those allocations in about half the time the system allocator takes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: oagen generate <spec> --out <dir> [--name <crate>] [--runtime-path <path> | --runtime-version <req>]
                      [--tag <tag>]... [--operation <id>]... [--client-only | --server-only]
       oagen check <spec> --out <dir> [same options]

Generates a Rust crate from an OpenAPI 3.0 or 3.1 document (JSON or YAML).
  --out <dir>              where the crate goes (created if missing; the generator owns it)
  --name <crate>           package name (default: the spec's file stem)
  --runtime-path <path>    depend on the oagen-rt runtime at this path (relative to --out)
  --runtime-version <req>  depend on oagen-rt from a registry
  --tag <tag>              keep the operations with this tag (repeatable)
  --operation <id>         keep this operation: its operationId or its method name (repeatable)
  --client-only            generate the client and no server
  --server-only            generate the server and no client
By default the runtime's sources are written into <dir>/oagen-rt, so the crate builds anywhere.
With --tag or --operation, only the operations they name are generated (an operation is kept
when any option names it), with the types those operations use.";

struct Args {
    check: bool,
    settings: Settings,
    out: PathBuf,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let command = args.next().ok_or("missing command")?;
    let check = match command.as_str() {
        "generate" => false,
        "check" => true,
        "-h" | "--help" | "help" => return Err(String::new()),
        other => return Err(format!("unknown command `{other}`")),
    };
    let mut spec = None;
    let mut out = None;
    let mut name = None;
    let mut runtime = RuntimeDep::Vendored;
    let mut selection = Selection::default();
    let mut halves = Halves::Both;
    let mut set_halves = |wanted: Halves| {
        if halves != Halves::Both && halves != wanted {
            return Err("--client-only and --server-only exclude each other (the default is both)");
        }
        halves = wanted;
        Ok(())
    };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--out" | "-o" => out = Some(PathBuf::from(value("--out")?)),
            "--name" => name = Some(value("--name")?),
            "--runtime-path" => runtime = RuntimeDep::Path(value("--runtime-path")?),
            "--runtime-version" => runtime = RuntimeDep::Version(value("--runtime-version")?),
            "--tag" => selection.tags.push(value("--tag")?),
            "--operation" => selection.operations.push(value("--operation")?),
            "--client-only" => set_halves(Halves::ClientOnly)?,
            "--server-only" => set_halves(Halves::ServerOnly)?,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            positional if spec.is_none() => spec = Some(PathBuf::from(positional)),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let spec = spec.ok_or("missing <spec>")?;
    let out = out.ok_or("missing --out <dir>")?;
    let name = name.unwrap_or_else(|| {
        spec.file_stem()
            .map(|s| s.to_string_lossy().to_lowercase().replace(['.', ' '], "-"))
            .unwrap_or_else(|| "api".to_owned())
    });
    Ok(Args {
        check,
        settings: Settings::new(spec, name)
            .with_runtime(runtime)
            .with_selection(selection)
            .with_halves(halves),
        out,
    })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let output = match oagen::generate(&args.settings) {
        Ok(o) => o,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!(
                "error: {} could not be generated ({} error(s))",
                args.settings.spec.display(),
                diags.error_count()
            );
            return ExitCode::FAILURE;
        }
    };
    for w in &output.warnings {
        eprintln!("{w}");
    }
    if args.check {
        match oagen::write::compare(&args.out, &output.files) {
            Ok(changes) if changes.is_empty() => {
                println!("{} is up to date", args.out.display());
                ExitCode::SUCCESS
            }
            Ok(changes) => {
                for c in &changes {
                    match c {
                        oagen::write::Change::Missing(p) => eprintln!("missing: {}", p.display()),
                        oagen::write::Change::Extra(p) => eprintln!("extra:   {}", p.display()),
                        oagen::write::Change::Changed { path, diff } => {
                            eprintln!("changed: {}\n{diff}", path.display())
                        }
                    }
                }
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {}: {e}", args.out.display());
                ExitCode::FAILURE
            }
        }
    } else {
        match oagen::write::write(&args.out, &output.files) {
            Ok(stats) => {
                println!(
                    "{}: {} types, {} operations, {} untyped; {} files written, {} unchanged, {} removed",
                    args.out.display(),
                    output.types,
                    output.operations,
                    output.untyped,
                    stats.written,
                    stats.unchanged,
                    stats.removed
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: writing {}: {e}", args.out.display());
                ExitCode::FAILURE
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Args, String> {
        parse_args(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn selection_and_halves() {
        let args = parse(
            "generate a.yaml --out x --tag pets --operation getStore --tag store --client-only",
        )
        .unwrap();
        assert_eq!(args.settings.selection.tags, ["pets", "store"]);
        assert_eq!(args.settings.selection.operations, ["getStore"]);
        assert_eq!(args.settings.halves, Halves::ClientOnly);
        let args = parse("check a.yaml --out x --server-only").unwrap();
        assert!(args.check && args.settings.selection.is_all());
        assert_eq!(args.settings.halves, Halves::ServerOnly);
        assert_eq!(
            parse("generate a.yaml --out x --client-only --server-only").err(),
            Some("--client-only and --server-only exclude each other (the default is both)".into())
        );
        assert_eq!(
            parse("generate a.yaml --out x --tag").err(),
            Some("--tag needs a value".into())
        );
    }
}
