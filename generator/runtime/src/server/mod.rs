//! What generated axum routers call (feature `server`).
//!
//! A generated handler takes the whole `axum::extract::Request`, reads it once into an
//! [`Input`] (path captures, query, headers, cookies and the body, bounded), pulls each
//! parameter and the body out of it with the operation's style and schema shape, runs the
//! implementation through [`respond`], and returns a `Response`. Every failure on the way is a
//! [`Problem`]: `application/problem+json` naming the parameter or the JSON pointer at fault.
//!
//! ```
//! use std::sync::Arc;
//! use axum::{Router, extract::{Request, State}, response::{IntoResponse as _, Response}, routing::get};
//! use oagen_rt::server::{self as rt, ApiResponse, Failure, Input, ParamLocation};
//! use oagen_rt::{ParamStyle, ValueKind};
//!
//! struct Api;
//! enum ListRunsOk { Ok(Vec<String>) }
//! impl ApiResponse for ListRunsOk {
//!     fn into_api_response(self) -> Response {
//!         match self { Self::Ok(runs) => rt::json_response(axum::http::StatusCode::OK, &runs) }
//!     }
//! }
//!
//! impl Api {
//!     async fn list_runs(&self, session: String, limit: u32)
//!         -> Result<ListRunsOk, Failure<std::convert::Infallible>> {
//!         Ok(ListRunsOk::Ok(vec![format!("{session}: {limit} runs")]))
//!     }
//! }
//!
//! async fn list_runs(State(api): State<Arc<Api>>, request: Request) -> Response {
//!     let input = match Input::from_request(request, Input::DEFAULT_BODY_LIMIT).await {
//!         Ok(input) => input,
//!         Err(problem) => return problem.into_response(),
//!     };
//!     let args = (|| {
//!         let session: String = input.path("session_id", ParamStyle::Simple, false, ValueKind::Scalar)?;
//!         let limit: Option<u32> = input.query("limit", ParamStyle::Form, true, ValueKind::Scalar)?;
//!         let limit = rt::require(limit, "limit", ParamLocation::Query)?;
//!         Ok::<_, rt::Problem>((session, limit))
//!     })();
//!     match args {
//!         Ok((session, limit)) => rt::respond("list_runs", api.list_runs(session, limit)).await,
//!         Err(problem) => problem.into_response(),
//!     }
//! }
//!
//! let app: Router = Router::new()
//!     .route("/sessions/{session_id}/runs", get(list_runs))
//!     .with_state(Arc::new(Api))
//!     .fallback(rt::not_found)
//!     .method_not_allowed_fallback(rt::method_not_allowed);
//! # let _ = app;
//! ```
//!
//! Files: `problem.rs` (error bodies), `input.rs` (request reading), `auth.rs` (credentials),
//! `multipart.rs`, `response.rs` (response builders), `strict.rs` (what request bodies may not
//! be, beyond what serde checks). Unit tests sit in each file; the
//! end-to-end tests over loopback are in `tests/server.rs`.

mod auth;
mod input;
mod multipart;
mod problem;
mod response;
mod strict;

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use futures::FutureExt as _;

/// Re-exported so generated routers need no direct dependency on axum.
pub use axum;

/// What a handler answers; generated `ApiResponse` impls name it through here.
pub use axum::response::Response;

pub use auth::{Presented, ServerAuthKind, ServerAuthScheme};
pub use input::Input;
pub use multipart::{MultipartForm, Part};
pub use problem::{InvalidParam, ParamLocation, Problem};
pub use response::{
    bytes_response, empty_response, form_response, json_response, json_response_as, status,
    stream_response, text_response, with_header,
};
pub use strict::NotNull;

/// Re-exported so that a generated crate's documentation can show a server being started
/// (`axum::serve` takes a tokio listener) without the crate depending on tokio itself.
///
/// ```no_run
/// # async fn serve() -> std::io::Result<()> {
/// let listener = oagen_rt::server::TcpListener::bind("127.0.0.1:0").await?;
/// let app: axum::Router = axum::Router::new().fallback(oagen_rt::server::not_found);
/// axum::serve(listener, app).await
/// # }
/// ```
pub use tokio::net::TcpListener;

/// A response type an operation can produce: the generated per-operation `Ok` and `Error`
/// enums implement it, one arm per documented status.
///
/// The method is not called `into_response` so that it never clashes with axum's
/// `IntoResponse` when both traits are in scope (both are implemented for [`Problem`]).
///
/// ```
/// use axum::{http::StatusCode, response::Response};
/// use oagen_rt::server::{ApiResponse, json_response};
///
/// enum GetRunOk { Ok(String), Accepted }
/// impl ApiResponse for GetRunOk {
///     fn into_api_response(self) -> Response {
///         match self {
///             Self::Ok(run) => json_response(StatusCode::OK, &run),
///             Self::Accepted => oagen_rt::server::empty_response(StatusCode::ACCEPTED),
///         }
///     }
/// }
/// assert_eq!(GetRunOk::Accepted.into_api_response().status(), 202);
/// ```
pub trait ApiResponse {
    /// The HTTP response for this value.
    fn into_api_response(self) -> Response;
}

impl ApiResponse for Response {
    fn into_api_response(self) -> Response {
        self
    }
}

impl ApiResponse for Problem {
    fn into_api_response(self) -> Response {
        IntoResponse::into_response(self)
    }
}

/// For operations that document no error response: `Failure<Infallible>`.
impl ApiResponse for std::convert::Infallible {
    fn into_api_response(self) -> Response {
        match self {}
    }
}

/// How an operation's implementation fails: with a documented error `E`, or not at all
/// implemented, or internally.
///
/// `From<E>` makes `?` work on the documented error; [`ResultExt::or_internal`] turns any
/// other error into `Internal`.
///
/// ```
/// use oagen_rt::server::Failure;
///
/// #[derive(Debug)]
/// enum CreateRunError { Conflict(String) }
///
/// fn check(busy: bool) -> Result<(), CreateRunError> {
///     if busy { Err(CreateRunError::Conflict("busy".into())) } else { Ok(()) }
/// }
/// fn create_run(busy: bool) -> Result<u32, Failure<CreateRunError>> {
///     check(busy)?;
///     Ok(1)
/// }
/// assert!(matches!(create_run(true), Err(Failure::Api(CreateRunError::Conflict(_)))));
/// ```
#[derive(Debug)]
pub enum Failure<E> {
    /// A documented error response.
    Api(E),
    /// The server does not implement the operation: 501.
    NotImplemented,
    /// Anything else: 500. The message is logged, never sent to the client.
    Internal(String),
}

impl<E> From<E> for Failure<E> {
    fn from(err: E) -> Self {
        Self::Api(err)
    }
}

impl<E> Failure<E> {
    /// An internal failure from anything displayable.
    ///
    /// ```
    /// let failure = oagen_rt::server::Failure::<()>::internal("disk full");
    /// assert!(matches!(failure, oagen_rt::server::Failure::Internal(m) if m == "disk full"));
    /// ```
    pub fn internal(err: impl fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }
}

impl<E: fmt::Display> fmt::Display for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(err) => err.fmt(f),
            Self::NotImplemented => f.write_str("not implemented"),
            Self::Internal(message) => write!(f, "internal error: {message}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for Failure<E> {}

/// `?` for errors that are not the operation's documented ones: they become
/// [`Failure::Internal`].
///
/// ```
/// use oagen_rt::server::{Failure, ResultExt as _};
///
/// fn parse(text: &str) -> Result<u32, Failure<()>> {
///     let n: u32 = text.parse().or_internal()?;
///     Ok(n)
/// }
/// assert!(matches!(parse("x"), Err(Failure::Internal(_))));
/// ```
pub trait ResultExt<T> {
    /// Maps the error to [`Failure::Internal`] with its message.
    fn or_internal<E>(self) -> Result<T, Failure<E>>;
}

impl<T, X: fmt::Display> ResultExt<T> for Result<T, X> {
    fn or_internal<E>(self) -> Result<T, Failure<E>> {
        self.map_err(Failure::internal)
    }
}

/// Reads `request` (a body of at most [`Input::DEFAULT_BODY_LIMIT`] bytes) and decodes it
/// with `decode`, a generated `…Request::from_input`: the first half of every generated handler.
///
/// ```
/// use axum::{body::Body, extract::Request};
/// use oagen_rt::ParamStyle;
/// use oagen_rt::ValueKind;
/// use oagen_rt::server::{Input, Problem, decode};
///
/// fn limit(input: &Input) -> Result<Option<u32>, Problem> {
///     input.query("limit", ParamStyle::Form, true, ValueKind::Scalar)
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let request = Request::get("/items?limit=5").body(Body::empty()).unwrap();
/// assert_eq!(decode(request, limit).await.unwrap(), Some(5));
/// let request = Request::get("/items?limit=many").body(Body::empty()).unwrap();
/// assert_eq!(decode(request, limit).await.unwrap_err().status(), 400);
/// # }
/// ```
pub async fn decode<R>(
    request: Request,
    decode: impl FnOnce(&Input) -> Result<R, Problem>,
) -> Result<R, Problem> {
    let input = Input::from_request(request, Input::DEFAULT_BODY_LIMIT).await?;
    decode(&input)
}

/// A generated router's handler of one operation: decodes the request with the operation's
/// request struct ([`decode`] with its `from_input`), calls the method of the same name on the
/// server trait and writes its answer ([`respond`]), or hands a refused request to the trait's
/// `reject` ([`refuse`]). Written once here rather than in each of a crate's hundreds of
/// handlers.
///
/// `server_handler!(Api::ping(PingRequest) = "ping")` defines
/// `pub(crate) async fn ping<A: Api>(State<Arc<A>>, Request) -> Response`. With `async` in
/// front, the request struct's `from_input` is an `async fn` (a multipart body is read part
/// by part).
///
/// ```
/// use std::sync::Arc;
/// use axum::{body::Body, extract::{Request, State}};
/// use oagen_rt::server::{ApiResponse, Failure, Input, Problem, Response};
///
/// pub struct PingRequest;
/// impl PingRequest {
///     fn from_input(_: &Input) -> Result<Self, Problem> {
///         Ok(PingRequest)
///     }
/// }
/// pub struct UploadRequest(usize);
/// impl UploadRequest {
///     async fn from_input(input: &Input) -> Result<Self, Problem> {
///         Ok(UploadRequest(input.bytes().len()))
///     }
/// }
/// pub struct Pong(String);
/// impl ApiResponse for Pong {
///     fn into_api_response(self) -> Response {
///         oagen_rt::server::text_response(oagen_rt::server::status(200), self.0)
///     }
/// }
///
/// pub trait Api: Send + Sync + 'static {
///     fn ping(
///         &self,
///         request: PingRequest,
///     ) -> impl Future<Output = Result<Pong, Failure<Pong>>> + Send {
///         let _ = request;
///         async { Ok(Pong("pong".to_owned())) }
///     }
///     fn upload(
///         &self,
///         request: UploadRequest,
///     ) -> impl Future<Output = Result<Pong, Failure<Pong>>> + Send {
///         async move { Ok(Pong(format!("{} bytes", request.0))) }
///     }
///     fn reject(&self, operation: &'static str, problem: Problem) -> Response {
///         let _ = operation;
///         problem.into_api_response()
///     }
/// }
///
/// oagen_rt::server_handler!(Api::ping(PingRequest) = "ping");
/// oagen_rt::server_handler!(async Api::upload(UploadRequest) = "upload");
///
/// struct Server;
/// impl Api for Server {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let request = Request::get("/ping").body(Body::empty()).unwrap();
/// let response = ping::<Server>(State(Arc::new(Server)), request).await;
/// assert_eq!(response.status(), 200);
/// let request = Request::post("/upload").body(Body::from("12345")).unwrap();
/// let response = upload::<Server>(State(Arc::new(Server)), request).await;
/// let body = axum::body::to_bytes(response.into_body(), 100).await.unwrap();
/// assert_eq!(body, "5 bytes");
/// # }
/// ```
#[macro_export]
macro_rules! server_handler {
    (async $api:ident :: $name:ident ($request:ident) = $operation:literal) => {
        $crate::server_handler!(@handler async $api $name $request $operation);
    };
    ($api:ident :: $name:ident ($request:ident) = $operation:literal) => {
        $crate::server_handler!(@handler plain $api $name $request $operation);
    };
    (@handler $how:ident $api:ident $name:ident $request:ident $operation:literal) => {
        pub(crate) async fn $name<A: $api>(
            $crate::server::axum::extract::State(api): $crate::server::axum::extract::State<
                ::std::sync::Arc<A>,
            >,
            request: $crate::server::axum::extract::Request,
        ) -> $crate::server::Response {
            const OPERATION: &str = $operation;
            match $crate::server_handler!(@decode $how $request request) {
                ::core::result::Result::Ok(request) => {
                    $crate::server::respond(OPERATION, api.$name(request)).await
                }
                ::core::result::Result::Err(problem) => {
                    $crate::server::refuse(OPERATION, problem, |p| api.reject(OPERATION, p))
                }
            }
        }
    };
    (@decode plain $request:ident $http:ident) => {
        $crate::server::decode($http, $request::from_input).await
    };
    (@decode async $request:ident $http:ident) => {
        match $crate::server::Input::from_request($http, $crate::server::Input::DEFAULT_BODY_LIMIT)
            .await
        {
            ::core::result::Result::Ok(input) => $request::from_input(&input).await,
            ::core::result::Result::Err(problem) => ::core::result::Result::Err(problem),
        }
    };
}

/// [`ApiResponse`] for an operation's `…Ok` or `…Error` enum whose responses are all plain: a
/// JSON body (`json`) or none (`empty`), with a fixed status (`json NotFound = 404`, a tuple or
/// unit variant) or the one the variant carries (`json Default = status`, a variant with
/// `status` and `body` fields, for `default` and `4XX` responses). Generated code writes out
/// the impls of the other enums (headers, streams, other media types); most are plain, so
/// most are one line.
///
/// ```
/// use oagen_rt::server::ApiResponse;
///
/// #[derive(serde::Serialize)]
/// pub struct Problem { detail: String }
/// pub enum DeleteRunError { NotFound(Problem), Gone, Default { status: u16, body: Problem } }
/// pub enum NeverFails {}
///
/// oagen_rt::api_response!(DeleteRunError { json NotFound = 404, empty Gone = 410, json Default = status });
/// oagen_rt::api_response!(NeverFails {});
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let response = DeleteRunError::NotFound(Problem { detail: "no run 7".into() }).into_api_response();
/// assert_eq!(response.status(), 404);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// let body = axum::body::to_bytes(response.into_body(), 100).await.unwrap();
/// assert_eq!(body, r#"{"detail":"no run 7"}"#);
/// let response = DeleteRunError::Gone.into_api_response();
/// assert_eq!(response.status(), 410);
/// assert!(axum::body::to_bytes(response.into_body(), 100).await.unwrap().is_empty());
/// let response = DeleteRunError::Default { status: 503, body: Problem { detail: "later".into() } };
/// assert_eq!(response.into_api_response().status(), 503);
/// # }
/// ```
#[macro_export]
macro_rules! api_response {
    ($name:ident { $($arms:tt)* }) => {
        $crate::api_response!(@arms $name [] $($arms)*);
    };
    (@arms $name:ident [$($done:tt)*] json $variant:ident = status $(, $($rest:tt)*)?) => {
        $crate::api_response!(@arms $name [$($done)*
            Self::$variant { status, body } => {
                $crate::server::json_response($crate::server::status(status), &body)
            }
        ] $($($rest)*)?);
    };
    (@arms $name:ident [$($done:tt)*] empty $variant:ident = status $(, $($rest:tt)*)?) => {
        $crate::api_response!(@arms $name [$($done)*
            Self::$variant { status } => $crate::server::empty_response($crate::server::status(status)),
        ] $($($rest)*)?);
    };
    (@arms $name:ident [$($done:tt)*] json $variant:ident = $code:literal $(, $($rest:tt)*)?) => {
        $crate::api_response!(@arms $name [$($done)*
            Self::$variant(body) => $crate::server::json_response($crate::server::status($code), &body),
        ] $($($rest)*)?);
    };
    (@arms $name:ident [$($done:tt)*] empty $variant:ident = $code:literal $(, $($rest:tt)*)?) => {
        $crate::api_response!(@arms $name [$($done)*
            Self::$variant => $crate::server::empty_response($crate::server::status($code)),
        ] $($($rest)*)?);
    };
    (@arms $name:ident [$($done:tt)*]) => {
        impl $crate::server::ApiResponse for $name {
            fn into_api_response(self) -> $crate::server::Response {
                match self {
                    $($done)*
                }
            }
        }
    };
}

/// Runs an operation's implementation and turns its outcome into a response.
///
/// `Ok` and `Failure::Api` go through [`ApiResponse`]; `NotImplemented` is a 501 problem;
/// `Internal` and a panic are a 500 problem whose body says nothing of the cause (the cause
/// goes to stderr, under `operation`'s name). Catching the panic keeps the connection: the
/// client gets an answer instead of a reset.
///
/// ```
/// use oagen_rt::server::{Failure, respond};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let response = respond("boom", async {
///     if true { panic!("bug") }
///     Ok::<axum::response::Response, Failure<std::convert::Infallible>>(unreachable!())
/// }).await;
/// assert_eq!(response.status(), 500);
/// # }
/// ```
pub async fn respond<O, E, F>(operation: &'static str, implementation: F) -> Response
where
    F: Future<Output = Result<O, Failure<E>>>,
    O: ApiResponse,
    E: ApiResponse,
{
    let outcome = AssertUnwindSafe(implementation).catch_unwind().await;
    let converted = std::panic::catch_unwind(AssertUnwindSafe(|| match outcome {
        Ok(Ok(ok)) => ok.into_api_response(),
        Ok(Err(Failure::Api(err))) => err.into_api_response(),
        Ok(Err(Failure::NotImplemented)) => {
            IntoResponse::into_response(Problem::not_implemented(operation))
        }
        Ok(Err(Failure::Internal(message))) => {
            eprintln!("oagen-rt: operation `{operation}` failed: {message}");
            IntoResponse::into_response(Problem::internal())
        }
        Err(_) => {
            // The panic hook has already printed the message and location.
            eprintln!("oagen-rt: operation `{operation}` panicked");
            IntoResponse::into_response(Problem::internal())
        }
    }));
    converted.unwrap_or_else(|_| {
        eprintln!("oagen-rt: building the response of `{operation}` panicked");
        IntoResponse::into_response(Problem::internal())
    })
}

/// Answers a request the router refused before it reached `operation`, with what the
/// implementation's `reject` hook makes of `problem`.
///
/// The hook is implementation code, so a panic in it is caught like one in an operation: the
/// client gets a 500 problem and the server keeps serving.
///
/// ```
/// use axum::http::StatusCode;
/// use oagen_rt::server::{Problem, json_response, refuse};
///
/// let problem = Problem::bad_request("malformed JSON body");
/// let response = refuse("create_run", problem, |problem| {
///     json_response(problem.status(), &serde_json::json!({"code": "BAD_REQUEST"}))
/// });
/// assert_eq!(response.status(), 400);
/// assert_eq!(response.headers()["content-type"], "application/json");
///
/// let response = refuse("create_run", Problem::bad_request("x"), |_| panic!("bug"));
/// assert_eq!(response.status(), 500);
/// ```
pub fn refuse(
    operation: &'static str,
    problem: Problem,
    answer: impl FnOnce(Problem) -> Response,
) -> Response {
    std::panic::catch_unwind(AssertUnwindSafe(|| answer(problem))).unwrap_or_else(|_| {
        eprintln!("oagen-rt: rejecting a request to `{operation}` panicked");
        IntoResponse::into_response(Problem::internal())
    })
}

/// Takes a required parameter's value, or fails naming it.
///
/// ```
/// use oagen_rt::server::{ParamLocation, require};
///
/// assert_eq!(require(Some(3), "limit", ParamLocation::Query).unwrap(), 3);
/// let problem = require(None::<u32>, "limit", ParamLocation::Query).unwrap_err();
/// assert_eq!(problem.invalid_params()[0].name, "limit");
/// ```
pub fn require<T>(value: Option<T>, name: &str, location: ParamLocation) -> Result<T, Problem> {
    value.ok_or_else(|| Problem::missing_parameter(name, location))
}

/// A `404` problem: the router's fallback for paths no operation serves.
///
/// ```
/// let app: axum::Router = axum::Router::new().fallback(oagen_rt::server::not_found);
/// # let _ = app;
/// ```
pub async fn not_found() -> Response {
    IntoResponse::into_response(
        Problem::new(StatusCode::NOT_FOUND).with_detail("no operation at this path"),
    )
}

/// A `405` problem: the router's fallback for a known path with an unknown method. axum adds
/// the `Allow` header.
///
/// ```
/// let app: axum::Router = axum::Router::new()
///     .route("/runs", axum::routing::get(|| async { "ok" }))
///     .method_not_allowed_fallback(oagen_rt::server::method_not_allowed);
/// # let _ = app;
/// ```
pub async fn method_not_allowed() -> Response {
    IntoResponse::into_response(
        Problem::new(StatusCode::METHOD_NOT_ALLOWED)
            .with_detail("this path does not accept that method"),
    )
}

/// Rejects a decoded body that carries an enum value the spec does not list: 422 naming the
/// JSON pointer of the value. Generated handlers call it on bodies whose type holds an enum.
///
/// ```
/// use oagen_rt::wire::Known;
/// struct Role(Option<String>);
/// impl Known for Role {
///     fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
///         self.0.clone().map(|v| (format!("{pointer}/role"), v))
///     }
/// }
/// assert!(oagen_rt::server::known_body(Role(None)).is_ok());
/// let problem = oagen_rt::server::known_body(Role(Some("robot".into()))).err().unwrap();
/// assert_eq!(problem.status().as_u16(), 422);
/// assert_eq!(problem.pointer(), Some("/role"));
/// ```
pub fn known_body<T: crate::wire::Known>(body: T) -> Result<T, Problem> {
    match body.first_unknown("") {
        None => Ok(body),
        Some((pointer, value)) => Err(Problem::invalid_body(
            pointer,
            format!("`{value}` is not one of the values the spec allows here"),
        )),
    }
}

/// Rejects a parameter that carries an enum value the spec does not list: 400 naming it.
///
/// ```
/// use oagen_rt::wire::Known;
/// struct Mode(String);
/// impl Known for Mode {
///     fn first_unknown(&self, pointer: &str) -> Option<(String, String)> {
///         (self.0 != "fast").then(|| (pointer.to_owned(), self.0.clone()))
///     }
/// }
/// assert!(oagen_rt::server::known_param("mode", Mode("fast".into())).is_ok());
/// let problem = oagen_rt::server::known_param("mode", Mode("slow".into())).err().unwrap();
/// assert_eq!(problem.status().as_u16(), 400);
/// ```
pub fn known_param<T: crate::wire::Known>(name: &str, value: T) -> Result<T, Problem> {
    match value.first_unknown("") {
        None => Ok(value),
        Some((_, unknown)) => Err(Problem::invalid_parameter(
            name,
            format!("`{unknown}` is not one of the values the spec allows"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Created(u32);
    impl ApiResponse for Created {
        fn into_api_response(self) -> Response {
            json_response(StatusCode::CREATED, &self.0)
        }
    }

    struct Conflict;
    impl ApiResponse for Conflict {
        fn into_api_response(self) -> Response {
            empty_response(StatusCode::CONFLICT)
        }
    }

    async fn status_of(outcome: Result<Created, Failure<Conflict>>) -> u16 {
        respond("op", async { outcome }).await.status().as_u16()
    }

    #[tokio::test]
    async fn outcomes_map_to_statuses() {
        assert_eq!(status_of(Ok(Created(1))).await, 201);
        assert_eq!(status_of(Err(Conflict.into())).await, 409);
        assert_eq!(status_of(Err(Failure::NotImplemented)).await, 501);
        assert_eq!(status_of(Err(Failure::internal("secret"))).await, 500);
    }

    #[tokio::test]
    async fn internal_message_is_not_leaked() {
        let response = respond("op", async {
            Err::<Created, Failure<Conflict>>(Failure::internal("password=hunter2"))
        })
        .await;
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("\"status\":500"), "{text}");
    }

    #[tokio::test]
    async fn panic_in_response_conversion_is_caught() {
        struct Bad;
        impl ApiResponse for Bad {
            fn into_api_response(self) -> Response {
                panic!("conversion bug")
            }
        }
        let response = respond("op", async { Ok::<Bad, Failure<Conflict>>(Bad) }).await;
        assert_eq!(response.status(), 500);
    }
}
