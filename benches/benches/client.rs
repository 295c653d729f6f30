//! Client overhead: a GET through the generated `conversations` client against the same GET
//! written by hand with reqwest, to the same loopback axum server, in the same tokio runtime,
//! over the same `reqwest::Client` (so the same connection pool and settings).
//!
//! `cargo bench -p oagen-bench --bench client` (run by `cargo xtask bench`). The request is
//! `GET /v2/conversations/{id}` answered with a small JSON object (a conversation with no
//! events, about 200 bytes) that both sides decode into the same generated type,
//! `ConversationWithEvents`. The hand-written side does what careful code does with plain
//! reqwest: names itself in a `User-Agent` (set once on the `reqwest::Client`), builds the URL,
//! sets the `Authorization` header (marked sensitive) and a timeout, checks the status and
//! decodes the body. The generated side adds what the generated client always does: path
//! encoding, security placement, default headers, the retry loop (no retry happens), status
//! dispatch into the `…Ok`/`…Error` enums and located decode errors. Both send the same
//! request: before anything is timed, a second server records the headers of one request from
//! each side, and the bench stops if they differ (a header only one side sends costs the
//! server, and so this process, time to parse).
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
//!
//! `-- --only generated --requests N` (or `--only reqwest`) sends N requests from one side on a
//! single thread and times nothing, for tools that count instructions and simulate caches:
//! `valgrind --tool=cachegrind --cache-sim=yes` on two runs with different N gives one side's
//! counts per request, the same from run to run, where the timed ratio moves by a percent or
//! two. That is how the last few percent of overhead were found: the generated side ran fewer
//! instructions than reqwest by hand but missed the instruction cache more often.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use conversations::rt::client::ClientCore;
use conversations::{Client, ConversationWithEvents, GetConversationOk};
use uuid::Uuid;

const KEY: &str = "sk-bench";
/// Both sides name themselves the same way.
const USER_AGENT: &str = "bench/1.0";
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
    let mut key = reqwest::header::HeaderValue::from_static(KEY);
    key.set_sensitive(true);
    let response = http
        .get(format!("{base}/v2/conversations/{id}"))
        .header(reqwest::header::AUTHORIZATION, key)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("reqwest");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let body = response.bytes().await.expect("body");
    serde_json::from_slice(&body).expect("JSON")
}

/// The value after `name` on the command line.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|pair| pair[0] == name)
        .map(|pair| pair[1].clone())
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

/// The answer: the same from both routers, the recording one saving each request's headers
/// first (the timed one does nothing else, so that the server's share stays small).
async fn answer() -> ([(axum::http::HeaderName, &'static str); 1], Bytes) {
    (
        [(CONTENT_TYPE, "application/json")],
        Bytes::from_static(BODY.as_bytes()),
    )
}

fn app() -> Router {
    Router::new().route("/v2/conversations/{id}", get(answer))
}

fn recording_app(seen: Arc<Mutex<Vec<HeaderMap>>>) -> Router {
    Router::new().route(
        "/v2/conversations/{id}",
        get(|headers: HeaderMap| async move {
            seen.lock().expect("not poisoned").push(headers);
            answer().await
        }),
    )
}

/// A server on a free loopback port, and its base URL.
fn serve(runtime: &tokio::runtime::Runtime, app: Router) -> String {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    runtime.spawn(async move { axum::serve(listener, app).await });
    base
}

/// The generated client for `base`, over `http`.
fn generated_client(base: &str, http: &reqwest::Client) -> Client {
    let core = ClientCore::builder(base)
        .http_client(http.clone())
        .user_agent(USER_AGENT)
        .build()
        .expect("client core");
    Client::from_core(core).with_api_key(KEY)
}

fn main() {
    let only = arg("--only");
    let runtime = match only {
        // One thread, so that an instruction-level tool sees the same run every time.
        Some(_) => tokio::runtime::Builder::new_current_thread(),
        None => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(2);
            builder
        }
    }
    .enable_all()
    .build()
    .expect("tokio runtime");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .expect("reqwest client");
    let base = serve(&runtime, app());
    let client = generated_client(&base, &http);
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

    // Both must send the same request and decode the same thing before anything is timed.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = serve(&runtime, recording_app(seen.clone()));
    let a = runtime.block_on(generated(&generated_client(&recorder, &http), id));
    let b = runtime.block_on(by_hand(&http, &recorder, id));
    assert_eq!(a, b);
    let seen = seen.lock().expect("not poisoned");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], seen[1], "both sides must send the same headers");
    drop(seen);
    if let Some(side) = only {
        let requests = arg("--requests").map_or(1_000, |n| n.parse().expect("--requests N"));
        runtime.block_on(async {
            for _ in 0..requests {
                let conversation = match side.as_str() {
                    "generated" => generated(&client, id).await,
                    "reqwest" => by_hand(&http, &base, id).await,
                    other => panic!("--only generated or --only reqwest, not {other}"),
                };
                std::hint::black_box(conversation);
            }
        });
        return;
    }

    time_generated(WARM_UP);
    time_by_hand(WARM_UP);

    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut ours_cpu = Vec::new();
    let mut theirs_cpu = Vec::new();
    let mut wall_ratios = Vec::new();
    let mut cpu_ratios = Vec::new();
    let rounds = arg("--rounds").map_or(ROUNDS, |n| n.parse().expect("--rounds N"));
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
