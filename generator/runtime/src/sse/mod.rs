//! Server-sent events (`text/event-stream`), both halves.
//!
//! - [`parse`] (always on): the incremental WHATWG decoder [`SseDecoder`] and the matching
//!   encoder [`write_event`]. Both halves use this one pair, so whatever the server frames
//!   the client reads back unchanged (STYLE §6 pitfall 11).
//! - `client` (feature `client`): [`EventStream`], a typed stream over a reqwest response that
//!   reconnects after a cut and resumes from the last event id.
//! - `server` (feature `server`): [`ServerEvent`], [`ServerEvents`] and [`sse_response`], which
//!   frame a stream of events as an axum response with keep-alive comments.
//!
//! The wire format is the one in the HTML Living Standard, "Server-sent events", §9.2.6
//! ("Interpreting an event stream"). Tests: unit tests in each file; the client ↔ server round
//! trip across connection cuts is in `tests/server.rs`.

pub mod parse;

#[cfg(feature = "client")]
mod client;
#[cfg(any(feature = "client", feature = "server"))]
mod events;
#[cfg(feature = "server")]
pub(crate) mod server;

pub use parse::{RawEvent, SseDecoder, write_comment, write_event};

#[cfg(feature = "client")]
pub use client::{EventStream, ReconnectFn, ReconnectFuture, ReconnectPolicy};
#[cfg(any(feature = "client", feature = "server"))]
pub use events::{Envelope, Event, Events, StreamError};
#[cfg(feature = "server")]
pub use server::{ServerEvent, ServerEvents, last_event_id, sse_response};
