//! The repair loop of the lenient decode policy (see the [parent module](super)): find where
//! the decoder failed, put a value there that decodes, and record what was done.

use serde_json::Value;

use super::{Drift, DriftAction, MAX_REPAIRS};
use crate::decode::json_path::{Step, render};
use crate::decode::{PathError, path_error};
use crate::{Error, Result};

/// What the decoder said went wrong, and where.
struct Failure {
    /// Where the failing value is (for a missing field: where it should be).
    at: Vec<Step>,
    missing: bool,
    message: String,
    expected: String,
}

fn failure_of(error: &PathError) -> Failure {
    let mut at = error.path().to_vec();
    let message = error.message();
    let missing = message.strip_prefix("missing field `").and_then(|rest| {
        let field = rest.split('`').next()?;
        Some(field.to_owned())
    });
    let expected = message
        .split_once(", expected ")
        .map(|(_, expected)| expected.to_owned())
        .unwrap_or_default();
    match missing {
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

/// The repair loop (see the module docs): `value` decoded by `decode`, after the repairs it
/// needed.
pub(super) fn repair<T>(
    operation: &'static str,
    value: Value,
    decode: impl Fn(&Value) -> std::result::Result<T, PathError>,
) -> Result<(T, Vec<Drift>)> {
    // The loop itself is not generic: compiled once in the runtime, not once per model in
    // every program (issue 13: compile time). It only asks whether a value decodes; the value
    // it settles on is decoded once more here, on a path that repairs already decode many
    // times.
    let (value, drifts) = repair_value(operation, value, &|value| decode(value).map(drop))?;
    let decoded = decode(&value).map_err(|error| path_error(operation, &error))?;
    Ok((decoded, drifts))
}

/// Whether a value decodes into the model being repaired, and if not, where it failed.
type Decodes<'a> = &'a dyn Fn(&Value) -> std::result::Result<(), PathError>;

/// The repair loop, for any model: `value` repaired until `decode` accepts it.
fn repair_value(
    operation: &'static str,
    mut value: Value,
    decode: Decodes<'_>,
) -> Result<(Value, Vec<Drift>)> {
    let mut drifts = Vec::new();
    let mut first_error: Option<Error> = None;
    // Repairs, not drifts: one repair may fill the same field in every item of a list.
    let mut repairs = 0usize;
    loop {
        let error = match decode(&value) {
            Ok(()) => return Ok((value, drifts)),
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
                _ => path_error(operation, &error),
            });
        }
        first_error.get_or_insert_with(|| path_error(operation, &error));
        let repaired = fix(&mut value, &failure_of(&error), decode, &mut drifts);
        if !repaired {
            // What cannot be repaired is named as the service sent it.
            return Err(path_error(operation, &error));
        }
        repairs += 1;
    }
}

/// Repairs the place `failure` names; false when nothing could stand there.
fn fix(value: &mut Value, failure: &Failure, decode: Decodes<'_>, drifts: &mut Vec<Drift>) -> bool {
    // The root itself cannot be replaced: an answer of another shape is not drift.
    let Some((last, parent_path)) = failure.at.split_last() else {
        return false;
    };
    // A required field missing from the answer's root means the answer is not the one asked
    // for (a listing without `value` is a portal's or a proxy's page, not an empty listing).
    if failure.missing && parent_path.is_empty() {
        return false;
    }
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
            Err(error) => {
                // Still wrong in the same place: this candidate is not of the right type.
                let next = failure_of(&error);
                next.at != failure.at || next.missing
            }
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
    drop_or_restore(value, failure, parent_path, last, original, drifts)
}

/// The last resort for a place no value can stand for: an array item is dropped (and
/// reported); anything else is put back as the service sent it, and the repair fails.
fn drop_or_restore(
    value: &mut Value,
    failure: &Failure,
    parent_path: &[Step],
    last: &Step,
    original: Option<Value>,
    drifts: &mut Vec<Drift>,
) -> bool {
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
