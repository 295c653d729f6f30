//! What callers get back: typed bodies and errors with their evidence, streams, pages.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use futures::StreamExt as _;
use oagen_rt::ParamStyle;
use oagen_rt::client::{
    ClientCore, Error, RetryPolicy, WithInfo, api_error, byte_stream, paginate, read_json,
};
use oagen_rt::wire::parse_query;
use reqwest::Method;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn byte_stream_yields_chunks_before_the_body_ends() {
    // The server sends each next chunk only once the test saw the previous one, so a client
    // that buffered the body would never get the first.
    let (go, wait) = tokio::sync::mpsc::unbounded_channel::<()>();
    let wait = Arc::new(tokio::sync::Mutex::new(Some(wait)));
    let router = Router::new().route(
        "/download",
        get(move || async move {
            let wait = wait.lock().await.take().unwrap();
            let chunks = futures::stream::unfold((wait, 0), |(mut wait, sent)| async move {
                if sent == 3 {
                    return None;
                }
                if sent > 0 {
                    wait.recv().await?;
                }
                let chunk = Bytes::from(format!("chunk{sent};"));
                Some((Ok::<_, std::io::Error>(chunk), (wait, sent + 1)))
            });
            Body::from_stream(chunks)
        }),
    );
    let core = ClientCore::new(serve(router).await);
    let response = core
        .call(Method::GET, "/download")
        .stream_response()
        .send::<()>()
        .await
        .unwrap();
    let mut stream = std::pin::pin!(byte_stream::<()>(response));
    let mut received = String::new();
    for expected in ["chunk0;", "chunk1;", "chunk2;"] {
        while !received.ends_with(expected) {
            let next = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
            let chunk = next
                .expect("the chunk arrived")
                .expect("the stream goes on")
                .unwrap();
            received.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        let _ = go.send(());
    }
    assert_eq!(received, "chunk0;chunk1;chunk2;");
    assert!(stream.next().await.is_none());
}

#[derive(Debug, serde::Deserialize)]
struct Problem {
    title: String,
}

#[derive(Debug)]
enum GetThingError {
    Conflict(Problem),
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)] // read through Debug only
struct Thing {
    id: u32,
}

async fn get_thing(core: &ClientCore) -> Result<WithInfo<Thing>, Error<GetThingError>> {
    let response = core.call(Method::GET, "/thing").send().await?;
    let info = WithInfo::of(&response);
    match response.status().as_u16() {
        200 => Ok(info.with_value(read_json(response).await?)),
        409 => Err(api_error(response, GetThingError::Conflict).await),
        _ => Err(Error::unexpected(response).await),
    }
}

async fn thing_server(status: u16, body: &'static str) -> ClientCore {
    let router = Router::new().route(
        "/thing",
        get(move || async move {
            let status = StatusCode::from_u16(status).unwrap();
            (
                status,
                [("content-type", "application/json"), ("x-rate-limit", "5")],
                body,
            )
        }),
    );
    ClientCore::builder(serve(router).await)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn documented_responses_decode() {
    let ok = get_thing(&thing_server(200, r#"{"id": 7}"#).await)
        .await
        .unwrap();
    assert_eq!((ok.status.as_u16(), ok.value.id), (200, 7));
    assert_eq!(ok.headers["x-rate-limit"], "5");

    let err = get_thing(&thing_server(409, r#"{"title": "busy"}"#).await)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    let Some(GetThingError::Conflict(problem)) = err.api_body() else {
        panic!("{err:?}")
    };
    assert_eq!(problem.title, "busy");
    assert_eq!(err.headers().unwrap()["x-rate-limit"], "5");
}

#[tokio::test]
async fn bad_json_is_a_decode_error_with_the_raw_bytes() {
    let raw = r#"{"id": "seven"}"#;
    let err = get_thing(&thing_server(200, raw).await).await.unwrap_err();
    let Error::Decode {
        status,
        body,
        message,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(status.as_u16(), 200);
    assert_eq!(body, raw.as_bytes());
    assert!(
        message.starts_with("at `id`: invalid type: string \"seven\""),
        "{message}"
    );

    let err = get_thing(&thing_server(409, "<html>").await)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { status, .. } if status.as_u16() == 409),
        "{err:?}"
    );
}

#[tokio::test]
async fn undocumented_status_keeps_a_bounded_body() {
    let err = get_thing(&thing_server(418, "I'm a teapot").await)
        .await
        .unwrap_err();
    let Error::UnexpectedStatus {
        status,
        body,
        headers,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((status.as_u16(), &body[..]), (418, &b"I'm a teapot"[..]));
    assert_eq!(headers["x-rate-limit"], "5");
    assert_eq!(
        err.to_string(),
        "unexpected status 418 I'm a teapot: I'm a teapot"
    );

    let big = Box::leak("x".repeat(200 * 1024).into_boxed_str());
    let err = get_thing(&thing_server(500, big).await).await.unwrap_err();
    let Error::UnexpectedStatus { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(body.len(), oagen_rt::client::MAX_UNEXPECTED_BODY);
}

/// The body readers take the chunks out of the response before their future starts, so their
/// futures hold neither the response nor its headers: a generated `decode` is one of them
/// (`read_response`) or holds one at a time, and is boxed per request.
#[test]
fn body_readers_do_not_hold_the_response() {
    fn response() -> reqwest::Response {
        reqwest::Response::from(http::Response::new("{}"))
    }
    let held = std::mem::size_of::<reqwest::Response>()
        + std::mem::size_of::<reqwest::header::HeaderMap>();
    let sizes = [
        (
            "read_json",
            std::mem::size_of_val(&read_json::<Value, ()>(response())),
        ),
        (
            "read_text",
            std::mem::size_of_val(&oagen_rt::client::read_text::<()>(response())),
        ),
        (
            "api_error",
            std::mem::size_of_val(&api_error(response(), |v: Value| v)),
        ),
        (
            "unexpected",
            std::mem::size_of_val(&Error::<()>::unexpected(response())),
        ),
        (
            "read_response",
            std::mem::size_of_val(&oagen_rt::client::read_response::<Value, Value>(
                response(),
                oagen_rt::client::Reading::Error(oagen_rt::client::ErrorBody::Unexpected),
            )),
        ),
    ];
    for (reader, size) in sizes {
        assert!(size < held, "{reader}'s future is {size} bytes");
    }
}

#[tokio::test]
async fn empty_bodies_read_as_unit() {
    let router = Router::new().route("/empty", get(|| async { StatusCode::NO_CONTENT }));
    let core = ClientCore::new(serve(router).await);
    let response = core.call(Method::GET, "/empty").send::<()>().await.unwrap();
    read_json::<(), ()>(response).await.unwrap();
    let response = core.call(Method::GET, "/empty").send::<()>().await.unwrap();
    let err = read_json::<Problem, ()>(response).await.unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

async fn pages(query: axum::extract::RawQuery) -> axum::Json<Value> {
    let pairs = parse_query(&query.0.unwrap_or_default());
    let cursor = pairs
        .iter()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.as_str());
    axum::Json(match cursor {
        None => json!({"items": [1, 2], "next": "c2"}),
        Some("c2") => json!({"items": [3], "next": "c3"}),
        Some("c3") => json!({"items": [4, 5], "next": null}),
        Some("loop") => json!({"items": [7], "next": "loop"}),
        Some(other) => json!({"items": [], "next": other}),
    })
}

#[tokio::test]
async fn paginate_follows_cursors_and_stops_on_a_repeat() {
    let hits = Hits::default();
    let router = Router::new()
        .route(
            "/pages",
            get(|State(hits): State<Hits>, query| async move {
                hits.hit();
                pages(query).await
            }),
        )
        .route(
            "/loop",
            get(|| async { axum::Json(json!({"items": [6], "next": "loop"})) }),
        )
        .with_state(hits.clone());
    let core = ClientCore::new(serve(router).await);
    let list = |path: &'static str| {
        let core = core.clone();
        paginate(move |cursor: Option<String>| {
            let core = core.clone();
            async move {
                let response = core
                    .call(Method::GET, if cursor.is_some() { "/pages" } else { path })
                    .query("cursor", &cursor, ParamStyle::Form, true)
                    .send::<()>()
                    .await?;
                let page: Value = read_json(response).await?;
                let items: Vec<u32> = serde_json::from_value(page["items"].clone()).unwrap();
                Ok((items, page["next"].as_str().map(str::to_owned)))
            }
        })
    };
    let items: Vec<u32> = list("/pages").map(Result::unwrap).collect().await;
    assert_eq!(items, [1, 2, 3, 4, 5]);
    assert_eq!(hits.count(), 3);

    // `/loop` answers cursor `loop`, and `/pages?cursor=loop` answers it again.
    let items: Vec<u32> = list("/loop").map(Result::unwrap).collect().await;
    assert_eq!(items, [6, 7]);
    assert_eq!(hits.count(), 4);
}

#[tokio::test]
async fn paginate_ends_after_an_error() {
    let router = Router::new().route("/pages", get(pages));
    let core = ClientCore::builder(serve(router).await)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let stream = paginate(|cursor: Option<String>| {
        let core = core.clone();
        async move {
            let response = core
                .call(Method::GET, "/pages")
                .query("cursor", &cursor, ParamStyle::Form, true)
                .send::<()>()
                .await?;
            if cursor.is_some() {
                return Err(Error::unexpected(response).await);
            }
            let page: Value = read_json(response).await?;
            Ok((
                serde_json::from_value::<Vec<u32>>(page["items"].clone()).unwrap(),
                Some("c2".to_owned()),
            ))
        }
    });
    let results: Vec<Result<u32, Error<()>>> = stream.collect().await;
    assert_eq!(results.len(), 3);
    assert!(matches!(results[2], Err(Error::UnexpectedStatus { .. })));
}
