//! Which failures are retried, how long the client waits, and timeouts.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart as AxumMultipart, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, get};
use futures::StreamExt as _;
use oagen_rt::client::{
    ClientCore, Error, Multipart, RequestOptions, RetryPolicy, read_bytes, read_json,
};
use reqwest::Method;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn retry_after_503_is_honoured() {
    let (core, hits) = counting(|hit| match hit {
        1 => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "busy",
        )
            .into_response(),
        _ => "ok".into_response(),
    })
    .await;
    let response = core.call(Method::GET, "/flaky").send::<()>().await.unwrap();
    assert_eq!(response.status(), 200);
    let times = hits.times();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_secs(1),
        "retried after {:?}",
        times[1] - times[0]
    );
}

#[tokio::test]
async fn post_is_not_retried_by_default() {
    let unavailable = || (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    let (core, hits) = counting(move |_| unavailable()).await;
    let response = core
        .call(Method::POST, "/runs")
        .json(&json!({}))
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(hits.count(), 1);

    let options = RequestOptions::new().retry(RetryPolicy {
        retry_non_idempotent: true,
        ..fast_retries(2)
    });
    let response = core
        .call(Method::POST, "/runs")
        .json(&json!({}))
        .options(&options)
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(hits.count(), 1 + 3);

    let response = core.call(Method::GET, "/runs").send::<()>().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(hits.count(), 4 + 4);

    let response = core
        .call(Method::POST, "/search")
        .idempotent(true)
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(hits.count(), 8 + 4);
}

#[tokio::test]
async fn internal_errors_are_retried_only_when_idempotent() {
    let (core, hits) = counting(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()).await;
    let options = RequestOptions::new().retry(RetryPolicy {
        retry_non_idempotent: true,
        ..fast_retries(2)
    });
    core.call(Method::POST, "/x")
        .options(&options)
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(hits.count(), 1);
    core.call(Method::DELETE, "/x")
        .options(&options)
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(hits.count(), 1 + 3);
    core.call(Method::GET, "/x")
        .options(&RequestOptions::new().retry(RetryPolicy::none()))
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(hits.count(), 4 + 1);
}

#[tokio::test]
async fn retry_after_in_a_429_json_body() {
    let (core, hits) = counting(|hit| match hit {
        1 => (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({"retry_after": 0})),
        )
            .into_response(),
        _ => "ok".into_response(),
    })
    .await;
    let response = core
        .call(Method::GET, "/limited")
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(hits.count(), 2);
}

#[tokio::test]
async fn a_wait_beyond_the_ceiling_returns_the_response() {
    let (core, hits) = counting(|_| {
        let body = axum::Json(json!({"retryAfter": 120, "message": "slow down"}));
        (StatusCode::TOO_MANY_REQUESTS, [("x-limit", "0")], body).into_response()
    })
    .await;
    let response = core
        .call(Method::GET, "/limited")
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(hits.count(), 1);
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["x-limit"], "0");
    // The body was read to find the hint and is still there for the caller.
    let body: Value = read_json::<_, ()>(response).await.unwrap();
    assert_eq!(body["message"], "slow down");

    let (core, hits) = counting(|_| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "3600")],
            "maintenance",
        )
            .into_response()
    })
    .await;
    let response = core.call(Method::GET, "/down").send::<()>().await.unwrap();
    assert_eq!((response.status().as_u16(), hits.count()), (503, 1));
}

#[tokio::test]
async fn multipart_bodies_are_rebuilt_for_a_retry() {
    let hits = Hits::default();
    let router = Router::new()
        .route(
            "/upload",
            any(
                |State(hits): State<Hits>, mut form: AxumMultipart| async move {
                    if hits.hit() == 1 {
                        return StatusCode::BAD_GATEWAY.into_response();
                    }
                    let mut fields = Vec::new();
                    while let Some(field) = form.next_field().await.unwrap() {
                        let name = field.name().map(str::to_owned);
                        let file = field.file_name().map(str::to_owned);
                        let kind = field.content_type().map(str::to_owned);
                        let text =
                            String::from_utf8_lossy(&field.bytes().await.unwrap()).into_owned();
                        fields.push(json!([name, file, kind, text]));
                    }
                    axum::Json(fields).into_response()
                },
            ),
        )
        .with_state(hits.clone());
    let core = ClientCore::builder(serve(router).await)
        .retry(fast_retries(2))
        .build()
        .unwrap();
    let form = Multipart::new()
        .text("title", "Holiday")
        .file(
            "photo",
            &b"JPEGDATA"[..],
            Some("beach.jpg".into()),
            Some("image/jpeg".into()),
        )
        .json("meta", &json!({"n": 1}));
    let response = core
        .call(Method::POST, "/upload")
        .multipart(form)
        .idempotent(true)
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(hits.count(), 2);
    let fields: Value = read_json::<_, ()>(response).await.unwrap();
    assert_eq!(
        fields,
        json!([
            ["title", null, null, "Holiday"],
            ["photo", "beach.jpg", "image/jpeg", "JPEGDATA"],
            ["meta", null, "application/json", "{\"n\":1}"],
        ])
    );
}

#[tokio::test]
async fn other_bodies_on_the_wire() {
    let core = echo_core().await;
    let form = echoed(
        core.call(Method::POST, "/f")
            .form(&json!({"grant": "a b&c", "scope": ["x", "y"], "skip": null})),
    )
    .await;
    assert_eq!(form["body"], "grant=a+b%26c&scope=x&scope=y");
    assert_eq!(
        form["headers"]["content-type"],
        "application/x-www-form-urlencoded"
    );
    let text = echoed(core.call(Method::POST, "/t").text("text/plain", "héllo")).await;
    assert_eq!(
        (
            text["body"].as_str(),
            text["headers"]["content-type"].as_str()
        ),
        (Some("héllo"), Some("text/plain"))
    );
    let json = echoed(
        core.call(Method::PATCH, "/j")
            .json_as("application/merge-patch+json", &json!({"a": null})),
    )
    .await;
    assert_eq!(json["body"], "{\"a\":null}");
    assert_eq!(
        json["headers"]["content-type"],
        "application/merge-patch+json"
    );
    let stream =
        futures::stream::iter(["ab", "cd"].map(|s| Ok::<_, std::io::Error>(Bytes::from(s))));
    let streamed = echoed(core.call(Method::PUT, "/s").body_stream(
        "application/octet-stream",
        reqwest::Body::wrap_stream(stream),
    ))
    .await;
    assert_eq!(streamed["body"], "abcd");
}

#[tokio::test]
async fn timeout_is_error_timeout() {
    let hits = Hits::default();
    let router = Router::new()
        .route(
            "/slow",
            get(|State(hits): State<Hits>| async move {
                hits.hit();
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .with_state(hits.clone());
    let core = ClientCore::builder(serve(router).await)
        .timeout(Duration::from_millis(100))
        .retry(fast_retries(1))
        .build()
        .unwrap();
    let err = core
        .call(Method::GET, "/slow")
        .send::<()>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert_eq!(err.to_string(), "request timed out");
    assert_eq!(
        hits.count(),
        2,
        "an idempotent request that timed out is retried"
    );

    let options = RequestOptions::new().retry(RetryPolicy::none());
    let err = core
        .call(Method::GET, "/slow")
        .options(&options)
        .stream_response()
        .send::<()>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    assert_eq!(hits.count(), 3);
}

/// A body sent in pieces, `gap` apart.
fn trickle(pieces: &'static [&'static str], gap: Duration) -> Body {
    Body::from_stream(futures::stream::iter(pieces).then(move |piece| async move {
        tokio::time::sleep(gap).await;
        Ok::<_, std::io::Error>(Bytes::from_static(piece.as_bytes()))
    }))
}

#[tokio::test]
async fn the_timeout_of_a_streamed_response_ends_at_the_headers() {
    let router = Router::new().route(
        "/slow-body",
        get(|| async { trickle(&["a", "b", "c"], Duration::from_millis(600)) }),
    );
    let core = ClientCore::builder(serve(router).await)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();

    let response = core
        .call(Method::GET, "/slow-body")
        .send::<()>()
        .await
        .unwrap();
    let err = read_bytes::<()>(response).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout),
        "the whole exchange is bounded: {err:?}"
    );

    let response = core
        .call(Method::GET, "/slow-body")
        .stream_response()
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(read_bytes::<()>(response).await.unwrap(), "abc");
}
