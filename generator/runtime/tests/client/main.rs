//! The client transport against a real axum server on 127.0.0.1:0: what reaches the wire
//! (`requests.rs`: query styles, path segments, credentials, bodies), retries and timeouts
//! (`retries.rs`), and what callers get back (`responses.rs`: typed errors with their
//! evidence, streamed downloads, pagination). The helpers shared by all three are here.
#![cfg(feature = "client")]

mod requests;
mod responses;
mod retries;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::any;
use oagen_rt::client::{AuthKind, AuthScheme, Call, ClientCore, RetryPolicy, read_json};
use serde_json::{Value, json};

pub const HEADER_KEY: AuthScheme = AuthScheme {
    key: "HeaderKey",
    kind: AuthKind::ApiKeyHeader("X-API-Key"),
};
pub const QUERY_KEY: AuthScheme = AuthScheme {
    key: "QueryKey",
    kind: AuthKind::ApiKeyQuery("api_key"),
};
pub const COOKIE_KEY: AuthScheme = AuthScheme {
    key: "CookieKey",
    kind: AuthKind::ApiKeyCookie("sid"),
};
pub const BEARER: AuthScheme = AuthScheme {
    key: "Bearer",
    kind: AuthKind::Bearer,
};
pub const BASIC: AuthScheme = AuthScheme {
    key: "Basic",
    kind: AuthKind::Basic,
};

pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Answers with what arrived: method, raw path, raw query, headers and body.
pub async fn echo(request: Request) -> axum::Json<Value> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let mut headers = serde_json::Map::new();
    for name in parts.headers.keys() {
        let values: Vec<&str> = parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("<binary>"))
            .collect();
        headers.insert(name.to_string(), json!(values.join(" | ")));
    }
    axum::Json(json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    }))
}

pub async fn echo_core() -> ClientCore {
    ClientCore::new(serve(Router::new().fallback(echo)).await)
}

pub async fn echoed(call: Call<'_>) -> Value {
    let response = call.send::<()>().await.unwrap();
    assert_eq!(response.status(), 200);
    read_json::<Value, ()>(response).await.unwrap()
}

/// Arrival times of requests at a handler.
#[derive(Clone, Debug, Default)]
pub struct Hits(Arc<Mutex<Vec<Instant>>>);

impl Hits {
    /// Records a hit and returns how many there have been.
    pub fn hit(&self) -> usize {
        let mut hits = self.0.lock().unwrap();
        hits.push(Instant::now());
        hits.len()
    }

    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub fn times(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }
}

pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// A server whose one route runs `handler` with the hit number (1 for the first request).
pub async fn counting<F>(handler: F) -> (ClientCore, Hits)
where
    F: Fn(usize) -> Response + Clone + Send + Sync + 'static,
{
    let hits = Hits::default();
    let router = Router::new()
        .route(
            "/{*path}",
            any(move |State(hits): State<Hits>| async move { handler(hits.hit()) }),
        )
        .with_state(hits.clone());
    let base = serve(router).await;
    (
        ClientCore::builder(base)
            .retry(fast_retries(3))
            .build()
            .unwrap(),
        hits,
    )
}

/// Generated clients are used from spawned tasks, so what they await and stream must be `Send`.
#[test]
fn futures_and_streams_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let core = ClientCore::new("http://127.0.0.1:9");
    let options = oagen_rt::client::RequestOptions::new();
    let send = core
        .call(reqwest::Method::GET, "/")
        .options(&options)
        .send::<()>();
    assert_send(&send);
    let pages = oagen_rt::client::paginate(|cursor: Option<String>| {
        let core = core.clone();
        async move {
            let response = core
                .call(reqwest::Method::GET, "/")
                .query("c", &cursor, oagen_rt::ParamStyle::Form, true)
                .send::<()>()
                .await?;
            Ok((read_json::<Vec<u8>, ()>(response).await?, None))
        }
    });
    assert_send(&pages);
    let response = reqwest::Response::from(http::Response::new("x"));
    assert_send(&oagen_rt::client::byte_stream::<()>(response));
}
