//! Issue 6's acceptance test: the generated `conversations` client follows `stream_events`
//! across connection cuts and yields every event exactly once, in order.
//!
//! The spec marks `last_event_id` (query) as the operation's resume parameter
//! (`x-sse-resume-param`), so on each reconnect the generated client must put the id of the last
//! event it yielded there, and the server resumes after it. The server here is the generated
//! router over an implementation that holds `TOTAL` events with ids `1..=TOTAL`.
//!
//! Two kinds of cut, each over several seeds (`fastrand`, seeded, so a failure replays):
//! - transport: a TCP proxy between client and server closes each connection after a random
//!   number of response-body bytes, often in the middle of an event (the client must drop the
//!   partial event and resume from the last complete one); the client runs the default
//!   end-of-stream semantics, so only a real cut makes it reconnect, and the last connection
//!   ending cleanly ends the stream;
//! - implementation: the `Api` implementation's event stream yields an error after a random
//!   number of events, which the runtime turns into the end of the body; the client opts into
//!   `reconnect_on_eof`, and the server answers 204 (the SSE "stop reconnecting") once every
//!   event was delivered.
//!
//! Each reconnect's `last_event_id` is compared with the id of the last event the consumer had
//! seen when the request arrived. No timing is asserted; timeouts only guard against hangs.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use conversations::rt;
use conversations::rt::server::{Failure, Presented};
use conversations::server::{Api, StreamEventsRequest, router};
use conversations::{
    ApiError, Client, ConversationStreamEvent, ErrorCode, StreamEventsError, StreamEventsOk,
};
use futures::StreamExt as _;
use serde_json::json;

#[path = "support/cutting_proxy.rs"]
mod cutting_proxy;
use cutting_proxy::cutting_proxy;

/// Events in the conversation, ids `1..=TOTAL`.
const TOTAL: i64 = 50;
const API_KEY: &str = "sk-resume-test";
const CONVERSATION: uuid::Uuid = uuid::Uuid::from_u128(0x6bc5_8a44_c832_f5a1);
const SEEDS: [u64; 4] = [1, 7, 42, 0xDEAD_BEEF];

/// The kinds the events cycle through (sent in the SSE `event:` field and in `type`).
const KINDS: [&str; 6] = [
    "RUN_STARTED",
    "STEP_STARTED",
    "TEXT_MESSAGE_CONTENT",
    "TOOL_CALL_PROGRESS",
    "STEP_FINISHED",
    "RUN_FINISHED",
];

fn kind(id: i64) -> &'static str {
    KINDS[usize::try_from(id).unwrap() % KINDS.len()]
}

/// Event `id` as the implementation sends it: a multi-line text, so `data:` spans lines.
fn payload(id: i64) -> ConversationStreamEvent {
    serde_json::from_value(json!({
        "type": kind(id),
        "event_id": id,
        "data": {"n": id, "text": format!("delta {id}\nsecond line: {}", "x".repeat(20))},
        "source_run_id": "run-1",
    }))
    .unwrap()
}

fn event_id(event: &ConversationStreamEvent) -> i64 {
    serde_json::to_value(event).unwrap()["event_id"]
        .as_i64()
        .unwrap()
}

/// How the implementation ends its connections.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ServerCut {
    /// Never: every connection streams all remaining events and ends (cuts come from the proxy).
    Never,
    /// After 0 to 5 events (random), the event stream yields an error.
    ErrorItem,
}

/// One request the server received.
#[derive(Clone, Debug, PartialEq)]
struct Connection {
    /// The `last_event_id` query parameter.
    resume: Option<i64>,
    /// The id of the last event the consumer had received when the request arrived.
    consumer_saw: Option<i64>,
}

/// Serves `stream_events` only; every other operation answers 501.
struct Events {
    cut: ServerCut,
    rng: Mutex<fastrand::Rng>,
    /// Written by the test's consumer loop after each event it receives.
    consumer_saw: Arc<Mutex<Option<i64>>>,
    connections: Mutex<Vec<Connection>>,
}

fn api_error(code: ErrorCode, message: &str) -> ApiError {
    serde_json::from_value(json!({
        "error": {"code": code.as_str(), "message": message, "trace_id": "t-1"}
    }))
    .unwrap()
}

impl Api for Events {
    async fn stream_events(
        &self,
        request: StreamEventsRequest,
    ) -> Result<StreamEventsOk, Failure<StreamEventsError>> {
        if request.credentials != [("APIKey", Presented::ApiKey(API_KEY.to_owned()))] {
            return Err(StreamEventsError::Default {
                status: 401,
                body: api_error(ErrorCode::Unauthorized, "bad key"),
            }
            .into());
        }
        if request.id != CONVERSATION {
            return Err(StreamEventsError::Default {
                status: 404,
                body: api_error(ErrorCode::ConversationNotFound, "no such conversation"),
            }
            .into());
        }
        let consumer_saw = *self.consumer_saw.lock().unwrap();
        self.connections.lock().unwrap().push(Connection {
            resume: request.last_event_id,
            consumer_saw,
        });
        let start = request.last_event_id.unwrap_or(0) + 1;
        if start > TOTAL {
            // Everything was delivered: tell the client to stop reconnecting.
            return Err(StreamEventsError::Default {
                status: 204,
                body: api_error(ErrorCode::NotFound, "no more events"),
            }
            .into());
        }
        let end = match self.cut {
            ServerCut::Never => TOTAL + 1,
            ServerCut::ErrorItem => (start + self.rng.lock().unwrap().i64(0..=5)).min(TOTAL + 1),
        };
        let events = (start..end).map(|id| {
            Ok(rt::sse::Event::new(payload(id))
                .with_id(id.to_string())
                .with_event(kind(id)))
        });
        let cut = (end <= TOTAL).then(|| {
            Err(rt::sse::StreamError::Transport(
                "cut by the implementation".into(),
            ))
        });
        let stream = futures::stream::iter(events.chain(cut));
        Ok(StreamEventsOk::Ok(rt::sse::Events::new(stream)))
    }
}

async fn serve(api: Arc<Events>) -> SocketAddr {
    let listener = rt::server::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { rt::server::axum::serve(listener, router(api)).await });
    addr
}

/// Reconnects at once (1 ms), many times: the test cuts often.
fn fast_reconnect(reconnect_on_eof: bool) -> rt::sse::ReconnectPolicy {
    rt::sse::ReconnectPolicy {
        max_attempts: 10,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        reconnect_on_eof,
    }
}

/// Reads the whole stream, checking each event, and recording the consumer's progress where
/// the server can see it. Returns the ids received in order.
async fn consume(
    mut events: rt::sse::Events<ConversationStreamEvent>,
    consumer_saw: &Mutex<Option<i64>>,
    context: &str,
) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        // A guard against a hang, not a timing assertion.
        let item = tokio::time::timeout(Duration::from_secs(30), events.next())
            .await
            .unwrap_or_else(|_| panic!("{context}: the stream hung after {ids:?}"));
        let Some(item) = item else { break };
        let event = item.unwrap_or_else(|err| panic!("{context}: error item after {ids:?}: {err}"));
        let id = event_id(&event.data);
        assert_eq!(event.data, payload(id), "{context}");
        assert_eq!(event.id, Some(id.to_string()), "{context}");
        assert_eq!(event.event.as_deref(), Some(kind(id)), "{context}");
        ids.push(id);
        *consumer_saw.lock().unwrap() = Some(id);
    }
    ids
}

fn events_api(cut: ServerCut, seed: u64) -> Arc<Events> {
    Arc::new(Events {
        cut,
        rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        consumer_saw: Arc::default(),
        connections: Mutex::default(),
    })
}

/// Every reconnect asked to resume exactly after the last event the consumer had received.
fn assert_resumed_after_what_was_seen(
    connections: &[Connection],
    first_resume: Option<i64>,
    context: &str,
) {
    assert!(
        connections.len() > 3,
        "{context}: too few cuts to test anything: {connections:?}"
    );
    assert_eq!(connections[0].resume, first_resume, "{context}");
    for (n, connection) in connections.iter().enumerate().skip(1) {
        let expected = connection.consumer_saw.or(first_resume);
        assert_eq!(
            connection.resume, expected,
            "{context}: connection {n} resumed from the wrong id: {connections:?}"
        );
    }
}

#[tokio::test]
async fn transport_cuts_resume_from_the_last_complete_event() {
    for seed in SEEDS {
        let api = events_api(ServerCut::Never, seed);
        let proxy = cutting_proxy(serve(api.clone()).await, seed, 700);
        let client = Client::new(format!("http://{proxy}")).with_api_key(API_KEY);
        let StreamEventsOk::Ok(events) = client
            .stream_events(CONVERSATION)
            .reconnect(fast_reconnect(false))
            .await
            .unwrap();
        let context = format!("seed {seed}");
        let ids = consume(events, &api.consumer_saw, &context).await;
        assert_eq!(ids, (1..=TOTAL).collect::<Vec<_>>(), "{context}");
        let connections = api.connections.lock().unwrap().clone();
        assert_resumed_after_what_was_seen(&connections, None, &context);
    }
}

#[tokio::test]
async fn transport_cuts_after_an_explicit_starting_point() {
    for seed in SEEDS {
        let api = events_api(ServerCut::Never, seed);
        let proxy = cutting_proxy(serve(api.clone()).await, seed, 500);
        let client = Client::new(format!("http://{proxy}")).with_api_key(API_KEY);
        let StreamEventsOk::Ok(events) = client
            .stream_events(CONVERSATION)
            .last_event_id(20)
            .reconnect(fast_reconnect(false))
            .await
            .unwrap();
        let context = format!("seed {seed}, from 20");
        let ids = consume(events, &api.consumer_saw, &context).await;
        assert_eq!(ids, (21..=TOTAL).collect::<Vec<_>>(), "{context}");
        let connections = api.connections.lock().unwrap().clone();
        assert_resumed_after_what_was_seen(&connections, Some(20), &context);
    }
}

#[tokio::test]
async fn implementation_cuts_resume_with_reconnect_on_eof() {
    for seed in SEEDS {
        let api = events_api(ServerCut::ErrorItem, seed);
        let addr = serve(api.clone()).await;
        let client = Client::new(format!("http://{addr}")).with_api_key(API_KEY);
        let StreamEventsOk::Ok(events) = client
            .stream_events(CONVERSATION)
            .reconnect(fast_reconnect(true))
            .await
            .unwrap();
        let context = format!("seed {seed}");
        let ids = consume(events, &api.consumer_saw, &context).await;
        assert_eq!(ids, (1..=TOTAL).collect::<Vec<_>>(), "{context}");
        let connections = api.connections.lock().unwrap().clone();
        assert_resumed_after_what_was_seen(&connections, None, &context);
        // The last request resumed after the last event, and was told to stop (204).
        assert_eq!(connections.last().unwrap().resume, Some(TOTAL), "{context}");
    }
}

/// `Events`'s `ApiResponse` impl documents that "an error item ends the stream (the client sees
/// a cut and resumes from the last id it received)". It ends the body *cleanly*
/// (`take_while`), which a client with the default policy (`reconnect_on_eof: false`) reads as
/// the normal end of the stream: the events after the error are silently lost.
#[tokio::test]
async fn implementation_error_item_is_a_cut_under_the_default_policy() {
    let seed = 7;
    let api = events_api(ServerCut::ErrorItem, seed);
    let addr = serve(api.clone()).await;
    let client = Client::new(format!("http://{addr}")).with_api_key(API_KEY);
    let StreamEventsOk::Ok(events) = client
        .stream_events(CONVERSATION)
        .reconnect(fast_reconnect(false))
        .await
        .unwrap();
    let ids = consume(events, &api.consumer_saw, "default policy").await;
    assert_eq!(ids, (1..=TOTAL).collect::<Vec<_>>());
}

/// `ReconnectPolicy` resets its attempt count "as soon as a new connection delivers any bytes",
/// so a server that breaks off inside the same event every time (an event too large for a proxy's
/// limit, a crash while writing it) is reconnected to forever without progress, and
/// `max_attempts` never ends the stream. Resetting on a *complete event* would bound it.
#[tokio::test]
async fn a_stream_that_never_completes_an_event_gives_up() {
    let api = events_api(ServerCut::Never, 9);
    // At most 40 body bytes per connection: never a whole event.
    let proxy = cutting_proxy(serve(api.clone()).await, 9, 40);
    let client = Client::new(format!("http://{proxy}")).with_api_key(API_KEY);
    let StreamEventsOk::Ok(events) = client
        .stream_events(CONVERSATION)
        .reconnect(fast_reconnect(false))
        .await
        .unwrap();
    // A guard against the endless loop, not a timing assertion.
    let items = tokio::time::timeout(Duration::from_secs(3), events.collect::<Vec<_>>())
        .await
        .unwrap_or_else(|_| {
            let connections = api.connections.lock().unwrap().len();
            panic!("still reconnecting after {connections} connections")
        });
    assert!(
        matches!(
            items.as_slice(),
            [Err(rt::sse::StreamError::Exhausted { attempts: 10, .. })]
        ),
        "{items:?}"
    );
}

#[tokio::test]
async fn a_cut_without_reconnects_is_an_error_item() {
    let api = events_api(ServerCut::Never, 3);
    let proxy = cutting_proxy(serve(api.clone()).await, 3, 300);
    let client = Client::new(format!("http://{proxy}")).with_api_key(API_KEY);
    let StreamEventsOk::Ok(mut events) = client
        .stream_events(CONVERSATION)
        .reconnect(rt::sse::ReconnectPolicy::never())
        .await
        .unwrap();
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    while let Some(item) = events.next().await {
        match item {
            Ok(event) => ids.push(event_id(&event.data)),
            Err(err) => errors.push(err),
        }
    }
    assert_eq!(
        ids,
        (1..=i64::try_from(ids.len()).unwrap()).collect::<Vec<_>>()
    );
    assert!(ids.len() < usize::try_from(TOTAL).unwrap(), "{ids:?}");
    assert!(
        matches!(errors.as_slice(), [rt::sse::StreamError::Transport(_)]),
        "{errors:?}"
    );
    assert_eq!(api.connections.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn refused_first_request_is_a_typed_error() {
    let api = events_api(ServerCut::Never, 1);
    let addr = serve(api.clone()).await;
    let client = Client::new(format!("http://{addr}")).with_api_key("sk-wrong");
    let err = client.stream_events(CONVERSATION).await.unwrap_err();
    let Some(StreamEventsError::Default { status, body }) = err.api_body() else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 401);
    assert_eq!(body.error.code, ErrorCode::Unauthorized);
    let client = Client::new(format!("http://{addr}")).with_api_key(API_KEY);
    let err = client
        .stream_events(uuid::Uuid::from_u128(1))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(
        matches!(err.api_body(), Some(StreamEventsError::Default { body, .. })
            if body.error.code == ErrorCode::ConversationNotFound),
        "{err:?}"
    );
    assert!(api.connections.lock().unwrap().is_empty());
}
