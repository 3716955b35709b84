//! Decoding a JSON answer into a generated type, the way every call does.

pub(crate) mod json_path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Error, Result};
use json_path::Step;

/// Decodes `body` into `T` as every call decodes a JSON answer: with plain serde_json, and
/// only when that fails a second time, so that the [`Error::Decode`] names where the JSON went
/// wrong (`value[3].createdDateTime`) at no cost to answers that decode. A body that is not
/// JSON at all is named at the root (`.`), with serde_json's line and column. `operation`
/// labels the error; its `request_id` is `-`.
///
/// Useful for answers saved earlier, such as a scan result written to disk.
pub fn decode_json<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    decode_value(operation, &parse_json(operation, body)?)
}

/// A failed decode: where it failed and what serde_json said.
#[derive(Debug)]
pub(crate) struct PathError {
    path: Vec<Step>,
    error: serde_json::Error,
}

impl PathError {
    /// The path of the value that did not fit (for a missing field: of its object).
    pub(crate) fn path(&self) -> &[Step] {
        &self.path
    }

    /// serde_json's message without the line and column of the text the path was found in,
    /// which are not the answer's: `missing field `id``, `invalid type: integer `7`, expected
    /// a string`.
    pub(crate) fn message(&self) -> String {
        let message = self.error.to_string();
        let position = format!(
            " at line {} column {}",
            self.error.line(),
            self.error.column()
        );
        match message.strip_suffix(&position) {
            Some(message) => message.to_owned(),
            None => message,
        }
    }
}

/// Decodes a parsed answer with `decode`, which reads a JSON text with plain serde_json as the
/// first try did (`serde_json::from_slice::<T>`, or a seed over a `serde_json::Deserializer`),
/// so a program compiles each model's decoder once, for bytes. The value is written out
/// compactly first; when it still does not fit, serde_json's column in that text gives the
/// path of what did not fit ([`json_path::blamed_at`]).
pub(crate) fn decode_parsed<T>(
    value: &Value,
    decode: impl FnOnce(&[u8]) -> serde_json::Result<T>,
) -> std::result::Result<T, PathError> {
    let text = compact_text(value);
    decode(&text).map_err(|error| PathError {
        path: blamed_in(&text, &error),
        error,
    })
}

/// `value` as `serde_json::to_vec` writes it: one line, no whitespace.
fn compact_text(value: &Value) -> Vec<u8> {
    // Writing a `Value` cannot fail (its keys are strings); an empty text fails to decode.
    serde_json::to_vec(value).unwrap_or_default()
}

/// The path of what `error` blamed in `text`, a one-line text from [`compact_text`] (the
/// root for anything else). serde_json's column of a decode error, on the first line, is the
/// offset of the first byte it had not read.
fn blamed_in(text: &[u8], error: &serde_json::Error) -> Vec<Step> {
    match error.line() {
        1 => json_path::blamed_at(text, error.column()),
        _ => Vec::new(),
    }
}

/// An answer that did not fit `T`, parsed, decoded again to find where: the strict policy's
/// error, naming where it went wrong.
pub(crate) fn decode_value<T: DeserializeOwned>(
    operation: &'static str,
    value: &Value,
) -> Result<T> {
    decode_parsed(value, |text| serde_json::from_slice(text))
        .map_err(|error| path_error(operation, &error))
}

/// The strict decode error for a failure at a path; its `request_id` is `-`.
pub(crate) fn path_error(operation: &'static str, error: &PathError) -> Error {
    Error::Decode {
        operation,
        path: json_path::render(&error.path),
        message: error.message(),
        request_id: "-".to_owned(),
    }
}

/// `body` parsed as a JSON value, the second step of every failed decode: the strict policy's
/// second decode, which finds where it failed, and the repairs of the lenient one both work on
/// the parsed value, written out compactly ([`decode_parsed`]). A body which is not JSON is
/// named by line and column instead of by path.
pub(crate) fn parse_json(operation: &'static str, body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|error| Error::Decode {
        operation,
        path: ".".to_owned(),
        message: error.to_string(),
        request_id: "-".to_owned(),
    })
}

/// `error` with the answer's `RequestId`, when it is a decode error and the answer had one.
pub(crate) fn with_request_id(mut error: Error, request_id: Option<&str>) -> Error {
    if let (Error::Decode { request_id: id, .. }, Some(request_id)) = (&mut error, request_id) {
        request_id.clone_into(id);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Listing {
        value: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Item {
        #[allow(dead_code)]
        id: uuid::Uuid,
    }

    fn decode_error(body: &[u8]) -> (String, String) {
        match decode_json::<Listing>("op", body) {
            Err(Error::Decode { path, message, .. }) => (path, message),
            other => panic!("a decode error, not {other:?}"),
        }
    }

    #[test]
    fn a_value_that_does_not_fit_is_named_by_its_path() {
        let body = br#"{"value":[{"id":"f089354e-8366-4e18-aea3-4cb4a3a50b48"},{"id":7}]}"#;
        let (path, message) = decode_error(body);
        assert_eq!(path, "value[1].id");
        assert!(
            message.starts_with("invalid type: integer `7`"),
            "{message}"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_named_at_the_root_by_line_and_column() {
        for (body, column) in [
            (&b"<html>proxy login</html>"[..], "column 1"),
            (br#"{"value":[{"id":"f0"#, "column 19"),
        ] {
            let (path, message) = decode_error(body);
            assert_eq!(path, ".");
            assert!(message.ends_with(&format!("line 1 {column}")), "{message}");
        }
    }

    #[test]
    fn an_answer_that_fits_decodes() {
        let body = br#"{"value":[{"id":"f089354e-8366-4e18-aea3-4cb4a3a50b48"}]}"#;
        let listing: Listing = decode_json("op", body).expect("fits");
        assert_eq!(listing.value.len(), 1);
    }
}
