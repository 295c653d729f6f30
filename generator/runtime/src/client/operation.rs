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
