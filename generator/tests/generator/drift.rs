//! `drift`: the curated spec against Microsoft's description differs by exactly the reviewed
//! differences (pinned in `tests/golden/powerbi_drift.txt`), and against a modified copy of the
//! description (an operation removed, a field added, an enum value added) by exactly those.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use powerbi_codegen::SourceText;
use powerbi_codegen::api::Api;
use powerbi_codegen::drift::{Change, Finding, Group, Report};
use powerbi_codegen::import::{Selection, Source};

use super::support::{POWERBI_SWAGGER, REAL_SPEC, check_expected, sources, temp_dir};

fn spec() -> (Api, powerbi_codegen::coverage::Lists) {
    let api = powerbi_codegen::load(&sources(Path::new(REAL_SPEC))).expect("the real spec");
    let path = Path::new(REAL_SPEC).join("excluded.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let lists = powerbi_codegen::coverage::read_lists(Some(&SourceText { path, text })).unwrap();
    (api, lists)
}

fn drift(swagger: &Path) -> Report {
    let (api, lists) = spec();
    let draft = powerbi_codegen::import::describe(
        &api.description,
        &Source::Swagger(swagger.to_path_buf()),
        &Selection::default(),
    )
    .expect("the description drafts");
    powerbi_codegen::drift::drift(&api, &lists, &draft)
}

/// A finding as the golden file pins it: without line numbers, which move with every edit of
/// the spec, but with the file.
fn line(finding: &Finding) -> String {
    let file = finding
        .at
        .as_ref()
        .and_then(|at| at.file.file_name())
        .map_or(String::new(), |name| {
            format!(" [{}]", name.to_string_lossy())
        });
    format!(
        "{:?} {:?} {}: {}{file}\n",
        finding.group, finding.change, finding.subject, finding.detail
    )
}

#[test]
fn the_curated_spec_differs_from_the_reference_by_the_reviewed_differences() {
    let report = drift(Path::new(POWERBI_SWAGGER));
    let text: String = report.findings.iter().map(line).collect();
    check_expected(Path::new("tests/golden/powerbi_drift.txt"), &text).unwrap();
    // Each finding points at the spec where the spec has the item.
    for finding in &report.findings {
        if finding.change != Change::Added || finding.group != Group::Operations {
            let at = finding
                .at
                .as_ref()
                .unwrap_or_else(|| panic!("{finding:?} has no place in the spec"));
            assert!(at.file.starts_with(REAL_SPEC) && at.line > 0, "{finding:?}");
        }
    }
}

#[test]
fn drift_reports_exactly_what_changed_in_the_description() {
    let mut swagger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(POWERBI_SWAGGER).unwrap()).unwrap();
    // An operation removed, a field added, an enum value added.
    let paths = swagger["paths"].as_object_mut().unwrap();
    let tile = paths
        .get_mut("/v1.0/myorg/dashboards/{dashboardId}/tiles/{tileId}")
        .unwrap();
    assert_eq!(tile["get"]["operationId"], "Dashboards_GetTile");
    tile.as_object_mut().unwrap().remove("get");
    let definitions = &mut swagger["definitions"];
    let tile = definitions["Tile"].as_object_mut().unwrap();
    let properties = tile
        .entry("properties")
        .or_insert_with(|| serde_json::json!({}));
    properties["freshField"] = serde_json::json!({"type": "string", "description": "New."});
    definitions["GroupType"]["enum"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!("Lakehouse"));
    let dir = temp_dir("drift");
    std::fs::create_dir_all(&dir).unwrap();
    let modified: PathBuf = dir.join("swagger.json");
    std::fs::write(&modified, serde_json::to_string(&swagger).unwrap()).unwrap();

    let before: BTreeSet<Finding> = drift(Path::new(POWERBI_SWAGGER))
        .findings
        .into_iter()
        .collect();
    let after: BTreeSet<Finding> = drift(&modified).findings.into_iter().collect();
    assert!(
        before.is_subset(&after),
        "the modified description hides a finding"
    );
    let new: Vec<String> = after.difference(&before).map(line).collect();
    assert_eq!(
        new,
        [
            "Operations Removed Dashboards_GetTile: gone from the description; the spec covers it with dashboards::get_tile [dashboards.yaml]\n",
            "Fields Added Tile.freshField: new in the description (string) [dashboards.yaml]\n",
            "EnumValues Added GroupType: 'Lakehouse' is new in the description [admin.yaml]\n",
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
