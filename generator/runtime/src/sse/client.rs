//! The client half of server-sent events: a typed stream that resumes after a cut.
//!
//! Input → output: a `text/event-stream` [`reqwest::Response`], plus a closure that re-issues
//! the request from a resume point → a [`Stream`] of [`Event<T>`] with `data` decoded as JSON.
//!
//! Invariants:
//! - Only complete events are yielded. When a connection ends mid-event, the partial event is
//!   dropped and the resume point is the id of the last *complete* event (see the invariant in
//!   [`super::parse`]), so the server sends the cut event again and the consumer sees it once.
//! - Where the resume point goes (a `Last-Event-ID` header or a query parameter the spec
//!   names) is the closure's business: the generated client knows, this module does not.
//! - A `data` that does not decode is an error item, and the stream goes on.
//!
//! Tests: the round trip against a server that cuts connections is in `tests/server.rs`; unit
//! tests of the backoff are below.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt as _;
use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt};
use serde::de::DeserializeOwned;

use super::parse::{RawEvent, SseDecoder};

/// How much of a refused reconnect's body is kept as evidence.
const ERROR_BODY_LIMIT: usize = 8 * 1024;

/// When and how often an [`EventStream`] reconnects.
///
/// The delay before attempt `n` (counting from 1) is `base × 2^(n-1)`, capped at
/// `max_backoff`, where `base` is the server's last `retry:` value or else `initial_backoff`.
/// The attempt count goes back to zero as soon as a complete event arrives.
///
/// ```
/// use std::time::Duration;
/// use oagen_rt::sse::ReconnectPolicy;
///
/// let policy = ReconnectPolicy { reconnect_on_eof: true, ..ReconnectPolicy::default() };
/// assert_eq!(policy.max_attempts, 5);
/// assert_eq!(policy.delay(1, None), policy.initial_backoff);
/// assert_eq!(policy.delay(2, Some(Duration::from_millis(100))), Duration::from_millis(200));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Consecutive failed attempts allowed before the stream ends with
    /// [`StreamError::Exhausted`]. Zero never reconnects.
    pub max_attempts: u32,
    /// The first delay when the server sent no `retry:`.
    pub initial_backoff: Duration,
    /// The longest delay (unless the server's own `retry:` is longer).
    pub max_backoff: Duration,
    /// Whether the server ending the body counts as a cut. Off by default: most servers end
    /// the body when the stream is over. Turn it on for streams that never end by design.
    pub reconnect_on_eof: bool,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            reconnect_on_eof: false,
        }
    }
}

impl ReconnectPolicy {
    /// A policy that never reconnects: the stream ends with the first connection.
    ///
    /// ```
    /// assert_eq!(oagen_rt::sse::ReconnectPolicy::never().max_attempts, 0);
    /// ```
    #[must_use]
    pub fn never() -> Self {
        Self {
            max_attempts: 0,
            ..Self::default()
        }
    }

    /// The delay before reconnect attempt `attempt` (1-based), given the server's `retry:`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = oagen_rt::sse::ReconnectPolicy::default();
    /// assert_eq!(policy.delay(3, None), Duration::from_secs(4));
    /// assert_eq!(policy.delay(30, None), policy.max_backoff);
    /// // The server's retry wins over the cap.
    /// assert_eq!(policy.delay(1, Some(Duration::from_secs(60))), Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn delay(&self, attempt: u32, server_retry: Option<Duration>) -> Duration {
        let base = server_retry.unwrap_or(self.initial_backoff);
        let factor = 1_u32 << attempt.saturating_sub(1).min(16);
        base.saturating_mul(factor).min(self.max_backoff.max(base))
    }
}

use super::{Event, StreamError};

impl From<reqwest::Error> for StreamError {
    fn from(err: reqwest::Error) -> Self {
        Self::Transport(Box::new(err))
    }
}

/// The reconnect closure an [`EventStream`] holds: given the last event id, re-issue the
/// request with that resume point.
/// What a reconnect closure returns: the response to a re-sent request.
pub type ReconnectFuture = BoxFuture<'static, Result<reqwest::Response, StreamError>>;

pub type ReconnectFn = Box<
    dyn FnMut(Option<String>) -> BoxFuture<'static, Result<reqwest::Response, StreamError>> + Send,
>;

/// Turns an event's `data` into `T`; on failure, gives the data back with the reason.
type DecodeFn<T> = fn(String) -> Result<T, (String, String)>;

/// A typed, resumable stream of server-sent events.
///
/// Yields `Ok(Event<T>)` for every complete event, in order, each once. After a cut (a
/// transport error, or the body ending when [`ReconnectPolicy::reconnect_on_eof`] is set)
/// it waits, calls the reconnect closure with the last event id, and carries on with the new
/// response. The first response's status is the caller's to check before building the stream.
///
/// ```no_run
/// use futures::{FutureExt as _, StreamExt as _};
/// use oagen_rt::sse::{EventStream, ReconnectPolicy};
///
/// #[derive(serde::Deserialize)]
/// struct Tick { n: u64 }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let http = reqwest::Client::new();
/// let url = "http://127.0.0.1:8080/ticks";
/// let first = http.get(url).send().await?;
/// let resume = http.clone();
/// let mut ticks: EventStream<Tick> = EventStream::new(
///     first,
///     move |last_id: Option<String>| {
///         let mut request = resume.get(url);
///         if let Some(id) = last_id {
///             request = request.header("Last-Event-ID", id);
///         }
///         async move { Ok(request.send().await?) }.boxed()
///     },
///     ReconnectPolicy::default(),
/// );
/// while let Some(tick) = ticks.next().await {
///     println!("tick {}", tick?.data.n);
/// }
/// # Ok(())
/// # }
/// ```
pub struct EventStream<T> {
    decoder: SseDecoder,
    state: State,
    reconnect: Option<ReconnectFn>,
    policy: ReconnectPolicy,
    /// Consecutive reconnect attempts without a complete event received.
    attempts: u32,
    /// The resume point: the id of the last complete event block.
    last_id: Option<String>,
    decode: DecodeFn<T>,
    /// Set when `T` describes the whole SSE frame (see [`Envelope`]).
    envelope: Option<super::Envelope>,
}

enum State {
    Reading(BoxStream<'static, reqwest::Result<Bytes>>),
    Waiting(Pin<Box<tokio::time::Sleep>>),
    Connecting(BoxFuture<'static, Result<reqwest::Response, StreamError>>),
    Refused(BoxFuture<'static, StreamError>),
    Done,
}

/// Why a connection ended.
enum Cut {
    Eof,
    Failed(StreamError),
}

impl<T: DeserializeOwned> EventStream<T> {
    /// A stream over `first` that reconnects through `reconnect` under `policy`, decoding
    /// each `data` as JSON. See the [type](Self) example.
    pub fn new<R>(first: reqwest::Response, reconnect: R, policy: ReconnectPolicy) -> Self
    where
        R: FnMut(Option<String>) -> BoxFuture<'static, Result<reqwest::Response, StreamError>>
            + Send
            + 'static,
    {
        Self::build(first, Some(Box::new(reconnect)), policy, decode_json::<T>)
    }

    /// A stream over `first` alone: it ends when the connection does, and a transport error
    /// is its last item.
    ///
    /// ```no_run
    /// # async fn run(response: reqwest::Response) {
    /// let events = oagen_rt::sse::EventStream::<serde_json::Value>::once(response);
    /// # let _ = events;
    /// # }
    /// ```
    pub fn once(first: reqwest::Response) -> Self {
        Self::build(first, None, ReconnectPolicy::never(), decode_json::<T>)
    }
}

impl EventStream<String> {
    /// Like [`EventStream::new`], but `data` is passed through as text, not decoded.
    ///
    /// ```no_run
    /// use futures::FutureExt as _;
    /// # async fn run(first: reqwest::Response, http: reqwest::Client) {
    /// let lines = oagen_rt::sse::EventStream::raw(
    ///     first,
    ///     move |_last_id| {
    ///         let request = http.get("http://127.0.0.1:8080/log");
    ///         async move { Ok(request.send().await?) }.boxed()
    ///     },
    ///     oagen_rt::sse::ReconnectPolicy::default(),
    /// );
    /// # let _ = lines;
    /// # }
    /// ```
    pub fn raw<R>(first: reqwest::Response, reconnect: R, policy: ReconnectPolicy) -> Self
    where
        R: FnMut(Option<String>) -> BoxFuture<'static, Result<reqwest::Response, StreamError>>
            + Send
            + 'static,
    {
        Self::build(first, Some(Box::new(reconnect)), policy, Ok)
    }
}

impl<T> EventStream<T> {
    fn build(
        first: reqwest::Response,
        reconnect: Option<ReconnectFn>,
        policy: ReconnectPolicy,
        decode: DecodeFn<T>,
    ) -> Self {
        Self {
            decoder: SseDecoder::new(),
            state: State::Reading(first.bytes_stream().boxed()),
            reconnect,
            policy,
            attempts: 0,
            last_id: None,
            decode,
            envelope: None,
        }
    }

    /// Decodes each event as an [`Envelope`](super::Envelope): a type that describes the
    /// whole SSE frame (`id`, `event`, `data`) rather than only its data.
    #[must_use]
    pub fn enveloped(mut self, envelope: super::Envelope) -> Self {
        self.envelope = Some(envelope);
        self
    }

    /// Starts from a resume point the first request already used, so that a reconnect
    /// before any event arrives asks for the same point.
    ///
    /// ```no_run
    /// # async fn run(first: reqwest::Response) {
    /// let events = oagen_rt::sse::EventStream::<u32>::once(first).resuming_from("41");
    /// assert_eq!(events.last_event_id(), Some("41"));
    /// # }
    /// ```
    #[must_use]
    pub fn resuming_from(mut self, last_event_id: impl Into<String>) -> Self {
        let id = last_event_id.into();
        self.decoder.set_last_event_id(&id);
        self.last_id = (!id.is_empty()).then_some(id);
        self
    }

    /// The id of the last event received (or of the last id-only block), which is the point
    /// a reconnect resumes from. Keep it to resume in a later session.
    ///
    /// ```no_run
    /// # async fn run(first: reqwest::Response) {
    /// let events = oagen_rt::sse::EventStream::<u32>::once(first);
    /// assert_eq!(events.last_event_id(), None);
    /// # }
    /// ```
    #[must_use]
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    fn convert(&self, raw: RawEvent) -> Result<Event<T>, StreamError> {
        let data = match &self.envelope {
            Some(envelope) => envelope
                .wrap(
                    raw.id.as_deref(),
                    raw.event.as_deref(),
                    raw.retry.map(Duration::from_millis),
                    &raw.data,
                )
                .to_string(),
            None => raw.data,
        };
        match (self.decode)(data) {
            Ok(data) => Ok(Event {
                id: raw.id,
                event: raw.event,
                retry: raw.retry.map(Duration::from_millis),
                data,
            }),
            Err((data, message)) => Err(StreamError::Decode {
                raw: data,
                event: raw.event,
                id: raw.id,
                message,
            }),
        }
    }

    /// The connection is over: drop any partial event, then reconnect or end. Returns the
    /// item to yield when the stream ends with an error.
    fn cut(&mut self, cut: Cut) -> Option<Result<Event<T>, StreamError>> {
        self.decoder.finish();
        self.last_id = self.decoder.last_event_id().map(str::to_owned);
        if self.reconnect.is_none() || self.policy.max_attempts == 0 {
            self.state = State::Done;
            return match cut {
                Cut::Eof => None,
                Cut::Failed(err) => Some(Err(err)),
            };
        }
        if self.attempts >= self.policy.max_attempts {
            self.state = State::Done;
            let last_error = match cut {
                Cut::Eof => "the server ended the stream".to_owned(),
                Cut::Failed(err) => err.to_string(),
            };
            return Some(Err(StreamError::Exhausted {
                attempts: self.attempts,
                last_error,
            }));
        }
        self.attempts += 1;
        let delay = self.policy.delay(self.attempts, self.decoder.retry());
        self.state = State::Waiting(Box::pin(tokio::time::sleep(delay)));
        None
    }

    /// Checks a reconnect's response: an event stream to read, or the reason it is not.
    fn connected(&mut self, response: reqwest::Response) -> Option<Result<Event<T>, StreamError>> {
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let is_event_stream = content_type.as_deref().is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/event-stream"))
        });
        if status == reqwest::StatusCode::NO_CONTENT {
            // The spec's way for a server to say "stop reconnecting".
            self.state = State::Done;
        } else if status.is_success() && is_event_stream {
            self.state = State::Reading(response.bytes_stream().boxed());
        } else {
            self.state = State::Refused(
                async move {
                    let body = bounded_text(response).await;
                    StreamError::Reconnect {
                        status: status.as_u16(),
                        content_type,
                        body,
                    }
                }
                .boxed(),
            );
        }
        None
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<Event<T>, StreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(raw) = this.decoder.next_event() {
                // Progress is a complete event: a server that keeps cutting inside one event
                // must not reset the count forever.
                this.attempts = 0;
                this.last_id.clone_from(&raw.id);
                return Poll::Ready(Some(this.convert(raw)));
            }
            let item = match &mut this.state {
                State::Reading(body) => match body.poll_next_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Some(Ok(bytes))) => {
                        if !bytes.is_empty() {
                            this.decoder.push(&bytes);
                        }
                        None
                    }
                    Poll::Ready(Some(Err(err))) => this.cut(Cut::Failed(err.into())),
                    Poll::Ready(None) if this.policy.reconnect_on_eof => this.cut(Cut::Eof),
                    Poll::Ready(None) => {
                        this.decoder.finish();
                        this.last_id = this.decoder.last_event_id().map(str::to_owned);
                        this.state = State::Done;
                        None
                    }
                },
                State::Waiting(sleep) => match sleep.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) => {
                        // `cut` only schedules a wait when a closure is present.
                        if let Some(reconnect) = this.reconnect.as_mut() {
                            this.state = State::Connecting(reconnect(this.last_id.clone()));
                        } else {
                            this.state = State::Done;
                        }
                        None
                    }
                },
                State::Connecting(connect) => match connect.poll_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(response)) => this.connected(response),
                    Poll::Ready(Err(err @ StreamError::Transport(_))) => this.cut(Cut::Failed(err)),
                    Poll::Ready(Err(err)) => {
                        this.state = State::Done;
                        Some(Err(err))
                    }
                },
                State::Refused(refusal) => match refusal.poll_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(err) => {
                        this.state = State::Done;
                        Some(Err(err))
                    }
                },
                State::Done => return Poll::Ready(None),
            };
            if let Some(item) = item {
                return Poll::Ready(Some(item));
            }
        }
    }
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Reading(_) => "reading",
            State::Waiting(_) => "waiting to reconnect",
            State::Connecting(_) => "reconnecting",
            State::Refused(_) => "reconnect refused",
            State::Done => "done",
        };
        f.debug_struct("EventStream")
            .field("state", &state)
            .field("last_event_id", &self.last_id)
            .field("attempts", &self.attempts)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn decode_json<T: DeserializeOwned>(data: String) -> Result<T, (String, String)> {
    serde_json::from_str(&data).map_err(|err| (data, err.to_string()))
}

/// The start of a response body as text, for an error message.
async fn bounded_text(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = ERROR_BODY_LIMIT - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= ERROR_BODY_LIMIT {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_server_retry_and_caps() {
        let policy = ReconnectPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            reconnect_on_eof: false,
        };
        let delays: Vec<_> = (1..=6).map(|n| policy.delay(n, None).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        let server = Some(Duration::from_millis(300));
        assert_eq!(policy.delay(1, server), Duration::from_millis(300));
        assert_eq!(policy.delay(2, server), Duration::from_millis(600));
        assert_eq!(policy.delay(u32::MAX, server), Duration::from_secs(1));
    }

    #[test]
    fn decode_error_keeps_the_evidence() {
        let err = StreamError::Decode {
            raw: "{".into(),
            event: Some("delta".into()),
            id: Some("3".into()),
            message: "EOF while parsing".into(),
        };
        assert_eq!(
            err.to_string(),
            "could not decode event `delta` (after id `3`): EOF while parsing"
        );
    }
}
