//! The curated spec agrees with Microsoft's own description (`spec/reference/`): every
//! operationId the spec names exists there with the same method and path. This reads the
//! generated `OPERATIONS` table and Microsoft's JSON, never `spec/`, so a slip in the spec
//! cannot vouch for itself.

use std::path::PathBuf;
use std::sync::OnceLock;

use powerbi::runtime::HttpMethod;
use powerbi_sandbox::path_shape;
use serde_json::Value;
use sha2::{Digest, Sha256};

const SHA256: &str = "5bb57f9c01e09cb24a1a60d396b297061abb0f333c289f607e6f8c92019e7182";

/// Microsoft's description, read once per test binary (its SHA-256 checked).
pub fn swagger() -> &'static Value {
    static SWAGGER: OnceLock<Value> = OnceLock::new();
    SWAGGER.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../spec/reference/powerbi-swagger.json");
        let bytes = std::fs::read(&path).expect("the reference copy is in the repository");
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(
            digest, SHA256,
            "spec/reference/powerbi-swagger.json is not the recorded copy"
        );
        serde_json::from_slice(&bytes).expect("valid JSON")
    })
}

/// One operation of Microsoft's description, its parameters resolved.
pub struct SwaggerOperation<'s> {
    pub operation_id: &'s str,
    /// Upper case.
    pub method: String,
    /// The full path template (`/v1.0/myorg/...`).
    pub path: &'s str,
    pub parameters: Vec<&'s Value>,
    pub operation: &'s Value,
}

impl<'s> SwaggerOperation<'s> {
    /// The `x-ms-examples`, by name (sorted).
    pub fn examples(&self) -> Vec<(&'s str, &'s Value)> {
        self.operation["x-ms-examples"]
            .as_object()
            .map(|examples| {
                examples
                    .iter()
                    .map(|(name, example)| (name.as_str(), example))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The declared response for `status` (`"200"`), if any.
    pub fn declared_response(&self, status: &str) -> Option<&'s Value> {
        self.operation["responses"].get(status)
    }

    /// The declared schema of the `status` response, `$ref` resolved.
    pub fn response_schema(&self, status: &str) -> Option<&'s Value> {
        self.declared_response(status)
            .and_then(|response| response.get("schema"))
            .map(resolve)
    }

    /// Whether the `status` response is a file (`type: file`).
    pub fn is_binary(&self, status: &str) -> bool {
        self.response_schema(status)
            .is_some_and(|schema| schema["type"] == "file")
    }

    /// The parameter named `name`.
    pub fn parameter(&self, name: &str) -> Option<&'s Value> {
        self.parameters
            .iter()
            .copied()
            .find(|parameter| parameter["name"] == name)
    }

    /// The body parameter, if the operation takes one.
    pub fn body_parameter(&self) -> Option<&'s Value> {
        self.parameters
            .iter()
            .copied()
            .find(|parameter| parameter["in"] == "body")
    }
}

/// Every operation of the description, in path then method order.
pub fn swagger_operations(swagger: &Value) -> Vec<SwaggerOperation<'_>> {
    let mut operations = Vec::new();
    for (path, item) in swagger["paths"].as_object().expect("paths") {
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|parameters| parameters.iter().map(resolve).collect())
            .unwrap_or_default();
        for (method, operation) in item.as_object().expect("methods") {
            let Some(operation_id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut parameters = shared.clone();
            if let Some(own) = operation.get("parameters").and_then(Value::as_array) {
                parameters.extend(own.iter().map(resolve));
            }
            operations.push(SwaggerOperation {
                operation_id,
                method: method.to_ascii_uppercase(),
                path,
                parameters,
                operation,
            });
        }
    }
    operations
}

/// `value` with a `$ref` (`#/definitions/X`, `#/parameters/X`) followed, else `value`. A
/// `fabric:` reference points into Fabric's description as [`crate::fabric_examples`] loads
/// it (all its files in one document).
pub fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) if reference.starts_with(crate::fabric_examples::REF_PREFIX) => {
            resolve(crate::fabric_examples::pointer(reference))
        }
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                swagger()
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("{reference} resolves")),
            )
        }
        None => value,
    }
}

/// The JSON payload of one example response, or `None` when it has no content.
///
/// Microsoft's examples put the payload in three ways:
/// - under `body`: the response object then holds nothing but `body`, `description` and
///   `headers` (which two scanner samples misspell `header`);
/// - inline, the payload's keys directly under the status code: `headers` is dropped, and so
///   is a `description` that is the response's text rather than a field of the declared schema
///   (Scorecards carry a `description` field of their own);
/// - under `value` instead of `body`: an inline payload of nothing but `value` holding an
///   object, where the declared schema has no `value` property (`Capacities_GetWorkload`).
///
/// A response of nothing but `description`/`headers` has no content.
pub fn example_payload(response: &Value, schema: Option<&Value>) -> Option<Value> {
    let object = response.as_object()?;
    let wrapper_only = object
        .keys()
        .all(|key| matches!(key.as_str(), "body" | "description" | "headers" | "header"));
    if wrapper_only {
        return object.get("body").filter(|body| !body.is_null()).cloned();
    }
    let declares =
        |name: &str| schema.is_some_and(|schema| schema["properties"].get(name).is_some());
    let payload: serde_json::Map<String, Value> = object
        .iter()
        .filter(|(key, _)| key.as_str() != "headers")
        .filter(|(key, _)| key.as_str() != "description" || declares("description"))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    match payload.get("value") {
        Some(inner)
            if payload.len() == 1
                && inner.is_object()
                && schema.is_some()
                && !declares("value") =>
        {
            Some(inner.clone())
        }
        _ => Some(Value::Object(payload)),
    }
}

#[test]
fn every_operation_id_matches_microsofts_method_and_path() {
    let swagger = swagger();
    let mut by_id = std::collections::HashMap::new();
    for (path, operations) in swagger["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("methods") {
            if let Some(id) = operation["operationId"].as_str() {
                by_id.insert(id.to_owned(), (method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    // Operations newer than the description, listed with their source in spec/powerbi/excluded.yaml
    // (`beyond_reference`): the description cannot vouch for them, and must not have them.
    let excluded = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec/powerbi")
        .join(powerbi_codegen::coverage::EXCLUDED_FILE);
    let text = std::fs::read_to_string(&excluded).expect("spec/powerbi/excluded.yaml");
    let lists = powerbi_codegen::coverage::read_lists(Some(&powerbi_codegen::SourceText {
        path: excluded,
        text,
    }))
    .expect("spec/powerbi/excluded.yaml reads");
    let beyond: Vec<&str> = (lists.beyond_reference.iter())
        .map(|entry| entry.operation_id.as_str())
        .collect();
    let mut checked = 0;
    for operation in powerbi::OPERATIONS {
        let method = match operation.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        };
        let templates: Vec<String> = operation
            .path_templates()
            .iter()
            .map(|path| path_shape(path))
            .collect();
        assert_eq!(
            templates.len(),
            operation.operation_ids.len(),
            "{}: one operationId per path variant",
            operation.name
        );
        for id in operation.operation_ids {
            if beyond.contains(id) {
                assert!(
                    !by_id.contains_key(*id),
                    "{id} is described now: drop it from beyond_reference"
                );
                checked += 1;
                continue;
            }
            let (swagger_method, swagger_path) = by_id.get(*id).unwrap_or_else(|| {
                panic!(
                    "{}: operationId {id} is not in Microsoft's description",
                    operation.name
                )
            });
            assert_eq!(swagger_method, method, "{}: method of {id}", operation.name);
            assert!(
                templates.contains(&path_shape(swagger_path)),
                "{}: {id} is {swagger_path} in Microsoft's description, the spec gives {:?}",
                operation.name,
                operation.path_templates()
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        powerbi::OPERATIONS
            .iter()
            .map(|operation| operation.operation_ids.len())
            .sum::<usize>()
    );
}
