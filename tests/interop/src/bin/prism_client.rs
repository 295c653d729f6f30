//! `prism_client <crate> <prism-url> <static|dynamic|errors> <rounds> [<spec>]`: calls every
//! operation of the generated client `<crate>` against Prism at `<prism-url>` (through a
//! recording proxy) and prints one JSON line per operation: whether Prism reported a request
//! violation and whether the answer decoded (see `interop::prism`).
//!
//! - `static`: `<rounds>` calls per operation, Prism answering the spec's examples.
//! - `dynamic`: `<rounds>` calls per operation with `Prefer: dynamic=true`.
//! - `errors`: for each numbered 4xx/5xx response `<spec>` documents for an operation,
//!   `<rounds>` calls with `Prefer: code=<status>, dynamic=true`; the client must decode the
//!   documented error.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (krate, prism_url, mode, rounds, spec) = match args.as_slice() {
        [k, u, m, r] => (k, u, m, r, None),
        [k, u, m, r, s] => (k, u, m, r, Some(s)),
        _ => {
            eprintln!(
                "usage: prism_client <crate> <prism-url> <static|dynamic|errors> <rounds> [<spec>]"
            );
            return ExitCode::from(2);
        }
    };
    let Ok(rounds) = rounds.parse::<usize>() else {
        eprintln!("prism_client: rounds must be a number, not {rounds:?}");
        return ExitCode::from(2);
    };
    let statuses = match (mode.as_str(), spec) {
        ("static" | "dynamic", _) => None,
        ("errors", Some(spec)) => {
            let text = match std::fs::read_to_string(spec) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("prism_client: {spec}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match interop::prism::error_statuses(&text) {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!("prism_client: {spec}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        _ => {
            eprintln!("prism_client: mode must be static, dynamic or errors (errors needs <spec>)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("prism_client: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let dynamic = mode != "static";
        let proxy = match interop::prism::Proxy::start(prism_url, dynamic).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("prism_client: proxy: {e}");
                return ExitCode::FAILURE;
            }
        };
        let Some(ops) = interop::prism::operations(krate, &proxy.url) else {
            eprintln!("prism_client: unknown crate {krate:?}");
            return ExitCode::from(2);
        };
        let reports = match &statuses {
            Some(statuses) => {
                interop::prism::run_errors(krate, &ops, &proxy, rounds, statuses).await
            }
            None => interop::prism::run(krate, mode, &ops, &proxy, rounds).await,
        };
        for r in reports {
            println!("{r}");
        }
        ExitCode::SUCCESS
    })
}
