//! What both halves of a generated crate share for an event-stream operation: [`Event`],
//! [`StreamError`] and [`Events`], the stream a generated `Ok` variant holds.
//!
//! On the client, [`Events`] wraps the resumable [`EventStream`](super::EventStream); on the
//! server, the implementation builds one from any stream of events with [`Events::from_events`]
//! and the router frames it (see `ApiResponse for Events`).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::{BoxStream, Stream, StreamExt};

/// One event received from the server, its `data` decoded.
///
/// ```
/// use oagen_rt::sse::Event;
///
/// let event = Event { id: Some("7".to_owned()), event: None, retry: None, data: 42_u32 };
/// assert_eq!(event.data, 42);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event<T> {
    /// The stream's last event id when this event arrived (the `id` field, persisting).
    pub id: Option<String>,
    /// The `event` field (the event type), `None` for the default `message`.
    pub event: Option<String>,
    /// A `retry` field sent with this event.
    pub retry: Option<Duration>,
    /// The decoded `data` field.
    pub data: T,
}

/// Why an [`EventStream`] yielded an error.
///
/// ```
/// use oagen_rt::sse::StreamError;
///
/// let err = StreamError::Reconnect { status: 503, content_type: None, body: "busy".into() };
/// assert_eq!(err.to_string(), "reconnect refused with status 503: busy");
/// ```
#[derive(Debug)]
pub enum StreamError {
    /// The connection failed and no reconnect was allowed (the policy's `max_attempts` is 0).
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// An event's `data` is not valid JSON for the expected type. The stream goes on.
    Decode {
        /// The `data` as received.
        raw: String,
        /// The event type.
        event: Option<String>,
        /// The event id.
        id: Option<String>,
        /// What the decoder said.
        message: String,
    },
    /// A reconnect was answered with a non-2xx status or a body that is not an event stream.
    /// The stream ends.
    Reconnect {
        /// The HTTP status.
        status: u16,
        /// The response's `content-type`, if any.
        content_type: Option<String>,
        /// The start of the response body (at most 8 KiB), decoded lossily.
        body: String,
    },
    /// Every reconnect attempt the policy allows has failed. The stream ends.
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// What went wrong last.
        last_error: String,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(err) => write!(f, "event stream transport error: {err}"),
            Self::Decode {
                event, id, message, ..
            } => {
                write!(f, "could not decode event")?;
                if let Some(event) = event {
                    write!(f, " `{event}`")?;
                }
                if let Some(id) = id {
                    write!(f, " (after id `{id}`)")?;
                }
                write!(f, ": {message}")
            }
            Self::Reconnect { status, body, .. } => {
                write!(f, "reconnect refused with status {status}")?;
                if !body.is_empty() {
                    write!(f, ": {body}")?;
                }
                Ok(())
            }
            Self::Exhausted {
                attempts,
                last_error,
            } => write!(
                f,
                "event stream gave up after {attempts} reconnect attempts: {last_error}"
            ),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(err) => Some(&**err),
            _ => None,
        }
    }
}

/// Where the SSE fields live in an event type that describes the whole frame rather than only
/// its `data`, as some specs write it (the Agent Connect Protocol's `RunOutputStream` is
/// `{id, event, data}`). Values are property names; `data` holds the decoded `data:` field.
///
/// ```
/// use oagen_rt::sse::Envelope;
///
/// const FRAME: Envelope = Envelope { id: Some("id"), event: Some("event"), retry: None, data: "data" };
/// let value = FRAME.wrap(Some("7"), Some("agent_event"), None, r#"{"n":1}"#);
/// assert_eq!(value, serde_json::json!({"id": "7", "event": "agent_event", "data": {"n": 1}}));
/// let (id, event, _, data) = FRAME.split(value);
/// assert_eq!((id.as_deref(), event.as_deref()), (Some("7"), Some("agent_event")));
/// assert_eq!(data, serde_json::json!({"n": 1}));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub id: Option<&'static str>,
    pub event: Option<&'static str>,
    pub retry: Option<&'static str>,
    pub data: &'static str,
}

impl Envelope {
    /// The envelope's JSON for a received frame; `data` is parsed as JSON when it is JSON.
    pub fn wrap(
        &self,
        id: Option<&str>,
        event: Option<&str>,
        retry: Option<Duration>,
        data: &str,
    ) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        if let (Some(key), Some(id)) = (self.id, id) {
            map.insert(key.to_owned(), id.into());
        }
        if let (Some(key), Some(event)) = (self.event, event) {
            map.insert(key.to_owned(), event.into());
        }
        if let (Some(key), Some(retry)) = (self.retry, retry) {
            let millis = u64::try_from(retry.as_millis()).unwrap_or(u64::MAX);
            map.insert(key.to_owned(), millis.into());
        }
        let data = serde_json::from_str(data)
            .unwrap_or_else(|_| serde_json::Value::String(data.to_owned()));
        map.insert(self.data.to_owned(), data);
        serde_json::Value::Object(map)
    }

    /// An envelope's JSON split into the frame's id, event, retry and data.
    pub fn split(
        &self,
        value: serde_json::Value,
    ) -> (
        Option<String>,
        Option<String>,
        Option<Duration>,
        serde_json::Value,
    ) {
        let serde_json::Value::Object(mut map) = value else {
            return (None, None, None, value);
        };
        let text = |v: serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
        let id = self.id.and_then(|k| map.remove(k)).and_then(text);
        let event = self.event.and_then(|k| map.remove(k)).and_then(text);
        let retry = self
            .retry
            .and_then(|k| map.remove(k))
            .and_then(|v| v.as_u64())
            .map(Duration::from_millis);
        let data = map.remove(self.data).unwrap_or(serde_json::Value::Null);
        (id, event, retry, data)
    }
}

/// The events of one event-stream response, typed: what generated operations return.
///
/// ```
/// use futures::StreamExt;
/// use oagen_rt::sse::{Event, Events};
///
/// # futures::executor::block_on(async {
/// let mut events = Events::from_events(futures::stream::iter(vec![Event::new(1_u8).with_id("a")]));
/// let first = events.next().await;
/// assert!(matches!(first, Some(Ok(Event { data: 1, .. }))));
/// # });
/// ```
pub struct Events<T> {
    inner: BoxStream<'static, Result<Event<T>, StreamError>>,
    envelope: Option<Envelope>,
}

impl<T: Send + 'static> Events<T> {
    /// Wraps a stream that may yield errors (what a client receives).
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<Event<T>, StreamError>> + Send + 'static,
    {
        Events {
            inner: stream.boxed(),
            envelope: None,
        }
    }

    /// Wraps a stream of events (what a server implementation produces).
    pub fn from_events<S>(stream: S) -> Self
    where
        S: Stream<Item = Event<T>> + Send + 'static,
    {
        Events {
            inner: stream.map(Ok).boxed(),
            envelope: None,
        }
    }

    /// Frames each event's data as an [`Envelope`] when serving: its `id`/`event`/`retry`
    /// properties become the SSE fields and its `data` property the `data:` line.
    #[must_use]
    pub fn enveloped(mut self, envelope: Envelope) -> Self {
        self.envelope = Some(envelope);
        self
    }
}

impl<T> Event<T> {
    /// An event with only data.
    ///
    /// ```
    /// let event = oagen_rt::sse::Event::new("hi").with_id("1").with_event("message");
    /// assert_eq!(event.id.as_deref(), Some("1"));
    /// ```
    pub fn new(data: T) -> Self {
        Event {
            id: None,
            event: None,
            retry: None,
            data,
        }
    }

    /// Sets the event id (what a client resumes from).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the event type (the SSE `event` field).
    #[must_use]
    pub fn with_event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// Sets the reconnection delay the client should use.
    #[must_use]
    pub fn with_retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }
}

impl<T> Stream for Events<T> {
    type Item = Result<Event<T>, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<T> fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

#[cfg(feature = "client")]
impl<T: serde::de::DeserializeOwned + Send + 'static> From<super::EventStream<T>> for Events<T> {
    fn from(stream: super::EventStream<T>) -> Self {
        Events::new(stream)
    }
}

#[cfg(feature = "server")]
impl<T: serde::Serialize + Send + 'static> crate::server::ApiResponse for Events<T> {
    /// Frames the events as `text/event-stream`; an error item ends the stream (the client
    /// sees a cut and resumes from the last id it received).
    fn into_api_response(self) -> axum::response::Response {
        let envelope = self.envelope;
        let events = self.inner.map(move |item| {
            let e = item.map_err(|err| err.to_string())?;
            let mut out = match envelope {
                None => super::ServerEvent::new(
                    serde_json::to_value(e.data).map_err(|err| err.to_string())?,
                ),
                Some(envelope) => {
                    let value = serde_json::to_value(e.data).map_err(|err| err.to_string())?;
                    let (id, event, retry, data) = envelope.split(value);
                    let mut out = super::ServerEvent::new(data);
                    out.id = id;
                    out.event = event;
                    out.retry = retry;
                    out
                }
            };
            out.id = e.id.or(out.id);
            out.event = e.event.or(out.event);
            out.retry = e.retry.or(out.retry);
            Ok(out)
        });
        super::server::sse_response_fallible(events, Some(super::server::DEFAULT_KEEP_ALIVE))
    }
}
