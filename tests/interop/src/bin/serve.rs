//! `serve <api> <port-file> [--exit-on-stdin-eof]`: serves a generated server on `127.0.0.1`
//! at a port the system picks, and writes that port to `<port-file>` once it listens.
//!
//! - `conversations`, `acp`: recording implementations; `GET /__recorded` answers what they saw.
//! - `devrev-agents`: [`interop::devrev_server`] (bearer token `devrev-interop-token`).
//! - `agent-runtime`, `agent-platform`: the in-memory reference implementations of the `e2e`
//!   crate (bearer tokens `runtime-interop-token` and `sk_bootstrap`).
//!
//! With `--exit-on-stdin-eof` it stops when its standard input closes, so that a test harness
//! that dies does not leave it running.

use std::io::Read as _;
use std::process::ExitCode;

use interop::record::Recorder;

/// The bearer token the agent runtime lets in.
const RUNTIME_TOKEN: &str = "runtime-interop-token";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(api), Some(port_file)) = (args.first(), args.get(1)) else {
        eprintln!("usage: serve <api> <port-file> [--exit-on-stdin-eof]");
        return ExitCode::from(2);
    };
    let recorder = Recorder::default();
    let app = match api.as_str() {
        "conversations" => interop::conversations_server::app(recorder),
        "acp" => interop::acp_server::app(recorder),
        "devrev-agents" => interop::devrev_server::app(),
        "agent-runtime" => e2e::agent_runtime::AgentRuntime::new(e2e::agent_runtime::Config {
            resolver: Some(std::sync::Arc::new(|token: Option<&str>| {
                (token == Some(RUNTIME_TOKEN)).then(e2e::agent_runtime::Caller::anonymous)
            })),
            ..e2e::agent_runtime::Config::default()
        })
        .router(),
        "agent-platform" => e2e::agent_platform::Platform::default().router(),
        other => {
            eprintln!(
                "serve: unknown API {other:?} (conversations, acp, devrev-agents, agent-runtime, agent-platform)"
            );
            return ExitCode::from(2);
        }
    };
    if args.iter().any(|a| a == "--exit-on-stdin-eof") {
        std::thread::spawn(|| {
            let mut sink = [0_u8; 256];
            while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: std::io::Result<()> = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let tmp = format!("{port_file}.tmp");
        std::fs::write(&tmp, port.to_string())?;
        std::fs::rename(&tmp, port_file)?;
        eprintln!("serve: {api} on http://127.0.0.1:{port}");
        axum::serve(listener, app).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve: {e}");
            ExitCode::FAILURE
        }
    }
}
