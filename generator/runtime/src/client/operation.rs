//! What a generated request builder is to the runtime: a way to build its [`Call`] and a way to
//! decode the answer. Sending it, with or without the answer's status and headers, is written
//! once here, generic over the operation, so that a generated crate holds one `async` body per
//! operation (its `decode`) instead of three: each `async fn` is a state machine the type
//! checker builds and proves `Send`, and a large spec has hundreds of operations.
//!
//! Generated builders implement [`Operation`]; their `send`, `send_with_info` and
//! `IntoFuture` impls call [`send`] and [`send_with_info`]. Code using a generated client never
//! needs the trait.

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
