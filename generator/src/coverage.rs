//! Which of Microsoft's operations the spec covers, which it excludes on purpose, and which
//! are missing.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::api::Api;
use crate::spec::yaml::{self, Position};
use crate::{Error, SourceText};

/// The file beside the category files that lists operations left out on purpose.
pub const EXCLUDED_FILE: &str = "excluded.yaml";

/// `excluded.yaml` of an API folder (`spec/powerbi/excluded.yaml`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExcludedFile {
    #[serde(default)]
    excluded: Vec<Excluded>,
    /// Operations the spec covers that the reference does not describe yet (newer than it),
    /// each with its source: `coverage` accepts them instead of reporting them unknown.
    #[serde(default)]
    beyond_reference: Vec<Excluded>,
    /// Why the spec does not cover the whole description yet (an issue in progress):
    /// `coverage` then reports missing operations without failing.
    #[serde(default)]
    incomplete: Option<String>,
}

/// One operation left out, with the reason.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Excluded {
    /// Microsoft's operationId.
    pub operation_id: String,
    /// Why (deprecated, replaced by ..., not representable because ...).
    pub reason: String,
}

/// The result of comparing the spec with the reference (Microsoft's description).
#[derive(Debug, Default)]
pub struct Coverage {
    /// operationId → `category::operation` that covers it.
    pub covered: BTreeMap<String, String>,
    /// operationId → reason.
    pub excluded: BTreeMap<String, String>,
    /// operationIds in the reference that the spec neither covers nor excludes.
    pub missing: Vec<String>,
    /// operationIds the spec names that the reference does not have (typos, removals).
    pub unknown: Vec<String>,
    /// operationIds both covered and excluded, or covered twice; or listed as beyond the
    /// reference while the reference has them or the spec does not cover them.
    pub conflicting: Vec<String>,
    /// operationId → why the spec covers it although the reference does not describe it.
    pub beyond_reference: BTreeMap<String, String>,
}

impl Coverage {
    /// Whether every operation is covered or excluded, and nothing is unknown or conflicting.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.unknown.is_empty() && self.conflicting.is_empty()
    }

    /// Whether `coverage` should fail: something is missing (unless `incomplete` says why
    /// that is expected for now), unknown or conflicting.
    pub fn fails(&self, incomplete: Option<&str>) -> bool {
        let missing = !self.missing.is_empty() && incomplete.is_none();
        missing || !self.unknown.is_empty() || !self.conflicting.is_empty()
    }

    /// A readable report, one line per operation, then the totals.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for (id, operation) in &self.covered {
            out.push_str(&format!("covered   {id} -> {operation}\n"));
        }
        for (id, reason) in &self.excluded {
            out.push_str(&format!("excluded  {id}: {reason}\n"));
        }
        for (id, reason) in &self.beyond_reference {
            out.push_str(&format!("beyond    {id}: {reason}\n"));
        }
        for id in &self.missing {
            out.push_str(&format!("MISSING   {id}\n"));
        }
        for id in &self.unknown {
            out.push_str(&format!(
                "UNKNOWN   {id} (named in the spec, absent from the description)\n"
            ));
        }
        for id in &self.conflicting {
            out.push_str(&format!(
                "CONFLICT  {id} (covered twice, or covered and excluded)\n"
            ));
        }
        out.push_str(&format!(
            "{} covered ({} beyond the reference), {} excluded, {} missing, {} unknown, {} conflicting\n",
            self.covered.len(),
            self.beyond_reference.len(),
            self.excluded.len(),
            self.missing.len(),
            self.unknown.len(),
            self.conflicting.len()
        ));
        out
    }
}

/// Reads `excluded.yaml` (an absent file excludes nothing).
pub fn read_excluded(source: Option<&SourceText>) -> Result<Vec<Excluded>, Error> {
    read_lists(source).map(|lists| lists.excluded)
}

/// The two lists of `excluded.yaml`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lists {
    /// Operations of the reference left out on purpose.
    pub excluded: Vec<Excluded>,
    /// Operations the spec covers from Microsoft's documentation that the reference does not
    /// describe yet (`reason` names the source).
    pub beyond_reference: Vec<Excluded>,
    /// Why the spec is knowingly incomplete (`incomplete:`): missing operations are then
    /// reported, not a failure. Unknown and conflicting ones still are.
    pub incomplete: Option<String>,
}

/// Reads both lists of `excluded.yaml` (an absent file lists nothing).
pub fn read_lists(source: Option<&SourceText>) -> Result<Lists, Error> {
    let Some(source) = source else {
        return Ok(Lists::default());
    };
    let problem = |position: Position, message: String| {
        Error::Spec(vec![crate::Diagnostic {
            location: crate::Location {
                file: source.path.clone(),
                line: position.line,
                column: position.column,
            },
            item: "excluded".to_owned(),
            message: format!("{message} (each entry needs `operation_id` and `reason`)"),
        }])
    };
    let root = yaml::parse(&source.text).map_err(|error| problem(error.position, error.message))?;
    yaml::from_node::<ExcludedFile>(&root)
        .map(|file| Lists {
            excluded: file.excluded,
            beyond_reference: file.beyond_reference,
            incomplete: file.incomplete,
        })
        .map_err(|error| {
            // Point at the first entry that does not read, else at the document.
            let entry = ["excluded", "beyond_reference"]
                .iter()
                .filter_map(|list| match root.get(list).map(|list| &list.value) {
                    Some(yaml::Value::Sequence(entries)) => entries
                        .iter()
                        .find(|entry| yaml::from_node::<Excluded>(entry).is_err()),
                    _ => None,
                })
                .next();
            problem(entry.unwrap_or(&root).position, error.to_string())
        })
}

/// Compares the validated API (and the spec's exclusions) with the reference's operationIds:
/// Microsoft's description of the service, in Swagger 2.0 JSON.
pub fn coverage(api: &Api, excluded: &[Excluded], reference_json: &str) -> Result<Coverage, Error> {
    let lists = Lists {
        excluded: excluded.to_vec(),
        beyond_reference: Vec::new(),
        incomplete: None,
    };
    coverage_of(api, &lists, &swagger_operation_ids(reference_json)?)
}

/// The operationIds of a Swagger 2.0 description, in path order.
fn swagger_operation_ids(reference_json: &str) -> Result<Vec<String>, Error> {
    let reference: serde_json::Value = serde_json::from_str(reference_json)
        .map_err(|error| Error::Config(format!("the description is not JSON: {error}")))?;
    let mut described = Vec::new();
    for operations in reference["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
    {
        for operation in operations
            .as_object()
            .into_iter()
            .flat_map(|methods| methods.values())
        {
            if let Some(id) = operation.get("operationId").and_then(|id| id.as_str()) {
                described.push(id.to_owned());
            }
        }
    }
    Ok(described)
}

/// Compares the validated API and both lists of `excluded.yaml` with the operationIds of a
/// description however it is laid out (one Swagger file, or Fabric's area folders: see
/// [`crate::import::operation_ids`]): what `coverage` reports per API. An operation the spec
/// covers that the description lacks is accepted when `beyond_reference` lists it with its
/// source; such an entry the description does describe, or the spec does not cover, is a
/// conflict (the list is stale).
pub fn coverage_of(api: &Api, lists: &Lists, described: &[String]) -> Result<Coverage, Error> {
    let excluded = &lists.excluded;
    if described.is_empty() {
        return Err(Error::Config(
            "the description has no operations".to_owned(),
        ));
    }
    let mut result = Coverage::default();
    for category in &api.categories {
        for operation in &category.operations {
            // A body form (`body_form_of`) sends its primary's operationIds with another body:
            // they are covered once, by the primary, not covered twice.
            if operation.body_form_of.is_some() {
                continue;
            }
            for id in &operation.operation_ids {
                let name = format!("{}::{}", category.name, operation.name);
                if result.covered.insert(id.clone(), name).is_some() {
                    result.conflicting.push(id.clone());
                }
            }
        }
    }
    for item in excluded {
        if result.covered.contains_key(&item.operation_id)
            || result
                .excluded
                .insert(item.operation_id.clone(), item.reason.clone())
                .is_some()
        {
            result.conflicting.push(item.operation_id.clone());
        }
    }
    for id in described {
        if !result.covered.contains_key(id) && !result.excluded.contains_key(id) {
            result.missing.push(id.clone());
        }
    }
    for item in &lists.beyond_reference {
        let id = &item.operation_id;
        if described.contains(id) || !result.covered.contains_key(id) {
            result.conflicting.push(id.clone());
        } else {
            result
                .beyond_reference
                .insert(id.clone(), item.reason.clone());
        }
    }
    for id in result.covered.keys().chain(result.excluded.keys()) {
        if !described.contains(id) && !result.beyond_reference.contains_key(id) {
            result.unknown.push(id.clone());
        }
    }
    result.missing.sort();
    result.unknown.sort();
    result.conflicting.sort();
    result.conflicting.dedup();
    Ok(result)
}
