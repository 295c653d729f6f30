//! The `text/event-stream` wire format: an incremental decoder and the matching encoder.
//!
//! Input → output: bytes as they arrive, split anywhere → [`RawEvent`]s in order; and event
//! fields → framed text. No feature needed, no I/O, no async: the client and server halves
//! wrap these.
//!
//! The decoder follows the HTML Living Standard, §9.2.6 "Interpreting an event stream":
//! - lines end in CR, LF or CRLF, and a CRLF split across two chunks is one line end;
//! - a UTF-8 byte order mark at the start of the stream is skipped;
//! - a line starting with `:` is a comment (servers send them as keep-alives);
//! - `field: value` loses one leading space of the value, and `field` alone has an empty value;
//! - `data` lines are joined with `\n`; a blank line dispatches the event, unless no `data`
//!   was seen, in which case only the last event id is committed;
//! - an `id` containing NUL is ignored, `retry` is used only if it is all ASCII digits, unknown
//!   fields are ignored;
//! - the last event id persists across events: each event carries the stream's current one;
//! - an event still incomplete at the end of the stream is discarded ([`SseDecoder::finish`]).
//!
//! Invalid UTF-8 is decoded lossily, line by line. Because CR and LF never occur inside a
//! multi-byte sequence, this gives the same text as decoding the whole stream first.
//!
//! Invariant: an event's `id` is only ever the id of a *complete* event. An `id:` line read in
//! an event that is then cut off by the end of the stream is rolled back by `finish`, so a
//! client resuming from [`SseDecoder::last_event_id`] never skips the cut event.
//!
//! Tests: below, one per rule, plus a property test that chunking does not change the result.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::Duration;

/// The UTF-8 byte order mark, skipped at the start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event, as read from the wire, before its `data` is decoded.
///
/// ```
/// use oagen_rt::sse::SseDecoder;
///
/// let events = SseDecoder::decode_all(b"id: 7\nevent: tick\ndata: {\"n\":1}\n\n");
/// assert_eq!(events[0].id.as_deref(), Some("7"));
/// assert_eq!(events[0].event.as_deref(), Some("tick"));
/// assert_eq!(events[0].data, "{\"n\":1}");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawEvent {
    /// The stream's last event id when this event was dispatched (`None` if none was set, or
    /// it was reset with an empty `id:` line).
    pub id: Option<String>,
    /// The `event` field; `None` when absent or empty (the spec's default type `message`).
    pub event: Option<String>,
    /// The `data` lines joined with `\n`.
    pub data: String,
    /// A `retry` field (milliseconds) read in this event's block, if any.
    pub retry: Option<u64>,
}

/// An incremental `text/event-stream` decoder.
///
/// Feed it bytes with [`push`](Self::push) as they arrive, in chunks split anywhere, and take
/// complete events with [`next_event`](Self::next_event). Call [`finish`](Self::finish) when
/// the connection ends; the decoder can then be fed the next connection of the same stream,
/// keeping the last event id and retry delay.
///
/// ```
/// use oagen_rt::sse::SseDecoder;
///
/// let mut decoder = SseDecoder::new();
/// decoder.push(b"data: hel");
/// assert!(decoder.next_event().is_none());
/// decoder.push(b"lo\r");
/// decoder.push(b"\n\r\n");
/// assert_eq!(decoder.next_event().map(|e| e.data).as_deref(), Some("hello"));
/// assert!(decoder.next_event().is_none());
/// ```
#[derive(Clone, Debug, Default)]
pub struct SseDecoder {
    /// Bytes of a line whose end has not arrived yet (at the start of the stream: the bytes
    /// that may still turn out to be a BOM).
    line: Vec<u8>,
    /// The last byte seen was a CR ending a line: a LF next is part of the same line end.
    after_cr: bool,
    /// False until the BOM check at the start of the stream is done.
    started: bool,
    /// The spec's data buffer: each `data` value followed by `\n`.
    data: String,
    /// The spec's event type buffer.
    event: String,
    /// The spec's last event ID buffer, set by `id` lines as they are read.
    id_buffer: String,
    /// The last event id committed by a blank line: what events carry and a resume uses.
    last_id: String,
    /// A `retry` read in the current block.
    block_retry: Option<u64>,
    /// The latest valid `retry` of the whole stream.
    retry: Option<u64>,
    /// Dispatched events not yet taken.
    ready: VecDeque<RawEvent>,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    ///
    /// ```
    /// let decoder = oagen_rt::sse::SseDecoder::new();
    /// assert_eq!(decoder.last_event_id(), None);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes a whole stream at once: push, finish, and collect every event.
    ///
    /// ```
    /// let events = oagen_rt::sse::SseDecoder::decode_all(b"data: a\n\ndata: b\n");
    /// assert_eq!(events.len(), 1); // the second event never ended
    /// ```
    #[must_use]
    pub fn decode_all(bytes: &[u8]) -> Vec<RawEvent> {
        let mut decoder = Self::new();
        decoder.push(bytes);
        decoder.finish();
        decoder.events().collect()
    }

    /// Feeds the next bytes of the stream. Complete events become available from
    /// [`next_event`](Self::next_event).
    ///
    /// ```
    /// let mut decoder = oagen_rt::sse::SseDecoder::new();
    /// decoder.push("data: caf\u{e9}\n\n".as_bytes());
    /// assert_eq!(decoder.next_event().map(|e| e.data).as_deref(), Some("café"));
    /// ```
    pub fn push(&mut self, chunk: &[u8]) {
        if self.started {
            self.feed(chunk);
            return;
        }
        // Gather up to three bytes to tell whether the stream opens with a BOM; it may itself
        // arrive split across chunks.
        self.line.extend_from_slice(chunk);
        if self.line.len() < BOM.len() && BOM.starts_with(&self.line) {
            return;
        }
        self.started = true;
        let pending = std::mem::take(&mut self.line);
        let skip = if pending.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        self.feed(&pending[skip..]);
    }

    /// Takes the next complete event, if one is ready.
    ///
    /// ```
    /// let mut decoder = oagen_rt::sse::SseDecoder::new();
    /// decoder.push(b"data: 1\n\ndata: 2\n\n");
    /// assert_eq!(decoder.next_event().map(|e| e.data).as_deref(), Some("1"));
    /// assert_eq!(decoder.next_event().map(|e| e.data).as_deref(), Some("2"));
    /// assert_eq!(decoder.next_event(), None);
    /// ```
    pub fn next_event(&mut self) -> Option<RawEvent> {
        self.ready.pop_front()
    }

    /// Drains the complete events ready now.
    ///
    /// ```
    /// let mut decoder = oagen_rt::sse::SseDecoder::new();
    /// decoder.push(b"data: 1\n\ndata: 2\n\n");
    /// assert_eq!(decoder.events().count(), 2);
    /// ```
    pub fn events(&mut self) -> impl Iterator<Item = RawEvent> + '_ {
        std::iter::from_fn(|| self.next_event())
    }

    /// Ends the current connection: an incomplete line or event is discarded (and an `id`
    /// read in it rolled back). Events already complete stay available. The last event id
    /// and the retry delay are kept, so the same decoder can read the next connection,
    /// which may again open with a BOM.
    ///
    /// ```
    /// let mut decoder = oagen_rt::sse::SseDecoder::new();
    /// decoder.push(b"id: 1\ndata: a\n\nid: 2\ndata: cut off");
    /// decoder.finish();
    /// assert_eq!(decoder.events().count(), 1);
    /// assert_eq!(decoder.last_event_id(), Some("1"));
    /// ```
    pub fn finish(&mut self) {
        self.line.clear();
        self.after_cr = false;
        self.started = false;
        self.data.clear();
        self.event.clear();
        self.block_retry = None;
        self.id_buffer.clone_from(&self.last_id);
    }

    /// The last event id committed by a complete event block, which is what a reconnecting
    /// client sends as `Last-Event-ID`. `None` when unset or reset by an empty `id:`.
    ///
    /// ```
    /// let mut decoder = oagen_rt::sse::SseDecoder::new();
    /// decoder.push(b"id: 41\n\n"); // no data: nothing dispatched, but the id counts
    /// assert_eq!(decoder.last_event_id(), Some("41"));
    /// ```
    #[must_use]
    pub fn last_event_id(&self) -> Option<&str> {
        (!self.last_id.is_empty()).then_some(self.last_id.as_str())
    }

    /// Sets the last event id, as when a stream is resumed from an id kept from earlier.
    /// An empty id means none. Any `id:` read since the last blank line is dropped.
    ///
    /// ```
    /// let mut decoder = oagen_rt::sse::SseDecoder::new();
    /// decoder.set_last_event_id("41");
    /// decoder.push(b"data: a\n\n");
    /// assert_eq!(decoder.next_event().and_then(|e| e.id).as_deref(), Some("41"));
    /// ```
    pub fn set_last_event_id(&mut self, id: &str) {
        self.last_id.clear();
        self.last_id.push_str(id);
        self.id_buffer.clone_from(&self.last_id);
    }

    /// The latest reconnection delay the server asked for with `retry:`.
    ///
    /// ```
    /// let mut decoder = oagen_rt::sse::SseDecoder::new();
    /// decoder.push(b"retry: 1500\n\n");
    /// assert_eq!(decoder.retry(), Some(std::time::Duration::from_millis(1500)));
    /// ```
    #[must_use]
    pub fn retry(&self) -> Option<Duration> {
        self.retry.map(Duration::from_millis)
    }

    /// Splits `input` into lines, carrying an unfinished line over in `self.line`.
    fn feed(&mut self, mut input: &[u8]) {
        // An empty chunk must not clear `after_cr`: the LF may be in the chunk after it.
        if input.is_empty() {
            return;
        }
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = input.strip_prefix(b"\n") {
                input = rest;
            }
        }
        while let Some(end) = memchr::memchr2(b'\r', b'\n', input) {
            if self.line.is_empty() {
                self.line_done(&input[..end]);
            } else {
                // Take the buffer out so the line can be borrowed while `self` is mutated,
                // then put it back to keep its allocation.
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&input[..end]);
                self.line_done(&line);
                line.clear();
                self.line = line;
            }
            let mut next = end + 1;
            if input[end] == b'\r' {
                match input.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            input = &input[next..];
        }
        self.line.extend_from_slice(input);
    }

    /// Interprets one complete line (without its line end).
    fn line_done(&mut self, line: &[u8]) {
        if line.is_empty() {
            self.dispatch();
            return;
        }
        let (name, value) = match memchr::memchr(b':', line) {
            Some(0) => return, // a comment
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"data" => {
                self.data.push_str(&lossy(value));
                self.data.push('\n');
            }
            b"event" => {
                self.event.clear();
                self.event.push_str(&lossy(value));
            }
            b"id" if memchr::memchr(0, value).is_none() => {
                self.id_buffer.clear();
                self.id_buffer.push_str(&lossy(value));
            }
            // Only all-digit values count; of those, only an overflowing one fails to parse.
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                if let Ok(ms) = lossy(value).parse::<u64>() {
                    self.retry = Some(ms);
                    self.block_retry = Some(ms);
                }
            }
            _ => {}
        }
    }

    /// A blank line: commit the id, and dispatch the event if it has data.
    fn dispatch(&mut self) {
        if self.last_id != self.id_buffer {
            self.last_id.clone_from(&self.id_buffer);
        }
        if self.data.is_empty() {
            self.event.clear();
            self.block_retry = None;
            return;
        }
        self.data.pop(); // the `\n` after the last data line
        let event = (!self.event.is_empty()).then(|| std::mem::take(&mut self.event));
        self.event.clear();
        self.ready.push_back(RawEvent {
            id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
            event,
            data: std::mem::take(&mut self.data),
            retry: self.block_retry.take(),
        });
    }
}

fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Appends one framed event to `out`: `id`, `event`, `retry` and `data` lines, then a blank
/// line. `data` is split at CR, LF and CRLF, one `data:` line each, so it reads back exactly
/// (except that CRLF and CR come back as LF). Line breaks cannot be carried in `id` or
/// `event`, so they are removed from those; an `id` containing NUL is ignored by readers.
///
/// ```
/// use oagen_rt::sse::{SseDecoder, write_event};
///
/// let mut out = String::new();
/// write_event(&mut out, Some("9"), Some("delta"), None, "line 1\nline 2");
/// assert_eq!(out, "id: 9\nevent: delta\ndata: line 1\ndata: line 2\n\n");
/// let back = SseDecoder::decode_all(out.as_bytes());
/// assert_eq!(back[0].data, "line 1\nline 2");
/// ```
pub fn write_event(
    out: &mut String,
    id: Option<&str>,
    event: Option<&str>,
    retry: Option<Duration>,
    data: &str,
) {
    if let Some(id) = id {
        write_single_line(out, "id", id);
    }
    if let Some(event) = event {
        write_single_line(out, "event", event);
    }
    if let Some(retry) = retry {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "retry: {}", retry.as_millis());
    }
    let mut rest = data;
    loop {
        let end = memchr::memchr2(b'\r', b'\n', rest.as_bytes()).unwrap_or(rest.len());
        out.push_str("data: ");
        out.push_str(&rest[..end]);
        out.push('\n');
        if end == rest.len() {
            break;
        }
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    out.push('\n');
}

/// Appends a comment to `out`, one `:` line per line of `text`. Readers ignore comments;
/// servers send them to keep idle connections open.
///
/// ```
/// let mut out = String::new();
/// oagen_rt::sse::write_comment(&mut out, "keep-alive");
/// assert_eq!(out, ": keep-alive\n");
/// assert!(oagen_rt::sse::SseDecoder::decode_all(out.as_bytes()).is_empty());
/// ```
pub fn write_comment(out: &mut String, text: &str) {
    for line in text.split(['\r', '\n']) {
        out.push_str(": ");
        out.push_str(line);
        out.push('\n');
    }
}

/// `name: value\n`, with any CR or LF dropped from `value`.
fn write_single_line(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str(": ");
    if value.contains(['\r', '\n']) {
        out.extend(value.chars().filter(|c| !matches!(c, '\r' | '\n')));
    } else {
        out.push_str(value);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests;
