//! Proof against Microsoft's own examples: every `x-ms-examples` entry of
//! `spec/reference/powerbi-swagger.json` (267 operations carry them) checked against the
//! generated client, in both directions.
//!
//! **Responses** ([`every_example_response_decodes_and_reencodes`]): every 2xx example
//! response with a JSON payload (under `body`, or inline: see [`example_payload`]) is decoded
//! into the response type of the generated operation that covers its operationId (found in
//! [`powerbi::OPERATIONS`]), every catch-all of unknown fields must be empty (a field the
//! types do not know is a gap in the spec), and the re-encoding must equal the example after
//! [`normalize`]. File responses and responses without content are counted apart.
//!
//! **Requests** ([`every_example_request_is_what_microsoft_describes`]): every example is
//! called through the generated method against the sandbox, and the request the sandbox
//! recorded must be the one Microsoft's description implies. The expected request is built
//! here from the description only (never from `spec/`), see [`prepare`] and [`compare`].
//!
//! What still cannot pass is listed, with the reason, in `example_exceptions.yaml` (at most
//! 15 entries); an entry that passes is stale and fails the test. Both tests print what they
//! exercised and check it adds up: operations with examples = exercised + wholly excepted.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;

use percent_encoding::percent_decode_str;
use powerbi::Error;
use powerbi::runtime::Operation;
use powerbi_sandbox::RecordedRequest;
use serde::Deserialize;
use serde_json::{Map, Number, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::common;
use crate::example_support::{ExampleArgs, dispatch};
use crate::microsoft::{SwaggerOperation, example_payload, resolve, swagger, swagger_operations};

/// Power BI: its description, its operations and its exceptions file.
pub(crate) static POWER_BI: Described = Described {
    name: "Power BI",
    swagger,
    operations: powerbi::OPERATIONS,
    decode: dispatch::decode,
    exceptions_file: "example_exceptions.yaml",
    // Operations of Microsoft's description that carry `x-ms-examples` (counted from the file
    // by the tests; this documents the number the issue names).
    example_operations: 267,
    max_exceptions: 15,
    variant_field: None,
    exceptions: OnceLock::new(),
};

/// An API proven against Microsoft's examples: where its description, operations, dispatch
/// and reviewed exceptions are.
pub(crate) struct Described {
    /// For messages.
    pub name: &'static str,
    /// Microsoft's description, its `$ref`s resolvable by [`resolve`].
    pub swagger: fn() -> &'static Value,
    /// The generated operations' records.
    pub operations: &'static [&'static Operation],
    /// The generated dispatch's `decode`.
    pub decode: fn(&str, &str, &[u8]) -> Option<powerbi::Result<crate::example_support::Decoded>>,
    /// The exceptions file, beside this one.
    pub exceptions_file: &'static str,
    /// Operations of the description that carry `x-ms-examples`.
    pub example_operations: usize,
    /// The most entries the exceptions file may hold.
    pub max_exceptions: usize,
    /// For an API whose polymorphic models the spec holds with their base fields only
    /// (Fabric's, see spec/README.md): whether an unknown field at a path of a value of a
    /// schema is one a variant of a polymorphic model there declares. Such a field is carried
    /// by the catch-all (and still compared); it is counted, not failed.
    pub variant_field: Option<fn(&'static Value, &str) -> bool>,
    pub exceptions: OnceLock<Vec<Exception>>,
}

// ------------------------------------------------------------------------------------------
// Exceptions

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionsFile {
    exceptions: Vec<Exception>,
}

/// One reviewed exception: an example that cannot pass, and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Exception {
    operation_id: String,
    example: String,
    /// The tests it applies to.
    tests: Vec<Test>,
    reason: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Test {
    Response,
    Request,
}

impl Described {
    fn exceptions(&self) -> &[Exception] {
        self.exceptions.get_or_init(|| {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/e2e")
                .join(self.exceptions_file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let file: ExceptionsFile = powerbi_codegen::spec::yaml::from_str(&text)
                .unwrap_or_else(|error| panic!("{}: {error}", self.exceptions_file));
            file.exceptions
        })
    }

    /// The exception for `test` of `operation_id` / `example`, if one is listed.
    pub(crate) fn excepted(
        &self,
        test: Test,
        operation_id: &str,
        example: &str,
    ) -> Option<&Exception> {
        self.exceptions().iter().find(|exception| {
            exception.operation_id == operation_id
                && exception.example == example
                && exception.tests.contains(&test)
        })
    }

    /// Every operation of the description.
    pub(crate) fn swagger_operations(&self) -> Vec<SwaggerOperation<'static>> {
        swagger_operations((self.swagger)())
    }

    /// The exceptions file is small, gives reasons and names real examples.
    pub(crate) fn check_exceptions_file(&self) {
        let exceptions = self.exceptions();
        let file = self.exceptions_file;
        assert!(
            exceptions.len() <= self.max_exceptions,
            "{file} holds {} entries; at most {} are allowed",
            exceptions.len(),
            self.max_exceptions
        );
        let operations = self.swagger_operations();
        let mut seen = BTreeSet::new();
        for exception in exceptions {
            assert!(
                exception.reason.trim().len() > 20,
                "{}: give a reason",
                exception.operation_id
            );
            assert!(
                !exception.tests.is_empty(),
                "{}: name the tests it applies to",
                exception.operation_id
            );
            assert!(
                seen.insert((exception.operation_id.as_str(), exception.example.as_str())),
                "{} / {} is listed twice",
                exception.operation_id,
                exception.example
            );
            let operation = operations
                .iter()
                .find(|operation| operation.operation_id == exception.operation_id)
                .unwrap_or_else(|| {
                    panic!(
                        "{} is not an operation of Microsoft's {} description",
                        exception.operation_id, self.name
                    )
                });
            assert!(
                operation
                    .examples()
                    .iter()
                    .any(|(name, _)| *name == exception.example),
                "{} has no example named {:?}",
                exception.operation_id,
                exception.example
            );
        }
    }
}

#[test]
fn the_exceptions_file_is_small_and_names_real_examples() {
    POWER_BI.check_exceptions_file();
}

// ------------------------------------------------------------------------------------------
// Normalization

/// The one normalization both sides of every comparison go through:
///
/// 1. explicit nulls dropped: an object member whose value is `null` is removed (the client
///    leaves out what it does not have; Microsoft's samples sometimes write `null`);
/// 2. numeric strings read as numbers: a string that is a JSON number (`"66"`, `"1.5"`)
///    becomes that number, and every number compares by value (`1` = `1.0`);
/// 3. times compared as instants: a string that is an RFC 3339 time, an ISO 8601 time
///    without a zone (read as UTC) or the US form `10/13/2021 12:00:00 AM` (read as UTC)
///    becomes the same instant written in RFC 3339 UTC;
/// 4. key order ignored: objects compare as maps;
/// 5. GUIDs compared without regard to case: a string that is a GUID is lower-cased (the
///    client writes GUIDs in lower case; some samples write them in upper case).
pub fn normalize(value: &Value) -> Value {
    normalize_with(value, true)
}

/// The normalization of request bodies: rules 3 to 5 only. An explicit `null` in a request
/// means something of its own (Update Group As Admin unassigns a Log Analytics workspace with
/// one), so it must be sent; and a string stays a string, because the expected body is
/// already read as the description declares it ([`described`]): a number the client sends
/// where the description declares a string (`columnId: "0"`) is a difference.
pub fn normalize_request(value: &Value) -> Value {
    normalize_with(value, false)
}

fn normalize_with(value: &Value, lenient: bool) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(_, member)| !(lenient && member.is_null()))
                .map(|(key, member)| (key.clone(), normalize_with(member, lenient)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| normalize_with(item, lenient))
                .collect(),
        ),
        Value::Number(number) => canonical_number(number),
        Value::String(text) => match numeric(text).filter(|_| lenient) {
            Some(number) => canonical_number(&number),
            None if is_guid(text) => Value::String(text.to_ascii_lowercase()),
            None => instant(text).map_or_else(|| value.clone(), Value::String),
        },
        Value::Null | Value::Bool(_) => value.clone(),
    }
}

/// `text` as a number, when it is exactly a JSON number.
fn numeric(text: &str) -> Option<Number> {
    let text = text.trim();
    if text.is_empty() || !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return None;
    }
    serde_json::from_str::<Number>(text).ok()
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| {
            group.len() == len && group.bytes().all(|byte| byte.is_ascii_hexdigit())
        })
}

/// Numbers compare by value: integers stay integers, everything else becomes an `f64`.
fn canonical_number(number: &Number) -> Value {
    if let Some(integer) = number.as_i64() {
        return Value::from(integer);
    }
    match number.as_f64() {
        Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => Value::from(float as i64),
        Some(float) => Value::from(float),
        None => Value::Number(number.clone()),
    }
}

/// `text` as an instant in RFC 3339 UTC, when it is a time.
fn instant(text: &str) -> Option<String> {
    let parsed = OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| {
            let format = time::macros::format_description!(
                version = 2,
                "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
            );
            PrimitiveDateTime::parse(text, &format).ok().map(PrimitiveDateTime::assume_utc)
        })
        .or_else(|| {
            let format = time::macros::format_description!(
                version = 2,
                "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period]"
            );
            PrimitiveDateTime::parse(text, &format).ok().map(PrimitiveDateTime::assume_utc)
        })?;
    parsed.to_offset(UtcOffset::UTC).format(&Rfc3339).ok()
}

/// Where two normalized documents first differ (`$.value[0].name: expected "a", got "b"`).
fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, value) in expected {
                match actual.get(key) {
                    None => {
                        return Some(format!("{path}.{key}: missing (expected {})", short(value)));
                    }
                    Some(other) => {
                        if let Some(difference) =
                            first_difference(value, other, &format!("{path}.{key}"))
                        {
                            return Some(difference);
                        }
                    }
                }
            }
            actual
                .iter()
                .find(|(key, _)| !expected.contains_key(*key))
                .map(|(key, value)| format!("{path}.{key}: not expected, got {}", short(value)))
        }
        (Value::Array(expected), Value::Array(actual)) if expected.len() == actual.len() => {
            expected
                .iter()
                .zip(actual)
                .enumerate()
                .find_map(|(index, (expected, actual))| {
                    first_difference(expected, actual, &format!("{path}[{index}]"))
                })
        }
        _ if expected == actual => None,
        _ => Some(format!(
            "{path}: expected {}, got {}",
            short(expected),
            short(actual)
        )),
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(160) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod normalization {
    use serde_json::json;

    use super::{first_difference, normalize};

    fn same(a: serde_json::Value, b: serde_json::Value) -> bool {
        normalize(&a) == normalize(&b)
    }

    #[test]
    fn explicit_nulls_are_dropped() {
        assert!(same(json!({"a": 1, "b": null}), json!({"a": 1})));
        assert!(same(json!({"x": {"y": null}}), json!({"x": {}})));
        // Only object members: a null inside a list is a value.
        assert!(!same(json!([null]), json!([])));
        assert!(!same(json!({"a": 1, "b": null}), json!({"a": 1, "b": 2})));
    }

    #[test]
    fn requests_keep_explicit_nulls_and_strings() {
        use super::normalize_request;
        let request = |a: serde_json::Value, b: serde_json::Value| {
            normalize_request(&a) == normalize_request(&b)
        };
        assert!(!request(json!({"a": 1, "b": null}), json!({"a": 1})));
        assert!(request(json!({"b": null}), json!({"b": null})));
        assert!(!request(json!({"columnId": "0"}), json!({"columnId": 0})));
        assert!(request(json!({"n": 1}), json!({"n": 1.0})));
        assert!(request(
            json!({"at": "2021-12-14T03:46:04.833", "id": "EC719732-EC80-4034-8053-0026BD5996D4"}),
            json!({"at": "2021-12-14T03:46:04.833Z", "id": "ec719732-ec80-4034-8053-0026bd5996d4"})
        ));
    }

    #[test]
    fn numeric_strings_are_read_as_numbers() {
        assert!(same(json!({"order": "1"}), json!({"order": 1})));
        assert!(same(json!({"percent": "66"}), json!({"percent": 66.0})));
        assert!(same(json!(["1.5"]), json!([1.5])));
        // Only real JSON numbers: these stay strings.
        assert!(!same(json!("0001"), json!(1)));
        assert!(!same(json!("NaN"), json!(0)));
        assert!(!same(json!("1e"), json!(1)));
        assert!(!same(json!("2"), json!(3)));
    }

    #[test]
    fn times_are_compared_as_instants() {
        assert!(same(
            json!("2021-12-14T03:46:04.833"),
            json!("2021-12-14T03:46:04.833Z")
        ));
        assert!(same(
            json!("2020-10-02T05:51:30.0000000Z"),
            json!("2020-10-02T05:51:30Z")
        ));
        assert!(same(
            json!("2021-12-14T05:46:04+02:00"),
            json!("2021-12-14T03:46:04Z")
        ));
        assert!(!same(
            json!("2021-12-14T03:46:04Z"),
            json!("2021-12-14T03:46:05Z")
        ));
        // A bare date is not a time.
        assert!(!same(json!("2021-12-14"), json!("2021-12-14T00:00:00Z")));
    }

    #[test]
    fn us_times_are_read_as_utc() {
        assert!(same(
            json!("10/13/2021 12:00:00 AM"),
            json!("2021-10-13T00:00:00Z")
        ));
        assert!(same(
            json!("1/2/2022 1:05:09 PM"),
            json!("2022-01-02T13:05:09Z")
        ));
    }

    #[test]
    fn guids_ignore_case() {
        assert!(same(
            json!("EC719732-EC80-4034-8053-0026BD5996D4"),
            json!("ec719732-ec80-4034-8053-0026bd5996d4")
        ));
        assert!(!same(
            json!("ec719732-ec80-4034-8053-0026bd5996d4"),
            json!("ec719732-ec80-4034-8053-0026bd5996d5")
        ));
        // Other strings keep their case.
        assert!(!same(json!("Admin"), json!("admin")));
    }

    #[test]
    fn key_order_is_ignored() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"a": 1, "b": {"c": 2, "d": 3}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(r#"{"b": {"d": 3, "c": 2}, "a": 1}"#).unwrap();
        assert!(same(a, b));
        // List order is kept.
        assert!(!same(json!([1, 2]), json!([2, 1])));
    }

    #[test]
    fn differences_name_their_path() {
        let difference = first_difference(
            &json!({"value": [{"name": "a"}]}),
            &json!({"value": [{"name": "b"}]}),
            "$",
        );
        assert_eq!(
            difference.as_deref(),
            Some(r#"$.value[0].name: expected "a", got "b""#)
        );
        let difference = first_difference(&json!({}), &json!({"extra": 1}), "$");
        assert_eq!(difference.as_deref(), Some("$.extra: not expected, got 1"));
    }
}

// ------------------------------------------------------------------------------------------
// What both tests share

/// The generated operation covering each operationId. A body form (`body_form_of`, such as the
/// OneDrive JSON form of Post Import) lists its primary's ids; Microsoft's examples are of the
/// primary's body, so the primary covers them.
pub(crate) fn covering(api: &Described) -> HashMap<&'static str, &'static Operation> {
    let mut covering = HashMap::new();
    for operation in api.operations {
        if operation.body_form_of.is_some() {
            continue;
        }
        for id in operation.operation_ids {
            covering.insert(*id, *operation);
        }
    }
    covering
}

pub(crate) fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

/// The declared status whose schema describes an example response: its own status when
/// declared, else the first declared 2xx (Microsoft shows a 200 where it declares a 202).
pub(crate) fn declared_status<'s>(operation: &SwaggerOperation<'s>, status: &'s str) -> &'s str {
    if operation.declared_response(status).is_some() {
        return status;
    }
    operation.operation["responses"]
        .as_object()
        .and_then(|responses| responses.keys().find(|status| is_success(status)))
        .map_or(status, String::as_str)
}

/// What one test found, for the counts it prints and checks.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Operations the description is known to give examples for.
    example_operations: usize,
    pub operations: usize,
    pub examples: usize,
    pub exercised_operations: usize,
    pub exercised_examples: usize,
    pub wholly_excepted_operations: usize,
    pub excepted_examples: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Runs `check` on every example of every operation, applying the exceptions of `test`.
    pub(crate) fn run<T>(
        api: &Described,
        test: Test,
        mut check: impl FnMut(&SwaggerOperation<'static>, &str, &Value) -> Result<T, String>,
        mut passed: impl FnMut(T),
    ) -> Tally {
        let mut tally = Tally {
            example_operations: api.example_operations,
            ..Tally::default()
        };
        for operation in api.swagger_operations() {
            let examples = operation.examples();
            if examples.is_empty() {
                continue;
            }
            tally.operations += 1;
            let mut exercised = false;
            let mut all_excepted = true;
            for (name, example) in examples {
                tally.examples += 1;
                let outcome = check(&operation, name, example);
                let id = operation.operation_id;
                match (api.excepted(test, id, name), outcome) {
                    (Some(_), Ok(_)) => {
                        all_excepted = false;
                        tally.failures.push(format!(
                            "{id} / {name}: passes but is listed in {}; remove the stale entry",
                            api.exceptions_file
                        ));
                    }
                    (Some(_), Err(_)) => tally.excepted_examples += 1,
                    (None, Ok(found)) => {
                        passed(found);
                        exercised = true;
                        all_excepted = false;
                        tally.exercised_examples += 1;
                    }
                    (None, Err(error)) => {
                        all_excepted = false;
                        tally.failures.push(format!("{id} / {name}: {error}"));
                    }
                }
            }
            if exercised {
                tally.exercised_operations += 1;
            } else if all_excepted {
                tally.wholly_excepted_operations += 1;
            }
        }
        tally
    }

    /// Fails with every failure, then checks the counts add up.
    #[track_caller]
    pub(crate) fn assert_complete(&self, what: &str) {
        assert!(
            self.failures.is_empty(),
            "{what}: {} example(s) fail:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        assert_eq!(
            self.operations, self.example_operations,
            "operations with x-ms-examples in the description"
        );
        assert_eq!(
            self.exercised_operations,
            self.operations - self.wholly_excepted_operations,
            "{what}: every operation with examples is exercised unless all its examples are excepted"
        );
        assert_eq!(
            self.exercised_examples,
            self.examples - self.excepted_examples,
            "{what}: every example is exercised unless excepted"
        );
    }
}

// ------------------------------------------------------------------------------------------
// Responses

/// How one example's 2xx responses were checked.
#[derive(Debug, Default)]
pub(crate) struct ResponseCounts {
    pub json: usize,
    /// JSON bodies with fields only a variant of a polymorphic model declares.
    pub variant_fields: usize,
    pub binary: usize,
    pub empty: usize,
    pub error_only: usize,
}

pub(crate) fn check_response_example(
    api: &Described,
    operation: &SwaggerOperation<'static>,
    example: &Value,
    covering: &HashMap<&'static str, &'static Operation>,
) -> Result<ResponseCounts, String> {
    let generated = covering
        .get(operation.operation_id)
        .ok_or("no generated operation covers this operationId")?;
    let mut counts = ResponseCounts::default();
    let responses = example["responses"]
        .as_object()
        .ok_or("the example has no responses")?;
    let successes: Vec<(&String, &Value)> = responses
        .iter()
        .filter(|(status, _)| is_success(status))
        .collect();
    if successes.is_empty() {
        counts.error_only += 1;
    }
    for (status, response) in successes {
        let declared = declared_status(operation, status);
        if operation.is_binary(declared) {
            counts.binary += 1;
            continue;
        }
        let Some(payload) = example_payload(response, operation.response_schema(declared)) else {
            counts.empty += 1;
            continue;
        };
        let bytes = serde_json::to_vec(&payload).expect("JSON encodes");
        let decoded = (api.decode)(generated.category, generated.name, &bytes)
            .ok_or_else(|| {
                format!(
                    "{status}: the example has a JSON body but {}::{} returns no JSON",
                    generated.category, generated.name
                )
            })?
            .map_err(|error| format!("{status}: does not decode: {error}"))?;
        let schema = operation.response_schema(declared);
        let (variant, unknown): (Vec<&String>, Vec<&String>) =
            decoded.unknown_fields.iter().partition(|path| {
                api.variant_field
                    .zip(schema)
                    .is_some_and(|(variant_field, schema)| variant_field(schema, path))
            });
        if !unknown.is_empty() {
            let unknown: Vec<&str> = unknown.iter().map(|path| path.as_str()).collect();
            return Err(format!(
                "{status}: fields the generated types do not know: {}",
                unknown.join(", ")
            ));
        }
        counts.variant_fields += usize::from(!variant.is_empty());
        if let Some(difference) =
            first_difference(&normalize(&payload), &normalize(&decoded.reencoded), "$")
        {
            return Err(format!("{status}: the re-encoding differs at {difference}"));
        }
        counts.json += 1;
    }
    Ok(counts)
}

#[test]
fn every_example_response_decodes_and_reencodes() {
    response_proof(&POWER_BI);
}

/// Decodes and re-encodes every example response of `api`, prints and checks the tally.
pub(crate) fn response_proof(api: &Described) {
    let covering = covering(api);
    let mut counts = ResponseCounts::default();
    let tally = Tally::run(
        api,
        Test::Response,
        |operation, _, example| check_response_example(api, operation, example, &covering),
        |found| {
            counts.json += found.json;
            counts.variant_fields += found.variant_fields;
            counts.binary += found.binary;
            counts.empty += found.empty;
            counts.error_only += found.error_only;
        },
    );
    eprintln!(
        "{} example responses: {} of {} operations and {} of {} examples exercised \
         ({} JSON bodies decoded and compared, {} of them with fields of a polymorphic model's variant \
         carried by the catch-all, {} files, {} without content, {} examples with only error responses); \
         excepted: {} examples, {} operations wholly",
        api.name,
        tally.exercised_operations,
        tally.operations,
        tally.exercised_examples,
        tally.examples,
        counts.json,
        counts.variant_fields,
        counts.binary,
        counts.empty,
        counts.error_only,
        tally.excepted_examples,
        tally.wholly_excepted_operations,
    );
    tally.assert_complete("example responses");
}

#[test]
fn a_key_the_service_spells_otherwise_decodes_through_its_alias() {
    // The description and its samples write `artifactAccessEntities`; the service sends
    // `ArtifactAccessEntities`. Both decode; encoding writes the description's spelling.
    let entry = serde_json::json!({"artifactId": "a", "displayName": "d", "artifactType": "Report", "accessRight": "Read"});
    for key in ["artifactAccessEntities", "ArtifactAccessEntities"] {
        let decoded: powerbi::models::ArtifactAccessResponse =
            serde_json::from_value(serde_json::json!({ key: [entry.clone()] })).expect("decodes");
        assert_eq!(
            decoded.artifact_access_entities.as_ref().map(Vec::len),
            Some(1),
            "{key}"
        );
        assert!(decoded.unknown_fields.is_empty(), "{key}");
        let encoded = serde_json::to_value(&decoded).expect("encodes");
        assert!(encoded.get("artifactAccessEntities").is_some(), "{key}");
    }
}

#[test]
fn example_payloads_are_found_under_body_inline_or_value() {
    use serde_json::json;
    let schema = json!({"properties": {"id": {}, "description": {}}});
    let plain = json!({"properties": {"id": {}}});
    assert_eq!(
        example_payload(&json!({"body": {"id": 1}, "headers": {}}), None),
        Some(json!({"id": 1}))
    );
    assert_eq!(
        example_payload(&json!({"header": "Location", "body": {"id": 1}}), None),
        Some(json!({"id": 1}))
    );
    assert_eq!(
        example_payload(&json!({"description": "OK"}), Some(&plain)),
        None
    );
    assert_eq!(example_payload(&json!({}), None), None);
    assert_eq!(
        example_payload(&json!({"id": 1, "description": "x"}), Some(&schema)),
        Some(json!({"id": 1, "description": "x"}))
    );
    assert_eq!(
        example_payload(&json!({"id": 1, "description": "OK"}), Some(&plain)),
        Some(json!({"id": 1}))
    );
    assert_eq!(
        example_payload(&json!({"value": {"id": 1}}), Some(&plain)),
        Some(json!({"id": 1}))
    );
    assert_eq!(
        example_payload(&json!({"value": [{"id": 1}]}), Some(&plain)),
        Some(json!({"value": [{"id": 1}]}))
    );
    // A field named `body` next to others is a field (a goal note's text).
    assert_eq!(
        example_payload(&json!({"id": 1, "body": "text"}), Some(&plain)),
        Some(json!({"id": 1, "body": "text"}))
    );
}

// ------------------------------------------------------------------------------------------
// Requests

/// A fixed id for a path parameter an example leaves out.
const PLACEHOLDER_ID: &str = "00000000-0000-4000-8000-00000000e9a1";

/// The request an example implies, built from Microsoft's description only.
#[derive(Debug)]
pub(crate) struct Expected {
    method: String,
    /// The path's segments, percent-decoded (so `a/b` in a value is one segment).
    segments: Vec<String>,
    /// Query parameters: name and decoded value.
    query: Vec<(String, String)>,
    /// Query parameters whose values are times (`format: date-time`), compared as instants.
    time_parameters: BTreeSet<String>,
    headers: Vec<(String, String)>,
    body: ExpectedBody,
}

#[derive(Debug)]
enum ExpectedBody {
    None,
    Json(Value),
    /// A file upload (`multipart/form-data`); the example elides the file itself.
    Multipart,
    /// A file sent as the raw body with this `Content-Type` (the spec's `body: bytes`, which
    /// Microsoft's description leaves undeclared or untyped); the example elides the file.
    Raw(&'static str),
}

impl Expected {
    /// Expects the file as the raw body with `content_type` instead of what the description
    /// declares (the spec's `body: bytes`).
    pub(crate) fn raw_body(&mut self, content_type: &'static str) {
        self.body = ExpectedBody::Raw(content_type);
    }
}

/// An example ready to call: the arguments for the generated method and the request.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub parameters: Map<String, Value>,
    pub body: Option<Value>,
    pub expected: Expected,
    /// Required parameters the example leaves out, filled with placeholders.
    pub completed: Vec<String>,
}

/// Microsoft writes some values the way they appear in a URL (`%20`, `%23EXT%23`): a value
/// holding a `%XX` escape is decoded once.
fn example_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let escaped = bytes.windows(3).any(|window| {
        window[0] == b'%' && window[1].is_ascii_hexdigit() && window[2].is_ascii_hexdigit()
    });
    if escaped {
        percent_decode_str(text).decode_utf8_lossy().into_owned()
    } else {
        text.to_owned()
    }
}

/// The text a parameter value is sent as: booleans `true`/`false`, numbers as written,
/// strings per [`example_text`].
fn parameter_text(parameter: &Value, value: &Value) -> String {
    match value {
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) if parameter["type"] == "boolean" => text.to_ascii_lowercase(),
        Value::String(text) => example_text(text),
        other => other.to_string(),
    }
}

/// A value for a required parameter the example leaves out.
fn placeholder(parameter: &Value) -> Value {
    if let Some(first) = parameter["enum"]
        .as_array()
        .and_then(|values| values.first())
    {
        return first.clone();
    }
    match (parameter["type"].as_str(), parameter["format"].as_str()) {
        (Some("integer" | "number"), _) => Value::from(1),
        (Some("boolean"), _) => Value::Bool(true),
        (_, Some("date-time")) => Value::from("2024-01-01T00:00:00Z"),
        _ if parameter["in"] == "path" => Value::from(PLACEHOLDER_ID),
        _ => Value::from("example"),
    }
}

pub(crate) fn consumes_multipart(operation: &SwaggerOperation<'_>) -> bool {
    operation.operation["consumes"]
        .as_array()
        .is_some_and(|types| {
            types.iter().any(|kind| {
                kind.as_str()
                    .is_some_and(|kind| kind.starts_with("multipart/form-data"))
            })
        })
}

/// The example body as the description declares it: a key that differs from a declared
/// property only in case (`datasourceName` for `dataSourceName`) takes the declared spelling,
/// and a string where the description declares a boolean or a number (`"false"`, `"66"`)
/// becomes that boolean or number. The service reads keys case-insensitively and such strings
/// leniently, so the samples work; a client sends what the description declares.
fn described(value: &Value, schema: &Value) -> Value {
    let schema = resolve(schema);
    match value {
        Value::Object(object) => {
            let mut properties: Vec<(&String, &Value)> = Vec::new();
            for part in std::iter::once(schema).chain(
                schema["allOf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(resolve),
            ) {
                if let Some(own) = part["properties"].as_object() {
                    properties.extend(own.iter());
                }
            }
            object
                .iter()
                .map(|(key, member)| {
                    let declared = properties
                        .iter()
                        .find(|(name, _)| *name == key)
                        .or_else(|| {
                            properties
                                .iter()
                                .find(|(name, _)| name.eq_ignore_ascii_case(key))
                        });
                    match declared {
                        Some((name, property)) => ((*name).clone(), described(member, property)),
                        None => match schema.get("additionalProperties") {
                            Some(additional) if additional.is_object() => {
                                (key.clone(), described(member, additional))
                            }
                            _ => (key.clone(), member.clone()),
                        },
                    }
                })
                .collect::<Map<String, Value>>()
                .into()
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| described(item, &schema["items"]))
                .collect(),
        ),
        Value::String(text) => match schema["type"].as_str() {
            Some("boolean") if text.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some("boolean") if text.eq_ignore_ascii_case("false") => Value::Bool(false),
            Some("integer" | "number") => {
                numeric(text).map_or_else(|| value.clone(), Value::Number)
            }
            _ => value.clone(),
        },
        _ => value.clone(),
    }
}

/// Builds the expected request of one example, and the arguments for the generated method.
///
/// - Method and path come from the description; each path placeholder is replaced by the
///   example's value as one segment (inside an OData string key `'{x}'` a quote is doubled).
/// - Query parameters: those the description declares `in: query` that the example sets.
///   Header parameters likewise.
/// - The body: the value of the body parameter; when the example files it under another name
///   (`requestMessage`), the one parameter the description does not declare that holds an
///   object; read as the description declares it ([`described`]). A multipart operation
///   expects a file upload.
/// - A required parameter the example leaves out is filled with a placeholder (a fixed id, 1,
///   `true`, the first enum value) and reported.
pub(crate) fn prepare(
    operation: &SwaggerOperation<'_>,
    example: &Value,
) -> Result<Prepared, String> {
    let mut given = example["parameters"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut completed = Vec::new();

    let mut body = None;
    let mut expected_body = ExpectedBody::None;
    if let Some(parameter) = operation.body_parameter() {
        let name = parameter["name"].as_str().unwrap_or_default();
        let value = given.remove(name).or_else(|| {
            let undeclared: Vec<String> = given
                .iter()
                .filter(|(key, value)| operation.parameter(key).is_none() && value.is_object())
                .map(|(key, _)| key.clone())
                .collect();
            match undeclared.as_slice() {
                [only] => given.remove(only),
                _ => None,
            }
        });
        if consumes_multipart(operation) {
            expected_body = ExpectedBody::Multipart;
        } else if let Some(value) = value {
            let value = described(&value, &parameter["schema"]);
            expected_body = ExpectedBody::Json(value.clone());
            body = Some(value);
        } else if parameter["required"] == true {
            return Err(format!(
                "the example has no value for the required body {name}"
            ));
        }
    }

    // A file upload whose file the description leaves undeclared (no `formData` parameter).
    if consumes_multipart(operation) {
        expected_body = ExpectedBody::Multipart;
    }

    let mut parameters = Map::new();
    let mut values: HashMap<String, String> = HashMap::new();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut time_parameters = BTreeSet::new();
    for parameter in &operation.parameters {
        let location = parameter["in"].as_str().unwrap_or_default();
        if location == "body" || location == "formData" {
            continue;
        }
        let name = parameter["name"].as_str().unwrap_or_default().to_owned();
        let value = match given.get(&name).filter(|value| !value.is_null()) {
            Some(value) => value.clone(),
            None if parameter["required"] == true || location == "path" => {
                completed.push(name.clone());
                placeholder(parameter)
            }
            None => continue,
        };
        let text = parameter_text(parameter, &value);
        parameters.insert(
            name.clone(),
            if value.is_string() {
                Value::String(text.clone())
            } else {
                value
            },
        );
        match location {
            "path" => {
                values.insert(name, text);
            }
            "query" => {
                if parameter["format"] == "date-time" {
                    time_parameters.insert(name.clone());
                }
                // An array (`collectionFormat: multi`) goes once per value.
                match parameters.get(&name) {
                    Some(Value::Array(items)) => {
                        for item in items {
                            query.push((name.clone(), parameter_text(parameter, item)));
                        }
                    }
                    _ => query.push((name, text)),
                }
            }
            "header" => headers.push((name, text)),
            other => {
                return Err(format!(
                    "parameter {name} is in {other}, which this test does not know"
                ));
            }
        }
    }

    // A fixed query in Microsoft's path (`/domains?preview=true`) is sent as written, unless
    // a declared parameter of the same name gives it.
    let (template, fixed) = operation
        .path
        .split_once('?')
        .unwrap_or((operation.path, ""));
    for (name, value) in query_pairs(fixed)? {
        if !query.iter().any(|(declared, _)| *declared == name) {
            query.push((name, value));
        }
    }
    let mut segments = Vec::new();
    for segment in template.split('/') {
        let mut out = String::new();
        let mut rest = segment;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..]
                .find('}')
                .map(|at| open + at)
                .ok_or("an unbalanced path template")?;
            let name = &rest[open + 1..close];
            let value = values
                .get(name)
                .ok_or_else(|| format!("no value for path parameter {name}"))?;
            if out.ends_with('\'') {
                out.push_str(&value.replace('\'', "''"));
            } else {
                out.push_str(value);
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        segments.push(out);
    }

    Ok(Prepared {
        parameters,
        body,
        expected: Expected {
            method: operation.method.clone(),
            segments,
            query,
            time_parameters,
            headers,
            body: expected_body,
        },
        completed,
    })
}

/// Whether every byte of a raw path is allowed unencoded in a URL path (RFC 3986 `pchar` and
/// `/`) or is part of a `%XX` escape: what a value needed encoded was encoded.
fn raw_path_is_encoded(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'%' {
            if index + 2 >= bytes.len() {
                return false;
            }
            if !(bytes[index + 1].is_ascii_hexdigit() && bytes[index + 2].is_ascii_hexdigit()) {
                return false;
            }
            index += 3;
            continue;
        }
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte);
        if !allowed {
            return false;
        }
        index += 1;
    }
    true
}

/// `+` is a space and `%XX` an escape in a query string, as servers read it.
fn query_decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The query string as (name, value) pairs, decoded; a name must be sent literally (no
/// escapes: `$top`, not `%24top`).
fn query_pairs(raw: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for piece in raw.split('&').filter(|piece| !piece.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        if name.contains('%') || name.contains('+') {
            return Err(format!(
                "the query name {name:?} is escaped; send it literally"
            ));
        }
        pairs.push((name.to_owned(), query_decode(value)));
    }
    Ok(pairs)
}

/// Compares a recorded request with the expected one:
///
/// - method exactly; the path segment by segment after percent-decoding, and every character
///   that must be escaped in a path is (so `%40` and `@` are the same, a bare `#` is not);
///   literal segments compare case-sensitively;
/// - the query as decoded name/value pairs, order-insensitive, names sent literally; values of
///   `format: date-time` parameters, and times in single quotes (the activity log's window),
///   compare as instants;
/// - headers by value; a JSON body as JSON after [`normalize_request`] (explicit nulls kept,
///   strings not read as numbers), keys compared without regard
///   to case (the service reads JSON keys case-insensitively, and the description and its
///   samples disagree on the case of some: `NotifyOption`/`notifyOption`), with
///   `Content-Type: application/json`; a file upload as `multipart/form-data`; no body when
///   none is expected.
pub(crate) fn compare(expected: &Expected, recorded: &RecordedRequest) -> Result<(), String> {
    if recorded.method != expected.method {
        return Err(format!(
            "method {} instead of {}",
            recorded.method, expected.method
        ));
    }
    if !raw_path_is_encoded(&recorded.path) {
        return Err(format!(
            "the path {} holds characters that must be percent-encoded",
            recorded.path
        ));
    }
    let segments: Vec<String> = recorded
        .path
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy().into_owned())
        .collect();
    if segments != expected.segments {
        return Err(format!(
            "path {} (decoded {:?}), expected {:?}",
            recorded.path,
            segments.join("/"),
            expected.segments.join("/")
        ));
    }

    let canonical = |pairs: &[(String, String)]| -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| {
                let quoted_time = value
                    .strip_prefix('\'')
                    .and_then(|inner| inner.strip_suffix('\''))
                    .and_then(instant);
                let value = if expected.time_parameters.contains(name) {
                    instant(value).unwrap_or_else(|| value.clone())
                } else if let Some(at) = quoted_time {
                    format!("'{at}'")
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect();
        pairs.sort();
        pairs
    };
    let actual_query = query_pairs(recorded.query.as_deref().unwrap_or_default())?;
    if canonical(&actual_query) != canonical(&expected.query) {
        return Err(format!(
            "query {:?} (decoded {:?}), expected {:?}",
            recorded.query.as_deref().unwrap_or_default(),
            canonical(&actual_query),
            canonical(&expected.query)
        ));
    }

    for (name, value) in &expected.headers {
        if recorded.header(name) != Some(value.as_str()) {
            return Err(format!(
                "header {name}: {:?}, expected {value:?}",
                recorded.header(name)
            ));
        }
    }

    let content_type = recorded.header("content-type").unwrap_or_default();
    match &expected.body {
        ExpectedBody::None if recorded.body.is_empty() => Ok(()),
        ExpectedBody::None => Err(format!(
            "a body was sent where none is expected: {}",
            String::from_utf8_lossy(&recorded.body)
        )),
        ExpectedBody::Multipart => {
            let text = String::from_utf8_lossy(&recorded.body);
            if content_type.starts_with("multipart/form-data")
                && text.contains("Content-Disposition: form-data")
            {
                Ok(())
            } else {
                Err(format!(
                    "expected a multipart/form-data file upload, got Content-Type {content_type:?}"
                ))
            }
        }
        ExpectedBody::Raw(expected_type) => {
            if content_type.starts_with(expected_type) && !recorded.body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "expected the file as a {expected_type} body, got Content-Type {content_type:?} and {} bytes",
                    recorded.body.len()
                ))
            }
        }
        ExpectedBody::Json(expected_body) => {
            if !content_type.starts_with("application/json") {
                return Err(format!("Content-Type {content_type:?} for a JSON body"));
            }
            let actual: Value = serde_json::from_slice(&recorded.body).map_err(|error| {
                format!(
                    "the body is not JSON ({error}): {}",
                    String::from_utf8_lossy(&recorded.body)
                )
            })?;
            match first_difference(
                &fold_keys(&normalize_request(expected_body)),
                &fold_keys(&normalize_request(&actual)),
                "$",
            ) {
                None => Ok(()),
                Some(difference) => Err(format!("the body differs at {difference}")),
            }
        }
    }
}

/// Every object key in lower case.
fn fold_keys(value: &Value) -> Value {
    match value {
        Value::Object(object) => object
            .iter()
            .map(|(key, member)| (key.to_ascii_lowercase(), fold_keys(member)))
            .collect::<Map<String, Value>>()
            .into(),
        Value::Array(items) => Value::Array(items.iter().map(fold_keys).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod request_rules {
    use serde_json::json;

    use super::{example_text, parameter_text, query_pairs, raw_path_is_encoded};

    #[test]
    fn values_written_as_in_a_url_are_decoded_once() {
        assert_eq!(
            example_text("contains(name,'x')%20or%20name%20eq%20'y'"),
            "contains(name,'x') or name eq 'y'"
        );
        assert_eq!(
            example_text("john_contoso.com%23EXT%23@test.com"),
            "john_contoso.com#EXT#@test.com"
        );
        assert_eq!(example_text("100% sure"), "100% sure");
    }

    #[test]
    fn booleans_and_numbers_are_sent_as_json_writes_them() {
        assert_eq!(
            parameter_text(&json!({"type": "boolean"}), &json!(true)),
            "true"
        );
        assert_eq!(
            parameter_text(&json!({"type": "boolean"}), &json!("True")),
            "true"
        );
        assert_eq!(
            parameter_text(&json!({"type": "integer"}), &json!(100)),
            "100"
        );
    }

    #[test]
    fn query_names_are_literal_and_values_decoded() {
        assert_eq!(
            query_pairs("$top=1&$filter=name%20eq%20'a+b'").unwrap(),
            vec![
                ("$top".to_owned(), "1".to_owned()),
                ("$filter".to_owned(), "name eq 'a b'".to_owned())
            ]
        );
        assert!(query_pairs("%24top=1").is_err());
    }

    #[test]
    fn sample_bodies_are_read_as_the_description_declares_them() {
        let schema = json!({"properties": {
            "dataSourceName": {"type": "string"},
            "options": {"properties": {"enabled": {"type": "boolean"}, "frequency": {"type": "integer"}}},
        }});
        assert_eq!(
            super::described(
                &json!({"datasourceName": "x", "options": {"enabled": "False", "frequency": "30"}, "extra": "true"}),
                &schema
            ),
            json!({"dataSourceName": "x", "options": {"enabled": false, "frequency": 30}, "extra": "true"})
        );
    }

    #[test]
    fn compare_catches_what_differs() {
        use std::collections::BTreeSet;

        use powerbi_sandbox::RecordedRequest;

        use super::{Expected, ExpectedBody, compare};

        let expected = || Expected {
            method: "PATCH".to_owned(),
            segments: ["", "v1.0", "myorg", "users", "a#b@c.com"]
                .map(str::to_owned)
                .to_vec(),
            query: vec![
                ("$top".to_owned(), "1".to_owned()),
                ("on".to_owned(), "true".to_owned()),
            ],
            time_parameters: BTreeSet::new(),
            headers: Vec::new(),
            body: ExpectedBody::Json(json!({"name": "x", "count": 2})),
        };
        let recorded = || RecordedRequest {
            method: "PATCH".to_owned(),
            path: "/v1.0/myorg/users/a%23b%40c.com".to_owned(),
            query: Some("on=true&$top=1".to_owned()),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: br#"{"count":2,"name":"x"}"#.to_vec(),
        };
        assert_eq!(compare(&expected(), &recorded()), Ok(()));

        let mut wrong = recorded();
        wrong.method = "PUT".to_owned();
        assert!(compare(&expected(), &wrong).is_err());
        let mut wrong = recorded();
        wrong.path = "/v1.0/myorg/users/a#b@c.com".to_owned();
        assert!(
            compare(&expected(), &wrong).is_err(),
            "a bare # is not encoded"
        );
        let mut wrong = recorded();
        wrong.path = "/v1.0/myorg/Users/a%23b%40c.com".to_owned();
        assert!(
            compare(&expected(), &wrong).is_err(),
            "literal segments keep their case"
        );
        let mut wrong = recorded();
        wrong.query = Some("on=true&%24top=1".to_owned());
        assert!(
            compare(&expected(), &wrong).is_err(),
            "$top is sent literally"
        );
        let mut wrong = recorded();
        wrong.query = Some("on=true&$top=1&$skip=0".to_owned());
        assert!(
            compare(&expected(), &wrong).is_err(),
            "no parameter the example does not set"
        );
        let mut wrong = recorded();
        wrong.query = Some("on=True&$top=1".to_owned());
        assert!(
            compare(&expected(), &wrong).is_err(),
            "booleans are `true`/`false`"
        );
        let mut wrong = recorded();
        wrong.body = br#"{"count":3,"name":"x"}"#.to_vec();
        assert!(compare(&expected(), &wrong).is_err());
        let mut wrong = recorded();
        wrong.body = br#"{"count":"2","name":"x"}"#.to_vec();
        assert!(
            compare(&expected(), &wrong).is_err(),
            "a string is not the number"
        );
        let mut wrong = recorded();
        wrong.body = br#"{"count":2,"name":"x","owner":null}"#.to_vec();
        assert!(
            compare(&expected(), &wrong).is_err(),
            "an explicit null is not an absent field"
        );
        let mut wrong = recorded();
        wrong.headers.clear();
        assert!(compare(&expected(), &wrong).is_err(), "a JSON body says so");
    }

    #[test]
    fn request_body_keys_ignore_case() {
        assert_eq!(
            super::fold_keys(&json!({"NotifyOption": {"A": [{"bC": 1}]}})),
            json!({"notifyoption": {"a": [{"bc": 1}]}})
        );
    }

    #[test]
    fn raw_paths_must_escape_what_a_path_cannot_hold() {
        assert!(raw_path_is_encoded(
            "/v1.0/myorg/groups/a%2Fb/users/x@y.com"
        ));
        assert!(raw_path_is_encoded(
            "/v1.0/myorg/availableFeatures(featureName='x')"
        ));
        assert!(!raw_path_is_encoded("/v1.0/myorg/users/a b"));
        assert!(!raw_path_is_encoded("/v1.0/myorg/users/100%"));
    }
}

#[tokio::test]
async fn every_example_request_is_what_microsoft_describes() {
    let sandbox = common::sandbox().await;
    let client = common::user(&sandbox);
    let covering = covering(&POWER_BI);
    check_every_example_request(
        &POWER_BI,
        "example requests",
        "the sandbox",
        async |operation, example| {
            call_example(&sandbox, &client, &covering, operation, example).await
        },
    )
    .await;
}

/// The request proof of an API (Power BI's against the sandbox, Fabric's against a recording
/// server): calls every example with `call` (which says how many parameters it filled with
/// placeholders), tallies the outcomes against the API's exceptions, prints what was
/// exercised against `target` and fails unless every example was.
pub(crate) async fn check_every_example_request(
    api: &Described,
    what: &str,
    target: &str,
    mut call: impl AsyncFnMut(&SwaggerOperation<'static>, &Value) -> Result<usize, String>,
) {
    // The calls are async and `Tally::run` is not: call every example first.
    let mut outcomes: HashMap<(String, String), Result<usize, String>> = HashMap::new();
    for operation in api.swagger_operations() {
        for (name, example) in operation.examples() {
            let outcome = call(&operation, example).await;
            outcomes.insert(
                (operation.operation_id.to_owned(), name.to_owned()),
                outcome,
            );
        }
    }
    let mut completed = 0;
    let tally = Tally::run(
        api,
        Test::Request,
        |operation, name, _| {
            outcomes
                .remove(&(operation.operation_id.to_owned(), name.to_owned()))
                .expect("every example was called")
        },
        |filled| completed += usize::from(filled > 0),
    );
    eprintln!(
        "{what}: {} of {} operations and {} of {} examples exercised against {target} ({} of \
         them with required parameters the example leaves out filled with placeholders); \
         excepted: {} examples, {} operations wholly",
        tally.exercised_operations,
        tally.operations,
        tally.exercised_examples,
        tally.examples,
        completed,
        tally.excepted_examples,
        tally.wholly_excepted_operations,
    );
    tally.assert_complete(what);
}

/// Calls one example and checks the request the sandbox recorded; `Ok(n)` with the number of
/// parameters filled with placeholders.
async fn call_example(
    sandbox: &powerbi_sandbox::Sandbox,
    client: &powerbi::PowerBiClient,
    covering: &HashMap<&'static str, &'static Operation>,
    operation: &SwaggerOperation<'_>,
    example: &Value,
) -> Result<usize, String> {
    let generated = covering
        .get(operation.operation_id)
        .ok_or("no generated operation covers this operationId")?;
    let prepared = prepare(operation, example)?;
    let args = ExampleArgs::new(prepared.parameters, prepared.body);
    sandbox.clear_recorded();
    let result = dispatch::call(client, generated.category, generated.name, &args).await;
    let recorded: Vec<RecordedRequest> = sandbox
        .recorded_requests()
        .into_iter()
        .filter(RecordedRequest::is_api)
        .collect();
    match result {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "the dispatcher has no {}::{}",
                generated.category, generated.name
            ));
        }
        // The stateful routes answer Microsoft's ids with errors: the request is what counts.
        Err(Error::Api(_)) => {}
        // The sandbox answers with an example this test excepts for its response.
        Err(Error::Decode {
            operation: decoded, ..
        }) if decoded != "example"
            && operation.examples().iter().any(|(name, _)| {
                POWER_BI
                    .excepted(Test::Response, operation.operation_id, name)
                    .is_some()
            }) => {}
        Err(error) => return Err(format!("the call fails: {error}")),
    }
    let unknown = args.body_unknown_fields();
    if !unknown.is_empty() {
        return Err(format!(
            "body fields the request model does not know: {}",
            unknown.join(", ")
        ));
    }
    let [request] = recorded.as_slice() else {
        return Err(format!(
            "{} requests reached the API instead of one",
            recorded.len()
        ));
    };
    compare(&prepared.expected, request)?;
    Ok(prepared.completed.len())
}

/// A minimal value of a schema: its required properties only, each the simplest value of its
/// type (enums take their first value). Stands in for the body of an operation without an
/// example.
pub(crate) fn minimal_value(schema: &Value) -> Value {
    let schema = resolve(schema);
    if let Some(values) = schema["enum"].as_array() {
        return values.first().cloned().unwrap_or(Value::Null);
    }
    let mut object = Map::new();
    if let Some(parent) = schema["allOf"].as_array() {
        for part in parent {
            if let Value::Object(inherited) = minimal_value(part) {
                object.extend(inherited);
            }
        }
    }
    match schema["type"].as_str() {
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => json_string("00000000-0000-0000-0000-000000000001"),
            Some("date-time") => json_string("2024-01-01T00:00:00Z"),
            _ => json_string("placeholder"),
        },
        Some("integer") | Some("number") => Value::from(1),
        Some("boolean") => Value::Bool(false),
        Some("array") => Value::Array(vec![minimal_value(&schema["items"])]),
        _ => {
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                object.insert(name.to_owned(), minimal_value(&schema["properties"][name]));
            }
            Value::Object(object)
        }
    }
}

fn json_string(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// The operations Microsoft gives no example for are called through the generated client too,
/// with placeholder parameters and a minimal body, and their requests checked the same way: so
/// every operation of the description is exercised end to end.
/// The example an operation without one is called with: its JSON body parameter, if it has
/// one, as the smallest value its schema allows; the call fills the other required parameters
/// with placeholders.
pub(crate) fn minimal_example(operation: &SwaggerOperation<'_>) -> Value {
    let mut parameters = Map::new();
    if let Some(body) = operation.body_parameter()
        && !consumes_multipart(operation)
    {
        let name = body["name"].as_str().unwrap_or("body").to_owned();
        parameters.insert(name, minimal_value(&body["schema"]));
    }
    serde_json::json!({ "parameters": parameters })
}

#[tokio::test]
async fn every_operation_without_an_example_is_called_through_the_client() {
    let sandbox = common::sandbox().await;
    let client = common::user(&sandbox);
    let covering = covering(&POWER_BI);
    let excluded = [
        "Datasets_SetAllDatasetConnections",
        "Datasets_SetAllDatasetConnectionsInGroup",
    ];
    let mut called = 0;
    let mut failures = Vec::new();
    for operation in swagger_operations(swagger()) {
        if !operation.examples().is_empty() || excluded.contains(&operation.operation_id) {
            continue;
        }
        let example = minimal_example(&operation);
        match call_example(&sandbox, &client, &covering, &operation, &example).await {
            Ok(_) => called += 1,
            Err(error) => failures.push(format!("{}: {error}", operation.operation_id)),
        }
    }
    eprintln!("operations without an example: {called} called through the generated client");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let without: usize = swagger_operations(swagger())
        .iter()
        .filter(|operation| {
            operation.examples().is_empty() && !excluded.contains(&operation.operation_id)
        })
        .count();
    assert_eq!(
        called, without,
        "every operation without an example was called"
    );
    assert!(called > 0);
}
