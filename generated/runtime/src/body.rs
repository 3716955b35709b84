//! Reading answer bodies with a bound. Whatever the other side declares or sends, the client
//! holds at most the limit of the kind of answer it reads:
//!
//! | answer | limit | over the limit |
//! | --- | --- | --- |
//! | a JSON answer of a call, page or poll | [`DEFAULT_MAX_RESPONSE_BYTES`] (128 MiB), configurable | [`Error::ResponseTooLarge`](super::Error::ResponseTooLarge), before reading when `Content-Length` says so |
//! | an error answer | [`ERROR_BODY_BYTES`] (64 KiB) | the rest is not read; the error keeps a snippet |
//! | a token, identity or metadata endpoint | [`TOKEN_BODY_BYTES`] (64 KiB) | a sign-in error |
//! | a long-running operation's start or `202` answer | 16 MiB | [`Error::ResponseTooLarge`](super::Error::ResponseTooLarge) |
//! | a scan result | [`SCAN_RESULT_BYTES`](super::jobs::SCAN_RESULT_BYTES) (1 GiB) or the JSON limit if larger | [`Error::ResponseTooLarge`](super::Error::ResponseTooLarge) |
//! | a streamed download | none: copied chunk by chunk to the caller's writer | — |
//! | a streamed answer decoded as it arrives (a DAX query's Arrow IPC, `ext::dax`) | the JSON limit for each message, and in total for what is kept | [`Error::ResponseTooLarge`](super::Error::ResponseTooLarge), before the message is read |
//!
//! Content codings are never negotiated (see the client builder), so what is counted here is
//! what is kept: no gzip, brotli, deflate or zstd answer can inflate behind the limit.

use bytes::{Bytes, BytesMut};

/// The largest JSON answer a call reads by default: 128 MiB. Power BI's largest JSON answers
/// (admin listings with `$expand`, activity event pages) stay well below it; raise it with
/// [`PowerBiClientBuilder::max_response_size`](super::PowerBiClientBuilder::max_response_size)
/// or [`RequestBuilder::max_response_size`](super::RequestBuilder::max_response_size).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 128 * 1024 * 1024;

/// How much of an error answer is read: the code, message and details of every error shape
/// Power BI sends fit in far less; the rest of a larger body is never read.
pub const ERROR_BODY_BYTES: usize = 64 * 1024;

/// The largest answer read from a token, identity or metadata endpoint (a token answer is a
/// few KiB).
pub const TOKEN_BODY_BYTES: u64 = 64 * 1024;

/// Why a bounded read stopped.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The body is larger than the limit (`declared` when `Content-Length` said so before
    /// anything was read).
    TooLarge { limit: u64, declared: Option<u64> },
    /// The connection failed while the body arrived.
    Read(reqwest::Error),
}

/// Reads the whole body, failing as soon as it is known to exceed `limit` bytes: at once
/// when `Content-Length` declares more, else when the bytes received pass it. A body of a
/// declared length is read into one buffer (held once); one of unknown length is gathered in
/// blocks, then copied once into a buffer of its exact size.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Bytes, BodyError> {
    let declared = response.content_length();
    if let Some(length) = declared
        && length > limit
    {
        return Err(BodyError::TooLarge {
            limit,
            declared: Some(length),
        });
    }
    // Most answers arrive as one chunk: keep it as it is, without a copy.
    let Some(first) = response.chunk().await.map_err(BodyError::Read)? else {
        return Ok(Bytes::new());
    };
    if first.len() as u64 > limit {
        return Err(BodyError::TooLarge {
            limit,
            declared: None,
        });
    }
    let Some(second) = response.chunk().await.map_err(BodyError::Read)? else {
        return Ok(first);
    };
    if let Some(length) = declared {
        return read_declared(response, limit, length, first, second).await;
    }
    // Chunks are gathered into blocks of about 1 MiB (a server sending one-byte chunks costs
    // no more than one sending large ones), then copied once into a buffer of the exact size,
    // so the body is never kept in a buffer grown to twice its size.
    let mut total = 0usize;
    let mut blocks: Vec<Bytes> = Vec::new();
    let mut current = BytesMut::new();
    let mut next = Some(first);
    let mut pending = Some(second);
    while let Some(chunk) = next {
        total = total.saturating_add(chunk.len());
        if total as u64 > limit {
            return Err(BodyError::TooLarge {
                limit,
                declared: None,
            });
        }
        if !current.is_empty() && current.len().saturating_add(chunk.len()) > BLOCK_BYTES {
            blocks.push(std::mem::take(&mut current).freeze());
        }
        current.extend_from_slice(&chunk);
        next = match pending.take() {
            Some(chunk) => Some(chunk),
            None => response.chunk().await.map_err(BodyError::Read)?,
        };
    }
    if blocks.is_empty() {
        return Ok(current.freeze());
    }
    let mut body = BytesMut::with_capacity(total);
    for block in blocks {
        body.extend_from_slice(&block);
    }
    body.extend_from_slice(&current);
    Ok(body.freeze())
}

/// Reads a body of a declared length (within `limit`) into one buffer grown in place, never
/// beyond the declared length: held once, with no final copy (a large Fabric definition is
/// read this way). The buffer grows with what arrives, so a length that lies costs nothing.
async fn read_declared(
    mut response: reqwest::Response,
    limit: u64,
    declared: u64,
    first: Bytes,
    second: Bytes,
) -> Result<Bytes, BodyError> {
    let declared = usize::try_from(declared).unwrap_or(usize::MAX);
    let mut body: Vec<u8> = Vec::new();
    let mut next = Some(first);
    let mut pending = Some(second);
    while let Some(chunk) = next {
        let total = body.len().saturating_add(chunk.len());
        if total as u64 > limit {
            return Err(BodyError::TooLarge {
                limit,
                declared: None,
            });
        }
        if total > body.capacity() {
            // Doubling, but never past the declared length (unless more than declared came).
            let wanted = body
                .capacity()
                .saturating_mul(2)
                .max(BLOCK_BYTES)
                .min(declared)
                .max(total);
            body.reserve_exact(wanted.saturating_sub(body.len()));
        }
        body.extend_from_slice(&chunk);
        next = match pending.take() {
            Some(chunk) => Some(chunk),
            None => response.chunk().await.map_err(BodyError::Read)?,
        };
    }
    Ok(Bytes::from(body))
}

/// The size of the blocks a body is gathered in before its one final copy.
const BLOCK_BYTES: usize = 1024 * 1024;

/// Reads at most `limit` bytes of the body and leaves the rest unread (the connection is then
/// closed rather than reused). Returns the bytes and whether the body went on beyond them.
pub(crate) async fn read_prefix(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Bytes, bool), reqwest::Error> {
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body.freeze(), true));
        }
        body.extend_from_slice(&chunk);
        if body.len() == limit {
            // Exactly full: whether more follows decides the truncation mark.
            let more = response.chunk().await?.is_some_and(|next| !next.is_empty());
            return Ok((body.freeze(), more));
        }
    }
    Ok((body.freeze(), false))
}
