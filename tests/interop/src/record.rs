//! Recording what a server receives and answers, for outside clients to check against.
//!
//! [`recording`] wraps a generated router: a middleware keeps every exchange (method, path,
//! raw query, headers, body, status, response headers and body, also for streamed bodies), and
//! the implementations push what they were handed, already decoded, with
//! [`Recorder::received`]. `GET /__recorded` answers both lists as JSON; `DELETE /__recorded`
//! empties them. Requests to `/__recorded` are not recorded.

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt as _;
use serde_json::{Map, Value, json};

/// The largest request body the middleware reads.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The path of the debug route.
pub const RECORDED_PATH: &str = "/__recorded";

#[derive(Debug)]
struct Exchange {
    request: Value,
    status: u16,
    response_headers: Value,
    /// Filled as the response body streams out.
    response_body: Arc<Mutex<Vec<u8>>>,
}

/// What a recording server saw. Cheap to clone: clones share the lists.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    received: Arc<Mutex<Vec<Value>>>,
}

impl Recorder {
    /// Notes what an implementation was handed for `operation` (its decoded parameters and
    /// body, as JSON).
    pub fn received(&self, operation: &str, request: Value) {
        let mut entry = Map::new();
        entry.insert("operation".into(), Value::String(operation.into()));
        if let Value::Object(fields) = request {
            entry.extend(fields);
        }
        lock(&self.received).push(Value::Object(entry));
    }

    fn clear(&self) {
        lock(&self.exchanges).clear();
        lock(&self.received).clear();
    }

    fn snapshot(&self) -> Value {
        let exchanges: Vec<Value> = lock(&self.exchanges)
            .iter()
            .map(|e| {
                let bytes = lock(&e.response_body).clone();
                let mut v = e.request.clone();
                let response = json!({
                    "status": e.status,
                    "headers": e.response_headers,
                    "body": body_value(&bytes, &e.response_headers),
                    "text": String::from_utf8_lossy(&bytes),
                });
                if let Value::Object(fields) = &mut v {
                    fields.insert("response".into(), response);
                }
                v
            })
            .collect();
        json!({ "exchanges": exchanges, "received": lock(&self.received).clone() })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn headers_json(headers: &HeaderMap) -> Value {
    let mut out = Map::new();
    for name in headers.keys() {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        out.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
    }
    Value::Object(out)
}

/// The body as JSON when it is JSON, else as text (null when empty).
fn body_value(bytes: &[u8], headers: &Value) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let is_json = headers
        .get("content-type")
        .and_then(Value::as_str)
        .is_some_and(|ct| ct.contains("json"));
    if is_json && let Ok(v) = serde_json::from_slice(bytes) {
        return v;
    }
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    if request.uri().path() == RECORDED_PATH {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, e.to_string()).into_response();
        }
    };
    let headers = headers_json(&parts.headers);
    let request_json = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": body_value(&bytes, &headers),
    });
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let sink = Arc::new(Mutex::new(Vec::new()));
    lock(&recorder.exchanges).push(Exchange {
        request: request_json,
        status: parts.status.as_u16(),
        response_headers: headers_json(&parts.headers),
        response_body: sink.clone(),
    });
    let stream = body.into_data_stream().map(move |chunk| {
        if let Ok(c) = &chunk {
            lock(&sink).extend_from_slice(c);
        }
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

async fn recorded(State(recorder): State<Recorder>) -> Response {
    axum::Json(recorder.snapshot()).into_response()
}

async fn forget(State(recorder): State<Recorder>) -> Response {
    recorder.clear();
    axum::http::StatusCode::NO_CONTENT.into_response()
}

/// `app` (a generated router) with the recording middleware and the debug route.
pub fn recording(app: Router, recorder: Recorder) -> Router {
    let debug = Router::new()
        .route(RECORDED_PATH, get(recorded).delete(forget))
        .with_state(recorder.clone());
    debug
        .merge(app)
        .layer(axum::middleware::from_fn_with_state(recorder, record))
}
