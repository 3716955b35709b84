//! The curated spec agrees with Microsoft's own description (`spec/reference/`): every
//! operationId the spec names exists there with the same method and path. This reads the
//! generated `OPERATIONS` table and Microsoft's JSON, never `spec/`, so a slip in the spec
//! cannot vouch for itself.

use std::path::PathBuf;

use powerbi::runtime::HttpMethod;
use serde_json::Value;
use sha2::{Digest, Sha256};

const SHA256: &str = "5bb57f9c01e09cb24a1a60d396b297061abb0f333c289f607e6f8c92019e7182";

fn swagger() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/reference/powerbi-swagger.json");
    let bytes = std::fs::read(&path).expect("the reference copy is in the repository");
    let digest: String = Sha256::digest(&bytes).iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(digest, SHA256, "spec/reference/powerbi-swagger.json is not the recorded copy");
    serde_json::from_slice(&bytes).expect("valid JSON")
}

/// `{groupId}` and `{anything}` compare equal: only the shape of a path matters.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_placeholder = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_placeholder = true;
                out.push_str("{}");
            }
            '}' => in_placeholder = false,
            _ if in_placeholder => {}
            _ => out.push(c.to_ascii_lowercase()),
        }
    }
    out
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
    let mut checked = 0;
    for operation in powerbi::OPERATIONS {
        let method = match operation.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        };
        let templates: Vec<String> = operation.path_templates().iter().map(|path| shape(path)).collect();
        assert_eq!(
            templates.len(),
            operation.operation_ids.len(),
            "{}: one operationId per path variant",
            operation.name
        );
        for id in operation.operation_ids {
            let (swagger_method, swagger_path) = by_id
                .get(*id)
                .unwrap_or_else(|| panic!("{}: operationId {id} is not in Microsoft's description", operation.name));
            assert_eq!(swagger_method, method, "{}: method of {id}", operation.name);
            assert!(
                templates.contains(&shape(swagger_path)),
                "{}: {id} is {swagger_path} in Microsoft's description, the spec gives {:?}",
                operation.name,
                operation.path_templates()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, powerbi::OPERATIONS.iter().map(|operation| operation.operation_ids.len()).sum::<usize>());
}
