//! Writing a getDefinition answer to a folder: every part path checked before anything is
//! written, each payload decoded from the answer straight to its file.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::parse::{Answer, Part};
use crate::runtime::{Error, Result};

const OPERATION: &str = "get_item_definition_to_folder";

/// Base64 characters decoded at once (a multiple of 4): 48 KiB of bytes.
const BLOCK: usize = 64 * 1024;

/// What [`FabricClient::get_item_definition_to_folder`](crate::runtime::FabricClient::get_item_definition_to_folder)
/// wrote.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WrittenDefinition {
    /// The definition's `format`, when the service named one.
    pub format: Option<String>,
    /// Each part's path (relative to the target folder, `/`-separated) and its size in bytes,
    /// in the service's order.
    pub parts: Vec<(String, u64)>,
}

#[inline]
fn unusable(field: String, message: String) -> Error {
    Error::Unusable {
        operation: OPERATION,
        field,
        message,
        request_id: "-".to_owned(),
    }
}

/// The folders and file name of a part path, or why it may not be written: it must stay
/// inside the target folder on every platform.
#[inline]
fn safe_segments(path: &str) -> std::result::Result<Vec<&str>, &'static str> {
    if path.is_empty() {
        return Err("it is empty");
    }
    if path.contains('\0') {
        return Err("it contains a NUL");
    }
    if path.contains('\\') {
        return Err("it contains a backslash");
    }
    if path.contains(':') {
        return Err("it contains a colon (a drive or stream prefix)");
    }
    if path.starts_with('/') {
        return Err("it is absolute");
    }
    let segments: Vec<&str> = path.split('/').collect();
    for segment in &segments {
        match *segment {
            "" => return Err("it has an empty segment"),
            "." | ".." => return Err("it has a `.` or `..` segment"),
            _ => {}
        }
    }
    Ok(segments)
}

#[inline]
fn write_error(path: &Path, error: std::io::Error) -> Error {
    Error::InvalidRequest(format!(
        "{OPERATION}: cannot write {}: {error}",
        path.display()
    ))
}

/// Writes the parts of `answer` under `target`.
#[inline]
pub(super) async fn write_definition(
    answer: bytes::Bytes,
    target: PathBuf,
) -> Result<WrittenDefinition> {
    // Parsing and decoding are CPU work and the files are written with blocking calls.
    tokio::task::spawn_blocking(move || write_blocking(&answer, &target))
        .await
        .map_err(|error| Error::InvalidRequest(format!("{OPERATION}: {error}")))?
}

#[inline]
fn write_blocking(answer: &[u8], target: &Path) -> Result<WrittenDefinition> {
    let Answer(definition) = serde_json::from_slice::<Answer<'_>>(answer).map_err(|error| {
        // serde_json's message may quote the input; only its place is named.
        unusable(
            "definition".to_owned(),
            format!(
                "the answer is not a definition (line {}, column {})",
                error.line(),
                error.column()
            ),
        )
    })?;
    let definition =
        definition.ok_or_else(|| unusable("definition".to_owned(), "missing".to_owned()))?;
    let checked = check_parts(&definition.parts)?;
    std::fs::create_dir_all(target).map_err(|error| write_error(target, error))?;
    let mut written = Vec::with_capacity(checked.len());
    for (part, (path, segments)) in definition.parts.iter().zip(checked) {
        let payload = part.payload.as_ref().map_or("", |payload| &payload.0);
        let size = write_part(target, path, &segments, payload)?;
        written.push((path.to_owned(), size));
    }
    Ok(WrittenDefinition {
        format: definition.format.map(|format| format.0.into_owned()),
        parts: written,
    })
}

/// Every part's path and segments, once all are known to be safe, inline base64, and unique.
#[inline]
fn check_parts<'p>(parts: &'p [Part<'_>]) -> Result<Vec<(&'p str, Vec<&'p str>)>> {
    let mut seen = HashSet::new();
    let mut checked = Vec::with_capacity(parts.len());
    for (index, part) in parts.iter().enumerate() {
        let field = format!("definition.parts[{index}].path");
        let path: &str = part
            .path
            .as_ref()
            .map(|path| path.0.as_ref())
            .ok_or_else(|| unusable(field.clone(), "missing".to_owned()))?;
        let segments = safe_segments(path).map_err(|why| {
            unusable(
                field.clone(),
                format!("the part path {path:?} is refused: {why}; nothing was written"),
            )
        })?;
        // Ignoring case: on Windows and macOS the second would overwrite the first.
        if !seen.insert(path.to_lowercase()) {
            return Err(unusable(
                field,
                format!("the part path {path:?} comes twice; nothing was written"),
            ));
        }
        let kind = part.payload_type.as_ref().map(|kind| kind.0.as_ref());
        if kind.is_some_and(|kind| kind != "InlineBase64") {
            return Err(unusable(
                format!("definition.parts[{index}].payloadType"),
                format!(
                    "the part {path:?} has payload type {:?}; only InlineBase64 is supported",
                    kind.unwrap_or_default()
                ),
            ));
        }
        checked.push((path, segments));
    }
    Ok(checked)
}

/// Decodes `payload` into `target/segments...`, block by block; returns the bytes written. A
/// payload that is not base64 removes the file and names the part (never its content).
#[inline]
fn write_part(target: &Path, path: &str, segments: &[&str], payload: &str) -> Result<u64> {
    let mut file_path = target.to_owned();
    for segment in segments {
        file_path.push(segment);
        // A link already in the target folder is never followed out of it.
        if std::fs::symlink_metadata(&file_path).is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(Error::InvalidRequest(format!(
                "{OPERATION}: refusing to write part {path:?} through the link {}",
                file_path.display()
            )));
        }
    }
    if let Some(parent) = file_path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| write_error(parent, error))?;
    }
    let file = std::fs::File::create(&file_path).map_err(|error| write_error(&file_path, error))?;
    let mut file = std::io::BufWriter::with_capacity(BLOCK, file);
    let mut decoded = vec![0u8; BLOCK / 4 * 3];
    let mut size = 0u64;
    let blocks = payload.as_bytes().chunks(BLOCK);
    let last = blocks.len().saturating_sub(1);
    for (block, chars) in blocks.enumerate() {
        // Padding may end only the last block.
        let decoded_block = STANDARD
            .decode_slice(chars, &mut decoded)
            .ok()
            .filter(|length| block == last || *length == decoded.len());
        let length = match decoded_block {
            Some(length) => length,
            None => {
                drop(file);
                let _ = std::fs::remove_file(&file_path);
                return Err(unusable(
                    "payload".to_owned(),
                    format!(
                        "the payload of part {path:?} is not valid base64 (in its characters from {}); its file was removed",
                        block.saturating_mul(BLOCK)
                    ),
                ));
            }
        };
        file.write_all(&decoded[..length])
            .map_err(|error| write_error(&file_path, error))?;
        size = size.saturating_add(length as u64);
    }
    file.flush()
        .map_err(|error| write_error(&file_path, error))?;
    Ok(size)
}
