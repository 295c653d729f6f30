//! Response builders for the generated `ApiResponse` impls: one per body kind, plus
//! [`with_header`] for declared response headers.
//!
//! Invariant: none of these panics. A body or header value that cannot be written is a bug in
//! the implementation's data, answered with a 500 problem (the cause logged to stderr).
//! Tests: below.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::Stream;
use serde::Serialize;

use super::problem::Problem;

/// A JSON body with `status`. If `body` cannot be serialized (a map with non-string keys,
/// a failing `Serialize` impl), a 500 problem instead.
///
/// ```
/// use axum::http::StatusCode;
/// let response = oagen_rt::server::json_response(StatusCode::CREATED, &serde_json::json!({"id": 1}));
/// assert_eq!(response.status(), 201);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => with_content_type(status, "application/json", Body::from(bytes)),
        Err(err) => {
            eprintln!("oagen-rt: a response body could not be serialized: {err}");
            Problem::internal().into_response()
        }
    }
}

/// A JSON body sent with another JSON media type than `application/json`, such as
/// `application/problem+json` or `application/vnd.api+json` (500 if `content_type` is not a
/// valid header value or `body` cannot be serialized).
///
/// ```
/// use axum::http::StatusCode;
/// let body = serde_json::json!({"title": "Not Found", "status": 404});
/// let response = oagen_rt::server::json_response_as(StatusCode::NOT_FOUND, "application/problem+json", &body);
/// assert_eq!(response.headers()["content-type"], "application/problem+json");
/// ```
pub fn json_response_as<T: Serialize + ?Sized>(
    status: StatusCode,
    content_type: &str,
    body: &T,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => with_content_type(status, content_type, Body::from(bytes)),
        Err(err) => {
            eprintln!("oagen-rt: a response body could not be serialized: {err}");
            Problem::internal().into_response()
        }
    }
}

/// An `application/x-www-form-urlencoded` body (500 if `body` is not a flat structure of
/// scalars, which is all the format can carry).
///
/// ```
/// use axum::http::StatusCode;
/// let response = oagen_rt::server::form_response(StatusCode::OK, &[("token", "a b"), ("kind", "bearer")]);
/// assert_eq!(response.headers()["content-type"], "application/x-www-form-urlencoded");
/// ```
pub fn form_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_urlencoded::to_string(body) {
        Ok(text) => with_content_type(
            status,
            "application/x-www-form-urlencoded",
            Body::from(text),
        ),
        Err(err) => {
            eprintln!("oagen-rt: a response body could not be form-encoded: {err}");
            Problem::internal().into_response()
        }
    }
}

/// The status code `code`, for generated `ApiResponse` impls, whose codes come from the spec
/// or, for ranges and `default`, from the implementation. A code outside 100–999 cannot be
/// sent: it is logged and answered as 500.
///
/// ```
/// use oagen_rt::server::status;
/// assert_eq!(status(201), axum::http::StatusCode::CREATED);
/// assert_eq!(status(42), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
/// ```
#[must_use]
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or_else(|_| {
        eprintln!("oagen-rt: {code} is not an HTTP status code; answering 500");
        StatusCode::INTERNAL_SERVER_ERROR
    })
}

/// A response with no body.
///
/// ```
/// let response = oagen_rt::server::empty_response(axum::http::StatusCode::NO_CONTENT);
/// assert_eq!(response.status(), 204);
/// ```
#[must_use]
pub fn empty_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// A body of bytes with the given media type (500 if `content_type` is not a valid header
/// value).
///
/// ```
/// use axum::http::StatusCode;
/// let response = oagen_rt::server::bytes_response(StatusCode::OK, "image/png", vec![0x89, b'P']);
/// assert_eq!(response.headers()["content-type"], "image/png");
/// ```
pub fn bytes_response(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response {
    with_content_type(status, content_type, Body::from(body.into()))
}

/// A `text/plain; charset=utf-8` body.
///
/// ```
/// use axum::http::StatusCode;
/// let response = oagen_rt::server::text_response(StatusCode::OK, "pong");
/// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
pub fn text_response(status: StatusCode, body: impl Into<String>) -> Response {
    with_content_type(status, "text/plain; charset=utf-8", Body::from(body.into()))
}

/// A body streamed as it is produced, not buffered. An error item aborts the response
/// (the client sees a cut connection).
///
/// ```
/// use axum::http::StatusCode;
/// let chunks = futures::stream::iter(vec![Ok(bytes::Bytes::from("a,")), Ok(bytes::Bytes::from("b\n"))]);
/// let response = oagen_rt::server::stream_response(StatusCode::OK, "text/csv", chunks);
/// assert_eq!(response.headers()["content-type"], "text/csv");
/// ```
pub fn stream_response<S>(status: StatusCode, content_type: &str, body: S) -> Response
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    with_content_type(status, content_type, Body::from_stream(body))
}

/// Adds a declared response header, its value written in the `simple` style by
/// [`crate::wire::encode_simple`] (the client decodes it with the same rules). A `null`
/// value (`None`) adds nothing; a value that cannot be encoded or is not a valid header, or
/// an invalid header name, turns the response into a 500 problem.
///
/// ```
/// use axum::http::StatusCode;
/// use oagen_rt::server::{empty_response, with_header};
///
/// let response = with_header(empty_response(StatusCode::OK), "X-Rate-Limit-Remaining", &42);
/// assert_eq!(response.headers()["x-rate-limit-remaining"], "42");
/// let response = with_header(response, "X-Next", &None::<String>);
/// assert!(response.headers().get("x-next").is_none());
/// ```
pub fn with_header<T: Serialize + ?Sized>(
    mut response: Response,
    name: &str,
    value: &T,
) -> Response {
    let encoded = match serde_json::to_value(value) {
        Ok(serde_json::Value::Null) => return response,
        Ok(_) => crate::wire::encode_simple(name, value, false).map_err(|err| err.to_string()),
        Err(err) => Err(err.to_string()),
    };
    let header = encoded.and_then(|text| {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|err| err.to_string())?;
        let value = HeaderValue::from_str(&text).map_err(|err| err.to_string())?;
        Ok((name, value))
    });
    match header {
        Ok((name, value)) => {
            response.headers_mut().append(name, value);
            response
        }
        Err(err) => {
            eprintln!("oagen-rt: response header `{name}` could not be written: {err}");
            Problem::internal().into_response()
        }
    }
}

fn with_content_type(status: StatusCode, content_type: &str, body: Body) -> Response {
    let Ok(value) = HeaderValue::from_str(content_type) else {
        eprintln!("oagen-rt: invalid response content type `{content_type}`");
        return Problem::internal().into_response();
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, value);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn unserializable_json_is_a_500_problem() {
        let mut bad = BTreeMap::new();
        bad.insert((1, 2), 3);
        let response = json_response(StatusCode::OK, &bad);
        assert_eq!(response.status(), 500);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }

    #[test]
    fn header_arrays_use_the_simple_style() {
        let response = with_header(empty_response(StatusCode::OK), "x-ids", &[1, 2, 3]);
        assert_eq!(response.headers()["x-ids"], "1,2,3");
    }

    #[test]
    fn bad_header_name_or_value_is_a_500() {
        let response = with_header(empty_response(StatusCode::OK), "bad name", &1);
        assert_eq!(response.status(), 500);
        let response = with_header(empty_response(StatusCode::OK), "x-text", &"line\nbreak");
        assert_eq!(response.status(), 500);
        let response = bytes_response(StatusCode::OK, "text/\n", Bytes::new());
        assert_eq!(response.status(), 500);
    }
}
