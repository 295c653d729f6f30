//! [`Problem`]: every error response the runtime writes, as `application/problem+json`.
//!
//! RFC 9457 ("Problem Details for HTTP APIs") members `type`, `title`, `status` and `detail`,
//! plus two extension members that name what was wrong, so a 4xx body always points at the
//! field at fault (axum's plain-text rejections, axum #1116, are what STYLE §6 pitfall 10 warns
//! against):
//! - `invalid_params`: `[{"name": "limit", "in": "query", "reason": "…"}]` for parameters;
//! - `pointer`: the RFC 6901 JSON pointer of a bad body field, as in `"/input/0/role"`.
//!
//! Invariant: a 5xx problem never carries the internal error or panic message; those go to
//! stderr only. Tests: below, and end to end in `tests/server.rs`.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Where a request parameter was looked for.
///
/// ```
/// assert_eq!(oagen_rt::server::ParamLocation::Query.as_str(), "query");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    /// A path template capture.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
    /// A field of a form or multipart body.
    Body,
}

impl ParamLocation {
    /// The location's name as the OpenAPI document spells it (`in:`), with `body` for form
    /// fields.
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::ParamLocation::Cookie.as_str(), "cookie");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
            Self::Body => "body",
        }
    }
}

impl fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a problem's `invalid_params` member.
///
/// ```
/// let problem = oagen_rt::server::Problem::invalid_parameter("limit", "expected an integer");
/// assert_eq!(problem.invalid_params()[0].name, "limit");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InvalidParam {
    /// The parameter's name as the spec spells it.
    pub name: String,
    /// Where it was looked for, when known.
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<ParamLocation>,
    /// What is wrong with it.
    pub reason: String,
}

/// An error response body in the RFC 9457 format.
///
/// ```
/// use axum::response::IntoResponse;
/// use oagen_rt::server::{ParamLocation, Problem};
///
/// let problem = Problem::missing_parameter("limit", ParamLocation::Query);
/// assert_eq!(problem.status(), 400);
/// let json = serde_json::to_value(&problem).unwrap();
/// assert_eq!(json["invalid_params"][0]["name"], "limit");
/// assert_eq!(json["invalid_params"][0]["in"], "query");
/// let response = problem.into_response();
/// assert_eq!(response.headers()["content-type"], "application/problem+json");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Problem(Box<Details>);

/// The members of a [`Problem`], boxed so that `Result<T, Problem>` stays small.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct Details {
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    #[serde(serialize_with = "serialize_status")]
    status: StatusCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invalid_params: Vec<InvalidParam>,
    /// `WWW-Authenticate` challenges to send with a 401.
    #[serde(skip)]
    challenges: Vec<String>,
}

fn serialize_status<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

impl Problem {
    /// A problem with `status`, titled with the status's reason phrase.
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::new(axum::http::StatusCode::CONFLICT);
    /// assert_eq!(problem.title(), "Conflict");
    /// ```
    #[must_use]
    pub fn new(status: StatusCode) -> Self {
        Self(Box::new(Details {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status,
            detail: None,
            pointer: None,
            invalid_params: Vec::new(),
            challenges: Vec::new(),
        }))
    }

    /// Sets the human-readable `detail`.
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::new(axum::http::StatusCode::GONE)
    ///     .with_detail("the session has ended");
    /// assert_eq!(problem.detail(), Some("the session has ended"));
    /// ```
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    /// Records where the invalid parameters were looked for.
    ///
    /// ```
    /// use oagen_rt::server::{ParamLocation, Problem};
    /// let problem = Problem::invalid_parameter("x-trace", "too long").at(ParamLocation::Header);
    /// assert_eq!(problem.invalid_params()[0].location, Some(ParamLocation::Header));
    /// ```
    #[must_use]
    pub fn at(mut self, location: ParamLocation) -> Self {
        for param in &mut self.0.invalid_params {
            param.location = Some(location);
        }
        self
    }

    /// Adds a `WWW-Authenticate` challenge (e.g. `Bearer`), sent with the response.
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::unauthorized("a bearer token").with_challenge("Bearer");
    /// assert_eq!(problem.challenges(), ["Bearer"]);
    /// ```
    #[must_use]
    pub fn with_challenge(mut self, challenge: impl Into<String>) -> Self {
        let challenge = challenge.into();
        if !self.0.challenges.contains(&challenge) {
            self.0.challenges.push(challenge);
        }
        self
    }

    /// 400 with a free-form detail.
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::Problem::bad_request("no").status(), 400);
    /// ```
    #[must_use]
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST).with_detail(detail)
    }

    /// 400: a required parameter is absent.
    ///
    /// ```
    /// use oagen_rt::server::{ParamLocation, Problem};
    /// let problem = Problem::missing_parameter("session_id", ParamLocation::Path);
    /// assert_eq!(problem.detail(), Some("missing required path parameter `session_id`"));
    /// ```
    #[must_use]
    pub fn missing_parameter(name: &str, location: ParamLocation) -> Self {
        let mut problem =
            Self::bad_request(format!("missing required {location} parameter `{name}`"));
        problem.0.invalid_params.push(InvalidParam {
            name: name.to_owned(),
            location: Some(location),
            reason: "is required".to_owned(),
        });
        problem
    }

    /// 400: a parameter is present but does not parse. Add the location with [`at`](Self::at).
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::invalid_parameter("limit", "expected an integer, got `abc`");
    /// assert_eq!(problem.detail(), Some("invalid parameter `limit`: expected an integer, got `abc`"));
    /// ```
    #[must_use]
    pub fn invalid_parameter(name: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        let mut problem = Self::bad_request(format!("invalid parameter `{name}`: {reason}"));
        problem.0.invalid_params.push(InvalidParam {
            name: name.to_owned(),
            location: None,
            reason,
        });
        problem
    }

    /// 422: the body parsed but a field has the wrong type or value. `pointer` is the field's
    /// RFC 6901 JSON pointer (`""` is the whole body).
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::invalid_body("/input/0/role", "unknown variant `robot`");
    /// assert_eq!(problem.status(), 422);
    /// assert_eq!(problem.pointer(), Some("/input/0/role"));
    /// ```
    #[must_use]
    pub fn invalid_body(pointer: impl Into<String>, reason: impl Into<String>) -> Self {
        let pointer = pointer.into();
        let reason = reason.into();
        let detail = if pointer.is_empty() {
            format!("invalid body: {reason}")
        } else {
            format!("invalid body at `{pointer}`: {reason}")
        };
        let mut problem = Self::new(StatusCode::UNPROCESSABLE_ENTITY).with_detail(detail);
        problem.0.pointer = Some(pointer);
        problem
    }

    /// 415: the body's content type is not the one the operation reads.
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::unsupported_media_type("application/json");
    /// assert_eq!(problem.status(), 415);
    /// ```
    #[must_use]
    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            .with_detail(format!("expected a body of type `{expected}`"))
    }

    /// 413: the body is larger than `limit` bytes.
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::payload_too_large(1024);
    /// assert_eq!(problem.status(), 413);
    /// ```
    #[must_use]
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE).with_detail(format!(
            "the body is larger than the limit of {limit} bytes"
        ))
    }

    /// 401: no acceptable credentials. `expected` says what would do, e.g. "a bearer token".
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::unauthorized("a bearer token");
    /// assert_eq!(problem.detail(), Some("credentials required: a bearer token"));
    /// ```
    #[must_use]
    pub fn unauthorized(expected: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED).with_detail(format!("credentials required: {expected}"))
    }

    /// 501: the server does not implement `operation`.
    ///
    /// ```
    /// let problem = oagen_rt::server::Problem::not_implemented("create_run");
    /// assert_eq!(problem.status(), 501);
    /// ```
    #[must_use]
    pub fn not_implemented(operation: &str) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED).with_detail(format!(
            "operation `{operation}` is not implemented by this server"
        ))
    }

    /// 500, saying nothing about the cause (log it separately).
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::Problem::internal().status(), 500);
    /// ```
    #[must_use]
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR)
            .with_detail("the server failed to handle the request")
    }

    /// The HTTP status.
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::Problem::internal().status().as_u16(), 500);
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The `title` member.
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::Problem::internal().title(), "Internal Server Error");
    /// ```
    #[must_use]
    pub fn title(&self) -> &str {
        &self.0.title
    }

    /// The `detail` member.
    ///
    /// ```
    /// assert!(oagen_rt::server::Problem::bad_request("x").detail().is_some());
    /// ```
    #[must_use]
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// The JSON pointer of the body field at fault.
    ///
    /// ```
    /// assert_eq!(oagen_rt::server::Problem::internal().pointer(), None);
    /// ```
    #[must_use]
    pub fn pointer(&self) -> Option<&str> {
        self.0.pointer.as_deref()
    }

    /// The parameters at fault.
    ///
    /// ```
    /// assert!(oagen_rt::server::Problem::internal().invalid_params().is_empty());
    /// ```
    #[must_use]
    pub fn invalid_params(&self) -> &[InvalidParam] {
        &self.0.invalid_params
    }

    /// What is at fault, for an error body that has one field for it: the first parameter's
    /// name, else the body field's JSON pointer.
    ///
    /// ```
    /// use oagen_rt::server::Problem;
    /// assert_eq!(Problem::invalid_parameter("limit", "not a number").culprit(), Some("limit"));
    /// assert_eq!(Problem::invalid_body("/input/0", "wrong type").culprit(), Some("/input/0"));
    /// assert_eq!(Problem::bad_request("malformed JSON").culprit(), None);
    /// ```
    #[must_use]
    pub fn culprit(&self) -> Option<&str> {
        self.invalid_params()
            .first()
            .map(|p| p.name.as_str())
            .or_else(|| self.pointer())
    }

    /// The `WWW-Authenticate` challenges.
    ///
    /// ```
    /// assert!(oagen_rt::server::Problem::internal().challenges().is_empty());
    /// ```
    #[must_use]
    pub fn challenges(&self) -> &[String] {
        &self.0.challenges
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.title)?;
        if let Some(detail) = &self.0.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        // Serializing plain strings and numbers cannot fail; fall back to the bare status
        // rather than panic all the same.
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (self.0.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for challenge in &self.0.challenges {
            if let Ok(value) = HeaderValue::from_str(challenge) {
                headers.append(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// The RFC 6901 pointer of a serde path, as tracked by `serde_path_to_error`.
pub(crate) fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => {}
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_rfc_9457_members() {
        let problem = Problem::invalid_parameter("limit", "expected an integer, got `abc`")
            .at(ParamLocation::Query);
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": "invalid parameter `limit`: expected an integer, got `abc`",
                "invalid_params": [{"name": "limit", "in": "query", "reason": "expected an integer, got `abc`"}],
            })
        );
    }

    #[test]
    fn body_problem_carries_the_pointer() {
        let json = serde_json::to_value(Problem::invalid_body("/a~1b/0", "bad")).unwrap();
        assert_eq!(json["pointer"], "/a~1b/0");
        assert_eq!(json["status"], 422);
        assert!(json.get("invalid_params").is_none());
    }

    #[test]
    fn challenges_become_headers() {
        let response = Problem::unauthorized("a token")
            .with_challenge("Bearer")
            .with_challenge("Basic realm=\"api\"")
            .with_challenge("Bearer")
            .into_response();
        let challenges: Vec<_> = response
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .collect();
        assert_eq!(challenges, ["Bearer", "Basic realm=\"api\""]);
    }

    #[test]
    fn pointer_escapes_tilde_and_slash() {
        let mut de = serde_json::Deserializer::from_str(r#"{"a/b~c": [1, "x"]}"#);
        let err =
            serde_path_to_error::deserialize::<_, std::collections::BTreeMap<String, Vec<u8>>>(
                &mut de,
            )
            .unwrap_err();
        assert_eq!(json_pointer(err.path()), "/a~1b~0c/1");
    }
}
