//! The transport generated clients send through (feature `client`): reqwest 0.12 with rustls,
//! on tokio.
//!
//! A generated `Client` is a thin struct around a [`ClientCore`]. Each operation method builds a
//! [`Call`] (path, parameters, body, security, options), [`send`](Call::send)s it, and matches
//! the status to read the body into the operation's `Ok` or `Err` enum:
//!
//! ```no_run
//! use oagen_rt as rt;
//!
//! # #[derive(serde::Serialize)] pub struct CreateRunRequest { prompt: String }
//! # #[derive(Debug, serde::Deserialize)] pub struct Run { id: String }
//! # #[derive(Debug, serde::Deserialize)] pub struct Problem { title: String }
//! #[derive(Debug)]
//! pub enum CreateRunOk { Created(Run), Accepted(Run) }
//! #[derive(Debug)]
//! pub enum CreateRunError { Conflict(Problem) }
//!
//! const API_KEY: rt::client::AuthScheme =
//!     rt::client::AuthScheme { key: "ApiKey", kind: rt::client::AuthKind::ApiKeyHeader("X-API-Key") };
//!
//! pub struct Client { core: rt::client::ClientCore }
//!
//! impl Client {
//!     pub async fn create_run(
//!         &self,
//!         session_id: &str,
//!         limit: Option<u32>,
//!         body: &CreateRunRequest,
//!         options: &rt::client::RequestOptions,
//!     ) -> Result<CreateRunOk, rt::client::Error<CreateRunError>> {
//!         let path = format!("/sessions/{}/runs", rt::wire::encode_path_segment(session_id));
//!         let response = self.core.call(reqwest::Method::POST, path)
//!             .query("limit", &limit, rt::ParamStyle::Form, true)
//!             .json(body)
//!             .security(&[&[&API_KEY]])
//!             .options(options)
//!             .send::<CreateRunError>()
//!             .await?;
//!         match response.status().as_u16() {
//!             201 => Ok(CreateRunOk::Created(rt::client::read_json(response).await?)),
//!             202 => Ok(CreateRunOk::Accepted(rt::client::read_json(response).await?)),
//!             409 => Err(rt::client::api_error(response, CreateRunError::Conflict).await),
//!             _ => Err(rt::client::Error::unexpected(response).await),
//!         }
//!     }
//! }
//! ```
//!
//! What the core does for every call: joins the base URL (with any path prefix) and the path;
//! encodes parameters by their OpenAPI style ([`crate::wire`]); applies the first satisfiable
//! security alternative ([`AuthScheme`], [`Credential`]); sends with a timeout (the whole
//! exchange, or only until headers for [`Call::stream_response`]); retries connection failures
//! and 429/502/503/504 (500 when idempotent) with jittered exponential backoff, honouring
//! `Retry-After` ([`RetryPolicy`]); and reports failures as [`Error`], which keeps the
//! status, headers and raw body as evidence. Secrets ([`Secret`]) never appear in `Debug`.
//!
//! # From synchronous code
//!
//! There is no separate blocking client: run the async one on a current-thread tokio runtime,
//! created once and reused (creating one per call works but costs a thread-free setup each
//! time). Do not do this inside an async context; `block_on` panics there.
//!
//! ```no_run
//! use oagen_rt::client::{ClientCore, Error, read_json};
//!
//! fn fetch_status(core: &ClientCore) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
//!     let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//!     let value = runtime.block_on(async {
//!         let response = core.call(reqwest::Method::GET, "/status").send::<()>().await?;
//!         read_json::<serde_json::Value, ()>(response).await
//!     })?;
//!     Ok(value)
//! }
//! ```
//!
//! Unit tests live beside each part; `tests/client.rs` drives a real axum server on
//! `127.0.0.1:0` (query styles, path encoding, auth, retries, timeouts, errors, streams,
//! pagination).

mod auth;
mod call;
mod config;
mod error;
mod multipart;
mod operation;
mod options;
mod paginate;
mod response;
mod retry;

pub use auth::{AuthKind, AuthScheme, Credential, Secret};
pub use call::Call;
pub use config::{BuildError, ClientBuilder, ClientCore, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use error::{Error, MAX_UNEXPECTED_BODY};
pub use multipart::Multipart;
pub use operation::{Operation, Pending, send, send_with_info};
pub use options::RequestOptions;
pub use paginate::paginate;
pub use response::{
    ErrorBody, Reading, WithInfo, api_error, byte_stream, decode_json, read_bytes, read_json,
    read_response, read_text, required_response_header, response_header,
};
pub use retry::RetryPolicy;

/// Re-exported so generated code needs no direct dependency on reqwest.
pub use reqwest::{Method, Response, StatusCode};

/// Re-exported for the item streams of paginated operations.
pub use futures::Stream;
