//! Files in and out, with a byte bar on a terminal: a download is written to `PATH.partial`
//! and renamed to `PATH` only once complete, so an error or Ctrl-C never leaves a file that
//! looks whole; an upload is streamed from disk, counted as it is sent.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use indicatif::ProgressBar;
use powerbi::runtime::{RequestBuilder, Upload};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::failure::Failure;
use crate::progress;

/// A file being written: `PATH.partial` until [`PartialFile::commit`] renames it to `PATH`.
/// Dropped before that (an error, Ctrl-C), it removes the partial file.
#[derive(Debug)]
pub struct PartialFile {
    path: PathBuf,
    partial: PathBuf,
    file: tokio::fs::File,
    committed: bool,
}

impl PartialFile {
    /// Creates `PATH.partial` (replacing one an earlier run left).
    pub async fn create(path: &Path) -> Result<PartialFile, Failure> {
        let mut name = path.as_os_str().to_owned();
        name.push(".partial");
        let partial = PathBuf::from(name);
        let file = tokio::fs::File::create(&partial).await.map_err(|error| {
            Failure::other(format!("cannot create {}: {error}", partial.display()))
        })?;
        Ok(PartialFile {
            path: path.to_owned(),
            partial,
            file,
            committed: false,
        })
    }

    /// The file being written.
    pub fn file(&mut self) -> &mut tokio::fs::File {
        &mut self.file
    }

    /// Flushes the file to disk and gives it its name.
    pub async fn commit(mut self) -> Result<(), Failure> {
        let cannot = |error: std::io::Error| {
            Failure::other(format!("cannot write {}: {error}", self.path.display()))
        };
        self.file.flush().await.map_err(cannot)?;
        self.file.sync_all().await.map_err(cannot)?;
        tokio::fs::rename(&self.partial, &self.path)
            .await
            .map_err(cannot)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing more can be done about a file that cannot be removed.
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// What a finished download prints: where the file is and its size.
pub fn saved(path: &Path, bytes: u64) -> serde_json::Value {
    json!({"file": path.display().to_string(), "bytes": bytes})
}

/// Sends `request` and streams its answer to `path`; returns the number of bytes.
pub async fn download(request: RequestBuilder, path: &Path) -> Result<u64, Failure> {
    let mut file = PartialFile::create(path).await?;
    let bar = progress::bytes(format!("downloading {}", path.display()), None);
    let mut stream = request.send_streaming().await?;
    let mut written = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        file.file()
            .write_all(&chunk)
            .await
            .map_err(|error| Failure::other(format!("cannot write {}: {error}", path.display())))?;
        written = written.saturating_add(chunk.len() as u64);
        bar.inc(chunk.len() as u64);
    }
    file.commit().await?;
    bar.finish_and_clear();
    Ok(written)
}

/// The file at `path` as an upload, with a byte bar that each attempt restarts.
pub async fn upload(path: &str) -> Result<(Upload, ProgressBar), Failure> {
    let path = PathBuf::from(path);
    let length = tokio::fs::metadata(&path)
        .await
        .map_err(|error| Failure::usage(format!("--file {}: {error}", path.display())))?
        .len();
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".to_owned());
    let bar = progress::bytes(format!("uploading {name}"), Some(length));
    let counted = bar.clone();
    let upload = Upload::reopen(name, length, move || {
        counted.set_position(0);
        chunks(path.clone(), counted.clone())
    });
    Ok((upload, bar))
}

/// The file's bytes in chunks of at most 64 KiB, each counted on `bar` as it is handed over.
fn chunks(
    path: PathBuf,
    bar: ProgressBar,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures::stream::unfold(
        (None::<tokio::fs::File>, path, bar, false),
        |(file, path, bar, done)| async move {
            if done {
                return None;
            }
            let mut file = match file {
                Some(file) => file,
                None => match tokio::fs::File::open(&path).await {
                    Ok(file) => file,
                    Err(error) => return Some((Err(error), (None, path, bar, true))),
                },
            };
            let mut buffer = vec![0u8; 64 * 1024];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(read) => {
                    buffer.truncate(read);
                    bar.inc(read as u64);
                    Some((Ok(Bytes::from(buffer)), (Some(file), path, bar, false)))
                }
                Err(error) => Some((Err(error), (None, path, bar, true))),
            }
        },
    )
}
