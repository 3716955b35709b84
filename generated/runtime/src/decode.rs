//! Decoding a JSON answer into a generated type, the way every call does.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Error, Result};

/// Decodes `body` into `T` as every call decodes a JSON answer: with plain serde_json, and
/// only when that fails a second time with path tracking, so that the [`Error::Decode`] names
/// where the JSON went wrong (`value[3].createdDateTime`) at no cost to answers that decode.
/// A body that is not JSON at all is named at the root (`.`), with serde_json's line and
/// column. `operation` labels the error; its `request_id` is `-`.
///
/// Useful for answers saved earlier, such as a scan result written to disk.
pub fn decode_json<T: DeserializeOwned>(operation: &'static str, body: &[u8]) -> Result<T> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    decode_value(operation, &parse_json(operation, body)?)
}

/// A decode error with the path where it happened.
pub(crate) type PathError = serde_path_to_error::Error<serde_json::Error>;

/// An answer that did not fit `T`, parsed, decoded again with path tracking: the strict
/// policy's error, naming where it went wrong.
pub(crate) fn decode_value<T: DeserializeOwned>(
    operation: &'static str,
    value: &Value,
) -> Result<T> {
    match serde_path_to_error::deserialize(value) {
        Ok(decoded) => Ok(decoded),
        Err(error) => Err(path_error(operation, &error)),
    }
}

/// The strict decode error for a failure at a tracked path; its `request_id` is `-`.
pub(crate) fn path_error(operation: &'static str, error: &PathError) -> Error {
    Error::Decode {
        operation,
        path: error.path().to_string(),
        message: error.inner().to_string(),
        request_id: "-".to_owned(),
    }
}

/// `body` parsed as a JSON value, the second step of every failed decode: the path-tracking
/// decode (strict) and the repairs (lenient) both work on the parsed value. So each model's
/// decoder is compiled twice per program, for the bytes and for a parsed value, not a third
/// time for path tracking over the bytes (issue 13: compile time); the price is that a body
/// which is not JSON is named by line and column instead of by path.
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
