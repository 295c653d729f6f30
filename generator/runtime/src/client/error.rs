//! The error every generated client method returns, generic in the operation's documented error
//! type `E`. Each variant keeps its evidence (status, headers, raw bytes, serde's message with
//! the path), as progenitor's `Error::InvalidResponsePayload` does. Tests: `tests/client.rs`.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::response::{ErrorBody, read_error};
use crate::wire::ParamError;

/// How much of an undocumented response's body [`Error::unexpected`] keeps.
pub const MAX_UNEXPECTED_BODY: usize = 64 * 1024;

/// A failed call. `E` is the operation's enum of documented error responses.
///
/// ```
/// use oagen_rt::client::Error;
/// use reqwest::{StatusCode, header::HeaderMap};
///
/// #[derive(Debug)]
/// enum GetPetError { NotFound }
///
/// let err = Error::api(StatusCode::NOT_FOUND, HeaderMap::new(), GetPetError::NotFound);
/// assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
/// assert!(matches!(err.api_body(), Some(GetPetError::NotFound)));
/// assert_eq!(err.to_string(), "API error 404 Not Found: NotFound");
/// ```
#[derive(Debug)]
pub enum Error<E> {
    /// The request could not be built: a parameter failed to encode, a header value was
    /// invalid, the URL did not parse. Nothing was sent.
    InvalidRequest {
        /// What was wrong.
        message: String,
    },
    /// The request failed below HTTP: connection refused or reset, TLS, a broken body stream.
    Transport(reqwest::Error),
    /// No response (or no complete body) within the request's timeout.
    Timeout,
    /// A documented error status, with its typed body.
    Api {
        /// The response status.
        status: StatusCode,
        /// The response headers (boxed to keep `Error` small).
        headers: Box<HeaderMap>,
        /// The decoded body, one variant of the operation's error enum (boxed, so that
        /// `Result<_, Error<E>>` stays small whatever the error bodies weigh).
        body: Box<E>,
    },
    /// A status the spec does not document for this operation.
    UnexpectedStatus {
        /// The response status.
        status: StatusCode,
        /// The response headers (boxed to keep `Error` small).
        headers: Box<HeaderMap>,
        /// The first [`MAX_UNEXPECTED_BODY`] bytes of the body.
        body: Bytes,
    },
    /// A documented response whose body did not decode.
    Decode {
        /// The response status.
        status: StatusCode,
        /// The whole body as received.
        body: Bytes,
        /// serde's message, with the path to the offending value.
        message: String,
    },
}

impl<E> Error<E> {
    /// A documented error response with its decoded body. See also
    /// [`api_error`](super::api_error), which reads the body too.
    ///
    /// ```
    /// use oagen_rt::client::Error;
    ///
    /// let err = Error::api(reqwest::StatusCode::CONFLICT, Default::default(), "busy");
    /// assert_eq!(err.api_body(), Some(&"busy"));
    /// ```
    pub fn api(status: StatusCode, headers: HeaderMap, body: E) -> Self {
        Error::Api {
            status,
            headers: Box::new(headers),
            body: Box::new(body),
        }
    }

    /// An undocumented response, keeping its status, headers and up to
    /// [`MAX_UNEXPECTED_BODY`] bytes of its body. A body that fails half-way is kept as far as
    /// it was read: the status is the news here.
    ///
    /// ```no_run
    /// # async fn demo(response: reqwest::Response) {
    /// let err = oagen_rt::client::Error::<()>::unexpected(response).await;
    /// # }
    /// ```
    pub fn unexpected(response: reqwest::Response) -> impl Future<Output = Self> {
        // The chunks are taken out of the response before the future starts, so that the
        // future holds neither the response nor its `chunk()` future: generated `decode`
        // futures hold this one, and a smaller one keeps theirs small (see `read_json`).
        let status = response.status();
        let headers = Box::new(response.headers().clone());
        let mut chunks = response.bytes_stream();
        async move { read_error(status, headers, &mut chunks, ErrorBody::Unexpected).await }
    }

    /// The response status, when there was a response.
    ///
    /// ```
    /// let err = oagen_rt::client::Error::<()>::Timeout;
    /// assert_eq!(err.status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. } => Some(*status),
            Error::InvalidRequest { .. } | Error::Transport(_) | Error::Timeout => None,
        }
    }

    /// The response headers, for documented and undocumented statuses.
    ///
    /// ```
    /// let err = oagen_rt::client::Error::api(reqwest::StatusCode::GONE, Default::default(), ());
    /// assert!(err.headers().unwrap().is_empty());
    /// ```
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api { headers, .. } | Error::UnexpectedStatus { headers, .. } => {
                Some(&**headers)
            }
            _ => None,
        }
    }

    /// The typed body of a documented error response.
    ///
    /// ```
    /// let err = oagen_rt::client::Error::<u8>::InvalidRequest { message: "bad".into() };
    /// assert_eq!(err.api_body(), None);
    /// ```
    pub fn api_body(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Converts the documented error type, e.g. into a crate-wide error enum.
    ///
    /// ```
    /// let err = oagen_rt::client::Error::api(reqwest::StatusCode::GONE, Default::default(), 7u8);
    /// let err: oagen_rt::client::Error<u32> = err.map_api(u32::from);
    /// assert_eq!(err.api_body(), Some(&7));
    /// ```
    pub fn map_api<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::InvalidRequest { message } => Error::InvalidRequest { message },
            Error::Transport(err) => Error::Transport(err),
            Error::Timeout => Error::Timeout,
            Error::Api {
                status,
                headers,
                body,
            } => Error::Api {
                status,
                headers,
                body: Box::new(f(*body)),
            },
            Error::UnexpectedStatus {
                status,
                headers,
                body,
            } => Error::UnexpectedStatus {
                status,
                headers,
                body,
            },
            Error::Decode {
                status,
                body,
                message,
            } => Error::Decode {
                status,
                body,
                message,
            },
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            message: message.into(),
        }
    }

    /// Sorts reqwest's errors: its timeouts become [`Error::Timeout`].
    pub(crate) fn from_reqwest(err: reqwest::Error) -> Self {
        if err.is_timeout() {
            Error::Timeout
        } else {
            Error::Transport(err)
        }
    }
}

impl<E> From<ParamError> for Error<E> {
    fn from(err: ParamError) -> Self {
        Error::InvalidRequest {
            message: err.to_string(),
        }
    }
}

/// At most this many characters of an unexpected body go into `Display`.
const SNIPPET: usize = 200;

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { message } => write!(f, "invalid request: {message}"),
            Error::Transport(err) => write!(f, "request failed: {err}"),
            Error::Timeout => f.write_str("request timed out"),
            Error::Api { status, body, .. } => write!(f, "API error {status}: {body:?}"),
            Error::UnexpectedStatus { status, body, .. } => {
                write!(f, "unexpected status {status}")?;
                let text = String::from_utf8_lossy(body);
                let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if !text.is_empty() {
                    let cut: String = text.chars().take(SNIPPET).collect();
                    let more = if cut.len() < text.len() { "…" } else { "" };
                    write!(f, ": {cut}{more}")?;
                }
                Ok(())
            }
            Error::Decode {
                status, message, ..
            } => {
                write!(f, "could not decode the {status} response body: {message}")
            }
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_and_bounded() {
        let body = Bytes::from(format!("<html>\n  <p>{}</p>\n</html>", "x".repeat(500)));
        let err = Error::<()>::UnexpectedStatus {
            status: StatusCode::BAD_GATEWAY,
            headers: Box::default(),
            body,
        };
        let text = err.to_string();
        assert!(
            text.starts_with("unexpected status 502 Bad Gateway: <html> <p>xxx"),
            "{text}"
        );
        assert!(!text.contains('\n'));
        assert!(text.ends_with('…') && text.chars().count() < 250, "{text}");
        let invalid: Error<()> = ParamError {
            name: "id".into(),
            message: "bad".into(),
        }
        .into();
        assert_eq!(invalid.to_string(), "invalid request: parameter `id`: bad");
        let decode = Error::<()>::Decode {
            status: StatusCode::OK,
            body: Bytes::new(),
            message: "m".into(),
        };
        assert_eq!(
            decode.to_string(),
            "could not decode the 200 OK response body: m"
        );
    }
}
