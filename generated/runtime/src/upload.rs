//! Files sent as `multipart/form-data` (imports) or as the raw request body (`body: bytes`,
//! and bodies produced on the fly: [`RequestBuilder::stream_body`](super::RequestBuilder::stream_body)).

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};

use crate::{Error, Result};

/// Opens a fresh stream of the file's bytes, for [`Upload::reopen`].
pub type Reopen = Arc<dyn Fn() -> BoxStream<'static, std::io::Result<bytes::Bytes>> + Send + Sync>;

/// A file to upload. It can be sent more than once (a retry or a redirect sends the body
/// again): bytes are shared, and a path is reopened and streamed from disk each time, never
/// read whole into memory.
#[derive(Debug, Clone)]
pub struct Upload {
    file_name: String,
    source: Source,
}

#[derive(Clone)]
enum Source {
    Bytes(bytes::Bytes),
    Path(PathBuf),
    Reopen { open: Reopen, length: u64 },
}

impl std::fmt::Debug for Source {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Bytes(bytes) => f.debug_tuple("Bytes").field(&bytes.len()).finish(),
            Source::Path(path) => f.debug_tuple("Path").field(path).finish(),
            Source::Reopen { length, .. } => {
                f.debug_struct("Reopen").field("length", length).finish()
            }
        }
    }
}

impl Upload {
    /// Uploads `data` under `file_name` (for example `Sales.pbix`).
    pub fn bytes(file_name: impl Into<String>, data: impl Into<bytes::Bytes>) -> Self {
        Upload {
            file_name: file_name.into(),
            source: Source::Bytes(data.into()),
        }
    }

    /// Uploads the file at `path`, streamed from disk, under its own file name.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload".to_owned());
        Upload {
            file_name,
            source: Source::Path(path),
        }
    }

    /// Uploads `length` bytes that `open` produces, under `file_name`. `open` is called once
    /// per attempt (a retry or a redirect sends the body again) and must yield the same bytes
    /// each time; they are streamed, never gathered in memory.
    pub fn reopen<S>(
        file_name: impl Into<String>,
        length: u64,
        open: impl Fn() -> S + Send + Sync + 'static,
    ) -> Self
    where
        S: futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
    {
        Upload {
            file_name: file_name.into(),
            source: Source::Reopen {
                open: Arc::new(move || open().boxed()),
                length,
            },
        }
    }

    /// The file's size in bytes (a path is asked for its size).
    #[inline]
    pub async fn len(&self) -> Result<u64> {
        match &self.source {
            Source::Bytes(bytes) => Ok(bytes.len() as u64),
            Source::Reopen { length, .. } => Ok(*length),
            Source::Path(path) => tokio::fs::metadata(path)
                .await
                .map(|metadata| metadata.len())
                .map_err(|error| {
                    Error::InvalidRequest(format!("cannot read {}: {error}", path.display()))
                }),
        }
    }

    /// Whether the file is empty.
    #[inline]
    pub async fn is_empty(&self) -> Result<bool> {
        self.len().await.map(|length| length == 0)
    }

    /// A fresh stream of the file's bytes (one attempt).
    #[doc(hidden)] // for `powerbi`'s import uploads
    #[inline]
    pub async fn open(&self) -> Result<BoxStream<'static, std::io::Result<bytes::Bytes>>> {
        match &self.source {
            Source::Bytes(bytes) => {
                let bytes = bytes.clone();
                Ok(futures::stream::once(async move { Ok(bytes) }).boxed())
            }
            Source::Reopen { open, .. } => Ok(open()),
            Source::Path(path) => {
                let file = tokio::fs::File::open(path).await.map_err(|error| {
                    Error::InvalidRequest(format!("cannot open {}: {error}", path.display()))
                })?;
                Ok(tokio_util_free_reader(file).boxed())
            }
        }
    }

    /// The name the file is sent under.
    #[inline]
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// A fresh multipart form for one attempt.
    #[inline]
    pub(crate) async fn form(&self) -> Result<reqwest::multipart::Form> {
        let part = match &self.source {
            Source::Bytes(bytes) => reqwest::multipart::Part::stream(bytes.clone()),
            Source::Path(path) => {
                let file = tokio::fs::File::open(path).await.map_err(|error| {
                    Error::InvalidRequest(format!("cannot open {}: {error}", path.display()))
                })?;
                let length = file
                    .metadata()
                    .await
                    .map_err(|error| {
                        Error::InvalidRequest(format!("cannot read {}: {error}", path.display()))
                    })?
                    .len();
                reqwest::multipart::Part::stream_with_length(reqwest::Body::from(file), length)
            }
            Source::Reopen { open, length } => reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(open().map_err(std::io::Error::other)),
                *length,
            ),
        };
        let part = part
            .file_name(self.file_name.clone())
            .mime_str("application/octet-stream")
            .map_err(|error| Error::InvalidRequest(error.to_string()))?;
        Ok(reqwest::multipart::Form::new().part("file", part))
    }
}

/// A file read in 64 KiB chunks as a stream (no extra dependency for a reader stream).
#[inline]
fn tokio_util_free_reader(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
    futures::stream::try_unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 64 * 1024];
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.truncate(read);
        Ok(Some((bytes::Bytes::from(buffer), file)))
    })
}

/// A request's file and the function that adds it to each attempt's request.
///
/// The function is a pointer, set where the file is given to the request (the builder methods
/// `file_body`, `stream_body` and `bytes_body`, `#[inline]` or generic), so that the code
/// which opens, measures and streams files, and the parts of tokio, futures and reqwest it
/// needs, is compiled only in the programs that send a file. Were the request pipeline to call
/// [`FileKind::attach`] directly, every build of this crate would compile it: about 15% of its
/// code (issue 13: compile time).
#[derive(Debug, Clone)]
pub(crate) struct FileBody {
    kind: FileKind,
    attach: Attach,
}

/// [`FileKind::attach`] behind a pointer: see [`FileBody`].
type Attach = for<'a> fn(
    &'a FileKind,
    reqwest::RequestBuilder,
) -> BoxFuture<'a, Result<reqwest::RequestBuilder>>;

impl FileBody {
    /// `upload` in a `multipart/form-data` form with one `file` part (imports).
    #[inline]
    pub(crate) fn multipart(upload: Upload) -> Self {
        FileBody::new(FileKind::Multipart(upload))
    }

    /// `upload`'s bytes as the body, with this `Content-Type`.
    #[inline]
    pub(crate) fn raw(upload: Upload, content_type: Cow<'static, str>) -> Self {
        FileBody::new(FileKind::Raw {
            upload,
            content_type,
        })
    }

    #[inline]
    fn new(kind: FileKind) -> Self {
        FileBody {
            kind,
            attach: |kind, request| kind.attach(request).boxed(),
        }
    }

    /// Adds the file to one attempt's request: see [`FileKind::attach`]. (Compiled here all
    /// the same, since the request pipeline calls it: only what the pointer leads to is not.)
    #[inline]
    pub(crate) fn attach(
        &self,
        request: reqwest::RequestBuilder,
    ) -> BoxFuture<'_, Result<reqwest::RequestBuilder>> {
        (self.attach)(&self.kind, request)
    }
}

/// How a request sends its file: in a `multipart/form-data` form, or as the raw body.
#[derive(Debug, Clone)]
enum FileKind {
    /// `multipart/form-data` with one `file` part (imports).
    Multipart(Upload),
    /// The file's bytes are the body, with this `Content-Type`.
    Raw {
        upload: Upload,
        content_type: Cow<'static, str>,
    },
}

impl FileKind {
    /// Adds the file to one attempt's request: a fresh form, or a fresh stream of exactly
    /// the file's length (`Content-Length` set, never gathered in memory).
    #[inline]
    async fn attach(&self, request: reqwest::RequestBuilder) -> Result<reqwest::RequestBuilder> {
        match self {
            FileKind::Multipart(upload) => Ok(request.multipart(upload.form().await?)),
            FileKind::Raw {
                upload,
                content_type,
            } => {
                let length = upload.len().await?;
                let stream = exactly(upload.open().await?, length);
                Ok(request
                    .header(reqwest::header::CONTENT_TYPE, content_type.as_ref())
                    .header(reqwest::header::CONTENT_LENGTH, length)
                    .body(reqwest::Body::wrap_stream(stream)))
            }
        }
    }
}

/// `stream`, failing (so the request fails rather than sending something else) when it yields
/// more or fewer than the `length` bytes announced in `Content-Length`: a file that changed
/// between the size asked and the bytes read, or a [`Upload::reopen`] source that lied.
#[inline]
fn exactly(
    stream: BoxStream<'static, std::io::Result<bytes::Bytes>>,
    length: u64,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
    futures::stream::try_unfold((stream, 0u64), move |(mut stream, sent)| async move {
        match stream.try_next().await? {
            Some(chunk) => {
                let sent =
                    u64::try_from(chunk.len()).map_or(u64::MAX, |len| sent.saturating_add(len));
                if sent > length {
                    return Err(std::io::Error::other(format!(
                        "the file grew past the {length} bytes announced while it was sent"
                    )));
                }
                Ok(Some((chunk, (stream, sent))))
            }
            None if sent < length => Err(std::io::Error::other(format!(
                "the file ended after {sent} of the {length} bytes announced"
            ))),
            None => Ok(None),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> BoxStream<'static, std::io::Result<bytes::Bytes>> {
        let parts: Vec<_> = parts
            .iter()
            .map(|part| Ok(bytes::Bytes::from_static(part)))
            .collect();
        futures::stream::iter(parts).boxed()
    }

    async fn collect(length: u64, parts: &[&'static [u8]]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut stream = std::pin::pin!(exactly(chunks(parts), length));
        while let Some(chunk) = stream.try_next().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn a_raw_body_passes_exactly_its_announced_length() {
        assert_eq!(collect(5, &[b"ab", b"cde"]).await.unwrap(), b"abcde");
        assert_eq!(collect(0, &[]).await.unwrap(), b"");
    }

    #[tokio::test]
    async fn a_raw_body_longer_or_shorter_than_announced_fails() {
        let longer = collect(4, &[b"ab", b"cde"]).await.unwrap_err();
        assert!(
            longer.to_string().contains("grew past the 4 bytes"),
            "{longer}"
        );
        let shorter = collect(9, &[b"ab", b"cde"]).await.unwrap_err();
        assert!(
            shorter.to_string().contains("after 5 of the 9 bytes"),
            "{shorter}"
        );
    }
}
