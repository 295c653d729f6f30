//! What a generated request builder is to the runtime: a way to build its [`Call`] and a way to
//! decode the answer. Sending it, with or without the answer's status and headers, is written
//! once here, generic over the operation, so that a generated crate holds one `async` body per
//! operation (its `decode`) instead of three: each `async fn` is a state machine the type
//! checker builds and proves `Send`, and a large spec has hundreds of operations.
//!
//! Generated builders implement [`Operation`] and get their `send` and `send_with_info`
//! methods and their `IntoFuture` impl from [`send_methods!`](crate::send_methods), which call
//! [`send`] and [`send_with_info`]. Code using a generated client never needs the trait.

use std::future::Future;
use std::pin::Pin;

use super::{Call, Error, Response, WithInfo};

/// A future of a generated client, boxed so that it can be named, stored and awaited across
/// tasks.
pub type Pending<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One operation's request, as a generated builder describes it.
pub trait Operation: Send + Sync + 'static {
    /// What a documented success status decodes into (the operation's `…Ok` enum).
    type Ok: Send + 'static;
    /// What a documented error status decodes into (the operation's `…Error` enum).
    type Error: Send + 'static;

    /// Puts the request together: path, parameters, body, security, options.
    fn call(&self) -> Result<Call<'_>, Error<Self::Error>>;

    /// Reads a response into the variant its status documents.
    fn decode(
        &self,
        response: Response,
    ) -> impl Future<Output = Result<Self::Ok, Error<Self::Error>>> + Send;
}

/// Sends the request and decodes the answer.
pub fn send<O: Operation>(operation: O) -> Pending<Result<O::Ok, Error<O::Error>>> {
    Box::pin(async move {
        let response = operation.call()?.send().await?;
        operation.decode(response).await
    })
}

/// What [`send_with_info`] gives.
type OutcomeWithInfo<O> = Result<WithInfo<<O as Operation>::Ok>, Error<<O as Operation>::Error>>;

/// Like [`send`], keeping the status and headers of the response.
pub fn send_with_info<O: Operation>(operation: O) -> Pending<OutcomeWithInfo<O>> {
    Box::pin(async move {
        let response = operation.call()?.send().await?;
        let info = WithInfo::of(&response);
        Ok(info.with_value(operation.decode(response).await?))
    })
}

/// The ways to send a generated request builder that implements [`Operation`]: its `send` and
/// `send_with_info` methods and `IntoFuture`, so that the builder can be awaited directly,
/// and its `options` setter (the builder keeps them in a field named `options`). Written once
/// here rather than in each of a generated crate's hundreds of builders.
///
/// ```
/// use oagen_rt as rt;
///
/// #[derive(Debug)]
/// pub enum HealthOk { Ok }
/// #[derive(Debug)]
/// pub enum HealthError {}
///
/// pub struct HealthBuilder {
///     core: rt::client::ClientCore,
///     options: rt::client::RequestOptions,
/// }
///
/// impl rt::client::Operation for HealthBuilder {
///     type Ok = HealthOk;
///     type Error = HealthError;
///     fn call(&self) -> Result<rt::client::Call<'_>, rt::client::Error<HealthError>> {
///         Ok(self.core.call(rt::client::Method::GET, "/health").options(&self.options))
///     }
///     async fn decode(
///         &self,
///         response: rt::client::Response,
///     ) -> Result<HealthOk, rt::client::Error<HealthError>> {
///         match response.status().as_u16() {
///             200 => Ok(HealthOk::Ok),
///             _ => Err(rt::client::Error::unexpected(response).await),
///         }
///     }
/// }
/// rt::send_methods!(HealthBuilder => HealthOk, HealthError);
///
/// async fn check(core: rt::client::ClientCore) -> Result<HealthOk, rt::client::Error<HealthError>> {
///     let options = rt::client::RequestOptions::default();
///     HealthBuilder { core, options }.await
/// }
/// ```
// Formatted by hand: rustfmt re-indents the `concat!` in the doc attribute on every run.
#[rustfmt::skip]
#[macro_export]
macro_rules! send_methods {
    ($builder:ident => $ok:ident, $err:ident) => {
        impl $builder {
            /// Per-request options: timeout, extra headers, credentials, retry policy.
            pub fn options(mut self, options: $crate::client::RequestOptions) -> Self {
                self.options = options;
                self
            }

            #[doc = ::core::concat!(
                " Sends the request and decodes the answer into [`", ::core::stringify!($ok),
                "`] or [`", ::core::stringify!($err), "`]."
            )]
            pub fn send(
                self,
            ) -> $crate::client::Pending<::core::result::Result<$ok, $crate::client::Error<$err>>> {
                $crate::client::send(self)
            }

            /// Like [`send`](Self::send), keeping the status and headers of the response.
            pub fn send_with_info(
                self,
            ) -> $crate::client::Pending<
                ::core::result::Result<$crate::client::WithInfo<$ok>, $crate::client::Error<$err>>,
            > {
                $crate::client::send_with_info(self)
            }
        }

        impl ::core::future::IntoFuture for $builder {
            type Output = ::core::result::Result<$ok, $crate::client::Error<$err>>;
            type IntoFuture = $crate::client::Pending<Self::Output>;

            fn into_future(self) -> Self::IntoFuture {
                $crate::client::send(self)
            }
        }
    };
}

/// The body of a generated `decode` whose responses are all plain: a JSON body (`json`) or
/// none (`empty`) at a fixed status, and on the error side a last `json Default = status` for
/// a `default` response (a variant with `status` and `body` fields). Without that last arm, an
/// undocumented status is [`Error::UnexpectedStatus`](crate::client::Error::UnexpectedStatus).
/// It chooses a [`Reading`](crate::client::Reading) from the status and returns the future of
/// [`read_response`](crate::client::read_response), so `decode` is a plain `fn`: an `async fn`
/// would keep the response twice (its argument, and the local it is moved into) beside its
/// awaited futures. Generated code writes out the other `decode`s (headers, text, streams,
/// status ranges).
///
/// ```
/// use oagen_rt as rt;
///
/// #[derive(Debug, PartialEq, serde::Deserialize)]
/// pub struct Run { id: u32 }
/// #[derive(Debug, PartialEq, serde::Deserialize)]
/// pub struct Problem { detail: String }
/// #[derive(Debug, PartialEq)]
/// pub enum GetRunOk { Ok(Run), NoContent }
/// #[derive(Debug, PartialEq)]
/// pub enum GetRunError { NotFound(Problem), Gone, Default { status: u16, body: Problem } }
///
/// fn decode(
///     response: rt::client::Response,
/// ) -> impl Future<Output = Result<GetRunOk, rt::client::Error<GetRunError>>> {
///     rt::decode_response!(response,
///         GetRunOk { json Ok = 200, empty NoContent = 204 },
///         GetRunError { json NotFound = 404, empty Gone = 410, json Default = status })
/// }
///
/// fn answer(status: u16, body: &'static str) -> rt::client::Response {
///     http::Response::builder().status(status).body(body).unwrap().into()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(decode(answer(200, r#"{"id":7}"#)).await.unwrap(), GetRunOk::Ok(Run { id: 7 }));
/// assert_eq!(decode(answer(204, "")).await.unwrap(), GetRunOk::NoContent);
/// let err = decode(answer(404, r#"{"detail":"no run 7"}"#)).await.unwrap_err();
/// assert_eq!(err.api_body(), Some(&GetRunError::NotFound(Problem { detail: "no run 7".into() })));
/// let err = decode(answer(410, "")).await.unwrap_err();
/// assert_eq!(err.api_body(), Some(&GetRunError::Gone));
/// let err = decode(answer(503, r#"{"detail":"later"}"#)).await.unwrap_err();
/// let expected = GetRunError::Default { status: 503, body: Problem { detail: "later".into() } };
/// assert_eq!(err.api_body(), Some(&expected));
/// # }
/// ```
#[macro_export]
macro_rules! decode_response {
    ($response:ident, $ok:ident { $($oks:tt)* }, $err:ident { $($errs:tt)* }) => {
        $crate::decode_response!(@ok $response $ok $err [] [$($errs)*] $($oks)*)
    };
    (@ok $r:ident $ok:ident $err:ident [$($arms:tt)*] [$($errs:tt)*]
        json $variant:ident = $code:literal $(, $($rest:tt)*)?) => {
        $crate::decode_response!(@ok $r $ok $err [$($arms)*
            $code => $crate::client::Reading::Json(|status, body| {
                $crate::client::decode_json(status, body).map($ok::$variant)
            }),
        ] [$($errs)*] $($($rest)*)?)
    };
    (@ok $r:ident $ok:ident $err:ident [$($arms:tt)*] [$($errs:tt)*]
        empty $variant:ident = $code:literal $(, $($rest:tt)*)?) => {
        $crate::decode_response!(@ok $r $ok $err [$($arms)*
            $code => $crate::client::Reading::Empty(|| $ok::$variant),
        ] [$($errs)*] $($($rest)*)?)
    };
    (@ok $r:ident $ok:ident $err:ident [$($arms:tt)*] [$($errs:tt)*]) => {
        $crate::decode_response!(@err $r $err [$($arms)*] $($errs)*)
    };
    (@err $r:ident $err:ident [$($arms:tt)*] json $variant:ident = status $(,)?) => {
        $crate::decode_response!(@end $r [$($arms)*
            _ => $crate::client::Reading::Error($crate::client::ErrorBody::Json(|status, body| {
                $crate::client::decode_json(status, body)
                    .map(|body| $err::$variant { status: status.as_u16(), body })
            })),
        ])
    };
    (@err $r:ident $err:ident [$($arms:tt)*]
        json $variant:ident = $code:literal $(, $($rest:tt)*)?) => {
        $crate::decode_response!(@err $r $err [$($arms)*
            $code => $crate::client::Reading::Error($crate::client::ErrorBody::Json(|status, body| {
                $crate::client::decode_json(status, body).map($err::$variant)
            })),
        ] $($($rest)*)?)
    };
    (@err $r:ident $err:ident [$($arms:tt)*]
        empty $variant:ident = $code:literal $(, $($rest:tt)*)?) => {
        $crate::decode_response!(@err $r $err [$($arms)*
            $code => $crate::client::Reading::Error($crate::client::ErrorBody::Empty(|| $err::$variant)),
        ] $($($rest)*)?)
    };
    (@err $r:ident $err:ident [$($arms:tt)*]) => {
        $crate::decode_response!(@end $r [$($arms)*
            _ => $crate::client::Reading::Error($crate::client::ErrorBody::Unexpected),
        ])
    };
    (@end $r:ident [$($arms:tt)*]) => {{
        let reading = match $r.status().as_u16() {
            $($arms)*
        };
        $crate::client::read_response($r, reading)
    }};
}
