//! `import` on both APIs: Power BI's description drafted whole and compared with the curated
//! spec (the comparison, pinned in `tests/golden/powerbi_import_curation.txt`, shows what the
//! maintainers curated), every Power BI tag and every Fabric area drafted into a category that
//! `check` accepts, and hostile descriptions reported, never panicking.

use std::path::{Path, PathBuf};

use powerbi_codegen::api::ApiDescription;
use powerbi_codegen::import::{Draft, Selection, Source};
use powerbi_codegen::{Error, SourceText};

use super::support::{POWERBI_SWAGGER, REAL_SPEC, check_expected, sources, temp_dir};

/// Microsoft's Fabric description: `../shared` beside the checkout (as CI lays it out),
/// relative to the package dir.
pub const FABRIC_REFERENCE: &str = "../../shared/reference/fabric";

/// The variable that points the tests at Fabric's description from elsewhere (the packaged
/// crate's tests run outside the checkout: `.ci/check-packages` sets it).
pub const FABRIC_REFERENCE_VAR: &str = "POWERBI_FABRIC_REFERENCE";

/// The Fabric API description of the spec.
pub const FABRIC_API: &str = "spec/fabric/api.yaml";

pub fn fabric_reference() -> PathBuf {
    let path = std::env::var_os(FABRIC_REFERENCE_VAR)
        .map_or_else(|| PathBuf::from(FABRIC_REFERENCE), PathBuf::from);
    assert!(
        path.join("platform/swagger.json").is_file(),
        "{} (microsoft/fabric-rest-api-specs, ../shared/reference/fabric beside the checkout, or ${FABRIC_REFERENCE_VAR}) is missing",
        path.display()
    );
    path
}

fn api_file(path: &str) -> ApiDescription {
    powerbi_codegen::load_api_file(Path::new(path))
        .unwrap_or_else(|error| panic!("{path} should be valid:\n{error}"))
}

/// Loads a draft beside the API's `api.yaml`, as a maintainer would put it in the spec.
fn load_draft(
    api_path: &str,
    draft: &Draft,
    label: &str,
) -> Result<powerbi_codegen::api::Api, Error> {
    let api_text = std::fs::read_to_string(api_path).expect("api.yaml");
    let text = powerbi_codegen::import::yaml(draft, label);
    powerbi_codegen::load(&[
        SourceText {
            path: PathBuf::from("draft/api.yaml"),
            text: api_text,
        },
        SourceText {
            path: PathBuf::from(format!("draft/{}.yaml", draft.category)),
            text,
        },
    ])
}

#[test]
fn importing_power_bi_shows_only_the_curation() {
    let api = powerbi_codegen::load(&sources(Path::new(REAL_SPEC))).expect("the real spec");
    let excluded_text =
        std::fs::read_to_string(Path::new(REAL_SPEC).join("excluded.yaml")).unwrap();
    let lists = powerbi_codegen::coverage::read_lists(Some(&SourceText {
        path: PathBuf::from("excluded.yaml"),
        text: excluded_text,
    }))
    .unwrap();
    let source = Source::Swagger(PathBuf::from(POWERBI_SWAGGER));
    let draft = powerbi_codegen::import::describe(&api.description, &source, &Selection::default())
        .expect("Power BI's description drafts");
    let drift = powerbi_codegen::drift::drift(&api, &lists, &draft);
    let summary = powerbi_codegen::drift::curation::summary(&api, &draft, &drift);
    check_expected(
        Path::new("tests/golden/powerbi_import_curation.txt"),
        &summary,
    )
    .unwrap();
    // The comparison reached the operations: each of the spec's operationIds was compared,
    // or counted as one the draft lacks (an operation the spec adds to the description). A body
    // form repeats its primary's ids and is not compared again.
    let named: usize = api
        .categories
        .iter()
        .flat_map(|category| &category.operations)
        .filter(|operation| operation.body_form_of.is_none())
        .map(|operation| operation.operation_ids.len())
        .sum();
    let compared = count(&summary, "operationIds compared");
    assert_eq!(
        compared + count(&summary, "operationIds the draft lacks"),
        named,
        "{summary}"
    );
    assert!(compared > 250, "{summary}");
}

/// The number of a `kind: count` line of the summary (0 when absent).
fn count(summary: &str, kind: &str) -> usize {
    summary
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{kind}: ")))
        .map_or(0, |count| count.parse().expect("a count"))
}

#[test]
fn every_power_bi_tag_drafts_a_category_check_accepts() {
    let api = api_file("spec/powerbi/api.yaml");
    let swagger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(POWERBI_SWAGGER).unwrap()).unwrap();
    let mut tags: Vec<String> = swagger["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|operation| operation.pointer("/tags/0").and_then(|tag| tag.as_str()))
        .map(str::to_owned)
        .collect();
    tags.sort();
    tags.dedup();
    assert!(tags.len() > 15, "{tags:?}");
    for tag in tags {
        let selection = Selection {
            tag: Some(tag.clone()),
            category: None,
        };
        let draft = powerbi_codegen::import::import(
            &api,
            &Source::Swagger(POWERBI_SWAGGER.into()),
            &selection,
        )
        .unwrap_or_else(|error| panic!("tag {tag}: {error}"));
        load_draft("spec/powerbi/api.yaml", &draft, &tag)
            .unwrap_or_else(|error| panic!("the draft of tag {tag} does not validate:\n{error}"));
    }
}

#[test]
fn a_fabric_area_drafts_a_category_check_accepts() {
    let api = api_file(FABRIC_API);
    let area = fabric_reference().join("notebook");
    let draft = powerbi_codegen::import::import(&api, &Source::Area(area), &Selection::default())
        .expect("the notebook area drafts");
    assert_eq!(draft.category, "notebook");
    let loaded =
        load_draft(FABRIC_API, &draft, "notebook").unwrap_or_else(|error| panic!("{error}"));
    let operations = &loaded.categories[0].operations;
    let list = operations
        .iter()
        .find(|operation| operation.name == "list_notebooks")
        .expect("list_notebooks");
    assert_eq!(list.paging, powerbi_codegen::api::Paging::ContinuationUri);
    assert_eq!(
        list.service_principal,
        powerbi_codegen::api::ServicePrincipal::Yes
    );
    assert_eq!(
        list.scopes,
        vec![
            vec!["Workspace.Read.All".to_owned()],
            vec!["Workspace.ReadWrite.All".to_owned()]
        ]
    );
    assert_eq!(
        list.docs_url,
        "https://learn.microsoft.com/rest/api/fabric/notebook/items/list-notebooks"
    );
    let create = operations
        .iter()
        .find(|operation| operation.name == "create_notebook")
        .expect("create_notebook");
    assert_eq!(
        create.long_running,
        powerbi_codegen::api::LongRunning::FabricOperation
    );
    let run = operations
        .iter()
        .find(|operation| {
            operation.operation_ids == ["notebook/BackgroundJobs_RunOnDemandNotebook"]
        })
        .expect("run on demand");
    assert_eq!(
        run.long_running,
        powerbi_codegen::api::LongRunning::JobInstance
    );
    // Models from ../common/definitions.json are drafted with the area's own.
    assert!(
        loaded.models.iter().any(|model| model.name == "Principal"),
        "no Principal"
    );
    // Links to the examples.
    let text = powerbi_codegen::import::yaml(&draft, "notebook");
    assert!(
        text.contains("# Microsoft's example: notebook/examples/ListNotebooksInWorkspace.json"),
        "{text}"
    );
    // The draft generates for the Fabric runtime: records on `rt::Api::Fabric`, categories
    // borrowing `FabricClient`, Fabric's paging and long-running siblings.
    let code = powerbi_codegen::render(&loaded, &powerbi_codegen::HostCrate::external())
        .expect("a drafted Fabric area renders");
    for expected in [
        "api: rt::Api::Fabric",
        "impl CategoryClients for rt::FabricClient",
        "rt::Paginator::continuation_uri(",
        "rt::TypedJob<models::Notebook>",
        "rt::LongRunning::JobInstance",
    ] {
        assert!(
            code.contains(expected),
            "no `{expected}` in the draft's code"
        );
    }
}

/// The body kinds and the repeated query parameter that Microsoft's description shows are
/// drafted as such: a raw file body from `consumes` (with or without a body parameter), a bare
/// JSON array body, and `collectionFormat: multi` as `list<T>`; and they load and generate.
#[test]
fn raw_bodies_array_bodies_and_repeated_query_parameters_are_drafted() {
    let api = api_file(FABRIC_API);
    let draft_of = |area: &str| {
        let source = Source::Area(fabric_reference().join(area));
        let draft = powerbi_codegen::import::import(&api, &source, &Selection::default())
            .unwrap_or_else(|error| panic!("{area} drafts: {error}"));
        load_draft(FABRIC_API, &draft, area).unwrap_or_else(|error| panic!("{area}: {error}"));
        powerbi_codegen::import::yaml(&draft, area)
    };
    let operation = |text: &str, id: &str| -> String {
        let start = text
            .find(&format!("operation_ids: [{id}]"))
            .unwrap_or_else(|| panic!("no {id}"));
        let end = text[start..]
            .find("\n  - name:")
            .map_or(text.len(), |end| start + end);
        text[start..end].to_owned()
    };
    let environment = draft_of("environment");
    for id in [
        "environment/Staging_UploadCustomLibrary",
        "environment/Staging_ImportExternalLibraries",
    ] {
        assert!(
            operation(&environment, id).contains("\n    body: bytes\n"),
            "{id}"
        );
    }
    let airflow = draft_of("apacheAirflowJob");
    let deploy = operation(
        &airflow,
        "apacheAirflowJob/Requirements_Deploy_Apache_Airflow_Job_Requirements_(beta)",
    );
    assert!(
        deploy.contains("body: {model: bytes, content_type: text/plain, required: false}"),
        "{deploy}"
    );
    let file = operation(
        &airflow,
        "apacheAirflowJob/Files_Create_Or_Update_Apache_Airflow_Job_File_(beta)",
    );
    assert!(file.contains("\n    body: bytes\n"), "{file}");
    let warehouse = draft_of("warehouse");
    let audit = operation(
        &warehouse,
        "warehouse/SQLAuditSettings_SetAuditActionsAndGroups",
    );
    assert!(audit.contains("body: array<string>"), "{audit}");
    let catalog = draft_of("mirroredCatalog");
    for (id, parameter) in [
        ("mirroredCatalog/Discovery_List_Scopes_(beta)", "parent"),
        ("mirroredCatalog/Discovery_List_Tables_(beta)", "scope"),
    ] {
        let text = operation(&catalog, id);
        assert!(
            text.contains(&format!(
                "- name: {parameter}\n        in: query\n        type: list<string>"
            )),
            "{text}"
        );
    }
}

#[test]
fn every_fabric_area_drafts_a_category_check_accepts() {
    let api = api_file(FABRIC_API);
    let mut areas: Vec<PathBuf> = std::fs::read_dir(fabric_reference())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("swagger.json").is_file())
        .collect();
    areas.sort();
    assert!(areas.len() >= 50, "{areas:?}");
    let mut operations = 0;
    for area in areas {
        let draft = powerbi_codegen::import::import(
            &api,
            &Source::Area(area.clone()),
            &Selection::default(),
        )
        .unwrap_or_else(|error| panic!("{}: {error}", area.display()));
        operations += draft.operations.len();
        load_draft(FABRIC_API, &draft, "area").unwrap_or_else(|error| {
            panic!(
                "the draft of {} does not validate:\n{error}",
                area.display()
            )
        });
    }
    assert_eq!(operations, 725, "the description holds 725 operations");
}

#[test]
fn hostile_descriptions_are_reported_not_panicked_on() {
    let api = api_file(FABRIC_API);
    let dir = temp_dir("hostile-import");
    let cases = [
        "not json",
        "[]",
        r##"{"paths": 5}"##,
        r##"{"paths": {"/x": 7}}"##,
        r##"{"paths": {"/x": {"get": {"operationId": 5, "parameters": "x", "responses": []}}}}"##,
        r##"{"paths": {"/x": {"get": {"operationId": "A_B", "parameters": [{"in": "body", "schema": {"$ref": "#/definitions/Nope"}}]}}}}"##,
        r##"{"paths": {"/x": {"get": {"operationId": "A_B", "responses": {"200": {"schema": {"$ref": "#/definitions/Loop"}}}}}}, "definitions": {"Loop": {"$ref": "#/definitions/Loop"}}}"##,
        r##"{"paths": {"/x": {"get": {"operationId": "A_B", "responses": {"200": {"schema": {"$ref": "./missing.json#/definitions/X"}}}}}}}"##,
        r##"{"paths": {"/{a}": {"post": {"operationId": "new", "tags": [3], "description": 9, "x-ms-examples": [1], "x-ms-pageable": "yes", "parameters": [{"in": "path", "name": "a", "type": ["string"]}], "responses": {"202": {"schema": {"type": "object", "allOf": [{"$ref": "#/definitions/Self"}]}}}}}}, "definitions": {"Self": {"allOf": [{"$ref": "#/definitions/Self"}], "properties": {"x": {"type": "array"}}, "required": [1], "enum": [null, {}, "a"]}}}"##,
        r##"{"paths": {"/x": {"get": {"operationId": "A_B", "responses": {"200": {"schema": {"$ref": "#/definitions/A"}}}}}}, "definitions": {"A": {"type": "array", "items": {"$ref": "#/definitions/A"}}}}"##,
    ];
    for (index, case) in cases.iter().enumerate() {
        let area = dir.join(format!("case{index}"));
        std::fs::create_dir_all(&area).unwrap();
        std::fs::write(area.join("swagger.json"), case).unwrap();
        let outcome = std::panic::catch_unwind(|| {
            powerbi_codegen::import::import(
                &api,
                &Source::Area(area.clone()),
                &Selection::default(),
            )
        });
        match outcome {
            Err(_) => panic!("import panicked on {case}"),
            Ok(Err(error)) => assert!(!error.to_string().is_empty()),
            Ok(Ok(draft)) => {
                // A draft of a hostile description is still text the loader reads without panicking.
                let _ = load_draft(FABRIC_API, &draft, "hostile");
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_area_with_a_deeper_base_path_keeps_it_in_its_paths() {
    // Fabric's admin area declares `basePath: /v1/admin` where the API's is `/v1`.
    let api = api_file(FABRIC_API);
    let area = fabric_reference().join("admin");
    let draft = powerbi_codegen::import::import(&api, &Source::Area(area), &Selection::default())
        .expect("the admin area drafts");
    assert!(!draft.operations.is_empty());
    for operation in &draft.operations {
        assert!(
            operation.path.starts_with("/admin/"),
            "{}: {}",
            operation.operation_id,
            operation.path
        );
    }
}
