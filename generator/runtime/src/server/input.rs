//! [`Input`]: a request read once, and the typed reads generated handlers make from it.
//!
//! Input → output: an `axum::extract::Request` → path captures, query pairs, cookies and the
//! body bytes (bounded while reading) → typed parameters and bodies, or a [`Problem`] naming
//! what is wrong. Parameter text is decoded by [`crate::wire`], the same rules the generated
//! client encodes with (STYLE §6 pitfall 11).
//!
//! Status codes: 400 for a missing or unparsable parameter and for malformed JSON (with line
//! and column), 415 for a body of the wrong media type, 413 for a body over the limit, 422 for
//! a well-formed body of the wrong shape (with the JSON pointer of the field).
//!
//! Tests: below for the pieces; over HTTP in `tests/server.rs`.

use axum::body::Body;
use axum::extract::{FromRequestParts as _, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, Method, Uri, header};
use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use serde::de::DeserializeOwned;

use super::multipart::MultipartForm;
use super::problem::{ParamLocation, Problem, json_pointer};
use crate::wire::{self, ParamError, ParamStyle, ValueKind};

/// A request, read once: what a generated handler extracts its arguments from.
///
/// ```
/// use axum::{body::Body, extract::Request};
/// use oagen_rt::server::Input;
/// use oagen_rt::{ParamStyle, ValueKind};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let request = Request::post("/runs?limit=5")
///     .header("content-type", "application/json")
///     .body(Body::from(r#"{"name":"nightly"}"#))
///     .unwrap();
/// let input = Input::from_request(request, Input::DEFAULT_BODY_LIMIT).await.unwrap();
/// let limit: Option<u32> = input.query("limit", ParamStyle::Form, true, ValueKind::Scalar).unwrap();
/// assert_eq!(limit, Some(5));
/// let body: serde_json::Value = input.json().unwrap();
/// assert_eq!(body["name"], "nightly");
/// # }
/// ```
#[derive(Debug)]
pub struct Input {
    parts: Parts,
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
    body: Bytes,
}

impl Input {
    /// The body limit generated handlers use unless the spec or settings say otherwise: 10 MiB.
    pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;

    /// Reads `request`, with a body of at most `body_limit` bytes (413 beyond, found from
    /// `content-length` or while reading).
    ///
    /// ```
    /// use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let request = Request::post("/").body(Body::from("0123456789")).unwrap();
    /// let problem = oagen_rt::server::Input::from_request(request, 4).await.unwrap_err();
    /// assert_eq!(problem.status(), 413);
    /// # }
    /// ```
    pub async fn from_request(request: Request, body_limit: usize) -> Result<Self, Problem> {
        let (parts, body) = request.into_parts();
        Self::from_parts(parts, body, body_limit).await
    }

    /// Like [`from_request`](Self::from_request), from a request already split.
    ///
    /// ```
    /// use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (parts, body) = Request::get("/?a=1").body(Body::empty()).unwrap().into_parts();
    /// let input = oagen_rt::server::Input::from_parts(parts, body, 1024).await.unwrap();
    /// assert!(input.bytes().is_empty());
    /// # }
    /// ```
    pub async fn from_parts(
        mut parts: Parts,
        body: Body,
        body_limit: usize,
    ) -> Result<Self, Problem> {
        let path = match RawPathParams::from_request_parts(&mut parts, &()).await {
            Ok(params) => params
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            Err(axum::extract::rejection::RawPathParamsRejection::InvalidUtf8InPathParam(err)) => {
                return Err(Problem::bad_request(err.body_text()));
            }
            // Outside a router (or on a route without captures) there are none.
            Err(_) => Vec::new(),
        };
        let query = wire::parse_query(parts.uri.query().unwrap_or(""));
        let cookies = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(wire::parse_cookies)
            .collect();
        let body = read_body(&parts.headers, body, body_limit).await?;
        Ok(Self {
            parts,
            path,
            query,
            cookies,
            body,
        })
    }

    /// The request method.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::delete("/").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// assert_eq!(input.method(), axum::http::Method::DELETE);
    /// # }
    /// ```
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request URI.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::get("/a?b").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// assert_eq!(input.uri().path(), "/a");
    /// # }
    /// ```
    #[must_use]
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }

    /// The request headers (e.g. for [`crate::sse::last_event_id`]).
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::get("/").header("last-event-id", "4").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// assert_eq!(oagen_rt::sse::last_event_id(input.headers()).as_deref(), Some("4"));
    /// # }
    /// ```
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The request extensions, where middleware leaves what it found.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::get("/").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// assert!(input.extensions().get::<u8>().is_none());
    /// # }
    /// ```
    #[must_use]
    pub fn extensions(&self) -> &Extensions {
        &self.parts.extensions
    }

    /// The decoded query pairs, in order.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::get("/?a=1&a=2").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// assert_eq!(input.query_pairs().len(), 2);
    /// # }
    /// ```
    #[must_use]
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// A path parameter in the `simple`, `label` or `matrix` style. A capture missing from
    /// the route is a bug in the router, answered with a 500.
    ///
    /// axum has already percent-decoded the capture, so for arrays and objects a `,` that was
    /// sent encoded inside an element still splits it.
    ///
    /// ```
    /// use axum::{Router, extract::Request, routing::get};
    /// use oagen_rt::server::Input;
    /// use oagen_rt::{ParamStyle, ValueKind};
    ///
    /// async fn handler(request: Request) -> String {
    ///     let input = Input::from_request(request, 0).await.unwrap();
    ///     let ids: Vec<u32> = input.path("ids", ParamStyle::Simple, false, ValueKind::Array).unwrap();
    ///     format!("{ids:?}")
    /// }
    /// let app: Router = Router::new().route("/runs/{ids}", get(handler));
    /// # let _ = app;
    /// ```
    pub fn path<T: DeserializeOwned>(
        &self,
        name: &str,
        style: ParamStyle,
        explode: bool,
        kind: ValueKind,
    ) -> Result<T, Problem> {
        self.path_as(name, name, style, explode, kind)
    }

    /// A path parameter that the route captures under another name, `capture`; problems
    /// still name the parameter, `name`.
    ///
    /// Generated routers need this because axum's router refuses two routes that capture
    /// different names at the same place (`/users/{id}` and `/users/{user_id}/posts`): the
    /// second route is registered as `/users/{id}/posts` and reads `user_id` from `id`.
    ///
    /// ```
    /// use axum::{Router, extract::Request, routing::get};
    /// use oagen_rt::server::Input;
    /// use oagen_rt::{ParamStyle, ValueKind};
    ///
    /// async fn handler(request: Request) -> String {
    ///     let input = Input::from_request(request, 0).await.unwrap();
    ///     let user: u32 = input.path_as("id", "user_id", ParamStyle::Simple, false, ValueKind::Scalar).unwrap();
    ///     format!("posts of {user}")
    /// }
    /// let app: Router = Router::new().route("/users/{id}/posts", get(handler));
    /// # let _ = app;
    /// ```
    pub fn path_as<T: DeserializeOwned>(
        &self,
        capture: &str,
        name: &str,
        style: ParamStyle,
        explode: bool,
        kind: ValueKind,
    ) -> Result<T, Problem> {
        let Some((_, raw)) = self.path.iter().find(|(key, _)| key == capture) else {
            eprintln!("oagen-rt: the route has no capture named `{capture}`");
            return Err(Problem::internal());
        };
        let simple = match style {
            ParamStyle::Label => from_label(raw, explode, kind),
            ParamStyle::Matrix => from_matrix(name, raw, explode, kind),
            _ => Some(raw.clone()),
        };
        let Some(simple) = simple else {
            let reason = format!("not in the `{}` style: `{raw}`", style.as_str());
            return Err(Problem::invalid_parameter(name, reason).at(ParamLocation::Path));
        };
        wire::decode_simple(name, &simple, explode, kind)
            .map_err(|err| param_problem(err, ParamLocation::Path))
    }

    /// A query parameter, or `None` when absent.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// use oagen_rt::{ParamStyle, ValueKind};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::get("/?limit=abc&tag=a&tag=b").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// let tags: Option<Vec<String>> = input.query("tag", ParamStyle::Form, true, ValueKind::Array).unwrap();
    /// assert_eq!(tags.unwrap(), ["a", "b"]);
    /// let problem = input.query::<u32>("limit", ParamStyle::Form, true, ValueKind::Scalar).unwrap_err();
    /// assert_eq!(problem.invalid_params()[0].name, "limit");
    /// # }
    /// ```
    pub fn query<T: DeserializeOwned>(
        &self,
        name: &str,
        style: ParamStyle,
        explode: bool,
        kind: ValueKind,
    ) -> Result<Option<T>, Problem> {
        wire::decode_query(&self.query, name, style, explode, kind)
            .map_err(|err| param_problem(err, ParamLocation::Query))
    }

    /// A header parameter (`simple` style), or `None` when absent. Repeated header lines are
    /// joined with `,`, which HTTP makes equivalent.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// use oagen_rt::ValueKind;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::get("/").header("x-ids", "1,2").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// let ids: Option<Vec<u8>> = input.header("X-Ids", false, ValueKind::Array).unwrap();
    /// assert_eq!(ids.unwrap(), [1, 2]);
    /// # }
    /// ```
    pub fn header<T: DeserializeOwned>(
        &self,
        name: &str,
        explode: bool,
        kind: ValueKind,
    ) -> Result<Option<T>, Problem> {
        let mut values = self.parts.headers.get_all(name).iter().peekable();
        if values.peek().is_none() {
            return Ok(None);
        }
        let mut joined = String::new();
        for value in values {
            let Ok(text) = value.to_str() else {
                let reason = "is not visible ASCII";
                return Err(Problem::invalid_parameter(name, reason).at(ParamLocation::Header));
            };
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(text);
        }
        wire::decode_simple(name, &joined, explode, kind)
            .map(Some)
            .map_err(|err| param_problem(err, ParamLocation::Header))
    }

    /// A cookie parameter (`form` style), or `None` when absent.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// use oagen_rt::ValueKind;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::get("/").header("cookie", "theme=dark; n=3").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// let n: Option<u8> = input.cookie("n", true, ValueKind::Scalar).unwrap();
    /// assert_eq!(n, Some(3));
    /// # }
    /// ```
    pub fn cookie<T: DeserializeOwned>(
        &self,
        name: &str,
        explode: bool,
        kind: ValueKind,
    ) -> Result<Option<T>, Problem> {
        wire::decode_query(&self.cookies, name, ParamStyle::Form, explode, kind)
            .map_err(|err| param_problem(err, ParamLocation::Cookie))
    }

    /// The body as JSON. A missing `content-type` is taken as JSON; any other than
    /// `application/json` or `…+json` is a 415. Malformed JSON is a 400 with line and column;
    /// JSON of the wrong shape (a wrong type, a missing field, a value outside a closed enum)
    /// is a 422 with the JSON pointer of the field.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Message { role: Role }
    /// #[derive(Debug, serde::Deserialize)]
    /// #[serde(rename_all = "lowercase")]
    /// enum Role { User, Assistant }
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Body_ { input: Vec<Message> }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let json = r#"{"input": [{"role": "user"}, {"role": "robot"}]}"#;
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").body(Body::from(json)).unwrap(), 1024).await.unwrap();
    /// let problem = input.json::<Body_>().unwrap_err();
    /// assert_eq!(problem.status(), 422);
    /// assert_eq!(problem.pointer(), Some("/input/1/role"));
    /// # }
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        self.json_refusing_null(&[])
    }

    /// [`json`](Self::json), also refusing `null` (422 pointing at it) in the fields that
    /// `not_null` lists as optional but not nullable. Generated servers decode this way.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Note { #[serde(default)] title: Option<String> }
    /// static NOT_NULL: &oagen_rt::server::NotNull = &[("Note", &["title"])];
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").body(Body::from(r#"{"title": null}"#)).unwrap(), 1024).await.unwrap();
    /// let problem = input.json_refusing_null::<Note>(NOT_NULL).unwrap_err();
    /// assert_eq!(problem.status(), 422);
    /// assert_eq!(problem.pointer(), Some("/title"));
    /// # }
    /// ```
    pub fn json_refusing_null<T: DeserializeOwned>(
        &self,
        not_null: &'static super::NotNull,
    ) -> Result<T, Problem> {
        self.expect_media_type("application/json", is_json)?;
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let value: T = super::strict::deserialize(&mut de, not_null).map_err(|err| {
            let pointer = json_pointer(err.path());
            json_problem(err.inner(), pointer)
        })?;
        de.end().map_err(|err| json_problem(&err, String::new()))?;
        Ok(value)
    }

    /// The body as `application/x-www-form-urlencoded` fields (a missing `content-type` is
    /// accepted). A field of the wrong type is a 422 pointing at it.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// #[derive(serde::Deserialize)]
    /// struct Login { user: String, remember: bool }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").header("content-type", "application/x-www-form-urlencoded").body(Body::from("user=ann+b&remember=true")).unwrap(), 1024).await.unwrap();
    /// let login: Login = input.form().unwrap();
    /// assert_eq!(login.user, "ann b");
    /// assert!(login.remember);
    /// # }
    /// ```
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        self.expect_media_type("application/x-www-form-urlencoded", |essence| {
            essence == "application/x-www-form-urlencoded"
        })?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(&self.body));
        serde_path_to_error::deserialize(de)
            .map_err(|err| Problem::invalid_body(json_pointer(err.path()), err.inner().to_string()))
    }

    /// The body as bytes, whatever its type.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").body(Body::from("abc")).unwrap(), 1024).await.unwrap();
    /// assert_eq!(&input.bytes()[..], b"abc");
    /// # }
    /// ```
    #[must_use]
    pub fn bytes(&self) -> Bytes {
        self.body.clone()
    }

    /// The body as UTF-8 text (400 if it is not).
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").body(Body::from(&b"\xff"[..])).unwrap(), 1024).await.unwrap();
    /// assert_eq!(input.text().unwrap_err().status(), 400);
    /// # }
    /// ```
    pub fn text(&self) -> Result<String, Problem> {
        String::from_utf8(self.body.to_vec())
            .map_err(|_| Problem::bad_request("the body is not valid UTF-8"))
    }

    /// The body as `multipart/form-data` (415 for another type, 400 if malformed).
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let body = "--X\r\ncontent-disposition: form-data; name=\"title\"\r\n\r\nhello\r\n--X--\r\n";
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").header("content-type", "multipart/form-data; boundary=X").body(Body::from(body)).unwrap(), 1024).await.unwrap();
    /// let form = input.multipart().await.unwrap();
    /// assert_eq!(form.text("title").unwrap().as_deref(), Some("hello"));
    /// # }
    /// ```
    pub async fn multipart(&self) -> Result<MultipartForm, Problem> {
        let content_type = self
            .parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        if media_essence(content_type) != "multipart/form-data" {
            return Err(
                Problem::unsupported_media_type("multipart/form-data").with_detail(format!(
                    "expected a body of type `multipart/form-data`, got `{content_type}`"
                )),
            );
        }
        MultipartForm::parse(content_type, self.body.clone()).await
    }

    /// Which of an operation's declared body media types the request's `content-type`
    /// matches, as an index into `declared`: its essence equals a declared one (ignoring
    /// parameters and case), or falls in a declared range (`image/*`, `*/*`). A request
    /// without a `content-type` gets the first. Otherwise a 415 listing what is accepted.
    ///
    /// ```
    /// # use axum::{body::Body, extract::Request};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let declared = ["application/json", "image/*"];
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").header("content-type", "image/png").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// assert_eq!(input.select_media_type(&declared).unwrap(), 1);
    /// # let input = oagen_rt::server::Input::from_request(Request::post("/").header("content-type", "text/csv").body(Body::empty()).unwrap(), 0).await.unwrap();
    /// assert_eq!(input.select_media_type(&declared).unwrap_err().status(), 415);
    /// # }
    /// ```
    pub fn select_media_type(&self, declared: &[&str]) -> Result<usize, Problem> {
        let Some(value) = self.parts.headers.get(header::CONTENT_TYPE) else {
            return Ok(0);
        };
        let text = value.to_str().unwrap_or("");
        let essence = media_essence(text);
        let matches = |declared: &str| {
            let declared = media_essence(declared);
            match declared.strip_suffix("/*") {
                Some("*") => true,
                Some(kind) => essence
                    .split_once('/')
                    .is_some_and(|(actual, _)| actual == kind),
                None => declared == essence,
            }
        };
        declared
            .iter()
            .position(|candidate| matches(candidate))
            .ok_or_else(|| {
                let expected = declared
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                Problem::unsupported_media_type(declared.first().copied().unwrap_or(""))
                    .with_detail(format!("expected a body of type {expected}, got `{text}`"))
            })
    }

    /// The value of a query parameter by exact name, for the auth helpers.
    pub(super) fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The value of a cookie by exact name, for the auth helpers.
    pub(super) fn cookie_value(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Fails with 415 unless the content type is absent or `accepts` its essence.
    fn expect_media_type(&self, expected: &str, accepts: fn(&str) -> bool) -> Result<(), Problem> {
        let Some(value) = self.parts.headers.get(header::CONTENT_TYPE) else {
            return Ok(());
        };
        let text = value.to_str().unwrap_or("");
        if accepts(&media_essence(text)) {
            Ok(())
        } else {
            Err(
                Problem::unsupported_media_type(expected).with_detail(format!(
                    "expected a body of type `{expected}`, got `{text}`"
                )),
            )
        }
    }
}

/// Reads the body, refusing more than `limit` bytes.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Problem> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(Problem::payload_too_large(limit));
    }
    let mut stream = body.into_data_stream();
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut total = 0_usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            eprintln!("oagen-rt: reading a request body failed: {err}");
            Problem::bad_request("the request body could not be read")
        })?;
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Err(Problem::payload_too_large(limit));
        }
        // Most bodies come in one chunk: keep it as is, copying only when a second arrives.
        match &first {
            None => first = Some(chunk),
            Some(head) => {
                if rest.is_empty() {
                    rest.extend_from_slice(head);
                }
                rest.extend_from_slice(&chunk);
            }
        }
    }
    Ok(if rest.is_empty() {
        first.unwrap_or_default()
    } else {
        rest.freeze()
    })
}

/// The media type without parameters, lowercased: `application/json; charset=utf-8` →
/// `application/json`.
fn media_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

fn json_problem(err: &serde_json::Error, pointer: String) -> Problem {
    use serde_json::error::Category;
    match err.classify() {
        Category::Data => Problem::invalid_body(pointer, err.to_string()),
        Category::Syntax | Category::Eof | Category::Io => {
            Problem::bad_request(format!("malformed JSON body: {err}"))
        }
    }
}

fn param_problem(err: ParamError, location: ParamLocation) -> Problem {
    Problem::invalid_parameter(&err.name, err.message).at(location)
}

/// `label` style to `simple`: `.a,b` or (exploded) `.a.b` → `a,b`.
fn from_label(raw: &str, explode: bool, kind: ValueKind) -> Option<String> {
    let rest = raw.strip_prefix('.')?;
    Some(if explode && kind != ValueKind::Scalar {
        rest.replace('.', ",")
    } else {
        rest.to_owned()
    })
}

/// `matrix` style to `simple`: `;id=a,b`, `;id=a;id=b` or (exploded object) `;k=v;k2=v2`.
fn from_matrix(name: &str, raw: &str, explode: bool, kind: ValueKind) -> Option<String> {
    let rest = raw.strip_prefix(';')?;
    if explode && kind == ValueKind::Object {
        return Some(rest.replace(';', ","));
    }
    let prefix = format!("{name}=");
    if explode && kind == ValueKind::Array {
        let items: Option<Vec<&str>> = rest
            .split(';')
            .map(|piece| piece.strip_prefix(&prefix))
            .collect();
        return items.map(|items| items.join(","));
    }
    // A scalar may be bare `;name` for an empty value.
    if rest == name {
        return Some(String::new());
    }
    rest.strip_prefix(&prefix).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    async fn read_input(request: axum::http::request::Builder, body: &'static str) -> Input {
        Input::from_request(request.body(Body::from(body)).unwrap(), 1024)
            .await
            .unwrap()
    }

    #[test]
    fn label_and_matrix_become_simple() {
        use ValueKind::*;
        assert_eq!(from_label(".5", false, Scalar).as_deref(), Some("5"));
        assert_eq!(from_label(".a.b", true, Array).as_deref(), Some("a,b"));
        assert_eq!(from_label(".a,b", false, Array).as_deref(), Some("a,b"));
        assert_eq!(from_label("a", false, Scalar), None);
        assert_eq!(
            from_matrix("id", ";id=5", false, Scalar).as_deref(),
            Some("5")
        );
        assert_eq!(from_matrix("id", ";id", false, Scalar).as_deref(), Some(""));
        assert_eq!(
            from_matrix("id", ";id=1;id=2", true, Array).as_deref(),
            Some("1,2")
        );
        assert_eq!(
            from_matrix("id", ";id=1,2", false, Array).as_deref(),
            Some("1,2")
        );
        assert_eq!(
            from_matrix("p", ";a=1;b=2", true, Object).as_deref(),
            Some("a=1,b=2")
        );
        assert_eq!(from_matrix("id", ";other=5", false, Scalar), None);
    }

    #[tokio::test]
    async fn json_content_types() {
        let ok = [
            "application/json",
            "application/problem+json",
            "Application/JSON; charset=utf-8",
        ];
        for content_type in ok {
            let input = read_input(
                axum::http::Request::post("/").header("content-type", content_type),
                "1",
            )
            .await;
            assert_eq!(input.json::<u8>().unwrap(), 1, "{content_type}");
        }
        let input = read_input(axum::http::Request::post("/"), "1").await;
        assert_eq!(input.json::<u8>().unwrap(), 1, "no content type is JSON");
        let input = input_with_type("text/plain", "1").await;
        assert_eq!(input.json::<u8>().unwrap_err().status(), 415);
    }

    async fn input_with_type(content_type: &str, body: &'static str) -> Input {
        read_input(
            axum::http::Request::post("/").header("content-type", content_type),
            body,
        )
        .await
    }

    #[tokio::test]
    async fn malformed_json_names_line_and_column() {
        let input = input_with_type("application/json", "{\n  \"a\": tru\n}").await;
        let problem = input.json::<serde_json::Value>().unwrap_err();
        assert_eq!(problem.status(), 400);
        let detail = problem.detail().unwrap();
        assert!(detail.contains("line 3 column"), "{problem}");
        let trailing = input_with_type("application/json", "{} x").await;
        assert_eq!(
            trailing.json::<serde_json::Value>().unwrap_err().status(),
            400
        );
        let empty = input_with_type("application/json", "").await;
        assert_eq!(empty.json::<serde_json::Value>().unwrap_err().status(), 400);
    }

    #[tokio::test]
    async fn wrong_shape_is_422_with_pointer() {
        let input = input_with_type("application/json", r#"{"a": {"b": [1, "x"]}}"#).await;
        let problem = input
            .json::<BTreeMap<String, BTreeMap<String, Vec<u8>>>>()
            .unwrap_err();
        assert_eq!(problem.status(), 422);
        assert_eq!(problem.pointer(), Some("/a/b/1"));
    }

    #[tokio::test]
    async fn form_field_errors_point_at_the_field() {
        #[derive(Debug, serde::Deserialize)]
        struct Form {
            n: u8,
        }
        let input = input_with_type("application/x-www-form-urlencoded", "n=300").await;
        let problem = input.form::<Form>().unwrap_err();
        assert_eq!(problem.status(), 422);
        assert_eq!(problem.pointer(), Some("/n"));
        let input = input_with_type("application/x-www-form-urlencoded", "n=3").await;
        assert_eq!(input.form::<Form>().unwrap().n, 3);
        let input = input_with_type("application/json", "n=3").await;
        assert_eq!(input.form::<Form>().unwrap_err().status(), 415);
    }

    #[tokio::test]
    async fn body_over_limit_without_content_length() {
        let chunks = futures::stream::iter(
            (0..5).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&[0; 300]))),
        );
        let request = axum::http::Request::post("/")
            .body(Body::from_stream(chunks))
            .unwrap();
        let problem = Input::from_request(request, 1024).await.unwrap_err();
        assert_eq!(problem.status(), 413);
        let chunks = futures::stream::iter(
            (0..3).map(|_| Ok::<_, std::io::Error>(Bytes::from_static(&[7; 300]))),
        );
        let request = axum::http::Request::post("/")
            .body(Body::from_stream(chunks))
            .unwrap();
        let input = Input::from_request(request, 1024).await.unwrap();
        assert_eq!(input.bytes().len(), 900);
    }

    #[tokio::test]
    async fn repeated_headers_join() {
        let input = read_input(
            axum::http::Request::get("/")
                .header("x-tag", "a")
                .header("x-tag", "b"),
            "",
        )
        .await;
        let tags: Option<Vec<String>> = input.header("x-tag", false, ValueKind::Array).unwrap();
        assert_eq!(tags.unwrap(), ["a", "b"]);
        let missing: Option<String> = input.header("x-none", false, ValueKind::Scalar).unwrap();
        assert_eq!(missing, None);
        let problem = input
            .header::<u8>("x-tag", false, ValueKind::Scalar)
            .unwrap_err();
        assert_eq!(
            problem.invalid_params()[0].location,
            Some(ParamLocation::Header)
        );
    }

    #[tokio::test]
    async fn cookies_from_several_headers() {
        let input = read_input(
            axum::http::Request::get("/")
                .header("cookie", "a=1")
                .header("cookie", "b=2; c=x"),
            "",
        )
        .await;
        assert_eq!(
            input.cookie::<u8>("b", true, ValueKind::Scalar).unwrap(),
            Some(2)
        );
        let problem = input
            .cookie::<u8>("c", true, ValueKind::Scalar)
            .unwrap_err();
        assert_eq!(
            problem.invalid_params()[0].location,
            Some(ParamLocation::Cookie)
        );
    }

    /// Sends `GET path` to `app` over loopback; returns the status line and the body. The
    /// client side is plain blocking std I/O, on a blocking thread.
    async fn get(app: axum::Router, path: &str) -> (String, String) {
        use std::io::{Read as _, Write as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let request = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        let response = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            stream.write_all(request.as_bytes()).unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).unwrap();
            response
        })
        .await
        .unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_owned(), body.to_owned())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn renamed_capture_is_read_and_problems_name_the_parameter() {
        use axum::response::IntoResponse as _;
        async fn posts(request: Request) -> axum::response::Response {
            let input = Input::from_request(request, 0).await.unwrap();
            match input.path_as::<u32>(
                "id",
                "user_id",
                ParamStyle::Simple,
                false,
                ValueKind::Scalar,
            ) {
                Ok(user) => format!("posts of {user}").into_response(),
                Err(problem) => problem.into_response(),
            }
        }
        let app = axum::Router::new().route("/users/{id}/posts", axum::routing::get(posts));
        let (status, body) = get(app.clone(), "/users/7/posts").await;
        assert!(status.contains("200"), "{status}");
        assert_eq!(body, "posts of 7");
        let (status, body) = get(app, "/users/me/posts").await;
        assert!(status.contains("400"), "{status}");
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["invalid_params"][0]["name"], "user_id", "{body}");
        assert_eq!(problem["invalid_params"][0]["in"], "path", "{body}");
    }

    #[tokio::test]
    async fn media_type_selection() {
        let declared = ["application/octet-stream", "multipart/form-data", "text/*"];
        let cases: &[(Option<&str>, Option<usize>)] = &[
            (None, Some(0)),
            (Some("application/octet-stream"), Some(0)),
            (Some("Multipart/Form-Data; boundary=x"), Some(1)),
            (Some("text/csv"), Some(2)),
            (Some("image/png"), None),
        ];
        for (content_type, expected) in cases {
            let mut request = axum::http::Request::post("/");
            if let Some(value) = content_type {
                request = request.header("content-type", *value);
            }
            let input = read_input(request, "").await;
            let selected = input.select_media_type(&declared);
            match expected {
                Some(index) => assert_eq!(selected.unwrap(), *index, "{content_type:?}"),
                None => {
                    let problem = selected.unwrap_err();
                    assert_eq!(problem.status(), 415);
                    assert!(problem.detail().unwrap().contains("`image/png`"));
                }
            }
        }
        let input = read_input(
            axum::http::Request::post("/").header("content-type", "x/y"),
            "",
        )
        .await;
        assert_eq!(input.select_media_type(&["*/*"]).unwrap(), 0);
    }
}
