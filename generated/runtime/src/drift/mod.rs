//! The decode policy: what happens when an answer does not fit its model.
//!
//! The real service drifts from its description all the time: a field the description calls
//! required is missing (Microsoft's own scan example omits `reportUserAccessRight`), an id is
//! not a GUID, a number comes as an object. Under the default [`DecodePolicy::Lenient`] such an
//! answer does not fail; it is repaired, and every repair is reported:
//!
//! 1. The answer is decoded with plain serde_json. Almost every answer stops here, at no cost.
//! 2. When that fails, it is parsed as JSON (a body that is not JSON at all still fails) and
//!    decoded again, which finds the JSON path of what did not fit. At that path:
//!    - a **missing required field** gets the value its type decodes as empty (`""`, `0`,
//!      `false`, `[]`, `{}`, the nil UUID, the Unix epoch), in that place and in the same
//!      place of every sibling item that also lacks it; not at the root, though: an answer
//!      without its own required fields (a listing without `value`) is not the one asked for;
//!    - a **value of an unexpected shape** is replaced: by `null` where the field is optional,
//!      else by such an empty value; an array item that no empty value can stand for is
//!      dropped from its array.
//! 3. Each repair is a [`Drift`]: the JSON path, serde's words, what was done, and the value
//!    the service sent (kept, so nothing is lost). The answer's drifts go to the client's
//!    [`on_drift`](crate::PowerBiClientBuilder::on_drift) callback as one [`DriftReport`] and
//!    to a `tracing` WARN event `answer did not fit its model` (operation, RequestId, count,
//!    paths; never the values, which may be tenant data).
//!
//! At most [`MAX_REPAIRS`] repairs are made per answer; an answer that needs more, or whose
//! root does not fit, fails with [`Error::Decode`](crate::Error::Decode) as under
//! [`DecodePolicy::Strict`], which the example proofs and the sandbox tests use so that a spec
//! mistake fails loudly.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Result;
use super::decode::{self, PathError, with_request_id};

mod repair;
use repair::repair;

/// How answers that do not fit their model are decoded (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DecodePolicy {
    /// Repair what does not fit and report it (default): a call never fails because the
    /// service left out a field or sent one value of another shape.
    #[default]
    Lenient,
    /// Fail the call with [`Error::Decode`](crate::Error::Decode) on any mismatch (tests and
    /// spec proofs).
    Strict,
}

/// What a repair did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DriftAction {
    /// A missing required field was given this empty value.
    FilledMissing(Value),
    /// The value was replaced by this one (`null`, or an empty value).
    Replaced(Value),
    /// The array item was dropped from its array.
    RemovedItem,
}

/// One place where an answer did not fit its model.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Drift {
    /// JSON path of the place (`workspaces[0].reports[2].users[0].reportUserAccessRight`).
    pub path: String,
    /// What did not fit, in serde's words.
    pub problem: String,
    /// What was done about it.
    pub action: DriftAction,
    /// The value the service sent there (`None` for a missing field).
    pub original: Option<Value>,
}

impl fmt::Debug for Drift {
    // The original value is tenant data (it may even be a token): show its shape, not itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drift")
            .field("path", &self.path)
            .field("problem", &self.problem)
            .field("action", &self.action)
            .field("original", &self.original.as_ref().map(shape))
            .finish()
    }
}

/// Every repair made to one answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DriftReport {
    /// The operation whose answer it was.
    pub operation: &'static str,
    /// The answer's `RequestId`, when it had one.
    pub request_id: Option<String>,
    /// The repairs, in the order they were made.
    pub drifts: Vec<Drift>,
}

/// The callback that receives drift reports.
pub(crate) type DriftSink = Arc<dyn Fn(&DriftReport) + Send + Sync>;

/// How one client decodes answers.
#[derive(Clone, Default)]
pub(crate) struct DecodeSettings {
    pub(crate) policy: DecodePolicy,
    pub(crate) on_drift: Option<DriftSink>,
}

impl fmt::Debug for DecodeSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeSettings")
            .field("policy", &self.policy)
            .field("on_drift", &self.on_drift.is_some())
            .finish()
    }
}

/// The most repairs made to one answer before it fails as a whole.
pub const MAX_REPAIRS: usize = 64;

impl DecodeSettings {
    /// Decodes an answer under this policy, reporting what was repaired.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        request_id: Option<&str>,
        body: &[u8],
    ) -> Result<T> {
        if let Ok(value) = serde_json::from_slice(body) {
            return Ok(value);
        }
        // What follows runs only for an answer that did not fit, and once: not a second
        // plain decode through `decode_json` or `decode_json_lenient`.
        let outcome = decode::parse_json(operation, body).and_then(|value| match self.policy {
            DecodePolicy::Strict => {
                decode::decode_value(operation, &value).map(|value| (value, vec![]))
            }
            DecodePolicy::Lenient => decode_repaired(operation, value),
        });
        let (value, drifts) = outcome.map_err(|error| with_request_id(error, request_id))?;
        self.report(operation, request_id, drifts);
        Ok(value)
    }

    /// Repairs and decodes an already parsed answer (pages, whose items are decoded by a
    /// seed), reporting what was repaired.
    pub(crate) fn repair_with<T>(
        &self,
        operation: &'static str,
        request_id: Option<&str>,
        value: Value,
        decode: impl Fn(&Value) -> std::result::Result<T, PathError>,
    ) -> Result<T> {
        let outcome = match self.policy {
            DecodePolicy::Strict => decode(&value)
                .map(|decoded| (decoded, vec![]))
                .map_err(|error| decode::path_error(operation, &error)),
            DecodePolicy::Lenient => repair(operation, value, decode),
        };
        let (decoded, drifts) = outcome.map_err(|error| with_request_id(error, request_id))?;
        self.report(operation, request_id, drifts);
        Ok(decoded)
    }

    fn report(&self, operation: &'static str, request_id: Option<&str>, drifts: Vec<Drift>) {
        if drifts.is_empty() {
            return;
        }
        let paths: Vec<&str> = drifts
            .iter()
            .take(8)
            .map(|drift| drift.path.as_str())
            .collect();
        tracing::warn!(
            powerbi.operation = operation,
            powerbi.request_id = request_id.unwrap_or("-"),
            count = drifts.len(),
            paths = %paths.join(", "),
            "answer did not fit its model; decoded leniently"
        );
        if let Some(sink) = &self.on_drift {
            sink(&DriftReport {
                operation,
                request_id: request_id.map(str::to_owned),
                drifts,
            });
        }
    }
}

/// Decodes `body` into `T` under [`DecodePolicy::Lenient`], returning the repairs made (none
/// when it fit). Useful for answers saved earlier; calls do the same on their own.
pub fn decode_json_lenient<T: DeserializeOwned>(
    operation: &'static str,
    body: &[u8],
) -> Result<(T, Vec<Drift>)> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok((value, Vec::new()));
    }
    // Not JSON at all: nothing to repair.
    decode_repaired(operation, decode::parse_json(operation, body)?)
}

/// An answer that did not fit `T`, parsed, decoded after the repairs it needs.
fn decode_repaired<T: DeserializeOwned>(
    operation: &'static str,
    value: Value,
) -> Result<(T, Vec<Drift>)> {
    repair(operation, value, |value| {
        decode::decode_parsed(value, |text| serde_json::from_slice(text))
    })
}

/// The shape of a value, for Debug output that must not show tenant data.
fn shape(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(_) => "a boolean".to_owned(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(text) => format!("a string of {} characters", text.chars().count()),
        Value::Array(items) => format!("an array of {} items", items.len()),
        Value::Object(map) => format!("an object of {} fields", map.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct User {
        identifier: String,
        access_right: String,
        #[serde(default)]
        display_name: Option<String>,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Listing {
        value: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        id: uuid::Uuid,
        #[serde(default)]
        users: Option<Vec<User>>,
        #[serde(default)]
        count: Option<i64>,
    }

    const ID: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";

    #[test]
    fn an_answer_that_fits_has_no_drift() {
        let body = format!(r#"{{"value":[{{"id":"{ID}"}}]}}"#);
        let (listing, drifts) = decode_json_lenient::<Listing>("op", body.as_bytes()).unwrap();
        assert_eq!(listing.value.len(), 1);
        assert!(drifts.is_empty());
    }

    #[test]
    fn a_missing_required_field_is_filled_in_every_item_at_once() {
        let body = format!(
            r#"{{"value":[{{"id":"{ID}","users":[{{"identifier":"a"}},{{"identifier":"b","accessRight":"Admin"}},{{"identifier":"c"}}]}}]}}"#
        );
        let (listing, drifts) = decode_json_lenient::<Listing>("op", body.as_bytes()).unwrap();
        let users = listing.value[0].users.as_ref().unwrap();
        assert_eq!(users.len(), 3);
        assert_eq!(users[0].access_right, "");
        assert_eq!(users[1].access_right, "Admin");
        let paths: Vec<&str> = drifts.iter().map(|drift| drift.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "value[0].users[0].accessRight",
                "value[0].users[2].accessRight"
            ]
        );
        assert!(drifts.iter().all(|drift| drift.original.is_none()
            && drift.action == DriftAction::FilledMissing(Value::String(String::new()))));
    }

    #[test]
    fn a_value_of_another_shape_is_replaced_and_kept_in_the_report() {
        let body = format!(
            r#"{{"value":[{{"id":"{ID}","count":{{"weird":true}}}},{{"id":"not-a-guid"}}]}}"#
        );
        let (listing, drifts) = decode_json_lenient::<Listing>("op", body.as_bytes()).unwrap();
        assert_eq!(listing.value[0].count, None);
        assert_eq!(listing.value[1].id, uuid::Uuid::nil());
        assert_eq!(drifts.len(), 2);
        assert_eq!(drifts[0].path, "value[0].count");
        assert_eq!(drifts[0].action, DriftAction::Replaced(Value::Null));
        assert_eq!(drifts[0].original, Some(serde_json::json!({"weird": true})));
        assert_eq!(drifts[1].path, "value[1].id");
        assert_eq!(drifts[1].original, Some(Value::String("not-a-guid".into())));
        // Debug shows the shape of what was sent, never the value itself.
        assert!(!format!("{:?}", drifts[1]).contains("not-a-guid"));
    }

    #[test]
    fn an_item_nothing_can_stand_for_is_dropped() {
        let body = format!(r#"{{"value":[{{"id":"{ID}"}},7]}}"#);
        let (listing, drifts) = decode_json_lenient::<Listing>("op", body.as_bytes()).unwrap();
        assert_eq!(listing.value.len(), 1);
        assert_eq!(drifts[0].action, DriftAction::RemovedItem);
        assert_eq!(drifts[0].original, Some(Value::from(7)));
    }

    #[test]
    fn a_root_of_another_shape_and_non_json_still_fail() {
        for body in [
            &b"[1,2]"[..],
            b"<html>proxy login</html>",
            b"",
            br#"{"message":"sign in to the proxy"}"#,
        ] {
            let error = decode_json_lenient::<Listing>("op", body).unwrap_err();
            assert!(matches!(error, Error::Decode { .. }), "{error}");
        }
    }

    #[test]
    fn too_many_broken_values_fail_naming_the_first() {
        let items: Vec<String> = (0..MAX_REPAIRS + 5)
            .map(|index| format!(r#"{{"id":"bad-{index}"}}"#))
            .collect();
        let body = format!(r#"{{"value":[{}]}}"#, items.join(","));
        let error = decode_json_lenient::<Listing>("op", body.as_bytes()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("value[0].id"), "{text}");
        assert!(text.contains(&format!("more than {MAX_REPAIRS}")), "{text}");
    }

    #[test]
    fn strict_settings_fail_where_lenient_ones_repair() {
        let body = br#"{"value":[{"id":"nope"}]}"#;
        let strict = DecodeSettings {
            policy: DecodePolicy::Strict,
            on_drift: None,
        };
        assert!(strict.decode::<Listing>("op", Some("rid"), body).is_err());
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let lenient = DecodeSettings {
            policy: DecodePolicy::Lenient,
            on_drift: Some(Arc::new(move |report: &DriftReport| {
                sink.lock().unwrap().push(report.clone());
            })),
        };
        let listing = lenient.decode::<Listing>("op", Some("rid"), body).unwrap();
        assert_eq!(listing.value[0].id, uuid::Uuid::nil());
        let reports = seen.lock().unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].request_id.as_deref(), Some("rid"));
        assert_eq!(reports[0].drifts[0].path, "value[0].id");
    }
}
