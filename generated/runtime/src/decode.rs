//! Decoding a JSON answer into a generated type, the way every call does.

use serde::de::DeserializeOwned;

use super::{Error, Result};

/// Decodes `body` into `T` as every call decodes a JSON answer: with plain serde_json, and
/// only when that fails a second time with path tracking, so that the [`Error::Decode`] names
/// where the JSON went wrong (`value[3].createdDateTime`) at no cost to answers that decode.
/// `operation` labels the error; its `request_id` is `-`.
///
/// Useful for answers saved earlier, such as a scan result written to disk.
pub fn decode_json<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| Error::Decode {
        operation,
        path: error.path().to_string(),
        message: error.inner().to_string(),
        request_id: "-".to_owned(),
    })
}
