//! Binary downloads streamed to a writer or a path, never held whole in memory.

use std::path::Path;

use futures::StreamExt;
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

impl RequestBuilder {
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
