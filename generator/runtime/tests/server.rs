//! The server glue and the SSE client over real HTTP on loopback.
//!
//! The router below is written by hand the way generated routers will be: each handler reads
//! an `Input`, extracts its arguments (returning the `Problem` on failure) and runs the
//! implementation through `respond`. Requests go out through reqwest, so what is checked is
//! what a client sees on the wire: status, `application/problem+json` and the member naming
//! the parameter or field at fault.
//!
//! The SSE tests drive `EventStream` against a server that cuts its connections after a few
//! events (mid-event, with a half-sent `id:`), and check that the consumer sees every event
//! once, in order.

#![cfg(all(feature = "client", feature = "server"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use futures::{FutureExt as _, StreamExt as _};
use oagen_rt::server::{
    self as rt, ApiResponse, Failure, Input, ParamLocation, Presented, Problem, ServerAuthKind,
    ServerAuthScheme,
};
use oagen_rt::sse::{EventStream, ReconnectPolicy, ServerEvent, ServerEvents, StreamError};
use oagen_rt::{ParamStyle, ValueKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The body limit of this API: small, so the 413 test need not send megabytes.
const LIMIT: usize = 1024;

// ---------------------------------------------------------------------------------------------
// Types and response enums, as the generator would emit them

#[derive(Debug, Deserialize)]
struct CreateRunRequest {
    input: Vec<Message>,
}

#[derive(Debug, Deserialize)]
struct Message {
    role: Role,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Assistant,
}

#[derive(Debug, Serialize)]
struct Run {
    session: String,
    messages: usize,
    first: String,
}

enum CreateRunOk {
    Created(Run),
}

impl ApiResponse for CreateRunOk {
    fn into_api_response(self) -> Response {
        match self {
            Self::Created(run) => rt::with_header(
                rt::json_response(StatusCode::CREATED, &run),
                "X-Run-Count",
                &run.messages,
            ),
        }
    }
}

enum CreateRunError {
    Conflict(Value),
}

impl ApiResponse for CreateRunError {
    fn into_api_response(self) -> Response {
        match self {
            Self::Conflict(body) => rt::json_response(StatusCode::CONFLICT, &body),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Tick {
    n: u64,
}

// ---------------------------------------------------------------------------------------------
// The implementation

#[derive(Default)]
struct TestApi {
    /// How each SSE connection went: (the `Last-Event-ID` it came with, events sent whole).
    connections: Mutex<Vec<(Option<String>, u64)>>,
    /// xorshift state for the number of events before a cut.
    seed: Mutex<u64>,
}

static BEARER: ServerAuthScheme = ServerAuthScheme {
    key: "bearerAuth",
    kind: ServerAuthKind::Bearer,
};
static SECURED: &[&[&ServerAuthScheme]] = &[&[&BEARER]];

impl TestApi {
    async fn list_runs(&self, session: String, limit: u32) -> Result<Response, Failure<Problem>> {
        Ok(rt::json_response(
            StatusCode::OK,
            &json!({"session": session, "limit": limit}),
        ))
    }

    async fn create_run(
        &self,
        session: String,
        body: CreateRunRequest,
    ) -> Result<CreateRunOk, Failure<CreateRunError>> {
        if session == "busy" {
            return Err(CreateRunError::Conflict(json!({"reason": "busy"})).into());
        }
        let first = body.input.first().map_or(String::new(), |message| {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            format!("{role}: {}", message.text)
        });
        Ok(CreateRunOk::Created(Run {
            session,
            messages: body.input.len(),
            first,
        }))
    }

    async fn explode(&self) -> Result<Response, Failure<Problem>> {
        panic!("the implementation has a bug");
    }

    async fn unimplemented(&self) -> Result<Response, Failure<Problem>> {
        Err(Failure::NotImplemented)
    }

    async fn whoami(
        &self,
        presented: Vec<(&'static str, Presented)>,
    ) -> Result<Response, Failure<Problem>> {
        let token = match presented.first() {
            Some(("bearerAuth", Presented::Bearer(token))) => token.clone(),
            _ => return Err(Failure::Internal("unexpected credential".into())),
        };
        Ok(rt::json_response(StatusCode::OK, &json!({"token": token})))
    }

    async fn upload(&self, form: rt::MultipartForm) -> Result<Response, Failure<Problem>> {
        let title = rt::require(form.text("title")?, "title", ParamLocation::Body)?;
        let file = rt::require(form.file("file"), "file", ParamLocation::Body)?;
        Ok(rt::json_response(
            StatusCode::OK,
            &json!({
                "title": title,
                "filename": file.filename,
                "content_type": file.content_type,
                "size": file.data.len(),
                "checksum": file.data.iter().map(|b| u64::from(*b)).sum::<u64>(),
            }),
        ))
    }

    fn next_random(&self) -> u64 {
        let mut seed = self.seed.lock().unwrap();
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers, shaped like generated ones

macro_rules! read_input {
    ($request:expr) => {
        match Input::from_request($request, LIMIT).await {
            Ok(input) => input,
            Err(problem) => return problem.into_response(),
        }
    };
}

async fn list_runs(State(api): State<Arc<TestApi>>, request: Request) -> Response {
    let input = read_input!(request);
    let args = (|| {
        let session: String =
            input.path("session_id", ParamStyle::Simple, false, ValueKind::Scalar)?;
        let limit: Option<u32> = input.query("limit", ParamStyle::Form, true, ValueKind::Scalar)?;
        let limit = rt::require(limit, "limit", ParamLocation::Query)?;
        Ok::<_, Problem>((session, limit))
    })();
    match args {
        Ok((session, limit)) => rt::respond("list_runs", api.list_runs(session, limit)).await,
        Err(problem) => problem.into_response(),
    }
}

async fn create_run(State(api): State<Arc<TestApi>>, request: Request) -> Response {
    let input = read_input!(request);
    let args = (|| {
        let session: String =
            input.path("session_id", ParamStyle::Simple, false, ValueKind::Scalar)?;
        let body: CreateRunRequest = input.json()?;
        Ok::<_, Problem>((session, body))
    })();
    match args {
        Ok((session, body)) => rt::respond("create_run", api.create_run(session, body)).await,
        Err(problem) => problem.into_response(),
    }
}

async fn explode(State(api): State<Arc<TestApi>>) -> Response {
    rt::respond("explode", api.explode()).await
}

async fn unimplemented(State(api): State<Arc<TestApi>>) -> Response {
    rt::respond("unimplemented", api.unimplemented()).await
}

async fn whoami(State(api): State<Arc<TestApi>>, request: Request) -> Response {
    let input = read_input!(request);
    match input.authenticate(SECURED) {
        Ok(presented) => rt::respond("whoami", api.whoami(presented)).await,
        Err(problem) => problem.into_response(),
    }
}

async fn upload(State(api): State<Arc<TestApi>>, request: Request) -> Response {
    let input = read_input!(request);
    match input.multipart().await {
        Ok(form) => rt::respond("upload", api.upload(form)).await,
        Err(problem) => problem.into_response(),
    }
}

/// `TOTAL` ticks, resumable by `Last-Event-ID`; each connection sends one to three whole
/// events, then half of the next (with its `id:` line) and breaks off. 204 once all are sent.
const TOTAL: u64 = 25;

async fn ticks(State(api): State<Arc<TestApi>>, request: Request) -> Response {
    let input = read_input!(request);
    let resume = oagen_rt::sse::last_event_id(input.headers());
    let start = match resume.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(id)) => id + 1,
        Some(Err(_)) => {
            return Problem::invalid_parameter("Last-Event-ID", "not a number")
                .at(ParamLocation::Header)
                .into_response();
        }
    };
    if start >= TOTAL {
        return rt::empty_response(StatusCode::NO_CONTENT);
    }
    let end = (start + 1 + api.next_random() % 3).min(TOTAL);
    api.connections.lock().unwrap().push((resume, end - start));
    let mut chunks: Vec<Result<Bytes, std::io::Error>> = (start..end)
        .map(|n| {
            let frame = ServerEvent::new(Tick { n }).id(n.to_string()).to_frame();
            frame.map(Bytes::from).map_err(std::io::Error::other)
        })
        .collect();
    if end == TOTAL {
        // The last connection ends cleanly.
        return rt::stream_response(
            StatusCode::OK,
            "text/event-stream",
            futures::stream::iter(chunks),
        );
    }
    chunks.push(Ok(Bytes::from(format!("id: {end}\ndata: {{\"n\":"))));
    // Give hyper a moment to flush what was sent before the error aborts the connection.
    let cut = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::other("connection cut by the test"))
    });
    rt::stream_response(
        StatusCode::OK,
        "text/event-stream",
        futures::stream::iter(chunks).chain(cut),
    )
}

/// Three events through `ServerEvents`, the middle one not a `Tick`.
async fn mixed() -> Response {
    let events = vec![
        ServerEvent::new(json!({"n": 0})).id("0"),
        ServerEvent::new(json!("not a tick")).id("1").event("oops"),
        ServerEvent::new(json!({"n": 2})).id("2"),
    ];
    ServerEvents::new(futures::stream::iter(events)).into_response()
}

/// One event and a cut; the reconnect is refused with a 503 problem.
async fn refusing(request: Request) -> Response {
    if request.headers().contains_key("last-event-id") {
        return Problem::new(StatusCode::SERVICE_UNAVAILABLE)
            .with_detail("try later")
            .into_response();
    }
    let frame = Bytes::from(
        ServerEvent::new(Tick { n: 0 })
            .id("0")
            .to_frame()
            .unwrap_or_default(),
    );
    let cut = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::other("cut"))
    });
    rt::stream_response(
        StatusCode::OK,
        "text/event-stream",
        futures::stream::once(async { Ok(frame) }).chain(cut),
    )
}

fn router(api: Arc<TestApi>) -> Router {
    Router::new()
        .route(
            "/sessions/{session_id}/runs",
            get(list_runs).post(create_run),
        )
        .route("/explode", get(explode))
        .route("/unimplemented", get(unimplemented))
        .route("/whoami", get(whoami))
        .route("/upload", post(upload))
        .route("/ticks", get(ticks))
        .route("/mixed", get(mixed))
        .route("/refusing", get(refusing))
        .with_state(api)
        .fallback(rt::not_found)
        .method_not_allowed_fallback(rt::method_not_allowed)
}

// ---------------------------------------------------------------------------------------------
// Harness

struct Server {
    base: String,
    api: Arc<TestApi>,
    http: reqwest::Client,
}

async fn serve() -> Server {
    let api = Arc::new(TestApi {
        seed: Mutex::new(0x9E37_79B9_7F4A_7C15),
        ..TestApi::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(api.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server {
        base,
        api,
        http: reqwest::Client::new(),
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Status and JSON body, checking that errors are problem documents.
    async fn call(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status >= 400 && status != 409 {
            assert_eq!(content_type, "application/problem+json", "{status} {body}");
            assert_eq!(body["status"], status, "{body}");
            assert!(body["title"].is_string(), "{body}");
        }
        (status, body)
    }

    fn post_json(&self, path: &str, body: &'static str) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters and bodies

#[tokio::test]
async fn query_parameters() {
    let server = serve().await;
    let (status, body) = server
        .call(server.http.get(server.url("/sessions/s1/runs")))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["invalid_params"][0]["name"], "limit");
    assert_eq!(body["invalid_params"][0]["in"], "query");

    let (status, body) = server
        .call(server.http.get(server.url("/sessions/s1/runs?limit=abc")))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["invalid_params"][0]["name"], "limit");
    let reason = body["invalid_params"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("abc"), "{body}");

    let (status, body) = server
        .call(server.http.get(server.url("/sessions/s%201/runs?limit=7")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"session": "s 1", "limit": 7}));
}

#[tokio::test]
async fn json_bodies() {
    let server = serve().await;
    let runs = "/sessions/s1/runs";

    let (status, body) = server
        .call(server.post_json(runs, r#"{"input": [{"role": "user", "text": "hi"}]}"#))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["first"], "user: hi");

    let (status, body) = server.call(server.post_json(runs, r#"{"input": [}"#)).await;
    assert_eq!(status, 400);
    assert!(
        body["detail"].as_str().unwrap().contains("line 1"),
        "{body}"
    );

    let (status, body) = server
        .call(server.post_json(runs, r#"{"input": [{"role": "user", "text": 5}]}"#))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["pointer"], "/input/0/text");

    let (status, body) = server
        .call(server.post_json(
            runs,
            r#"{"input": [{"role": "user", "text": "a"}, {"role": "robot", "text": "b"}]}"#,
        ))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["pointer"], "/input/1/role");
    assert!(body["detail"].as_str().unwrap().contains("robot"), "{body}");

    let (status, _) = server
        .call(
            server
                .http
                .post(server.url(runs))
                .header("content-type", "text/plain")
                .body(r#"{"input": []}"#),
        )
        .await;
    assert_eq!(status, 415);

    let big = format!(
        r#"{{"input": [{{"role": "user", "text": "{}"}}]}}"#,
        "x".repeat(2 * LIMIT)
    );
    let (status, body) = server
        .call(
            server
                .http
                .post(server.url(runs))
                .header("content-type", "application/json")
                .body(big),
        )
        .await;
    assert_eq!(status, 413);
    assert!(body["detail"].as_str().unwrap().contains("1024"), "{body}");

    // A chunked body has no content-length: the limit is found while reading.
    let chunks = futures::stream::iter((0..8).map(|_| Ok::<_, std::io::Error>(vec![b' '; 200])));
    let (status, _) = server
        .call(
            server
                .http
                .post(server.url(runs))
                .body(reqwest::Body::wrap_stream(chunks)),
        )
        .await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn documented_errors_and_headers() {
    let server = serve().await;
    let response = server
        .post_json(
            "/sessions/s1/runs",
            r#"{"input": [{"role": "assistant", "text": "x"}]}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-run-count"], "1");
    let (status, body) = server
        .call(server.post_json("/sessions/busy/runs", r#"{"input": []}"#))
        .await;
    assert_eq!(status, 409);
    assert_eq!(body, json!({"reason": "busy"}));
}

// ---------------------------------------------------------------------------------------------
// Failures of the implementation and of routing

#[tokio::test]
async fn panic_is_a_500_problem_and_the_server_keeps_serving() {
    let server = serve().await;
    for _ in 0..3 {
        let (status, body) = server.call(server.http.get(server.url("/explode"))).await;
        assert_eq!(status, 500);
        assert!(
            !body.to_string().contains("bug"),
            "panic message leaked: {body}"
        );
    }
    let (status, _) = server
        .call(server.http.get(server.url("/sessions/s1/runs?limit=1")))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn not_implemented_unknown_route_and_method() {
    let server = serve().await;
    let (status, _) = server
        .call(server.http.get(server.url("/unimplemented")))
        .await;
    assert_eq!(status, 501);
    let (status, _) = server.call(server.http.get(server.url("/nowhere"))).await;
    assert_eq!(status, 404);
    let response = server
        .http
        .delete(server.url("/explode"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(response.headers().contains_key("allow"));
}

// ---------------------------------------------------------------------------------------------
// Auth and multipart

#[tokio::test]
async fn bearer_auth() {
    let server = serve().await;
    let response = server.http.get(server.url("/whoami")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, body) = server
        .call(server.http.get(server.url("/whoami")).bearer_auth("t0ken"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["token"], "t0ken");
}

#[tokio::test]
async fn multipart_with_a_file() {
    let server = serve().await;
    let data: Vec<u8> = (0..=255).collect();
    let file = reqwest::multipart::Part::bytes(data.clone())
        .file_name("all.bin")
        .mime_str("application/octet-stream")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("title", "bytes")
        .part("file", file);
    let (status, body) = server
        .call(server.http.post(server.url("/upload")).multipart(form))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "bytes");
    assert_eq!(body["filename"], "all.bin");
    assert_eq!(body["content_type"], "application/octet-stream");
    assert_eq!(body["size"], 256);
    assert_eq!(
        body["checksum"],
        data.iter().map(|b| u64::from(*b)).sum::<u64>()
    );

    let form = reqwest::multipart::Form::new().text("title", "no file");
    let (status, body) = server
        .call(server.http.post(server.url("/upload")).multipart(form))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["invalid_params"][0]["name"], "file");

    let (status, _) = server.call(server.post_json("/upload", "{}")).await;
    assert_eq!(status, 415);
}

// ---------------------------------------------------------------------------------------------
// Server-sent events

fn fast_policy() -> ReconnectPolicy {
    ReconnectPolicy {
        max_attempts: 5,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(20),
        reconnect_on_eof: true,
    }
}

/// A reconnect closure as a generated client writes it: the same request, plus the resume
/// point in `Last-Event-ID`.
fn resume_with_header(
    http: reqwest::Client,
    url: String,
) -> impl FnMut(
    Option<String>,
) -> futures::future::BoxFuture<'static, Result<reqwest::Response, StreamError>>
+ Send
+ 'static {
    move |last_id| {
        let mut request = http.get(&url);
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id);
        }
        async move { Ok(request.send().await?) }.boxed()
    }
}

async fn collect<T>(stream: EventStream<T>) -> Vec<Result<oagen_rt::sse::Event<T>, StreamError>> {
    // A guard against hanging forever, not a timing assertion.
    tokio::time::timeout(Duration::from_secs(120), stream.collect())
        .await
        .unwrap_or_else(|_| panic!("the event stream did not end"))
}

#[tokio::test]
async fn sse_resumes_across_cuts_without_loss_or_duplicates() {
    for seed in [1_u64, 7, 0xDEAD_BEEF] {
        let server = serve().await;
        *server.api.seed.lock().unwrap() = seed;
        let url = server.url("/ticks");
        let first = server.http.get(&url).send().await.unwrap();
        assert_eq!(first.status(), 200);
        let stream: EventStream<Tick> = EventStream::new(
            first,
            resume_with_header(server.http.clone(), url),
            fast_policy(),
        );
        let items = collect(stream).await;
        let ticks: Vec<u64> = items
            .into_iter()
            .map(|item| {
                item.map(|event| {
                    assert_eq!(event.id, Some(event.data.n.to_string()));
                    event.data.n
                })
            })
            .collect::<Result<_, _>>()
            .unwrap_or_else(|err| panic!("seed {seed}: {err}"));
        assert_eq!(ticks, (0..TOTAL).collect::<Vec<_>>(), "seed {seed}");

        // Each reconnect resumed after the last event sent whole, never after the half one.
        let connections = server.api.connections.lock().unwrap().clone();
        assert!(
            connections.len() > 3,
            "seed {seed}: the server never cut: {connections:?}"
        );
        let mut expected_resume: Option<u64> = None;
        for (resume, sent) in &connections {
            let resume_n = resume.as_deref().map(|id| id.parse::<u64>().unwrap());
            // A reconnect may come sooner than the events sent reached the client (then it
            // repeats the same resume point), but never later than them.
            assert!(resume_n <= expected_resume, "seed {seed}: {connections:?}");
            let start = resume_n.map_or(0, |n| n + 1);
            expected_resume = Some(start + sent - 1);
        }
    }
}

#[tokio::test]
async fn sse_decode_error_is_an_item_and_the_stream_goes_on() {
    let server = serve().await;
    let first = server.http.get(server.url("/mixed")).send().await.unwrap();
    assert_eq!(first.headers()["content-type"], "text/event-stream");
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let items = collect(EventStream::<Tick>::once(first)).await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap().data, Tick { n: 0 });
    match &items[1] {
        Err(StreamError::Decode { raw, event, id, .. }) => {
            assert_eq!(raw, "\"not a tick\"");
            assert_eq!(event.as_deref(), Some("oops"));
            assert_eq!(id.as_deref(), Some("1"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(items[2].as_ref().unwrap().data, Tick { n: 2 });
}

#[tokio::test]
async fn sse_raw_stream_passes_data_through() {
    let server = serve().await;
    let first = server.http.get(server.url("/mixed")).send().await.unwrap();
    let stream = EventStream::raw(
        first,
        resume_with_header(server.http.clone(), server.url("/mixed")),
        ReconnectPolicy::never(),
    );
    let data: Vec<String> = collect(stream)
        .await
        .into_iter()
        .map(|item| item.unwrap().data)
        .collect();
    assert_eq!(data, [r#"{"n":0}"#, r#""not a tick""#, r#"{"n":2}"#]);
}

#[tokio::test]
async fn sse_refused_reconnect_ends_with_the_status() {
    let server = serve().await;
    let url = server.url("/refusing");
    let first = server.http.get(&url).send().await.unwrap();
    let stream: EventStream<Tick> = EventStream::new(
        first,
        resume_with_header(server.http.clone(), url),
        fast_policy(),
    );
    let items = collect(stream).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().data, Tick { n: 0 });
    match &items[1] {
        Err(StreamError::Reconnect { status, body, .. }) => {
            assert_eq!(*status, 503);
            assert!(body.contains("try later"), "{body}");
        }
        other => panic!("expected a refused reconnect, got {other:?}"),
    }
}

#[tokio::test]
async fn sse_gives_up_after_max_attempts() {
    let server = serve().await;
    let first = server
        .http
        .get(server.url("/refusing"))
        .send()
        .await
        .unwrap();
    // Reconnects go to a port nothing listens on, so each attempt fails to connect.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/refusing", listener.local_addr().unwrap())
    };
    let policy = ReconnectPolicy {
        max_attempts: 3,
        ..fast_policy()
    };
    let stream: EventStream<Tick> = EventStream::new(
        first,
        resume_with_header(server.http.clone(), closed),
        policy,
    );
    let items = collect(stream).await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    match &items[1] {
        Err(StreamError::Exhausted { attempts, .. }) => assert_eq!(*attempts, 3),
        other => panic!("expected exhaustion, got {other:?}"),
    }
}
