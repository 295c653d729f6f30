//! Generated clients against Prism, a mock server that validates requests against the spec.
//!
//! Every operation of a generated client is called with valid arguments through a small
//! recording proxy in front of Prism ([`Proxy`]), which keeps what Prism answered: status,
//! content type, body, and the `sl-violations` header in which Prism lists what broke the
//! spec. A call passes when Prism reported no request violation (no `sl-violations` entry of
//! severity `Error` located in the request, and no Prism error such as `UNAUTHORIZED` or
//! `NO_PATH_MATCHED_ERROR`) and the generated client decoded the answer into its `…Ok` enum.
//!
//! Modes: `static` calls each operation once (Prism answers the spec's examples); `dynamic`
//! calls each operation many rounds with `Prefer: dynamic=true`, so Prism answers random
//! values that are valid against the response schema, each of which must decode. Event-stream
//! operations are called like the others; their events are read until the body ends, and what
//! happened is kept as a note.

/// Adds a plain operation to `$ops`: `$call` builds the request from the client `$c`.
macro_rules! call {
    ($ops:ident, $client:ident, $name:literal, |$c:ident| $call:expr) => {{
        let client = $client.clone();
        $ops.push($crate::prism::op($name, move || {
            let $c = client.clone();
            async move { $crate::prism::outcome($call.await) }
        }));
    }};
}

/// Adds an event-stream operation to `$ops`; `$variant` is its `…Ok` variant holding the events.
macro_rules! stream {
    ($ops:ident, $client:ident, $name:literal, |$c:ident| $call:expr, $variant:path) => {{
        let client = $client.clone();
        $ops.push($crate::prism::sse_op($name, move || {
            let $c = client.clone();
            async move {
                match $call.await {
                    Ok($variant(events)) => $crate::prism::drain(events).await,
                    Err(e) => Err($crate::prism::describe(e)),
                }
            }
        }));
    }};
}

/// Adds an operation whose success needs reading: `$pat` matches the decoded success and
/// `$then` reads it into an [`Outcome`].
macro_rules! with {
    ($ops:ident, $client:ident, $name:literal, |$c:ident| $call:expr, $pat:pat => $then:expr) => {{
        let client = $client.clone();
        $ops.push($crate::prism::op($name, move || {
            let $c = client.clone();
            async move {
                match $call.await {
                    Ok($pat) => $then,
                    Err(e) => Err($crate::prism::describe(e)),
                }
            }
        }));
    }};
}

pub mod acp;
pub mod agent_platform;
pub mod agent_runtime;
pub mod conversations;
pub mod devrev_agents;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ::conversations::rt;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use futures::{Stream, StreamExt as _};
use serde_json::{Value, json};

/// What an operation's call gave: `Ok(note)` when the client decoded a documented success,
/// [`Failed`] otherwise.
pub type Outcome = Result<String, Failed>;

/// Why a call did not give a decoded success.
#[derive(Clone, Debug)]
pub struct Failed {
    /// The status of a documented error response the client decoded (`Error::Api`).
    pub documented: Option<u16>,
    /// What happened, with the evidence.
    pub detail: String,
}

impl Failed {
    fn other(detail: String) -> Self {
        Failed {
            documented: None,
            detail,
        }
    }
}

/// One operation of a generated client, ready to be called any number of times.
pub struct Op {
    /// The `operationId`.
    pub name: &'static str,
    /// Whether the operation answers `text/event-stream`.
    pub sse: bool,
    /// Calls the operation once.
    pub call: Box<dyn Fn() -> BoxFuture<'static, Outcome> + Send + Sync>,
}

impl Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Op")
            .field("name", &self.name)
            .field("sse", &self.sse)
            .finish_non_exhaustive()
    }
}

/// An [`Op`] from a closure that makes a fresh future per call.
pub fn op<F, Fut>(name: &'static str, call: F) -> Op
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Outcome> + Send + 'static,
{
    Op {
        name,
        sse: false,
        call: Box::new(move || Box::pin(call())),
    }
}

/// Like [`op`], for an event-stream operation.
pub fn sse_op<F, Fut>(name: &'static str, call: F) -> Op
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Outcome> + Send + 'static,
{
    Op {
        sse: true,
        ..op(name, call)
    }
}

/// The outcome of a plain call: a decoded success passes; every error says why.
pub fn outcome<T, E: Debug>(result: Result<T, rt::client::Error<E>>) -> Outcome {
    result.map(|_| String::new()).map_err(describe)
}

/// Says what went wrong, with the evidence the error keeps.
pub fn describe<E: Debug>(err: rt::client::Error<E>) -> Failed {
    use rt::client::Error;
    if let Error::Api { status, body, .. } = &err {
        return Failed {
            documented: Some(status.as_u16()),
            detail: format!(
                "documented error {status}: {}",
                excerpt(&format!("{body:?}"))
            ),
        };
    }
    Failed::other(match err {
        Error::Decode {
            status,
            body,
            message,
        } => format!(
            "decode failure ({status}): {message}; body: {}",
            excerpt(&String::from_utf8_lossy(&body))
        ),
        Error::UnexpectedStatus { status, body, .. } => format!(
            "undeclared status {status}: {}",
            excerpt(&String::from_utf8_lossy(&body))
        ),
        other => format!("{other}"),
    })
}

/// Reads a stream of decoded events to its end (at most 10 s) and notes what came.
pub async fn drain<S, T, E>(stream: S) -> Outcome
where
    S: Stream<Item = Result<T, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut stream = stream;
    let mut events = 0;
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(_) => events += 1,
                Err(e) => return Err(format!("after {events} event(s): {e}")),
            }
        }
        Ok(())
    })
    .await;
    match read {
        Ok(Ok(())) => Ok(format!("{events} event(s) decoded, then the body ended")),
        Ok(Err(e)) => Err(Failed::other(format!("event stream failed {e}"))),
        Err(_) => Ok(format!("{events} event(s), then no end within 10 s")),
    }
}

/// Reads a binary body to its end and notes its size.
pub async fn read_all(body: rt::ByteStream) -> Outcome {
    let mut body = body;
    let mut size = 0;
    while let Some(chunk) = body.next().await {
        size += chunk
            .map_err(|e| Failed::other(format!("body cut after {size} bytes: {e}")))?
            .len();
    }
    Ok(format!("{size} byte(s) read"))
}

/// At most 300 characters of `text`, on one line.
pub fn excerpt(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() > 300 {
        format!("{}…", one_line.chars().take(300).collect::<String>())
    } else {
        one_line
    }
}

/// A JSON value as the generated type the call site needs.
///
/// # Panics
///
/// When the value does not fit the type: the test's own arguments are wrong.
pub fn body<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(v) => v,
        Err(e) => panic!("an argument does not fit its generated type: {e}"),
    }
}

/// What the proxy saw of one exchange with Prism.
#[derive(Clone, Debug)]
pub struct Seen {
    /// `GET /v1/agents?limit=1`.
    pub request: String,
    /// Prism's status.
    pub status: u16,
    /// Request violations of severity `Error` (from `sl-violations`), and Prism's own errors.
    pub violations: Vec<String>,
    /// Violations of severity `Error` that `sl-violations` located in Prism's own answer.
    pub response_errors: Vec<String>,
    /// Everything else `sl-violations` listed (warnings).
    pub warnings: Vec<String>,
    /// A Prism error that says the mock cannot produce the answer (not about the request).
    pub limitation: Option<String>,
}

/// Request violations that Prism reports although the request follows the spec: Prism's own
/// gaps. Rounds where they are the only violations are counted as not checked, and noted.
const PRISM_GAPS: [(&str, &str); 1] = [(
    "Request body property files must be array",
    "Prism keeps only the last of repeated multipart parts, so an array of files sent as one \
     part per item (OAS 3.1 §4.8.14.4) is seen as one string (stoplightio/prism PR #2654, open)",
)];

/// Prism errors about what the mock can produce rather than about the request (`UNKNOWN` is
/// a crash inside Prism, such as json-schema-faker failing on a schema).
const MOCK_LIMITATIONS: [&str; 3] = ["NO_COMPLEX_OBJECT_TEXT", "NO_RESPONSE_DEFINED", "UNKNOWN"];

/// A recording proxy in front of Prism on `127.0.0.1`.
#[derive(Clone, Debug)]
pub struct Proxy {
    /// The proxy's base URL, for the generated clients.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    code: Arc<Mutex<Option<u16>>>,
}

#[derive(Clone, Debug)]
struct Upstream {
    base: String,
    http: reqwest::Client,
    dynamic: bool,
    code: Arc<Mutex<Option<u16>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Proxy {
    /// Starts a proxy to Prism at `upstream`. With `dynamic`, every request asks Prism for a
    /// generated (not example) answer.
    pub async fn start(upstream: &str, dynamic: bool) -> std::io::Result<Proxy> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(std::io::Error::other)?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let code = Arc::new(Mutex::new(None));
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            http,
            dynamic,
            code: code.clone(),
            seen: seen.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Proxy { url, seen, code })
    }

    /// Takes what was seen since the last call.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *lock(&self.seen))
    }
}

async fn forward(State(up): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let label = format!("{} {path}", parts.method);
    let bytes = match axum::body::to_bytes(body, 16 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => return (axum::http::StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let mut outgoing = up
        .http
        .request(parts.method.clone(), format!("{}{path}", up.base))
        .body(bytes);
    for (name, value) in &parts.headers {
        if name != axum::http::header::HOST && name != axum::http::header::CONTENT_LENGTH {
            outgoing = outgoing.header(name, value);
        }
    }
    let code = *lock(&up.code);
    let prefer = match (code, up.dynamic) {
        (Some(code), true) => Some(format!("code={code}, dynamic=true")),
        (Some(code), false) => Some(format!("code={code}")),
        (None, true) => Some("dynamic=true".to_owned()),
        (None, false) => None,
    };
    if let Some(prefer) = prefer {
        outgoing = outgoing.header("prefer", prefer);
    }
    let answer = match outgoing.send().await {
        Ok(a) => a,
        Err(e) => {
            lock(&up.seen).push(Seen {
                request: label,
                status: 0,
                violations: vec![format!("Prism did not answer: {e}")],
                response_errors: Vec::new(),
                warnings: Vec::new(),
                limitation: None,
            });
            return (axum::http::StatusCode::BAD_GATEWAY, e.to_string()).into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.unwrap_or_default();
    let (mut violations, response_errors, warnings) = sl_violations(&headers);
    let is_problem = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/problem+json"));
    let mut limitation = None;
    if is_problem && let Ok(problem) = serde_json::from_slice::<Value>(&body) {
        let kind = problem["type"].as_str().unwrap_or_default();
        if let Some((_, code)) = kind.split_once("stoplight.io/prism/errors#") {
            let text = format!(
                "Prism {status} {code}: {}",
                excerpt(problem["detail"].as_str().unwrap_or_default())
            );
            if MOCK_LIMITATIONS.contains(&code) {
                limitation = Some(text);
            } else {
                violations.push(text);
            }
        }
    }
    lock(&up.seen).push(Seen {
        request: label,
        status: status.as_u16(),
        violations,
        response_errors,
        warnings,
        limitation,
    });
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if name != axum::http::header::CONTENT_LENGTH
            && name != axum::http::header::TRANSFER_ENCODING
            && name != axum::http::header::CONNECTION
        {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}

/// Splits Prism's `sl-violations` header into request errors, response errors and the rest.
fn sl_violations(headers: &reqwest::header::HeaderMap) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut errors = Vec::new();
    let mut response_errors = Vec::new();
    let mut rest = Vec::new();
    for value in headers.get_all("sl-violations") {
        let Ok(list) = serde_json::from_slice::<Vec<Value>>(value.as_bytes()) else {
            rest.push(String::from_utf8_lossy(value.as_bytes()).into_owned());
            continue;
        };
        for v in list {
            let location: Vec<String> = v["location"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let text = format!(
                "{} [{}] {}",
                v["severity"].as_str().unwrap_or("?"),
                location.join("."),
                v["message"].as_str().unwrap_or_default()
            );
            let is_error = v["severity"] == "Error";
            match location.first().map(String::as_str) {
                Some("request") if is_error => errors.push(text),
                Some("response") if is_error => response_errors.push(text),
                _ => rest.push(text),
            }
        }
    }
    (errors, response_errors, rest)
}

/// The result of one operation in one mode, as a JSON line.
pub fn report(
    krate: &str,
    mode: &str,
    op: &Op,
    rounds: usize,
    failures: &[String],
    notes: &[String],
) -> Value {
    json!({
        "crate": krate,
        "mode": mode,
        "operation": op.name,
        "sse": op.sse,
        "rounds": rounds,
        "failed_rounds": failures.len(),
        "passed": failures.is_empty(),
        "detail": failures.first().cloned().unwrap_or_default(),
        "notes": notes,
    })
}

/// Adds `note` to `notes` unless it is there or there are enough.
fn note(notes: &mut Vec<String>, note: String) {
    if !notes.contains(&note) && notes.len() < 6 {
        notes.push(note);
    }
}

/// What one call showed.
enum Round {
    /// Prism had no objection and the client gave what was expected.
    Passed,
    /// The answer could not be checked (a gap or limitation of Prism), and why.
    Unchecked(String),
    /// What went wrong.
    Failed(String),
}

/// Calls `op` once through `proxy`, asking Prism for status `code` when given, and judges it:
/// no request violation, and a decoded success (or, with `code`, the decoded documented error
/// of that status).
async fn round(op: &Op, proxy: &Proxy, code: Option<u16>, notes: &mut Vec<String>) -> Round {
    proxy.take();
    *lock(&proxy.code) = code;
    let outcome = (op.call)().await;
    let seen = proxy.take();
    let mut problems: Vec<String> = Vec::new();
    let mut gap = None;
    for s in &seen {
        for v in &s.violations {
            match PRISM_GAPS.iter().find(|(m, _)| v.contains(m)) {
                Some((_, why)) => gap = Some(format!("{v}: {why}")),
                None => problems.push(format!("request violation on {}: {v}", s.request)),
            }
        }
        for w in &s.warnings {
            note(notes, format!("{}: {w}", s.request));
        }
    }
    if seen.is_empty() {
        problems.push("the client sent nothing".into());
    }
    let status = seen.last().map_or(0, |s| s.status);
    if !problems.is_empty() {
        if let Err(failed) = &outcome {
            problems.push(format!("{} (Prism status {status})", failed.detail));
        }
        return Round::Failed(problems.join("; "));
    }
    if let Some(gap) = gap {
        return Round::Unchecked(format!("request not checked, a gap in Prism: {gap}"));
    }
    let limitation = seen.iter().find_map(|s| s.limitation.clone()).or_else(|| {
        seen.iter()
            .find(|s| !s.response_errors.is_empty())
            .map(|s| {
                format!(
                    "Prism's own answer breaks the spec ({})",
                    s.response_errors.join("; ")
                )
            })
    });
    match (outcome, code) {
        (Ok(n), None) => {
            if !n.is_empty() {
                note(notes, n);
            }
            Round::Passed
        }
        (Err(f), Some(code)) if f.documented == Some(code) => Round::Passed,
        (_, _) if limitation.is_some() => Round::Unchecked(format!(
            "response not checked: {}",
            limitation.unwrap_or_default()
        )),
        (Ok(_), Some(code)) => Round::Failed(format!(
            "asked Prism for {code}, the client decoded a success (Prism status {status})"
        )),
        (Err(f), _) => Round::Failed(format!("{} (Prism status {status})", f.detail)),
    }
}

/// Calls every operation `rounds` times through `proxy` expecting a decoded success, and
/// reports each as a JSON line.
pub async fn run(krate: &str, mode: &str, ops: &[Op], proxy: &Proxy, rounds: usize) -> Vec<Value> {
    let mut reports = Vec::new();
    for op in ops {
        let plan: Vec<Option<u16>> = vec![None; rounds];
        reports.push(judge(krate, mode, op, proxy, &plan).await);
    }
    reports
}

/// Calls every operation once per documented error status (`Prefer: code=…`), `rounds` times
/// each, expecting the client to decode the documented error; a JSON line per operation.
/// Operations without a numbered 4xx/5xx response are left out.
pub async fn run_errors(
    krate: &str,
    ops: &[Op],
    proxy: &Proxy,
    rounds: usize,
    statuses: &BTreeMap<String, Vec<u16>>,
) -> Vec<Value> {
    let mut reports = Vec::new();
    for op in ops {
        let codes = statuses.get(op.name).cloned().unwrap_or_default();
        if codes.is_empty() {
            continue;
        }
        let plan: Vec<Option<u16>> = codes
            .iter()
            .flat_map(|c| std::iter::repeat_n(Some(*c), rounds))
            .collect();
        let mut r = judge(krate, "errors", op, proxy, &plan).await;
        r["statuses"] = json!(codes);
        reports.push(r);
    }
    reports
}

async fn judge(krate: &str, mode: &str, op: &Op, proxy: &Proxy, plan: &[Option<u16>]) -> Value {
    let mut failures = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut unchecked = 0;
    for (i, code) in plan.iter().enumerate() {
        let asked = code.map_or_else(String::new, |c| format!(" (asked for {c})"));
        match round(op, proxy, *code, &mut notes).await {
            Round::Passed => {}
            Round::Unchecked(why) => {
                unchecked += 1;
                note(&mut notes, why);
            }
            Round::Failed(why) => failures.push(format!("round {}{asked}: {why}", i + 1)),
        }
    }
    let mut r = report(krate, mode, op, plan.len(), &failures, &notes);
    r["unchecked_rounds"] = json!(unchecked);
    r
}

/// The numbered 4xx and 5xx statuses each operation documents, by `operationId`, read from the
/// spec (JSON or YAML).
pub fn error_statuses(spec: &str) -> Result<BTreeMap<String, Vec<u16>>, String> {
    use serde_yaml::Value as Yaml;
    let doc: Yaml = serde_yaml::from_str(spec).map_err(|e| e.to_string())?;
    let key = |k: &Yaml| match k {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut out = BTreeMap::new();
    let paths = doc.get("paths").and_then(Yaml::as_mapping);
    for item in paths.into_iter().flat_map(|p| p.values()) {
        for (method, operation) in item.as_mapping().into_iter().flatten() {
            let method = key(method).unwrap_or_default();
            if ![
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                continue;
            }
            let Some(id) = operation.get("operationId").and_then(Yaml::as_str) else {
                continue;
            };
            let responses = operation.get("responses").and_then(Yaml::as_mapping);
            let codes: Vec<u16> = responses
                .into_iter()
                .flat_map(|r| r.keys())
                .filter_map(|k| key(k)?.parse::<u16>().ok())
                .filter(|c| (400..600).contains(c))
                .collect();
            out.insert(id.to_owned(), codes);
        }
    }
    Ok(out)
}

/// The operations of `krate`'s generated client, talking to `base_url`.
pub fn operations(krate: &str, base_url: &str) -> Option<Vec<Op>> {
    Some(match krate {
        "acp" => acp::ops(base_url),
        "agent-platform" => agent_platform::ops(base_url),
        "agent-runtime" => agent_runtime::ops(base_url),
        "conversations" => conversations::ops(base_url),
        "devrev-agents" => devrev_agents::ops(base_url),
        _ => return None,
    })
}

/// A client core for Prism: no retries (a retried request would hide what was first answered).
pub fn core(base_url: &str) -> rt::client::ClientCore {
    match rt::client::ClientCore::builder(base_url)
        .retry(rt::client::RetryPolicy::none())
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(core) => core,
        Err(e) => panic!("client core: {e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_statuses_reads_numbered_4xx_and_5xx_from_yaml_and_json() {
        let yaml = "paths:\n  /a:\n    parameters: []\n    get:\n      operationId: get_a\n      responses:\n        200: {description: ok}\n        404: {description: no}\n        '422': {description: bad}\n        default: {description: any}\n";
        let got = error_statuses(yaml).unwrap_or_default();
        assert_eq!(got.get("get_a"), Some(&vec![404, 422]));
        let json = r#"{"paths": {"/b": {"post": {"operationId": "post_b", "responses": {"201": {}, "500": {}}}}}}"#;
        let got = error_statuses(json).unwrap_or_default();
        assert_eq!(got.get("post_b"), Some(&vec![500]));
    }

    #[test]
    fn sl_violations_splits_request_errors_from_the_rest() {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = r#"[{"location":["request","body","title"],"severity":"Error","message":"must be string"},
            {"location":["response","body"],"severity":"Error","message":"must have id"},
            {"location":["request","query"],"severity":"Warning","message":"odd"}]"#;
        headers.insert(
            "sl-violations",
            reqwest::header::HeaderValue::from_str(&value.replace('\n', ""))
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("[]")),
        );
        let (request, response, rest) = sl_violations(&headers);
        assert_eq!(
            request,
            vec!["Error [request.body.title] must be string".to_owned()]
        );
        assert_eq!(
            response,
            vec!["Error [response.body] must have id".to_owned()]
        );
        assert_eq!(rest, vec!["Warning [request.query] odd".to_owned()]);
    }
}
