//! Files sent as `multipart/form-data` (imports).

use std::path::PathBuf;

use crate::runtime::{Error, Result};

/// A file to upload. It can be sent more than once (a retry or a redirect sends the body
/// again): bytes are shared, and a path is reopened and streamed from disk each time, never
/// read whole into memory.
#[derive(Debug, Clone)]
pub struct Upload {
    file_name: String,
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    Bytes(bytes::Bytes),
    Path(PathBuf),
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
        };
        let part = part
            .file_name(self.file_name.clone())
            .mime_str("application/octet-stream")
            .map_err(|error| Error::InvalidRequest(error.to_string()))?;
        Ok(reqwest::multipart::Form::new().part("file", part))
    }
}
