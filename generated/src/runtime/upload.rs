//! Files sent as `multipart/form-data` (imports), or streamed as a request body
//! ([`RequestBuilder::stream_body`](super::RequestBuilder::stream_body)).

use std::path::PathBuf;
use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use crate::runtime::{Error, Result};

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
    pub async fn is_empty(&self) -> Result<bool> {
        self.len().await.map(|length| length == 0)
    }

    /// A fresh stream of the file's bytes (one attempt).
    pub(crate) async fn open(&self) -> Result<BoxStream<'static, std::io::Result<bytes::Bytes>>> {
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
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// A fresh multipart form for one attempt.
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
