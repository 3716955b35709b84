//! Binary downloads streamed to a writer or a path, never held whole in memory.

use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::request::RequestBuilder;
use super::{Error, Result};

/// Sends `request` and copies the answer's body to `writer` chunk by chunk; returns the
/// number of bytes written.
pub(crate) async fn stream_to<W: AsyncWrite + Unpin>(
    request: RequestBuilder,
    writer: &mut W,
) -> Result<u64> {
    let operation = request.operation_name();
    // A large body: only the idle (no progress) timeout applies, not a total one.
    let request = request.large_transfer();
    let response = request.execute().await?;
    let host = response.url().host_str().unwrap_or_default().to_owned();
    let mut body = response.bytes_stream();
    let mut written = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| Error::Transport {
            operation,
            host: host.clone(),
            message: format!("the download was interrupted: {error}"),
            source: super::error::source_of(error),
        })?;
        writer.write_all(&chunk).await.map_err(|error| {
            Error::InvalidRequest(format!("{operation}: cannot write: {error}"))
        })?;
        written += chunk.len() as u64;
    }
    writer
        .flush()
        .await
        .map_err(|error| Error::InvalidRequest(format!("{operation}: cannot write: {error}")))?;
    Ok(written)
}

/// A binary answer as it arrives: its body's chunks, each an `Ok(Bytes)`, or one `Err` when
/// the transfer breaks (then nothing more). Nothing is buffered beyond the chunk the transport
/// hands over; the caller bounds what it keeps. Made by [`RequestBuilder::send_streaming`].
pub struct ByteStream {
    operation: &'static str,
    host: String,
    request_id: Option<String>,
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    done: bool,
}

impl ByteStream {
    /// The operation that answered (for error messages).
    #[inline]
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The answer's `RequestId` header, to quote to Microsoft.
    #[inline]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl std::fmt::Debug for ByteStream {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("operation", &self.operation)
            .field("host", &self.host)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.body.as_mut().poll_next(cx) {
            Poll::Ready(Some(Err(error))) => {
                self.done = true;
                Poll::Ready(Some(Err(Error::Transport {
                    operation: self.operation,
                    host: self.host.clone(),
                    message: format!("the answer was interrupted: {error}"),
                    source: super::error::source_of(error),
                })))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(chunk))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl RequestBuilder {
    /// Sends the request and returns its (binary) answer as a stream of chunks, read as the
    /// caller polls it: for answers decoded as they arrive (a DAX query's Arrow stream).
    /// Like [`send_to_writer`](Self::send_to_writer), only the idle timeout applies to the body.
    #[inline]
    pub async fn send_streaming(self) -> Result<ByteStream> {
        let operation = self.operation_name();
        let response = self.large_transfer().execute().await?;
        let host = response.url().host_str().unwrap_or_default().to_owned();
        let request_id = super::request::api_error::request_id(response.headers());
        Ok(ByteStream {
            operation,
            host,
            request_id,
            body: Box::pin(response.bytes_stream()),
            done: false,
        })
    }

    /// Sends the request and reads its whole answer (within the response size limit), with its
    /// `RequestId` (to quote in errors): for callers that decode the body themselves.
    #[inline]
    pub async fn send_body(self) -> Result<(Bytes, Option<String>)> {
        let response = self.send().await?;
        let request_id = super::request::api_error::request_id(&response.headers);
        Ok((response.body, request_id))
    }

    /// Sends the request and streams the (binary) answer to `writer`; returns the number of
    /// bytes written. Generated `*_to_writer` methods of binary operations call it.
    pub async fn send_to_writer<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64> {
        stream_to(self, writer).await
    }

    /// Sends the request and streams the (binary) answer to a new file at `path`.
    pub async fn send_to_path(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let mut file = tokio::fs::File::create(path).await.map_err(|error| {
            Error::InvalidRequest(format!("cannot create {}: {error}", path.display()))
        })?;
        stream_to(self, &mut file).await
    }
}
