//! The decode policy: what happens when an answer does not fit its model.
//!
//! The real service drifts from its description all the time: a field the description calls
//! required is missing (Microsoft's own scan example omits `reportUserAccessRight`), an id is
//! not a GUID, a number comes as an object. Under the default [`DecodePolicy::Lenient`] such an
//! answer does not fail; it is repaired, and every repair is reported:
//!
//! 1. The answer is decoded with plain serde_json. Almost every answer stops here, at no cost.
//! 2. When that fails, it is parsed as JSON (a body that is not JSON at all still fails) and
//!    decoded again with the failing path tracked. At that path:
//!    - a **missing required field** gets the value its type decodes as empty (`""`, `0`,
//!      `false`, `[]`, `{}`, the nil UUID, the Unix epoch), in that place and in the same
//!      place of every sibling item that also lacks it;
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
//! root does not fit, fails with [`Error::Decode`] as under [`DecodePolicy::Strict`], which the
//! example proofs and the sandbox tests use so that a spec mistake fails loudly.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Error, Result};

/// How answers that do not fit their model are decoded (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DecodePolicy {
    /// Repair what does not fit and report it (default): a call never fails because the
    /// service left out a field or sent one value of another shape.
    #[default]
    Lenient,
    /// Fail the call with [`Error::Decode`] on any mismatch (tests and spec proofs).
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
        let outcome = match self.policy {
            DecodePolicy::Strict => {
                super::decode_json(operation, body).map(|value| (value, vec![]))
            }
            DecodePolicy::Lenient => decode_json_lenient(operation, body),
        };
        let (value, drifts) = outcome.map_err(|mut error| {
            if let (Error::Decode { request_id: id, .. }, Some(request_id)) =
                (&mut error, request_id)
            {
                request_id.clone_into(id);
            }
            error
        })?;
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
                .map_err(|error| decode_error(operation, &error)),
            DecodePolicy::Lenient => repair(operation, value, decode),
        };
        let (decoded, drifts) = outcome.map_err(|mut error| {
            if let (Error::Decode { request_id: id, .. }, Some(request_id)) =
                (&mut error, request_id)
            {
                request_id.clone_into(id);
            }
            error
        })?;
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
            operation,
            request_id = request_id.unwrap_or("-"),
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
    // Not JSON at all: nothing to repair; the strict decoder names where it broke.
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => return super::decode_json(operation, body).map(|value| (value, vec![])),
    };
    repair(operation, value, |value| {
        serde_path_to_error::deserialize(value)
    })
}

/// A decode error with the path where it happened.
pub(crate) type PathError = serde_path_to_error::Error<serde_json::Error>;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// What the decoder said went wrong, and where.
struct Failure {
    /// Where the failing value is (for a missing field: where it should be).
    at: Vec<Step>,
    missing: bool,
    message: String,
    expected: String,
}

fn failure(error: &PathError) -> Option<Failure> {
    let mut at = Vec::new();
    for segment in error.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => at.push(Step::Index(*index)),
            serde_path_to_error::Segment::Map { key } => at.push(Step::Key(key.clone())),
            // An enum variant or an untracked place cannot be located in the JSON.
            _ => return None,
        }
    }
    let message = error.inner().to_string();
    // serde_json appends " at line L column C", which means nothing for a parsed value.
    let message = match message.find(" at line ") {
        Some(end) => message[..end].to_owned(),
        None => message,
    };
    let missing = message.strip_prefix("missing field `").and_then(|rest| {
        let field = rest.split('`').next()?;
        Some(field.to_owned())
    });
    let expected = message
        .split_once(", expected ")
        .map(|(_, expected)| expected.to_owned())
        .unwrap_or_default();
    Some(match missing {
        Some(field) => {
            at.push(Step::Key(field));
            Failure {
                at,
                missing: true,
                message,
                expected,
            }
        }
        None => Failure {
            at,
            missing: false,
            message,
            expected,
        },
    })
}

fn decode_error(operation: &'static str, error: &PathError) -> Error {
    Error::Decode {
        operation,
        path: error.path().to_string(),
        message: error.inner().to_string(),
        request_id: "-".to_owned(),
    }
}

/// Values that decode as the empty value of most types, best guess first for what serde
/// said it expected.
fn candidates(expected: &str, missing: bool) -> Vec<Value> {
    let mut list = Vec::with_capacity(9);
    if !missing {
        list.push(Value::Null);
    }
    let expected = expected.to_ascii_lowercase();
    let guess: Option<Value> = if expected.contains("sequence") || expected.contains("array") {
        Some(Value::Array(Vec::new()))
    } else if expected.contains("struct") || expected.contains("map") {
        Some(Value::Object(serde_json::Map::new()))
    } else if expected.contains("bool") {
        Some(Value::Bool(false))
    } else if [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "integer", "number",
    ]
    .iter()
    .any(|word| expected.contains(word))
    {
        Some(Value::from(0))
    } else {
        None
    };
    list.extend(guess);
    for value in [
        Value::String(String::new()),
        Value::String("00000000-0000-0000-0000-000000000000".to_owned()),
        Value::String("1970-01-01T00:00:00Z".to_owned()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(serde_json::Map::new()),
    ] {
        if !list.contains(&value) {
            list.push(value);
        }
    }
    list
}

/// The repair loop (see the module docs).
fn repair<T>(
    operation: &'static str,
    mut value: Value,
    decode: impl Fn(&Value) -> std::result::Result<T, PathError>,
) -> Result<(T, Vec<Drift>)> {
    let mut drifts = Vec::new();
    let mut first_error: Option<Error> = None;
    // Repairs, not drifts: one repair may fill the same field in every item of a list.
    let mut repairs = 0usize;
    loop {
        let error = match decode(&value) {
            Ok(decoded) => return Ok((decoded, drifts)),
            Err(error) => error,
        };
        if repairs >= MAX_REPAIRS {
            // Name the first place that did not fit: the service's own mistake.
            return Err(match first_error {
                Some(Error::Decode {
                    operation,
                    path,
                    message,
                    request_id,
                }) => Error::Decode {
                    operation,
                    path,
                    message: format!(
                        "{message} (and more than {MAX_REPAIRS} other values did not fit)"
                    ),
                    request_id,
                },
                _ => decode_error(operation, &error),
            });
        }
        first_error.get_or_insert_with(|| decode_error(operation, &error));
        let repaired =
            failure(&error).is_some_and(|failure| fix(&mut value, &failure, &decode, &mut drifts));
        if !repaired {
            // What cannot be repaired is named as the service sent it.
            return Err(decode_error(operation, &error));
        }
        repairs += 1;
    }
}

/// Repairs the place `failure` names; false when nothing could stand there.
fn fix<T>(
    value: &mut Value,
    failure: &Failure,
    decode: &impl Fn(&Value) -> std::result::Result<T, PathError>,
    drifts: &mut Vec<Drift>,
) -> bool {
    // The root itself cannot be replaced: an answer of another shape is not drift.
    let Some((last, parent_path)) = failure.at.split_last() else {
        return false;
    };
    let original = locate(value, &failure.at).cloned();
    if !failure.missing && original.is_none() {
        return false;
    }
    // An array item of another shape is dropped rather than rebuilt from empty values (unless
    // the items are optional): a made-up item would be worse than a missing one.
    let candidates = match last {
        Step::Index(_) if !failure.missing => vec![Value::Null],
        _ => candidates(&failure.expected, failure.missing),
    };
    for candidate in candidates {
        if !put(value, parent_path, last, candidate.clone()) {
            return false;
        }
        let accepted = match decode(value) {
            Ok(_) => true,
            Err(error) => match super::drift::failure(&error) {
                // Still wrong in the same place: this candidate is not of the right type.
                Some(next) => next.at != failure.at || next.missing,
                None => true,
            },
        };
        if accepted {
            let path = render(&failure.at);
            if failure.missing {
                drifts.push(Drift {
                    path,
                    problem: failure.message.clone(),
                    action: DriftAction::FilledMissing(candidate.clone()),
                    original: None,
                });
                fill_siblings(
                    value,
                    parent_path,
                    last,
                    &candidate,
                    &failure.message,
                    drifts,
                );
            } else {
                drifts.push(Drift {
                    path,
                    problem: failure.message.clone(),
                    action: DriftAction::Replaced(candidate),
                    original,
                });
            }
            return true;
        }
    }
    // Nothing stands for it: drop an array item; anything else cannot be repaired.
    match (last, original) {
        (Step::Index(index), Some(original)) => {
            if let Some(Value::Array(items)) = locate_mut(value, parent_path)
                && *index < items.len()
            {
                items.remove(*index);
                drifts.push(Drift {
                    path: render(&failure.at),
                    problem: failure.message.clone(),
                    action: DriftAction::RemovedItem,
                    original: Some(original),
                });
                return true;
            }
            false
        }
        (_, original) => {
            // Put back what was there, so the error names the service's value.
            if let Some(original) = original {
                put(value, parent_path, last, original);
            } else if let (Step::Key(key), Some(Value::Object(map))) =
                (last, locate_mut(value, parent_path))
            {
                map.remove(key);
            }
            false
        }
    }
}

/// Gives every sibling of a filled place (the same path with any array indices) that also
/// lacks the field the same value, so a field the service dropped from every item costs one
/// repair, not one per item.
fn fill_siblings(
    value: &mut Value,
    parent_path: &[Step],
    last: &Step,
    filler: &Value,
    problem: &str,
    drifts: &mut Vec<Drift>,
) {
    let Step::Key(field) = last else { return };
    let mut places = Vec::new();
    collect_places(value, parent_path, &mut Vec::new(), &mut places);
    for place in places {
        if let Some(Value::Object(map)) = locate_mut(value, &place)
            && !map.contains_key(field)
        {
            map.insert(field.clone(), filler.clone());
            let mut at = place;
            at.push(last.clone());
            drifts.push(Drift {
                path: render(&at),
                problem: problem.to_owned(),
                action: DriftAction::FilledMissing(filler.clone()),
                original: None,
            });
        }
    }
}

/// Every concrete path matching `pattern` with its array indices taken as wildcards.
fn collect_places(
    value: &Value,
    pattern: &[Step],
    prefix: &mut Vec<Step>,
    out: &mut Vec<Vec<Step>>,
) {
    let Some((step, rest)) = pattern.split_first() else {
        out.push(prefix.clone());
        return;
    };
    match (step, value) {
        (Step::Key(key), Value::Object(map)) => {
            if let Some(inner) = map.get(key) {
                prefix.push(step.clone());
                collect_places(inner, rest, prefix, out);
                prefix.pop();
            }
        }
        (Step::Index(_), Value::Array(items)) => {
            for (index, inner) in items.iter().enumerate() {
                prefix.push(Step::Index(index));
                collect_places(inner, rest, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn locate<'v>(value: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(value, |value, step| match step {
        Step::Key(key) => value.get(key),
        Step::Index(index) => value.get(index),
    })
}

fn locate_mut<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |value, step| match step {
        Step::Key(key) => value.get_mut(key),
        Step::Index(index) => value.get_mut(index),
    })
}

/// Sets the value at `parent/last`; false when the parent is not there.
fn put(value: &mut Value, parent: &[Step], last: &Step, new: Value) -> bool {
    match (locate_mut(value, parent), last) {
        (Some(Value::Object(map)), Step::Key(key)) => {
            map.insert(key.clone(), new);
            true
        }
        (Some(Value::Array(items)), Step::Index(index)) if *index < items.len() => {
            items[*index] = new;
            true
        }
        _ => false,
    }
}

/// `a.b[3].c`, as serde_path_to_error writes paths.
fn render(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Index(index) => {
                text.push('[');
                text.push_str(&index.to_string());
                text.push(']');
            }
        }
    }
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
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
        for body in [&b"[1,2]"[..], b"<html>proxy login</html>", b""] {
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
