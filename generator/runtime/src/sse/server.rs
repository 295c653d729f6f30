//! The server half of server-sent events: framing a stream of events as an axum response.
//!
//! Input → output: a [`Stream`] of [`ServerEvent<T>`] → a streamed `text/event-stream`
//! [`Response`], each event framed by [`write_event`] (the encoder the client's decoder is
//! tested against) and a `:` comment sent as a keep-alive whenever the stream is idle.
//!
//! A generated SSE operation returns [`ServerEvents<T>`], which the generated response enum
//! turns into a response through [`crate::server::ApiResponse`]. Tests: below for the framing;
//! `tests/server.rs` reads these responses back with the client's `EventStream`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use serde::Serialize;

use super::parse::write_event;

/// What a keep-alive looks like on the wire: an empty comment, then a blank line.
/// A comment line. No blank line follows it: a blank line dispatches an event, and some
/// clients (the agntcy-acp SDK's reader) then try to decode an empty one.
const KEEP_ALIVE: &[u8] = b":\n";

/// The keep-alive interval [`ServerEvents::new`] starts with.
pub(crate) const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One event to send. `data` is serialized as compact JSON.
///
/// ```
/// use std::time::Duration;
/// use oagen_rt::sse::ServerEvent;
///
/// let event = ServerEvent::new(serde_json::json!({"n": 1}))
///     .id("1")
///     .event("tick")
///     .retry(Duration::from_secs(2));
/// assert_eq!(event.to_frame().unwrap(), "id: 1\nevent: tick\nretry: 2000\ndata: {\"n\":1}\n\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEvent<T> {
    /// The event id: what a client sends back as `Last-Event-ID` to resume after this event.
    pub id: Option<String>,
    /// The event type; `None` is the default, `message`.
    pub event: Option<String>,
    /// Asks the client to wait this long before reconnecting.
    pub retry: Option<Duration>,
    /// The payload.
    pub data: T,
}

impl<T> ServerEvent<T> {
    /// An event carrying `data`, with no id, type or retry.
    ///
    /// ```
    /// let event = oagen_rt::sse::ServerEvent::new(5);
    /// assert_eq!(event.id, None);
    /// ```
    pub fn new(data: T) -> Self {
        Self {
            id: None,
            event: None,
            retry: None,
            data,
        }
    }

    /// Sets the id. Line breaks cannot be sent in an id and are removed.
    ///
    /// ```
    /// assert_eq!(oagen_rt::sse::ServerEvent::new(()).id("7").id.as_deref(), Some("7"));
    /// ```
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the event type. Line breaks cannot be sent in it and are removed.
    ///
    /// ```
    /// let event = oagen_rt::sse::ServerEvent::new(()).event("delta");
    /// assert_eq!(event.event.as_deref(), Some("delta"));
    /// ```
    #[must_use]
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// Sets the reconnection delay the client should use from now on.
    ///
    /// ```
    /// use std::time::Duration;
    /// let event = oagen_rt::sse::ServerEvent::new(()).retry(Duration::from_millis(500));
    /// assert_eq!(event.retry, Some(Duration::from_millis(500)));
    /// ```
    #[must_use]
    pub fn retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }
}

impl<T: Serialize> ServerEvent<T> {
    /// The event as it goes on the wire. Fails only if `data` cannot be serialized as JSON.
    ///
    /// ```
    /// let frame = oagen_rt::sse::ServerEvent::new("hi").to_frame().unwrap();
    /// assert_eq!(frame, "data: \"hi\"\n\n");
    /// ```
    pub fn to_frame(&self) -> Result<String, serde_json::Error> {
        let data = serde_json::to_string(&self.data)?;
        let mut out = String::with_capacity(data.len() + 32);
        write_event(
            &mut out,
            self.id.as_deref(),
            self.event.as_deref(),
            self.retry,
            &data,
        );
        Ok(out)
    }
}

/// A stream of events as an operation's response: what a generated SSE operation returns.
///
/// Sends a keep-alive comment every 15 seconds of silence unless changed with
/// [`keep_alive`](Self::keep_alive).
///
/// ```
/// use axum::response::IntoResponse;
/// use oagen_rt::sse::{ServerEvent, ServerEvents};
///
/// let events = futures::stream::iter((1..=3).map(|n| ServerEvent::new(n).id(n.to_string())));
/// let response = ServerEvents::new(events).keep_alive(None).into_response();
/// assert_eq!(response.headers()["content-type"], "text/event-stream");
/// ```
pub struct ServerEvents<T> {
    stream: BoxStream<'static, ServerEvent<T>>,
    keep_alive: Option<Duration>,
}

impl<T> ServerEvents<T> {
    /// Wraps a stream of events.
    ///
    /// ```
    /// let events = oagen_rt::sse::ServerEvents::new(futures::stream::empty::<oagen_rt::sse::ServerEvent<u8>>());
    /// # let _ = events;
    /// ```
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream<Item = ServerEvent<T>> + Send + 'static,
    {
        Self {
            stream: stream.boxed(),
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
        }
    }

    /// Sets the keep-alive interval; `None` sends no keep-alives.
    ///
    /// ```
    /// use std::time::Duration;
    /// let events = oagen_rt::sse::ServerEvents::new(futures::stream::empty::<oagen_rt::sse::ServerEvent<u8>>())
    ///     .keep_alive(Some(Duration::from_secs(5)));
    /// # let _ = events;
    /// ```
    #[must_use]
    pub fn keep_alive(mut self, interval: Option<Duration>) -> Self {
        self.keep_alive = interval;
        self
    }
}

impl<T> fmt::Debug for ServerEvents<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerEvents")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize + 'static> IntoResponse for ServerEvents<T> {
    fn into_response(self) -> Response {
        sse_response(self.stream, self.keep_alive)
    }
}

impl<T: Serialize + 'static> crate::server::ApiResponse for ServerEvents<T> {
    fn into_api_response(self) -> Response {
        sse_response(self.stream, self.keep_alive)
    }
}

/// Frames `stream` as a streamed `text/event-stream` response (`200`, `cache-control:
/// no-cache`), with a keep-alive comment after each `keep_alive` of silence.
///
/// If an event's `data` cannot be serialized, the error is logged to stderr and the body is
/// aborted, so the client sees a cut rather than a silently missing event.
///
/// ```
/// use oagen_rt::sse::{ServerEvent, sse_response};
///
/// let events = futures::stream::iter(vec![ServerEvent::new("a"), ServerEvent::new("b")]);
/// let response = sse_response(events, None);
/// assert_eq!(response.headers()["cache-control"], "no-cache");
/// ```
pub fn sse_response<S, T>(stream: S, keep_alive: Option<Duration>) -> Response
where
    S: Stream<Item = ServerEvent<T>> + Send + 'static,
    T: Serialize + 'static,
{
    sse_response_fallible(stream.map(Ok), keep_alive)
}

/// Like [`sse_response`] for a stream that can fail: an `Err` item aborts the body (the
/// client sees a cut and resumes from the last event id it received), after logging why.
pub(crate) fn sse_response_fallible<S, T>(stream: S, keep_alive: Option<Duration>) -> Response
where
    S: Stream<Item = Result<ServerEvent<T>, String>> + Send + 'static,
    T: Serialize,
{
    let framed = Framed {
        events: Box::pin(stream),
        keep_alive: keep_alive.map(|period| KeepAlive {
            period,
            sleep: Box::pin(tokio::time::sleep(period)),
        }),
        failed: false,
        opened: false,
        cutting: None,
    };
    let mut response = Response::new(Body::from_stream(framed));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The `Last-Event-ID` a reconnecting client sent, if any (and not empty).
///
/// ```
/// use axum::http::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(oagen_rt::sse::last_event_id(&headers), None);
/// headers.insert("last-event-id", "41".parse().unwrap());
/// assert_eq!(oagen_rt::sse::last_event_id(&headers).as_deref(), Some("41"));
/// ```
#[must_use]
pub fn last_event_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
}

struct KeepAlive {
    period: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

/// The response body: events framed as they come, keep-alives in the gaps.
struct Framed<S> {
    events: Pin<Box<S>>,
    keep_alive: Option<KeepAlive>,
    failed: bool,
    /// Whether the opening comment went out: it makes the response reach the client before
    /// the first event, so even a stream cut before its first event is a cut the client can
    /// resume from, not a failed request.
    opened: bool,
    /// An error to end the body with, held back for one poll so that what was already framed
    /// is flushed to the client first (hyper flushes while a body is pending).
    cutting: Option<String>,
}

impl<S, T> Stream for Framed<S>
where
    S: Stream<Item = Result<ServerEvent<T>, String>>,
    T: Serialize,
{
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.failed {
            return Poll::Ready(None);
        }
        if let Some(reason) = this.cutting.take() {
            this.failed = true;
            return Poll::Ready(Some(Err(std::io::Error::other(reason))));
        }
        if !this.opened {
            this.opened = true;
            return Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))));
        }
        match this.events.as_mut().poll_next(cx) {
            Poll::Ready(Some(Err(reason))) => {
                eprintln!("oagen-rt: cutting an event stream: {reason}");
                this.cutting = Some(reason);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(Some(Ok(event))) => {
                if let Some(keep_alive) = this.keep_alive.as_mut() {
                    let deadline = tokio::time::Instant::now() + keep_alive.period;
                    keep_alive.sleep.as_mut().reset(deadline);
                }
                Poll::Ready(Some(match event.to_frame() {
                    Ok(frame) => Ok(Bytes::from(frame)),
                    Err(err) => {
                        eprintln!(
                            "oagen-rt: ending an event stream: event data not serializable: {err}"
                        );
                        this.failed = true;
                        Err(std::io::Error::other("event data not serializable"))
                    }
                }))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let Some(keep_alive) = this.keep_alive.as_mut() else {
                    return Poll::Pending;
                };
                if keep_alive.sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let deadline = tokio::time::Instant::now() + keep_alive.period;
                keep_alive.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(Bytes::from_static(KEEP_ALIVE))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::SseDecoder;
    use std::collections::BTreeMap;

    async fn body_bytes(response: Response) -> Vec<u8> {
        let mut body = response.into_body().into_data_stream();
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(chunk) => out.extend_from_slice(&chunk),
                Err(_) => break,
            }
        }
        out
    }

    #[tokio::test]
    async fn ids_types_and_data_round_trip_through_the_parser() {
        let sent = vec![
            ServerEvent::new(serde_json::json!({"text": "two\nlines"}))
                .id("1")
                .event("delta"),
            ServerEvent::new(serde_json::json!("plain")).id("2"),
            ServerEvent::new(serde_json::json!(null)).event("done"),
        ];
        let response = sse_response(futures::stream::iter(sent.clone()), None);
        let bytes = body_bytes(response).await;
        let events = SseDecoder::decode_all(&bytes);
        assert_eq!(events.len(), 3);
        for (got, want) in events.iter().zip(&sent) {
            let data: serde_json::Value = serde_json::from_str(&got.data).unwrap();
            assert_eq!(data, want.data);
            assert_eq!(got.event, want.event);
        }
        let ids: Vec<_> = events.iter().map(|e| e.id.as_deref()).collect();
        assert_eq!(ids, [Some("1"), Some("2"), Some("2")]);
    }

    #[tokio::test(start_paused = true)]
    async fn keep_alive_comments_fill_silence() {
        let (tx, rx) = futures::channel::mpsc::unbounded::<ServerEvent<u8>>();
        let response = sse_response(rx, Some(Duration::from_secs(1)));
        let mut body = response.into_body().into_data_stream();
        // With the clock paused, tokio advances time whenever everything is idle, so the
        // keep-alive arrives without waiting in real time.
        let first = body.next().await.unwrap().unwrap();
        assert_eq!(&first[..], KEEP_ALIVE);
        tx.unbounded_send(ServerEvent::new(7)).unwrap();
        let second = body.next().await.unwrap().unwrap();
        assert_eq!(&second[..], b"data: 7\n\n");
        drop(tx);
        assert!(body.next().await.is_none());
    }

    #[tokio::test]
    async fn unserializable_data_aborts_the_body() {
        // JSON object keys must be strings; a map keyed by a tuple cannot be serialized.
        let mut bad = BTreeMap::new();
        bad.insert((1, 2), 3);
        let response = sse_response(futures::stream::iter(vec![ServerEvent::new(bad)]), None);
        let mut body = response.into_body().into_data_stream();
        // The opening comment goes first, then the cut.
        assert_eq!(&body.next().await.unwrap().unwrap()[..], KEEP_ALIVE);
        assert!(matches!(body.next().await, Some(Err(_))));
        assert!(body.next().await.is_none());
    }

    #[test]
    fn last_event_id_ignores_empty_and_non_ascii() {
        let mut headers = HeaderMap::new();
        headers.insert("last-event-id", HeaderValue::from_static(""));
        assert_eq!(last_event_id(&headers), None);
        headers.insert("last-event-id", HeaderValue::from_bytes(b"\xFF").unwrap());
        assert_eq!(last_event_id(&headers), None);
    }
}
