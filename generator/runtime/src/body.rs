//! [`ByteStream`]: a binary body as a stream of chunks, shared by both halves of a generated
//! crate so a download is never buffered whole (a client reads it as it arrives; a server
//! implementation hands one to the router, which streams it out).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};

/// A binary body, chunk by chunk.
///
/// ```
/// use oagen_rt::ByteStream;
///
/// # futures::executor::block_on(async {
/// let body = ByteStream::from_bytes("hello");
/// assert_eq!(body.collect().await.unwrap(), "hello");
/// # });
/// ```
pub struct ByteStream {
    inner: BoxStream<'static, Result<Bytes, std::io::Error>>,
}

impl ByteStream {
    /// Wraps any stream of chunks.
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        ByteStream {
            inner: stream.boxed(),
        }
    }

    /// A body that is already in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self::new(futures::stream::once(futures::future::ready(Ok(
            bytes.into()
        ))))
    }

    /// The body of a client response, read as it arrives.
    #[cfg(feature = "client")]
    pub fn from_response(response: reqwest::Response) -> Self {
        Self::new(
            response
                .bytes_stream()
                .map(|chunk| chunk.map_err(std::io::Error::other)),
        )
    }

    /// Reads the whole body into memory.
    pub async fn collect(mut self) -> Result<Bytes, std::io::Error> {
        let mut out = Vec::new();
        while let Some(chunk) = self.inner.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(out))
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream").finish_non_exhaustive()
    }
}
