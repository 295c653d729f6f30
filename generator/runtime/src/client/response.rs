//! Reading response bodies into the shapes generated code returns: typed JSON, text, bytes, a
//! byte stream for downloads, typed API errors, and status + headers alongside a value
//! ([`WithInfo`]). Tests: `tests/client.rs` (`read_*`, `byte_stream_*`, `with_info_*`).

use bytes::{Bytes, BytesMut};
use futures::{Stream, TryStreamExt as _};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{Error, MAX_UNEXPECTED_BODY};

/// Reads the body as JSON into `T`.
///
/// An empty (or all-whitespace) body is read as JSON `null`, so a `204 No Content` or an empty
/// `200` decodes into `()` or `Option<T>` (as `None`); any other `T` gets a [`Error::Decode`]
/// saying the body was empty. (For a status documented without content, generated code should
/// not read the body at all: `()` refuses a body such as `{}`.) A body that does not match `T`
/// is an [`Error::Decode`] holding the raw bytes and serde's message with the path to the bad
/// value (``at `items[2].id`: invalid type…``).
///
/// ```no_run
/// # async fn demo(response: reqwest::Response) -> Result<(), oagen_rt::client::Error<()>> {
/// #[derive(serde::Deserialize)]
/// struct Pet { name: String }
///
/// let pet: Pet = oagen_rt::client::read_json(response).await?;
/// # Ok(()) }
/// ```
pub fn read_json<T: DeserializeOwned, E>(
    response: reqwest::Response,
) -> impl Future<Output = Result<T, Error<E>>> {
    let status = response.status();
    let mut chunks = response.bytes_stream();
    async move {
        let body = collect(&mut chunks, usize::MAX).await.whole()?;
        decode_json(status, body)
    }
}

/// The whole body, as `Response::bytes` reads it: the same chunks (from `bytes_stream`,
/// trailers skipped), one returned as it is, several joined. Reading stops at the first error,
/// or once `limit` bytes are in (the body is cut there): [`Collected`] keeps both.
///
/// The readers take the chunks out of the response before their future starts, and lend them
/// to this one: awaiting `bytes()`, a future keeps the whole response (status line, headers,
/// URL) until the body is read, and a future given the chunks by value keeps a second copy
/// beside its caller's. Generated methods hold these futures while they wait and are boxed;
/// kept small, the box stays below the size the allocator serves from its per-thread cache.
pub(crate) async fn collect<S>(chunks: &mut S, limit: usize) -> Collected
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    let mut first = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    let error = loop {
        let read = joined.as_ref().map_or(first.len(), BytesMut::len);
        if read >= limit {
            break None;
        }
        match chunks.try_next().await {
            Ok(Some(chunk)) if first.is_empty() && joined.is_none() => first = chunk,
            Ok(Some(chunk)) => joined
                .get_or_insert_with(|| BytesMut::from(&first[..]))
                .extend_from_slice(&chunk),
            Ok(None) => break None,
            Err(err) => break Some(err),
        }
    };
    let mut body = joined.map_or(first, BytesMut::freeze);
    if body.len() > limit {
        // Copied, not truncated: a cut body (an unexpected response's, kept in an error that
        // may live long) would keep the rest of its chunk allocated.
        body = Bytes::copy_from_slice(&body[..limit]);
    }
    Collected { body, error }
}

/// What [`collect`] read, and the error that stopped it early.
pub(crate) struct Collected {
    pub(crate) body: Bytes,
    pub(crate) error: Option<reqwest::Error>,
}

impl Collected {
    /// The body, or the error when there was one.
    fn whole<E>(self) -> Result<Bytes, Error<E>> {
        match self.error {
            None => Ok(self.body),
            Some(err) => Err(Error::from_reqwest(err)),
        }
    }
}

/// Decodes a JSON body already read; see [`read_json`].
///
/// ```
/// use bytes::Bytes;
/// use oagen_rt::client::{Error, decode_json};
/// use reqwest::StatusCode;
///
/// let n: u32 = decode_json::<_, ()>(StatusCode::OK, Bytes::from_static(b"7")).unwrap();
/// assert_eq!(n, 7);
/// let unit: () = decode_json::<_, ()>(StatusCode::NO_CONTENT, Bytes::new()).unwrap();
/// let err = decode_json::<Vec<u32>, ()>(StatusCode::OK, Bytes::from_static(b"[1,\"x\"]")).unwrap_err();
/// let Error::Decode { message, body, .. } = err else { panic!() };
/// assert!(message.starts_with("at `[1]`: invalid type: string \"x\""), "{message}");
/// assert_eq!(&body[..], b"[1,\"x\"]");
/// ```
pub fn decode_json<T: DeserializeOwned, E>(status: StatusCode, body: Bytes) -> Result<T, Error<E>> {
    let empty = body.iter().all(u8::is_ascii_whitespace);
    let text: &[u8] = if empty { b"null" } else { &body };
    // Tracking the path costs on every value, so it is paid only to explain a failure: the
    // same input fails the same way the second time.
    if let Ok(value) = serde_json::from_slice(text) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let result = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if empty {
                format!("expected a JSON body, got an empty one ({inner})")
            } else if path == "." {
                inner.to_string()
            } else {
                format!("at `{path}`: {inner}")
            }
        })
        .and_then(|value| {
            deserializer
                .end()
                .map(|()| value)
                .map_err(|err| err.to_string())
        });
    result.map_err(|message| Error::Decode {
        status,
        body,
        message,
    })
}

/// Reads the body as UTF-8 text; invalid UTF-8 is an [`Error::Decode`] with the raw bytes.
///
/// ```no_run
/// # async fn demo(response: reqwest::Response) -> Result<(), oagen_rt::client::Error<()>> {
/// let text: String = oagen_rt::client::read_text(response).await?;
/// # Ok(()) }
/// ```
pub fn read_text<E>(response: reqwest::Response) -> impl Future<Output = Result<String, Error<E>>> {
    let status = response.status();
    let mut chunks = response.bytes_stream();
    async move {
        let body = collect(&mut chunks, usize::MAX).await.whole()?;
        match std::str::from_utf8(&body) {
            Ok(text) => Ok(text.to_owned()),
            Err(err) => Err(Error::Decode {
                status,
                message: format!("body is not UTF-8: {err}"),
                body,
            }),
        }
    }
}

/// Reads the whole body. For large downloads use [`byte_stream`].
///
/// ```no_run
/// # async fn demo(response: reqwest::Response) -> Result<(), oagen_rt::client::Error<()>> {
/// let bytes: bytes::Bytes = oagen_rt::client::read_bytes(response).await?;
/// # Ok(()) }
/// ```
pub fn read_bytes<E>(response: reqwest::Response) -> impl Future<Output = Result<Bytes, Error<E>>> {
    let mut chunks = response.bytes_stream();
    async move { collect(&mut chunks, usize::MAX).await.whole() }
}

/// The body as a stream of chunks, never buffered whole: binary downloads go through here.
/// Pair it with [`Call::stream_response`](super::Call::stream_response) so the request
/// timeout does not cut a long download.
///
/// ```no_run
/// use futures::StreamExt as _;
///
/// # async fn demo(response: reqwest::Response) -> Result<(), oagen_rt::client::Error<()>> {
/// let mut chunks = std::pin::pin!(oagen_rt::client::byte_stream::<()>(response));
/// while let Some(chunk) = chunks.next().await {
///     let chunk = chunk?;
///     // write `chunk` somewhere
/// }
/// # Ok(()) }
/// ```
pub fn byte_stream<E>(response: reqwest::Response) -> impl Stream<Item = Result<Bytes, Error<E>>> {
    response.bytes_stream().map_err(Error::from_reqwest)
}

/// Reads a documented error response: decodes the JSON body as `T`, wraps it with `variant`
/// (usually a tuple variant of the operation's error enum) and returns [`Error::Api`]. If the
/// body does not decode the result is that [`Error::Decode`] instead.
///
/// ```no_run
/// # #[derive(Debug, serde::Deserialize)] struct Problem { title: String }
/// #[derive(Debug)]
/// enum CreateRunError { Conflict(Problem) }
///
/// # async fn demo(response: reqwest::Response) -> Result<(), oagen_rt::client::Error<CreateRunError>> {
/// match response.status().as_u16() {
///     409 => Err(oagen_rt::client::api_error(response, CreateRunError::Conflict).await),
///     _ => Err(oagen_rt::client::Error::unexpected(response).await),
/// }
/// # }
/// ```
pub fn api_error<T: DeserializeOwned, E>(
    response: reqwest::Response,
    variant: impl FnOnce(T) -> E,
) -> impl Future<Output = Error<E>> {
    let status = response.status();
    let headers = Box::new(response.headers().clone());
    let mut chunks = response.bytes_stream();
    async move {
        let body = collect(&mut chunks, usize::MAX).await;
        api_or_decode_error(status, headers, body, |status, body| {
            decode_json(status, body).map(variant)
        })
    }
}

/// How a generated `decode` reads a response, chosen from its status; see [`read_response`].
#[derive(Debug)]
pub enum Reading<T, E> {
    /// A documented success with a JSON body, read whole and decoded by the function into the
    /// operation's `…Ok` enum: `|status, body| decode_json(status, body).map(GetRunOk::Ok)`.
    Json(fn(StatusCode, Bytes) -> Result<T, Error<E>>),
    /// A documented success without a body: the value the function makes. The body is not
    /// read.
    Empty(fn() -> T),
    /// An error status.
    Error(ErrorBody<E>),
}

/// What an error status carries.
#[derive(Debug)]
pub enum ErrorBody<E> {
    /// A documented JSON body, read whole and decoded by the function into a variant of the
    /// operation's error enum: [`Error::Api`], or [`Error::Decode`] if it does not decode.
    Json(fn(StatusCode, Bytes) -> Result<E, Error<E>>),
    /// A documented response without a body: [`Error::Api`] with the variant the function
    /// makes. The body is not read.
    Empty(fn() -> E),
    /// A status the operation does not document: [`Error::UnexpectedStatus`], as
    /// [`Error::unexpected`] reads it.
    Unexpected,
}

/// Reads a response as `reading` says. A generated `decode` chooses the [`Reading`] from the
/// status (see [`decode_response!`](crate::decode_response)) and returns this future: one
/// small state machine for every status of an operation, instead of an `async` body holding
/// the response beside one future per documented status.
///
/// ```
/// use oagen_rt::client::{Error, ErrorBody, Reading, decode_json, read_response};
///
/// #[derive(Debug, PartialEq, serde::Deserialize)]
/// pub struct Run { id: u32 }
/// #[derive(Debug, PartialEq, serde::Deserialize)]
/// pub struct Problem { detail: String }
/// #[derive(Debug, PartialEq)]
/// pub enum GetRunOk { Ok(Run), NoContent }
/// #[derive(Debug, PartialEq)]
/// pub enum GetRunError { NotFound(Problem), Gone }
///
/// fn answer(status: u16, body: &'static str) -> reqwest::Response {
///     http::Response::builder().status(status).body(body).unwrap().into()
/// }
/// fn reading(status: u16) -> Reading<GetRunOk, GetRunError> {
///     match status {
///         200 => Reading::Json(|status, body| decode_json(status, body).map(GetRunOk::Ok)),
///         204 => Reading::Empty(|| GetRunOk::NoContent),
///         404 => Reading::Error(ErrorBody::Json(|status, body| {
///             decode_json(status, body).map(GetRunError::NotFound)
///         })),
///         410 => Reading::Error(ErrorBody::Empty(|| GetRunError::Gone)),
///         _ => Reading::Error(ErrorBody::Unexpected),
///     }
/// }
/// async fn decode(status: u16, body: &'static str) -> Result<GetRunOk, Error<GetRunError>> {
///     read_response(answer(status, body), reading(status)).await
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(decode(200, r#"{"id":7}"#).await.unwrap(), GetRunOk::Ok(Run { id: 7 }));
/// assert_eq!(decode(204, "").await.unwrap(), GetRunOk::NoContent);
/// let err = decode(404, r#"{"detail":"no run 7"}"#).await.unwrap_err();
/// assert_eq!(err.api_body(), Some(&GetRunError::NotFound(Problem { detail: "no run 7".into() })));
/// let err = decode(410, "ignored").await.unwrap_err();
/// assert_eq!(err.api_body(), Some(&GetRunError::Gone));
/// assert!(matches!(decode(404, "{}").await, Err(Error::Decode { .. })));
/// assert!(matches!(decode(200, "[]").await, Err(Error::Decode { .. })));
/// let err = decode(418, "teapot").await.unwrap_err();
/// assert!(matches!(err, Error::UnexpectedStatus { ref body, .. } if body == "teapot"));
/// # }
/// ```
pub fn read_response<T, E>(
    response: reqwest::Response,
    reading: Reading<T, E>,
) -> impl Future<Output = Result<T, Error<E>>> {
    let status = response.status();
    // Only an error keeps the headers: a success does not clone them.
    let plan = match reading {
        Reading::Json(decode) => Plan::Json(decode),
        Reading::Empty(value) => Plan::Empty(value),
        Reading::Error(body) => Plan::Error(Box::new(response.headers().clone()), body),
    };
    let mut chunks = response.bytes_stream();
    async move {
        match plan {
            Plan::Json(decode) => decode(status, collect(&mut chunks, usize::MAX).await.whole()?),
            Plan::Empty(value) => Ok(value()),
            Plan::Error(headers, body) => Err(read_error(status, headers, &mut chunks, body).await),
        }
    }
}

/// A [`Reading`] with the headers an error keeps.
enum Plan<T, E> {
    Json(fn(StatusCode, Bytes) -> Result<T, Error<E>>),
    Empty(fn() -> T),
    Error(Box<HeaderMap>, ErrorBody<E>),
}

/// The error an error response is, read as `body` says.
pub(crate) async fn read_error<E, S>(
    status: StatusCode,
    headers: Box<HeaderMap>,
    chunks: &mut S,
    body: ErrorBody<E>,
) -> Error<E>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    match body {
        ErrorBody::Json(decode) => {
            api_or_decode_error(status, headers, collect(chunks, usize::MAX).await, decode)
        }
        ErrorBody::Empty(value) => Error::Api {
            status,
            headers,
            body: Box::new(value()),
        },
        ErrorBody::Unexpected => Error::UnexpectedStatus {
            status,
            headers,
            body: collect(chunks, MAX_UNEXPECTED_BODY).await.body,
        },
    }
}

/// [`Error::Api`] with the body decoded by `decode`; the error if it was not read or does
/// not decode.
fn api_or_decode_error<E>(
    status: StatusCode,
    headers: Box<HeaderMap>,
    body: Collected,
    decode: impl FnOnce(StatusCode, Bytes) -> Result<E, Error<E>>,
) -> Error<E> {
    match body.whole().and_then(|body| decode(status, body)) {
        Ok(body) => Error::Api {
            status,
            headers,
            body: Box::new(body),
        },
        Err(err) => err,
    }
}

/// A value with the status and headers of the response it came from, for callers who need
/// rate-limit headers, ETags or request ids (what other SDKs call `with_http_info`).
///
/// Generated code captures the metadata before the body is consumed, then attaches the value:
///
/// ```no_run
/// use oagen_rt::client::{Error, WithInfo, read_json};
///
/// # async fn demo(response: reqwest::Response) -> Result<WithInfo<u64>, Error<()>> {
/// let info = WithInfo::of(&response);
/// let count: u64 = read_json(response).await?;
/// Ok(info.with_value(count))
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct WithInfo<T> {
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The decoded value.
    pub value: T,
}

impl WithInfo<()> {
    /// Captures the status and headers of a response (the headers are cloned).
    ///
    /// ```
    /// let response = reqwest::Response::from(http::Response::new(""));
    /// let info = oagen_rt::client::WithInfo::of(&response);
    /// assert_eq!(info.status, reqwest::StatusCode::OK);
    /// ```
    pub fn of(response: &reqwest::Response) -> Self {
        WithInfo {
            status: response.status(),
            headers: response.headers().clone(),
            value: (),
        }
    }
}

impl<T> WithInfo<T> {
    /// Puts `value` in place of the current one.
    ///
    /// ```
    /// let info = oagen_rt::client::WithInfo::of(&reqwest::Response::from(http::Response::new("")));
    /// assert_eq!(info.with_value(5).value, 5);
    /// ```
    pub fn with_value<U>(self, value: U) -> WithInfo<U> {
        WithInfo {
            status: self.status,
            headers: self.headers,
            value,
        }
    }

    /// Transforms the value, keeping the metadata.
    ///
    /// ```
    /// let info = oagen_rt::client::WithInfo::of(&reqwest::Response::from(http::Response::new("")));
    /// assert_eq!(info.with_value(2).map(|n| n * 10).value, 20);
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> WithInfo<U> {
        WithInfo {
            status: self.status,
            headers: self.headers,
            value: f(self.value),
        }
    }

    /// Drops the metadata.
    ///
    /// ```
    /// let info = oagen_rt::client::WithInfo::of(&reqwest::Response::from(http::Response::new("")));
    /// assert_eq!(info.with_value("v").into_value(), "v");
    /// ```
    pub fn into_value(self) -> T {
        self.value
    }
}

/// A response header the spec declares, decoded in the simple style: `None` when absent; a
/// value that does not decode is an [`Error::Decode`] naming the header.
///
/// ```
/// use oagen_rt::ValueKind;
/// use oagen_rt::client::{Error, response_header};
///
/// let response: reqwest::Response = http::Response::builder()
///     .header("Retry-After", "7")
///     .body("")
///     .unwrap()
///     .into();
/// let wait: Option<u64> = response_header::<_, ()>(&response, "Retry-After", ValueKind::Scalar).unwrap();
/// assert_eq!(wait, Some(7));
/// let missing: Option<String> = response_header::<_, ()>(&response, "Location", ValueKind::Scalar).unwrap();
/// assert_eq!(missing, None);
/// let bad = response_header::<bool, ()>(&response, "Retry-After", ValueKind::Scalar);
/// assert!(bad.unwrap_err().to_string().contains("Retry-After"));
/// ```
pub fn response_header<T: DeserializeOwned, E>(
    response: &reqwest::Response,
    name: &str,
    kind: crate::ValueKind,
) -> Result<Option<T>, Error<E>> {
    let Some(value) = response.headers().get(name) else {
        return Ok(None);
    };
    let decoded = value.to_str().map_err(|e| e.to_string()).and_then(|raw| {
        crate::wire::decode_simple::<T>(name, raw, false, kind).map_err(|e| e.to_string())
    });
    match decoded {
        Ok(v) => Ok(Some(v)),
        Err(message) => Err(Error::Decode {
            status: response.status(),
            body: Bytes::new(),
            message: format!("response header `{name}`: {message}"),
        }),
    }
}

/// Like [`response_header`], for a header the spec marks required: its absence is an
/// [`Error::Decode`] too.
///
/// ```
/// use oagen_rt::ValueKind;
/// use oagen_rt::client::required_response_header;
///
/// let response: reqwest::Response = http::Response::builder().body("").unwrap().into();
/// let missing = required_response_header::<String, ()>(&response, "Location", ValueKind::Scalar);
/// assert!(missing.unwrap_err().to_string().contains("Location"));
/// ```
pub fn required_response_header<T: DeserializeOwned, E>(
    response: &reqwest::Response,
    name: &str,
    kind: crate::ValueKind,
) -> Result<T, Error<E>> {
    response_header(response, name, kind)?.ok_or_else(|| Error::Decode {
        status: response.status(),
        body: Bytes::new(),
        message: format!("required response header `{name}` is missing"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = reqwest::Result<Bytes>> + Unpin {
        futures::stream::iter(
            parts
                .iter()
                .map(|part| Ok(Bytes::from_static(part.as_bytes()))),
        )
    }

    #[test]
    fn collect_joins_chunks_like_bytes_does() {
        let collected = |parts: &[&'static str], limit| {
            let Collected { body, error } =
                futures::executor::block_on(collect(&mut chunks(parts), limit));
            assert!(error.is_none());
            body
        };
        assert_eq!(collected(&[], usize::MAX), "");
        assert_eq!(collected(&["{\"a\":1}"], usize::MAX), "{\"a\":1}");
        assert_eq!(collected(&["{\"a\"", ":", "1}"], usize::MAX), "{\"a\":1}");
        assert_eq!(collected(&["", "x", ""], usize::MAX), "x");
        // Stops once the limit is in, and cuts the body there.
        assert_eq!(collected(&["ab", "cd", "ef"], 3), "abc");
        assert_eq!(collected(&["abcdef"], 3), "abc");
        assert_eq!(collected(&["ab", "cd"], 4), "abcd");
        // A cut body holds only what it keeps.
        let cut = collected(&["abcdef"], 3)
            .try_into_mut()
            .expect("a body of its own");
        assert_eq!(cut.capacity(), 3);
    }
}
