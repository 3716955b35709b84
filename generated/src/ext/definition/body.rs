//! The JSON body of a create or update, produced as it is sent: the JSON around the payloads
//! is written once (small), each file is read and base64-encoded block by block.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures::Stream;
use serde_json::{Map, Value};
use tokio::io::AsyncReadExt;

use super::folder::DefinitionFolder;
use crate::runtime::{Error, Result, Upload};

/// Bytes of a file read and encoded at once: a multiple of 3, so only the last block of a file
/// can end in base64 padding.
const BLOCK: usize = 3 * 64 * 1024;

/// One stretch of the body.
#[derive(Debug)]
enum Segment {
    /// JSON around the payloads.
    Text(Bytes),
    /// A file's bytes, base64-encoded (`len` bytes as listed).
    File { file: PathBuf, len: u64 },
}

/// The body of one request, re-creatable for every attempt.
#[derive(Debug, Clone)]
pub(super) struct Body {
    segments: Arc<Vec<Segment>>,
    len: u64,
}

#[inline]
fn encoding_error(error: serde_json::Error) -> Error {
    Error::InvalidRequest(format!("the definition cannot be encoded: {error}"))
}

/// The base64 length of `len` bytes.
#[inline]
fn encoded_len(len: u64) -> u64 {
    len.div_ceil(3).saturating_mul(4)
}

impl Body {
    /// `{...fields, "definition": {"format": ..., "parts": [{"path", "payload",
    /// "payloadType"}, ...]}}`.
    #[inline]
    pub(super) fn new(fields: Map<String, Value>, folder: &DefinitionFolder) -> Result<Self> {
        let mut head = serde_json::to_string(&fields).map_err(encoding_error)?;
        head.pop(); // the closing brace
        if !fields.is_empty() {
            head.push(',');
        }
        head.push_str("\"definition\":{");
        if let Some(format) = folder.format_name() {
            head.push_str("\"format\":");
            head.push_str(&serde_json::to_string(format).map_err(encoding_error)?);
            head.push(',');
        }
        head.push_str("\"parts\":[");
        let mut segments = Vec::new();
        let mut text = head;
        for (index, part) in folder.files().iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            text.push_str("{\"path\":");
            text.push_str(&serde_json::to_string(&part.path).map_err(encoding_error)?);
            text.push_str(",\"payload\":\"");
            segments.push(Segment::Text(Bytes::from(std::mem::take(&mut text))));
            segments.push(Segment::File {
                file: part.file.clone(),
                len: part.len,
            });
            text.push_str("\",\"payloadType\":\"InlineBase64\"}");
        }
        text.push_str("]}}");
        segments.push(Segment::Text(Bytes::from(text)));
        let len = segments.iter().fold(0u64, |total, segment| {
            total.saturating_add(match segment {
                Segment::Text(text) => text.len() as u64,
                Segment::File { len, .. } => encoded_len(*len),
            })
        });
        Ok(Body {
            segments: Arc::new(segments),
            len,
        })
    }

    /// The body as an [`Upload`] a request streams (and re-opens for a retry).
    #[inline]
    pub(super) fn upload(&self) -> Upload {
        let segments = Arc::clone(&self.segments);
        Upload::reopen("definition.json", self.len, move || {
            stream(Arc::clone(&segments))
        })
    }
}

/// Where the stream is.
struct Cursor {
    segments: Arc<Vec<Segment>>,
    next: usize,
    /// The file being sent and the bytes of it still to send.
    open: Option<(tokio::fs::File, u64, PathBuf)>,
    buffer: Vec<u8>,
}

#[inline]
fn changed(file: &std::path::Path) -> std::io::Error {
    std::io::Error::other(format!(
        "{} changed while it was being sent",
        file.display()
    ))
}

/// The body's bytes, one segment or one encoded block at a time.
#[inline]
fn stream(
    segments: Arc<Vec<Segment>>,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let cursor = Cursor {
        segments,
        next: 0,
        open: None,
        buffer: Vec::new(),
    };
    futures::stream::try_unfold(cursor, |mut cursor| async move {
        loop {
            if let Some((mut file, left, path)) = cursor.open.take() {
                if left == 0 {
                    let mut probe = [0u8; 1];
                    if file.read(&mut probe).await? != 0 {
                        return Err(changed(&path));
                    }
                    continue;
                }
                let want = usize::try_from(left).unwrap_or(BLOCK).min(BLOCK);
                cursor.buffer.resize(want, 0);
                let mut filled = 0;
                while filled < want {
                    let read = file.read(&mut cursor.buffer[filled..want]).await?;
                    if read == 0 {
                        return Err(changed(&path));
                    }
                    filled += read;
                }
                let encoded = Bytes::from(STANDARD.encode(&cursor.buffer[..want]));
                cursor.open = Some((file, left.saturating_sub(want as u64), path));
                return Ok(Some((encoded, cursor)));
            }
            let Some(segment) = cursor.segments.get(cursor.next) else {
                return Ok(None);
            };
            cursor.next += 1;
            match segment {
                Segment::Text(text) => {
                    let text = text.clone();
                    return Ok(Some((text, cursor)));
                }
                Segment::File { file, len } => {
                    let opened = tokio::fs::File::open(file).await.map_err(|error| {
                        std::io::Error::new(
                            error.kind(),
                            format!("cannot open {}: {error}", file.display()),
                        )
                    })?;
                    cursor.open = Some((opened, *len, file.clone()));
                }
            }
        }
    })
}
