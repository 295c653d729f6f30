//! One operation call: parameters, body, security and options are collected by [`Call`], then
//! [`Call::send`] checks and builds the request and sends it, with retries, until it has a
//! response to return or an error. It is the per-request cost of a generated client, kept
//! close to a request written by hand with reqwest (`benches/benches/client.rs`): the base URL
//! is parsed once per client, each attempt builds its URL and headers and moves them into the
//! request (a retry builds them again from the same parts), and the futures stay small enough
//! to box cheaply.
//!
//! Invariants: nothing is sent when any parameter, header or body failed to encode (the first
//! problem becomes [`Error::InvalidRequest`]); a retry sends the same bytes again, so only
//! bodies that can be rebuilt are retried; the path sent is the path built (dot segments are
//! refused, see [`encode_path_segment`](crate::wire::encode_path_segment)). Tests:
//! `tests/client.rs`.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Request, RequestBuilder, Response, Url};
use serde::Serialize;

use super::auth::{self, AuthScheme, Security};
use super::config::Inner;
use super::options::{HeaderNames, Overrides};
use super::retry::{retry_after_body, retry_after_header, retryable_status};
use super::{ClientCore, Credential, Error, Multipart, RequestOptions, RetryPolicy};
use crate::wire::{self, ParamStyle};

/// A request being put together by generated code; made by [`ClientCore::call`].
///
/// Setters never fail on the spot: the first problem is kept and returned by [`send`](Self::send)
/// as [`Error::InvalidRequest`], so generated methods read as one chain.
///
/// ```no_run
/// use oagen_rt::ParamStyle;
/// use oagen_rt::client::{AuthKind, AuthScheme, ClientCore, Error, RequestOptions, read_json};
/// use oagen_rt::wire::encode_path_segment;
///
/// const API_KEY: AuthScheme = AuthScheme { key: "ApiKey", kind: AuthKind::ApiKeyHeader("X-API-Key") };
///
/// # async fn demo(core: &ClientCore, session_id: &str, limit: Option<u32>, options: &RequestOptions)
/// #     -> Result<serde_json::Value, Error<()>> {
/// let response = core
///     .call(reqwest::Method::POST, format!("/sessions/{}/runs", encode_path_segment(session_id)))
///     .query("limit", &limit, ParamStyle::Form, true)
///     .json(&serde_json::json!({"prompt": "hi"}))
///     .security(&[&[&API_KEY]])
///     .options(options)
///     .send::<()>()
///     .await?;
/// read_json(response).await
/// # }
/// ```
pub struct Call<'a> {
    core: &'a ClientCore,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    cookies: Vec<(String, String)>,
    payload: Payload,
    security: Security,
    idempotent: bool,
    options: Option<&'a Overrides>,
    stream_response: bool,
    error: Option<String>,
}

/// The request body, kept in a form that can be sent again.
enum Payload {
    Empty,
    Buffered {
        content_type: HeaderValue,
        bytes: Bytes,
    },
    Multipart(Multipart),
    /// Sent once: the body is taken by the first attempt.
    Stream {
        content_type: HeaderValue,
        body: Option<reqwest::Body>,
    },
}

impl Payload {
    fn rebuildable(&self) -> bool {
        !matches!(self, Payload::Stream { .. })
    }

    fn content_type(&self) -> Option<&HeaderValue> {
        match self {
            Payload::Buffered { content_type, .. } | Payload::Stream { content_type, .. } => {
                Some(content_type)
            }
            Payload::Empty | Payload::Multipart(_) => None,
        }
    }
}

impl<'a> Call<'a> {
    pub(crate) fn new(core: &'a ClientCore, method: Method, path: String) -> Self {
        let idempotent = [
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::TRACE,
            Method::PUT,
            Method::DELETE,
        ]
        .contains(&method);
        Call {
            core,
            method,
            path,
            query: Vec::new(),
            headers: HeaderMap::new(),
            cookies: Vec::new(),
            payload: Payload::Empty,
            security: &[],
            idempotent,
            options: None,
            stream_response: false,
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }

    /// Adds a query parameter with its style (see [`wire::encode_query`]); `None` adds nothing.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::GET, "/runs")
    ///     .query("status", &["queued", "running"], oagen_rt::ParamStyle::Form, false)
    ///     .query("cursor", &None::<String>, oagen_rt::ParamStyle::Form, true);
    /// # let _ = call;
    /// ```
    pub fn query<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        style: ParamStyle,
        explode: bool,
    ) -> Self {
        if let Err(err) = wire::encode_query(&mut self.query, name, value, style, explode) {
            self.fail(err.to_string());
        }
        self
    }

    /// Sets a header parameter in the `simple` style (`a,b` for arrays, `k,v` for objects);
    /// `None` sets nothing. The text must be a valid header value (visible ASCII).
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::GET, "/runs").header("X-Request-Id", &"r-1");
    /// # let _ = call;
    /// ```
    pub fn header<T: Serialize + ?Sized>(self, name: &str, value: &T) -> Self {
        self.header_styled(name, value, false)
    }

    /// [`header`](Self::header) with `explode: true`: objects as `k=v,k2=v2`.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let dims = std::collections::BTreeMap::from([("w", 2)]);
    /// let call = core.call(reqwest::Method::GET, "/img").header_exploded("X-Dims", &dims);
    /// # let _ = call;
    /// ```
    pub fn header_exploded<T: Serialize + ?Sized>(self, name: &str, value: &T) -> Self {
        self.header_styled(name, value, true)
    }

    fn header_styled<T: Serialize + ?Sized>(
        mut self,
        name: &str,
        value: &T,
        explode: bool,
    ) -> Self {
        match wire::simple_text(name, value, explode) {
            Ok(None) => {}
            Ok(Some(text)) => {
                match (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&text),
                ) {
                    (Ok(name), Ok(value)) => {
                        self.headers.insert(name, value);
                    }
                    (Err(_), _) => self.fail(format!("`{name}` is not a valid header name")),
                    (_, Err(_)) => self.fail(format!(
                        "parameter `{name}`: `{text}` is not a valid header value"
                    )),
                }
            }
            Err(err) => self.fail(err.to_string()),
        }
        self
    }

    /// Adds a cookie parameter (`form` style, not exploded); `None` adds nothing. Values are
    /// percent-encoded where RFC 6265 requires (see [`wire::cookie_header`]).
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::GET, "/me").cookie("session", &"abc");
    /// # let _ = call;
    /// ```
    pub fn cookie<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        match wire::simple_text(name, value, false) {
            Ok(Some(text)) => self.cookies.push((name.to_owned(), text)),
            Ok(None) => {}
            Err(err) => self.fail(err.to_string()),
        }
        self
    }

    /// A JSON body (`application/json`).
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::POST, "/pets").json(&serde_json::json!({"name": "Rex"}));
    /// # let _ = call;
    /// ```
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.json_as("application/json", body)
    }

    /// A JSON body with another media type, such as `application/merge-patch+json`.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::PATCH, "/pets/1")
    ///     .json_as("application/merge-patch+json", &serde_json::json!({"tag": null}));
    /// # let _ = call;
    /// ```
    pub fn json_as<T: Serialize + ?Sized>(mut self, content_type: &str, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(json) => self.buffered(content_type, Bytes::from(json)),
            Err(err) => {
                self.fail(format!("the request body cannot be serialized: {err}"));
                self
            }
        }
    }

    /// An `application/x-www-form-urlencoded` body: each property of `body` (which must
    /// serialize to an object) is written as an exploded `form` parameter, the OAS default.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::POST, "/token")
    ///     .form(&serde_json::json!({"grant_type": "client_credentials", "scope": ["a", "b"]}));
    /// # let _ = call;
    /// ```
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        let properties = match serde_json::to_value(body) {
            Ok(serde_json::Value::Object(properties)) => properties,
            Ok(_) => {
                self.fail("a form body must be an object".to_owned());
                return self;
            }
            Err(err) => {
                self.fail(format!("the request body cannot be serialized: {err}"));
                return self;
            }
        };
        let mut pairs = Vec::new();
        for (name, value) in &properties {
            if let Err(err) = wire::encode_query(&mut pairs, name, value, ParamStyle::Form, true) {
                self.fail(err.to_string());
                return self;
            }
        }
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        self.buffered("application/x-www-form-urlencoded", Bytes::from(encoded))
    }

    /// A `multipart/form-data` body.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let form = oagen_rt::client::Multipart::new().text("name", "Rex");
    /// let call = core.call(reqwest::Method::POST, "/pets").multipart(form);
    /// # let _ = call;
    /// ```
    pub fn multipart(mut self, form: Multipart) -> Self {
        self.payload = Payload::Multipart(form);
        self
    }

    /// A body of raw bytes with the given content type.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::PUT, "/blobs/1").bytes("application/octet-stream", vec![1, 2, 3]);
    /// # let _ = call;
    /// ```
    pub fn bytes(self, content_type: &str, bytes: impl Into<Bytes>) -> Self {
        self.buffered(content_type, bytes.into())
    }

    /// A text body with the given content type.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::POST, "/notes").text("text/plain; charset=utf-8", "hello");
    /// # let _ = call;
    /// ```
    pub fn text(self, content_type: &str, text: impl Into<String>) -> Self {
        self.buffered(content_type, Bytes::from(text.into()))
    }

    fn buffered(mut self, content_type: &str, bytes: Bytes) -> Self {
        match HeaderValue::from_str(content_type) {
            Ok(content_type) => {
                self.payload = Payload::Buffered {
                    content_type,
                    bytes,
                }
            }
            Err(_) => self.fail(format!("`{content_type}` is not a valid content type")),
        }
        self
    }

    /// A streaming body (an upload from a file or a channel). It is sent once: a request with
    /// a streaming body is never retried.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("a"))]);
    /// let call = core.call(reqwest::Method::PUT, "/upload")
    ///     .body_stream("application/octet-stream", reqwest::Body::wrap_stream(chunks));
    /// # let _ = call;
    /// ```
    pub fn body_stream(mut self, content_type: &str, body: reqwest::Body) -> Self {
        match HeaderValue::from_str(content_type) {
            Ok(content_type) => {
                self.payload = Payload::Stream {
                    content_type,
                    body: Some(body),
                }
            }
            Err(_) => self.fail(format!("`{content_type}` is not a valid content type")),
        }
        self
    }

    /// The operation's security requirements: alternatives, each a list of schemes that must
    /// all be satisfied. The first alternative whose schemes all have a credential (from the
    /// request's options first, then the client) is applied; an empty alternative means no
    /// authentication. If none can be satisfied the request goes out without credentials.
    ///
    /// ```
    /// use oagen_rt::client::{AuthKind, AuthScheme};
    ///
    /// const BEARER: AuthScheme = AuthScheme { key: "bearerAuth", kind: AuthKind::Bearer };
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// // Authenticated if a token is set, anonymous otherwise:
    /// let call = core.call(reqwest::Method::GET, "/feed").security(&[&[&BEARER], &[]]);
    /// # let _ = call;
    /// ```
    pub fn security(mut self, security: &'static [&'static [&'static AuthScheme]]) -> Self {
        self.security = security;
        self
    }

    /// Whether sending the request twice has the effect of sending it once. Set from the method
    /// by default; generated code overrides it where the spec says so. Decides which failures
    /// are retried (see [`RetryPolicy`]).
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::POST, "/search").idempotent(true);
    /// # let _ = call;
    /// ```
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Per-request overrides (timeout, headers, credentials, retry policy).
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let options = oagen_rt::client::RequestOptions::new().header("X-Trace", "1");
    /// let call = core.call(reqwest::Method::GET, "/").options(&options);
    /// # let _ = call;
    /// ```
    pub fn options(mut self, options: &'a RequestOptions) -> Self {
        self.options = options.overrides();
        self
    }

    /// Marks the response as read incrementally (a download through
    /// [`byte_stream`](super::byte_stream), an event stream): the timeout then bounds only
    /// the wait for the response headers, not the reading of the body.
    ///
    /// ```
    /// # let core = oagen_rt::client::ClientCore::new("http://localhost");
    /// let call = core.call(reqwest::Method::GET, "/export").stream_response();
    /// # let _ = call;
    /// ```
    pub fn stream_response(mut self) -> Self {
        self.stream_response = true;
        self
    }

    /// Sends the request, retrying as the [`RetryPolicy`] allows, and returns the final
    /// response whatever its status: generated code matches on the status.
    ///
    /// `E` is the operation's error type. `?` in a method returning `Result<_, Error<E>>`
    /// infers it; generated code names it anyway (`send::<CreateRunError>()`) so that a later
    /// `From` impl on [`Error`] cannot make the call ambiguous.
    ///
    /// ```no_run
    /// # async fn demo(core: oagen_rt::client::ClientCore) -> Result<(), oagen_rt::client::Error<()>> {
    /// let response = core.call(reqwest::Method::GET, "/health").send::<()>().await?;
    /// assert!(response.status().is_success());
    /// # Ok(()) }
    /// ```
    pub fn send<E>(self) -> impl Future<Output = Result<Response, Error<E>>> {
        // Prepared here rather than in the future, so that the future holds the prepared
        // request only once (an `async fn` keeps its arguments beside its locals). Boxed, so
        // that the future of a generated method, which holds this one while it waits, stays
        // small: a generated future is boxed too, and below about 1 KiB the allocator serves
        // it from its per-thread cache instead of sorting its free lists for a large block.
        let mut prepared = self.prepare();
        Box::pin(async move {
            match &mut prepared {
                Ok(prepared) => prepared.run().await,
                Err(error) => Err(Error::invalid(std::mem::take(error))),
            }
        })
    }

    /// Checks the parameters and chooses the credentials; each attempt puts the URL and
    /// headers together from what this keeps ([`Prepared::attempt`]).
    fn prepare(self) -> Result<Prepared<'a>, String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let options = self.options;
        if let Some(error) = options.and_then(|options| options.error.clone()) {
            return Err(error);
        }
        let inner = self.core.inner();
        let lookup = |key: &str| credential(options, inner, key);
        let schemes = auth::choose(self.security, lookup);
        let placed = auth::place(schemes, lookup);

        let mut query = self.query;
        query.extend(placed.query);

        let secret_cookie = !placed.cookies.is_empty();
        let mut cookies = self.cookies;
        cookies.extend(placed.cookies);
        let cookie = if cookies.is_empty() {
            None
        } else {
            // The `Cookie` header the default and parameter headers would have made: the
            // parameters' replaces the default one (see `overlay`).
            let existing = self
                .headers
                .get(COOKIE)
                .or_else(|| inner.default_headers.get(COOKIE));
            let mut cookie = wire::cookie_header(&cookies);
            if let Some(existing) = existing.and_then(|value| value.to_str().ok()) {
                cookie = format!("{existing}; {cookie}");
            }
            let mut value = HeaderValue::from_str(&cookie)
                .map_err(|_| "a cookie name is not valid in a header".to_owned())?;
            value.set_sensitive(secret_cookie);
            Some(value)
        };

        let prepared = Prepared {
            http: &inner.http,
            inner,
            method: self.method,
            path: self.path,
            query,
            call_headers: self.headers,
            cookie,
            schemes,
            options,
            payload: self.payload,
            idempotent: self.idempotent,
            timeout: options
                .and_then(|options| options.timeout)
                .or(inner.timeout),
            policy: options
                .and_then(|options| options.retry.as_ref())
                .unwrap_or(&inner.retry),
            stream_response: self.stream_response,
            secret_query_names: placed.secret_query_names,
        };
        Ok(prepared)
    }
}

impl fmt::Debug for Call<'_> {
    /// Method, path, query and header names; no values that could be secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.payload {
            Payload::Empty => "none",
            Payload::Buffered { .. } => "buffered",
            Payload::Multipart(_) => "multipart",
            Payload::Stream { .. } => "stream",
        };
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "query",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("headers", &HeaderNames(&self.headers))
            .field(
                "cookies",
                &self.cookies.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("body", &body)
            .field("idempotent", &self.idempotent)
            .field("stream_response", &self.stream_response)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// Whether request paths can be set on a copy of `base` (see [`join`]): an `http(s)` URL with
/// a host, no query or fragment, and a path that is `/` or does not end with `/` (a base such
/// as `http://h/a/.` parses to `/a/`, which the joined text would not keep).
pub(crate) fn appendable_base(base: &Url) -> bool {
    matches!(base.scheme(), "http" | "https")
        && base.has_host()
        && base.query().is_none()
        && base.fragment().is_none()
        && (base.path() == "/" || !base.path().ends_with('/'))
}

/// Base URL + path, refusing paths that URL normalization would change.
///
/// The URL is that of the text `base_url` + `path`. When the base was parsed once
/// ([`appendable_base`]) and the path is plain (visible ASCII, without `?`, `#` or `\`), the
/// path is set on a copy of the parsed base, which gives the same URL without parsing the
/// scheme and host again; anything else parses the joined text.
fn join(base_url: &str, base: Option<&Url>, path: &str) -> Result<Url, String> {
    let PathScan { dot_segment, plain } = scan(path);
    if dot_segment {
        return Err(format!(
            "path `{path}` has a `.` or `..` segment, which URL normalization would remove"
        ));
    }
    if let Some(base) = base.filter(|_| plain) {
        let prefix = match base.path() {
            "/" => "",
            prefix => prefix,
        };
        let slash = if path.is_empty() || path.starts_with('/') {
            ""
        } else {
            "/"
        };
        let mut url = base.clone();
        match (prefix, slash) {
            ("", "") => url.set_path(path),
            _ => url.set_path(&[prefix, slash, path].concat()),
        }
        return Ok(url);
    }
    let joined = match path {
        "" => base_url.to_owned(),
        _ if path.starts_with('/') => format!("{base_url}{path}"),
        _ => format!("{base_url}/{path}"),
    };
    Url::parse(&joined).map_err(|err| format!("URL `{joined}` does not parse: {err}"))
}

/// The credential for the scheme named `key`: the request's, else the client's.
fn credential<'c>(
    options: Option<&'c Overrides>,
    inner: &'c Inner,
    key: &str,
) -> Option<&'c Credential> {
    options
        .and_then(|options| options.credentials.get(key))
        .or_else(|| inner.credentials.get(key))
}

/// What [`join`] needs to know about a path, found in one pass.
struct PathScan {
    /// Up to any `?` or `#`, a `.` or `..` segment, plain or percent-encoded.
    dot_segment: bool,
    /// Only visible ASCII, without `?`, `#` or `\`.
    plain: bool,
}

/// Looks at `path` for [`PathScan`], a block of bytes at a time where it can.
fn scan(path: &str) -> PathScan {
    let bytes = path.as_bytes();
    // No early exit, so that the loop is vectorized.
    let plain = bytes.iter().fold(true, |plain, &b| {
        plain & b.is_ascii_graphic() & (b != b'?') & (b != b'#') & (b != b'\\')
    });
    let path_only = match plain {
        true => bytes,
        false => &bytes[..memchr::memchr2(b'?', b'#', bytes).unwrap_or(bytes.len())],
    };
    let is_dot = |segment: &[u8]| {
        segment.len() <= 6
            && matches!(segment.first(), Some(b'.' | b'%'))
            && [".", "..", "%2e", "%2e%2e", ".%2e", "%2e."]
                .iter()
                .any(|dot| segment.eq_ignore_ascii_case(dot.as_bytes()))
    };
    let mut segment_start = 0;
    let mut dot_segment = false;
    for slash in memchr::memchr_iter(b'/', path_only) {
        dot_segment |= is_dot(&path_only[segment_start..slash]);
        segment_start = slash + 1;
    }
    dot_segment |= is_dot(&path_only[segment_start..]);
    PathScan { dot_segment, plain }
}

/// Sets every header of `src` in `dst`, replacing same-named ones there.
fn overlay(dst: &mut HeaderMap, src: &HeaderMap) {
    for name in src.keys() {
        let mut values = src.get_all(name).iter();
        if let Some(first) = values.next() {
            dst.insert(name.clone(), first.clone());
        }
        for value in values {
            dst.append(name.clone(), value.clone());
        }
    }
}

/// A request checked and ready to go, attempt after attempt: each attempt builds the URL and
/// headers from the same parts, so a request that is not retried builds them once and clones
/// nothing. It lives in the boxed future of [`Call::send`], which is copied whole into its
/// box: a URL and headers kept here for the first attempt made that copy a third larger.
struct Prepared<'a> {
    http: &'a reqwest::Client,
    inner: &'a Inner,
    method: Method,
    path: String,
    /// Parameters, then credentials placed in the query.
    query: Vec<(String, String)>,
    /// Header parameters.
    call_headers: HeaderMap,
    /// The whole `Cookie` header, when there are cookies to send.
    cookie: Option<HeaderValue>,
    /// The security schemes whose credentials are sent.
    schemes: &'static [&'static AuthScheme],
    options: Option<&'a Overrides>,
    payload: Payload,
    idempotent: bool,
    timeout: Option<Duration>,
    policy: &'a RetryPolicy,
    stream_response: bool,
    secret_query_names: Vec<&'static str>,
}

/// How long to wait before a retry: known, or asked by the response (see `wait_for`).
enum Wait<F> {
    For(Duration),
    Until(F),
}

/// An attempt that got no response.
enum Failure {
    Timeout,
    Http(reqwest::Error),
}

impl From<reqwest::Error> for Failure {
    fn from(err: reqwest::Error) -> Self {
        if err.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Http(err)
        }
    }
}

impl Prepared<'_> {
    async fn run<E>(&mut self) -> Result<Response, Error<E>> {
        let may_retry = self.idempotent || self.policy.retry_non_idempotent;
        let mut retry = 0;
        loop {
            let retries_left = retry < self.policy.max_retries && self.payload.rebuildable();
            // The blocks end what they bind before the next `.await`, so that the future does
            // not keep room for a request or a response across every wait.
            let wait = {
                let outcome = {
                    let sending = self.attempt()?.map(|request| self.execute(request));
                    match sending {
                        Ok(sending) => sending.await,
                        Err(err) => Err(Failure::from(err)),
                    }
                };
                match outcome {
                    Ok(response) => {
                        let status = response.status();
                        if !(retries_left && may_retry && retryable_status(status, self.idempotent))
                        {
                            return Ok(response);
                        }
                        Wait::Until(Box::pin(self.wait_for(retry, response)))
                    }
                    Err(failure) => {
                        // A refused connection never reached the server, so even a POST is
                        // safe to send again.
                        let again = match &failure {
                            Failure::Timeout => may_retry,
                            Failure::Http(err) => {
                                err.is_connect() || (may_retry && err.is_request())
                            }
                        };
                        if !(retries_left && again) {
                            return Err(self.error(failure));
                        }
                        Wait::For(self.policy.backoff(retry))
                    }
                }
            };
            let wait = match wait {
                Wait::For(wait) => wait,
                Wait::Until(asked) => match asked.await {
                    Ok(wait) => wait,
                    Err(response) => return Ok(response),
                },
            };
            Box::pin(tokio::time::sleep(wait)).await;
            retry += 1;
        }
    }

    /// The URL: base URL, path, then the query.
    fn url(&self) -> Result<Url, String> {
        let mut url = join(&self.inner.base_url, self.inner.base.as_ref(), &self.path)?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }

    /// The headers, each source replacing the one before: the client's defaults, header
    /// parameters, cookies, credentials, the body's content type, the request options.
    fn headers(&self) -> Result<HeaderMap, String> {
        let options = self.options.map(|options| &options.headers);
        // Room for every header up front, and for reqwest's own defaults (`Accept`): a clone
        // of the defaults would have to grow.
        let capacity = 2
            + self.inner.default_headers.len()
            + self.call_headers.len()
            + usize::from(self.cookie.is_some())
            + self.schemes.len()
            + usize::from(self.payload.content_type().is_some())
            + options.map_or(0, HeaderMap::len);
        let mut headers = HeaderMap::with_capacity(capacity);
        overlay(&mut headers, &self.inner.default_headers);
        overlay(&mut headers, &self.call_headers);
        if let Some(cookie) = &self.cookie {
            headers.insert(COOKIE, cookie.clone());
        }
        let lookup = |key: &str| credential(self.options, self.inner, key);
        auth::place_headers(self.schemes, lookup, &mut headers)?;
        if let Some(content_type) = self.payload.content_type() {
            headers.insert(CONTENT_TYPE, content_type.clone());
        }
        if let Some(options) = options {
            overlay(&mut headers, options);
        }
        Ok(headers)
    }

    /// The next attempt's request. The outer error is a body that cannot be built; the inner
    /// one is reqwest's refusal of a multipart request, reported as that attempt's failure.
    fn attempt<E>(&mut self) -> Result<Result<Request, reqwest::Error>, Error<E>> {
        let url = self.url().map_err(Error::invalid)?;
        let headers = self.headers().map_err(Error::invalid)?;
        let mut request = Request::new(self.method.clone(), url);
        *request.headers_mut() = headers;
        if !self.stream_response {
            *request.timeout_mut() = self.timeout;
        }
        let body = match &mut self.payload {
            Payload::Empty => None,
            Payload::Buffered { bytes, .. } => Some(reqwest::Body::from(bytes.clone())),
            Payload::Multipart(form) => {
                let form = form.to_form().map_err(Error::invalid)?;
                return Ok(RequestBuilder::from_parts(self.http.clone(), request)
                    .multipart(form)
                    .build());
            }
            Payload::Stream { body, .. } => body.take(),
        };
        *request.body_mut() = body;
        Ok(Ok(request))
    }

    /// Sends one attempt. The timeout is reqwest's own (set on the request, it bounds the
    /// reading of the body too) unless the response is streamed: then only the wait for the
    /// headers is bounded, here.
    fn execute(&self, request: Request) -> impl Future<Output = Result<Response, Failure>> + use<> {
        let pending = self.http.execute(request);
        let headers_timeout = self.timeout.filter(|_| self.stream_response);
        async move {
            match headers_timeout {
                Some(timeout) => match Box::pin(tokio::time::timeout(timeout, pending)).await {
                    Ok(result) => result.map_err(Failure::from),
                    Err(_elapsed) => Err(Failure::Timeout),
                },
                None => pending.await.map_err(Failure::from),
            }
        }
    }

    /// How long to wait before retrying after `response`, or the response itself when the
    /// server asks for a longer wait than the policy accepts.
    async fn wait_for(&self, retry: u32, response: Response) -> Result<Duration, Response> {
        let (hint, response) = match retry_after_header(response.headers(), SystemTime::now()) {
            Some(hint) => (Some(hint), response),
            None if matches!(response.status().as_u16(), 429 | 503)
                && is_json(response.headers()) =>
            {
                let (status, version) = (response.status(), response.version());
                let (headers, url) = (response.headers().clone(), response.url().clone());
                match response.bytes().await {
                    Ok(body) => (
                        retry_after_body(&body),
                        rebuild(status, version, headers, url, body),
                    ),
                    // The body is lost, but a retry is what we were about to do anyway.
                    Err(_) => return Ok(self.policy.backoff(retry)),
                }
            }
            None => (None, response),
        };
        match hint {
            Some(hint) if hint > self.policy.max_retry_after => Err(response),
            Some(hint) => Ok(hint),
            None => Ok(self.policy.backoff(retry)),
        }
    }

    fn error<E>(&self, failure: Failure) -> Error<E> {
        match failure {
            Failure::Timeout => Error::Timeout,
            Failure::Http(mut err) => {
                redact(&mut err, &self.secret_query_names);
                Error::Transport(err)
            }
        }
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().to_ascii_lowercase().ends_with("json"))
}

/// A response whose body was read, put back together for the caller.
fn rebuild(
    status: reqwest::StatusCode,
    version: reqwest::Version,
    headers: HeaderMap,
    url: Url,
    body: Bytes,
) -> Response {
    use reqwest::ResponseBuilderExt as _;
    let mut response = http::Response::builder()
        .url(url)
        .body(body.clone())
        .unwrap_or_else(|_| http::Response::new(body));
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    Response::from(response)
}

/// Hides API keys sent in the query from the URL that reqwest puts in its error messages.
fn redact(err: &mut reqwest::Error, names: &[&str]) {
    if names.is_empty() {
        return;
    }
    if let Some(url) = err.url_mut() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if names.contains(&key.as_ref()) {
                    "REDACTED".into()
                } else {
                    value
                };
                (key.into_owned(), value.into_owned())
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `join` with the base parsed once where it can be, as `ClientCore` does.
    fn joined(base_url: &str, path: &str) -> Result<Url, String> {
        let base = Url::parse(base_url).ok().filter(appendable_base);
        join(base_url, base.as_ref(), path)
    }

    #[test]
    fn join_keeps_the_prefix_and_one_slash() {
        let base = "http://h/api/v1";
        assert_eq!(
            joined(base, "/runs").unwrap().as_str(),
            "http://h/api/v1/runs"
        );
        assert_eq!(
            joined(base, "runs").unwrap().as_str(),
            "http://h/api/v1/runs"
        );
        assert_eq!(joined("http://h", "").unwrap().as_str(), "http://h/");
        assert_eq!(joined("http://h", "/a/%2F/b").unwrap().path(), "/a/%2F/b");
    }

    #[test]
    fn join_refuses_dot_segments() {
        for path in [
            "/a/../b",
            "/a/%2E%2E/b",
            "/a/.%2e",
            "/./x",
            "/x/%2e",
            "..",
            "/x/%2E.",
        ] {
            assert!(joined("http://h", path).is_err(), "{path}");
            assert!(join("http://h", None, path).is_err(), "{path}");
        }
        for path in ["/a/.../b", "/a/.b/c", "/v1.2/x", "/a/%2e%2e%2e"] {
            assert!(joined("http://h", path).is_ok(), "{path}");
        }
        let encoded = format!("/runs/{}", wire::encode_path_segment(".."));
        assert!(joined("http://h", &encoded).is_err());
    }

    #[test]
    fn join_on_the_parsed_base_is_join_on_the_text() {
        let bases = [
            "http://h",
            "https://user:pw@Example.COM:443",
            "http://127.0.0.1:8080/api/v1",
            "http://h/a b/%7e",
            "http://h/a/..",
            "http://h/a/%2E%2E",
            "http://[::1]:9/x",
            "HTTP://h/Caps",
        ];
        let paths = [
            "",
            "/",
            "runs",
            "/runs",
            "//runs",
            "/runs/",
            "/a/%2F/b",
            "/v2/conversations/6f1c2c1e-8f3a-4d1b-9a55-0c2f3b4d5e6f",
            "/a|b/{c}/[d]/\"",
            "/%zz/%41/~x/a;b=c,d/e:f@g!$&'()*+=",
            "/%2e%2e%2e/...",
        ];
        for base_url in bases {
            let base = Url::parse(base_url).unwrap();
            assert!(appendable_base(&base), "{base_url}");
            for path in paths {
                assert_eq!(
                    join(base_url, Some(&base), path),
                    join(base_url, None, path),
                    "{base_url} + {path}"
                );
            }
        }
        for base_url in [
            "http://h/a/.",
            "http://h/a?k=v",
            "http://h/a#f",
            "mailto:x@h",
        ] {
            let base = Url::parse(base_url).unwrap();
            assert!(!appendable_base(&base), "{base_url}");
        }
    }

    #[test]
    fn overlay_replaces_and_keeps_repeats() {
        let mut dst = HeaderMap::new();
        dst.insert("a", HeaderValue::from_static("1"));
        dst.insert("b", HeaderValue::from_static("1"));
        let mut src = HeaderMap::new();
        src.append("a", HeaderValue::from_static("2"));
        src.append("a", HeaderValue::from_static("3"));
        overlay(&mut dst, &src);
        assert_eq!(dst.get_all("a").iter().collect::<Vec<_>>(), ["2", "3"]);
        assert_eq!(dst["b"], "1");
    }

    #[test]
    fn json_content_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json; charset=utf-8"),
        );
        assert!(is_json(&headers));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        assert!(!is_json(&headers));
    }
}
