//! `serve <conversations|acp> <port-file> [--exit-on-stdin-eof]`: serves a generated server,
//! backed by a recording implementation, on `127.0.0.1` at a port the system picks, and writes
//! that port to `<port-file>` once it listens. `GET /__recorded` answers what it saw.
//!
//! With `--exit-on-stdin-eof` it stops when its standard input closes, so that a test harness
//! that dies does not leave it running.

use std::io::Read as _;
use std::process::ExitCode;

use interop::record::Recorder;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(api), Some(port_file)) = (args.first(), args.get(1)) else {
        eprintln!("usage: serve <conversations|acp> <port-file> [--exit-on-stdin-eof]");
        return ExitCode::from(2);
    };
    let recorder = Recorder::default();
    let app = match api.as_str() {
        "conversations" => interop::conversations_server::app(recorder),
        "acp" => interop::acp_server::app(recorder),
        other => {
            eprintln!("serve: unknown API {other:?} (conversations or acp)");
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
