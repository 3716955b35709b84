//! The sandbox's copy of Microsoft's example responses, `tests/sandbox/data/example_answers.json`,
//! is what this module generates from Microsoft's description: the sandbox itself never reads
//! the description (nor `spec/`).
//!
//! `UPDATE_EXPECTED=1 cargo test -p powerbi-e2e sandbox_example_answers` rewrites the file;
//! without the switch the test fails when the file is out of date.
//!
//! Per operation: its operationId, method, path template, the scopes a delegated token needs
//! (parsed from the description's "Required Scope" section, see [`scope_groups`]) and one
//! answer: the first example response (examples by name) whose 2xx status the operation
//! declares, else the first 2xx example response, else (the 19 operations without examples)
//! the first declared 2xx response. A JSON body the operation declares but the chosen sample
//! leaves out (and every body of an operation without examples) is synthesized from the
//! schema: its required properties with the smallest values.

use std::path::PathBuf;

use powerbi_codegen::KNOWN_SCOPES;
use serde_json::{Map, Value, json};

use crate::microsoft::{SwaggerOperation, example_payload, resolve, swagger, swagger_operations};

fn data_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sandbox/data/example_answers.json")
}

/// The catalogue the sandbox serves, generated from Microsoft's description.
pub fn catalogue() -> Value {
    let swagger = swagger();
    let operations: Vec<Value> = swagger_operations(swagger).iter().map(entry).collect();
    json!({
        "about": "Generated from spec/reference/powerbi-swagger.json by the e2e test sandbox_example_answers; \
                  do not edit (UPDATE_EXPECTED=1 cargo test -p powerbi-e2e sandbox_example_answers).",
        "operations": operations,
    })
}

fn entry(operation: &SwaggerOperation<'_>) -> Value {
    let description = operation.operation["description"]
        .as_str()
        .unwrap_or_default();
    json!({
        "operation_id": operation.operation_id,
        "method": operation.method,
        "path": operation.path,
        "scopes": scope_groups(description),
        "response": response(operation),
    })
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

fn response(operation: &SwaggerOperation<'_>) -> Value {
    let mut candidates = Vec::new();
    for (name, example) in operation.examples() {
        if let Some(responses) = example["responses"].as_object() {
            for (status, response) in responses.iter().filter(|(status, _)| is_success(status)) {
                candidates.push((name, status.as_str(), response));
            }
        }
    }
    let chosen = candidates
        .iter()
        .find(|(_, status, _)| operation.declared_response(status).is_some())
        .or_else(|| candidates.first());
    if let Some((_, status, response)) = chosen {
        let kind_status = if operation.declared_response(status).is_some() {
            *status
        } else {
            first_declared_success(operation).unwrap_or(status)
        };
        let headers = response
            .get("headers")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let payload = example_payload(response, operation.response_schema(kind_status));
        let (kind, body) = if operation.is_binary(kind_status) {
            ("binary", Value::Null)
        } else {
            match (payload, operation.response_schema(kind_status)) {
                (Some(body), _) => ("json", body),
                // The sample leaves out a body the operation declares: answer a minimal one.
                (None, Some(schema)) => ("json", synthesize(schema)),
                (None, None) => ("empty", Value::Null),
            }
        };
        return json!({
            "status": status.parse::<u16>().expect("a numeric status"),
            "kind": kind,
            "body": body,
            "headers": headers,
        });
    }
    let status =
        first_declared_success(operation).expect("every operation declares a 2xx response");
    let (kind, body) = match operation.response_schema(status) {
        Some(schema) if schema["type"] == "file" => ("binary", Value::Null),
        Some(schema) => ("json", synthesize(schema)),
        None => ("empty", Value::Null),
    };
    json!({
        "status": status.parse::<u16>().expect("a numeric status"),
        "kind": kind,
        "body": body,
        "headers": {},
    })
}

fn first_declared_success<'s>(operation: &SwaggerOperation<'s>) -> Option<&'s str> {
    operation.operation["responses"]
        .as_object()?
        .keys()
        .map(String::as_str)
        .find(|status| is_success(status))
}

/// A minimal document of `schema`: the required properties (and an OData list's `value`,
/// empty), each with the smallest value of its type.
fn synthesize(schema: &Value) -> Value {
    let schema = resolve(schema);
    if let Some(all_of) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in all_of {
            if let Value::Object(object) = synthesize(part) {
                merged.extend(object);
            }
        }
        return Value::Object(merged);
    }
    if let Some(values) = schema["enum"].as_array()
        && let Some(first) = values.first()
    {
        return first.clone();
    }
    match schema["type"].as_str() {
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => json!("00000000-0000-0000-0000-000000000000"),
            Some("date-time") => json!("2024-01-01T00:00:00Z"),
            _ => json!(""),
        },
        Some("integer" | "number") => json!(0),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        _ => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut object = Map::new();
            if let Some(properties) = schema["properties"].as_object() {
                for (name, property) in properties {
                    if required.contains(&name.as_str()) || name == "value" {
                        object.insert(name.clone(), synthesize(property));
                    }
                }
            }
            Value::Object(object)
        }
    }
}

/// The scopes a delegated token needs, as groups: one scope of every group.
///
/// Read from the description's `Required Scope` (or `Required Delegated Scopes`) section:
/// - `A or B` is one group `[A, B]`; `A or both B and C` is `[A, B], [A, C]`; `A and B` is
///   `[A], [B]`, except that `X.Read.All and X.ReadWrite.All` (one family) means either, a
///   slip of the description.
/// - "All of the following:" with bullets: one group per bullet line.
/// - "..., unless a requirement doesn't apply": one group of every scope named (the
///   conditions are not checked).
/// - `Reports.ReadWrite.All` (a slip) is read as `Report.ReadWrite.All`.
/// - No section: no groups (nothing is checked).
pub fn scope_groups(description: &str) -> Vec<Vec<String>> {
    let Some(section) = scope_section(description) else {
        return Vec::new();
    };
    if section.contains("unless a requirement doesn't apply") {
        return vec![scopes_in(section)];
    }
    if section.contains("All of the following") {
        return section
            .lines()
            .map(str::trim)
            .filter(|line| line.starts_with('-'))
            .map(scopes_in)
            .filter(|group| !group.is_empty())
            .collect();
    }
    let Some(line) = section
        .lines()
        .map(str::trim)
        .find(|line| !scopes_in(line).is_empty())
    else {
        return Vec::new();
    };
    // Disjunctive form: alternatives, each a conjunction of scopes.
    let mut alternatives: Vec<Vec<String>> = Vec::new();
    for alternative in line.split(" or ") {
        let conjunction = scopes_in(alternative);
        if conjunction.is_empty() {
            continue;
        }
        match either_slip(&conjunction) {
            Some((read, write)) => {
                let rest: Vec<String> = conjunction
                    .iter()
                    .filter(|scope| **scope != read && **scope != write)
                    .cloned()
                    .collect();
                for either in [read, write] {
                    let mut alternative = vec![either];
                    alternative.extend(rest.iter().cloned());
                    alternatives.push(alternative);
                }
            }
            None => alternatives.push(conjunction),
        }
    }
    // To groups (conjunctive form): one scope picked from every alternative.
    let mut groups: Vec<Vec<String>> = vec![Vec::new()];
    for alternative in &alternatives {
        groups = groups
            .iter()
            .flat_map(|group| {
                alternative.iter().map(move |scope| {
                    let mut group = group.clone();
                    if !group.contains(scope) {
                        group.push(scope.clone());
                    }
                    group
                })
            })
            .collect();
    }
    let mut unique: Vec<Vec<String>> = Vec::new();
    for mut group in groups {
        group.sort();
        if !unique.contains(&group) {
            unique.push(group);
        }
    }
    unique
}

/// `X.Read.All` and `X.ReadWrite.All` of one family both in a conjunction.
fn either_slip(conjunction: &[String]) -> Option<(String, String)> {
    conjunction.iter().find_map(|scope| {
        let family = scope.strip_suffix(".Read.All")?;
        let write = format!("{family}.ReadWrite.All");
        conjunction.contains(&write).then(|| (scope.clone(), write))
    })
}

fn scope_section(description: &str) -> Option<&str> {
    let start = ["## Required Scope", "## Required Delegated Scope"]
        .iter()
        .filter_map(|heading| description.find(heading))
        .min()?;
    let rest = &description[start..];
    let body = &rest[rest.find('\n').unwrap_or(rest.len())..];
    let end = body.find("\n#").unwrap_or(body.len());
    Some(&body[..end])
}

/// The known scopes named in `text`, in order, each once.
fn scopes_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
        let word = word.trim_matches('.');
        let canonical = KNOWN_SCOPES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(word))
            .or_else(|| {
                // `Reports.ReadWrite.All`: a plural family is a slip for the singular one.
                let (family, rest) = word.split_once('.')?;
                let singular = format!("{}.{rest}", family.strip_suffix('s')?);
                KNOWN_SCOPES
                    .iter()
                    .find(|known| known.eq_ignore_ascii_case(&singular))
            });
        if let Some(scope) = canonical
            && !found.iter().any(|seen| seen == scope)
        {
            found.push((*scope).to_owned());
        }
    }
    found
}

#[test]
fn sandbox_example_answers_file_is_current() {
    let generated = serde_json::to_string_pretty(&catalogue()).expect("serializable") + "\n";
    let path = data_file();
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, &generated).expect("tests/sandbox/data/example_answers.json written");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "tests/sandbox/data/example_answers.json is out of date with Microsoft's description; run \
         `UPDATE_EXPECTED=1 cargo test -p powerbi-e2e sandbox_example_answers` and commit it"
    );
}

#[test]
fn the_catalogue_covers_every_operation_once() {
    let catalogue = catalogue();
    let operations = catalogue["operations"].as_array().expect("operations");
    assert_eq!(operations.len(), swagger_operations(swagger()).len());
    let mut ids: Vec<&str> = operations
        .iter()
        .filter_map(|operation| operation["operation_id"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), operations.len(), "operationIds are unique");
}

#[cfg(test)]
mod scope_tests {
    use super::scope_groups;

    fn groups(text: &str) -> Vec<Vec<String>> {
        scope_groups(&format!(
            "Intro.\n\n## Required Scope\n\n{text}\n\n## Limitations\n\nNone."
        ))
    }

    fn expect(expected: &[&[&str]]) -> Vec<Vec<String>> {
        expected
            .iter()
            .map(|group| group.iter().map(|scope| (*scope).to_owned()).collect())
            .collect()
    }

    #[test]
    fn or_is_one_group() {
        assert_eq!(
            groups("Dataset.ReadWrite.All or Dataset.Read.All"),
            expect(&[&["Dataset.Read.All", "Dataset.ReadWrite.All"]])
        );
    }

    #[test]
    fn and_needs_both_unless_it_names_one_family_twice() {
        assert_eq!(
            groups("Capacity.ReadWrite.All and Workspace.ReadWrite.All"),
            expect(&[&["Capacity.ReadWrite.All"], &["Workspace.ReadWrite.All"]])
        );
        assert_eq!(
            groups("Workspace.Read.All and Workspace.ReadWrite.All"),
            expect(&[&["Workspace.Read.All", "Workspace.ReadWrite.All"]])
        );
    }

    #[test]
    fn or_both_distributes() {
        assert_eq!(
            groups("Report.ReadWrite.All or both Report.Read.All and Dataset.Read.All"),
            expect(&[
                &["Report.Read.All", "Report.ReadWrite.All"],
                &["Dataset.Read.All", "Report.ReadWrite.All"]
            ])
        );
    }

    #[test]
    fn all_of_the_following_is_one_group_per_bullet() {
        assert_eq!(
            groups(
                "All of the following:\n\n- Report.ReadWrite.All or Report.Read.All\n- Dataset.ReadWrite.All or Dataset.Read.All"
            ),
            expect(&[
                &["Report.ReadWrite.All", "Report.Read.All"],
                &["Dataset.ReadWrite.All", "Dataset.Read.All"]
            ])
        );
    }

    #[test]
    fn conditional_requirements_accept_any_scope_named() {
        assert_eq!(
            groups(
                "All of the following, unless a requirement doesn't apply:\n\n- Content.Create, required if ...\n- Report.Read.All"
            ),
            expect(&[&["Content.Create", "Report.Read.All"]])
        );
    }

    #[test]
    fn plural_family_slip_and_missing_section() {
        assert_eq!(
            groups("Reports.ReadWrite.All"),
            expect(&[&["Report.ReadWrite.All"]])
        );
        assert!(scope_groups("No scope section here.").is_empty());
    }
}
