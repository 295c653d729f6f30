//! Client overhead: a GET through the generated `conversations` client against the same GET
//! written by hand with reqwest, to the same loopback axum server, in the same tokio runtime,
//! over the same `reqwest::Client` (so the same connection pool and settings).
//!
//! `cargo bench -p oagen-bench --bench client` (run by `cargo xtask bench`). The request is
//! `GET /v2/conversations/{id}` answered with a small JSON object (a conversation with no
//! events, about 200 bytes) that both sides decode into the same generated type,
//! `ConversationWithEvents`. The hand-written side does what careful code does with plain
//! reqwest: builds the URL, sets the `Authorization` header and a timeout, checks the status and
//! decodes the body. The generated side adds what the generated client always does: path
//! encoding, security placement, default headers, the retry loop (no retry happens), status
//! dispatch into the `…Ok`/`…Error` enums and located decode errors.
//!
//! Why not criterion: on a shared two-core machine the load drifts over seconds, and criterion
//! measures one function completely before the other, so drift lands in the ratio. Here the two
//! sides alternate in rounds of `BATCH` sequential requests (the order flips every round), each
//! round gives a ratio of the two times, and the result is the median over `ROUNDS` rounds
//! (`-- --rounds N` sets another count). One process's ratio still depends on where its code
//! and heap landed: the same binary gives ratios about 2 % apart from one process to the next,
//! so `cargo xtask bench` runs several processes and reports the median one.
//!
//! Two clocks are read around every batch: wall time (requests per second, what a caller
//! sees) and the CPU time of this whole process (client, server and runtime threads, from
//! `CLOCK_PROCESS_CPUTIME_ID`). The server's share is the same on both sides, so a difference
//! in CPU per request is the client's own cost; unlike wall time it does not count the time
//! other processes on a shared machine held the cores, so it is the steadier of the two.
//! The last line of stdout is the result as JSON, read by `cargo xtask bench`.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use conversations::rt::client::ClientCore;
use conversations::{Client, ConversationWithEvents, GetConversationOk};
use uuid::Uuid;

const KEY: &str = "sk-bench";
const ROUNDS: usize = 121;
const BATCH: usize = 250;
const WARM_UP: usize = 2_000;

/// The answer: one conversation without events.
const BODY: &str = r#"{"conversation_uuid":"6f1c2c1e-8f3a-4d1b-9a55-0c2f3b4d5e6f","title":"triage","user_id":42,"context":null,"events":null,"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:05:06Z"}"#;

async fn generated(client: &Client, id: Uuid) -> ConversationWithEvents {
    match client.get_conversation(id).await.expect("generated client") {
        GetConversationOk::Ok(conversation) => conversation,
    }
}

async fn by_hand(http: &reqwest::Client, base: &str, id: Uuid) -> ConversationWithEvents {
    let response = http
        .get(format!("{base}/v2/conversations/{id}"))
        .header(reqwest::header::AUTHORIZATION, KEY)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("reqwest");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let body = response.bytes().await.expect("body");
    serde_json::from_slice(&body).expect("JSON")
}

/// `ROUNDS`, or the count after `--rounds` on the command line.
fn rounds() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|pair| pair[0] == "--rounds")
        .and_then(|pair| pair[1].parse().ok())
        .unwrap_or(ROUNDS)
}

/// CPU time used so far by every thread of this process, in seconds.
fn process_cpu() -> f64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map(|t| t.tv_sec() as f64 + t.tv_nsec() as f64 * 1e-9)
        .expect("CLOCK_PROCESS_CPUTIME_ID")
}

/// Wall and CPU seconds of one batch.
#[derive(Clone, Copy)]
struct Spent {
    wall: f64,
    cpu: f64,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let app = Router::new().route(
        "/v2/conversations/{id}",
        get(|| async {
            (
                [(CONTENT_TYPE, "application/json")],
                Bytes::from_static(BODY.as_bytes()),
            )
        }),
    );
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    runtime.spawn(async move { axum::serve(listener, app).await });

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client");
    let core = ClientCore::builder(&base)
        .http_client(http.clone())
        .build()
        .expect("client core");
    let client = Client::from_core(core).with_api_key(KEY);
    let id = Uuid::from_u128(0x6f1c_2c1e_8f3a_4d1b_9a55_0c2f_3b4d_5e6f);

    let time_generated = |n: usize| {
        runtime.block_on(async {
            let (start, cpu) = (Instant::now(), process_cpu());
            for _ in 0..n {
                std::hint::black_box(generated(&client, id).await);
            }
            Spent {
                wall: start.elapsed().as_secs_f64(),
                cpu: process_cpu() - cpu,
            }
        })
    };
    let time_by_hand = |n: usize| {
        runtime.block_on(async {
            let (start, cpu) = (Instant::now(), process_cpu());
            for _ in 0..n {
                std::hint::black_box(by_hand(&http, &base, id).await);
            }
            Spent {
                wall: start.elapsed().as_secs_f64(),
                cpu: process_cpu() - cpu,
            }
        })
    };

    // Both must decode the same thing before anything is timed.
    let a = runtime.block_on(generated(&client, id));
    let b = runtime.block_on(by_hand(&http, &base, id));
    assert_eq!(a, b);
    time_generated(WARM_UP);
    time_by_hand(WARM_UP);

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut ours_cpu = Vec::new();
    let mut theirs_cpu = Vec::new();
    let mut wall_ratios = Vec::new();
    let mut cpu_ratios = Vec::new();
    let rounds = rounds();
    for round in 0..rounds {
        let (g, h) = if round % 2 == 0 {
            let g = time_generated(BATCH);
            (g, time_by_hand(BATCH))
        } else {
            let h = time_by_hand(BATCH);
            (time_generated(BATCH), h)
        };
        eprintln!(
            "round {round:>2}: generated {:>6.0} req/s {:>5.1} µs CPU, reqwest {:>6.0} req/s {:>5.1} µs CPU; ratios: wall {:.3}, CPU {:.3}",
            BATCH as f64 / g.wall,
            g.cpu * 1e6 / BATCH as f64,
            BATCH as f64 / h.wall,
            h.cpu * 1e6 / BATCH as f64,
            g.wall / h.wall,
            g.cpu / h.cpu
        );
        ours.push(BATCH as f64 / g.wall);
        theirs.push(BATCH as f64 / h.wall);
        ours_cpu.push(g.cpu / BATCH as f64);
        theirs_cpu.push(h.cpu / BATCH as f64);
        wall_ratios.push(g.wall / h.wall);
        cpu_ratios.push(g.cpu / h.cpu);
    }
    let result = serde_json::json!({
        "rounds": rounds,
        "requests_per_round": BATCH,
        "body_bytes": BODY.len(),
        "generated_rps": median(&mut ours),
        "reqwest_rps": median(&mut theirs),
        "generated_cpu_secs": median(&mut ours_cpu),
        "reqwest_cpu_secs": median(&mut theirs_cpu),
        "time_ratio": median(&mut wall_ratios),
        "cpu_ratio": median(&mut cpu_ratios),
    });
    println!("{result}");
}
