//! `data/fabric_example_answers.json`, the Fabric examples the sandbox answers, is what this
//! module generates from Microsoft's Fabric description (microsoft/fabric-rest-api-specs:
//! `../shared/reference/fabric` beside the checkout, or `$POWERBI_FABRIC_REFERENCE`); the
//! sandbox itself never reads the description.
//!
//! `UPDATE_EXPECTED=1 cargo test -p powerbi-sandbox --test sandbox fabric_examples` rewrites the
//! file; without the switch the test fails when the file is out of date.
//!
//! Per operation: its operationId, method, full path template (`/v1/...`) and one answer: the
//! first 200 or 201 response of its examples (examples by name, statuses in order), else the
//! first 2xx, else the first 2xx status the operation declares, without a body. Only the
//! status and body are kept, so the file stays small enough to ship.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

fn reference() -> PathBuf {
    let path = std::env::var_os("POWERBI_FABRIC_REFERENCE").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/fabric"),
        PathBuf::from,
    );
    assert!(
        path.join("platform/swagger.json").is_file(),
        "{} (microsoft/fabric-rest-api-specs, ../shared/reference/fabric beside the checkout, or $POWERBI_FABRIC_REFERENCE) is missing",
        path.display()
    );
    path
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()
}

/// (status, body) of the operation's answer.
fn answer(area: &Path, operation: &Value) -> (u16, Option<Value>) {
    let mut found: Vec<(u16, Option<Value>)> = Vec::new();
    let examples = operation["x-ms-examples"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut names: Vec<&String> = examples.keys().collect();
    names.sort();
    for name in names {
        let Some(reference) = examples[name]["$ref"].as_str() else {
            continue;
        };
        // A few references name a file the description lacks.
        let Some(example) = read_json(&area.join(reference)) else {
            continue;
        };
        let responses = example["responses"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut statuses: Vec<&String> = responses.keys().collect();
        statuses.sort();
        for status in statuses
            .into_iter()
            .filter(|status| status.starts_with('2'))
        {
            if let Ok(code) = status.parse() {
                let body = responses[status].get("body").cloned();
                found.push((code, body.filter(|body| !body.is_null())));
            }
        }
    }
    if let Some(preferred) = found.iter().find(|(status, _)| matches!(status, 200 | 201)) {
        return preferred.clone();
    }
    if let Some(first) = found.into_iter().next() {
        return first;
    }
    let declared = operation["responses"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut statuses: Vec<&String> = declared.keys().collect();
    statuses.sort();
    let status = statuses
        .into_iter()
        .find(|status| status.starts_with('2'))
        .and_then(|status| status.parse().ok())
        .unwrap_or(200);
    (status, None)
}

fn catalogue(reference: &Path) -> Value {
    let mut areas: Vec<PathBuf> = std::fs::read_dir(reference)
        .expect("the reference folder")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("swagger.json").is_file())
        .collect();
    areas.sort();
    let mut operations = Vec::new();
    for area in &areas {
        let swagger = read_json(&area.join("swagger.json")).expect("swagger.json is JSON");
        let base = swagger["basePath"]
            .as_str()
            .unwrap_or("/v1")
            .trim_end_matches('/');
        let paths = swagger["paths"].as_object().cloned().unwrap_or_default();
        for (path, item) in &paths {
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let (status, body) = answer(area, operation);
                let mut entry = Map::new();
                entry.insert("operation_id".into(), operation["operationId"].clone());
                entry.insert("method".into(), json!(method.to_ascii_uppercase()));
                entry.insert("path".into(), json!(format!("{base}{path}")));
                entry.insert("status".into(), json!(status));
                if let Some(body) = body {
                    entry.insert("body".into(), body);
                }
                operations.push(Value::Object(entry));
            }
        }
    }
    operations.sort_by(|a, b| {
        (a["path"].as_str(), a["method"].as_str()).cmp(&(b["path"].as_str(), b["method"].as_str()))
    });
    json!({
        "about": "Generated from microsoft/fabric-rest-api-specs (MIT, see THIRD-PARTY-NOTICES) by the \
                  sandbox test fabric_examples; do not edit (UPDATE_EXPECTED=1 cargo test -p powerbi-sandbox \
                  --test sandbox fabric_examples).",
        "operations": operations,
    })
}

#[test]
fn the_fabric_example_answers_are_generated_from_the_description() {
    let generated = catalogue(&reference());
    let count = generated["operations"].as_array().map_or(0, Vec::len);
    assert_eq!(count, 725, "every operation of the description");
    let text = format!("{}\n", serde_json::to_string(&generated).expect("JSON"));
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/fabric_example_answers.json");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&file, &text).expect("write the data file");
        return;
    }
    let current = std::fs::read_to_string(&file).expect("data/fabric_example_answers.json");
    assert!(
        current == text,
        "data/fabric_example_answers.json is out of date: UPDATE_EXPECTED=1 cargo test -p powerbi-sandbox --test sandbox fabric_examples"
    );
}
