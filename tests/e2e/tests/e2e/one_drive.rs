//! Imports from OneDrive for Business: the JSON body form of Post Import
//! (`post_import_from_one_drive`, `{"filePath", "connectionType"}`), followed to its end like an
//! uploaded file, and the service's refusals (a .pbix path, no `filePath`) as clear errors.

use std::time::Duration;

use powerbi::imports::PostImportFromOneDriveOptions;
use powerbi::models::{ConnectionType, ImportConflictHandlerMode, ImportInfo, ImportState};
use powerbi_sandbox::{RecordedRequest, SandboxConfig, demo};
use serde_json::{Value, json};

use crate::common::*;

const WORKBOOK: &str = "/personal/alice_contoso_com/Documents/Budget 2026.xlsx";

/// The one `POST .../imports` the sandbox recorded.
fn recorded_import(sandbox: &powerbi_sandbox::Sandbox) -> RecordedRequest {
    let mut posts: Vec<RecordedRequest> = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.method == "POST" && request.path.ends_with("/imports"))
        .collect();
    assert_eq!(posts.len(), 1, "one import request");
    posts.remove(0)
}

#[tokio::test]
async fn a_workbook_on_one_drive_is_imported_by_path_and_followed() {
    let sandbox =
        sandbox_with(SandboxConfig::default().refresh_duration(Duration::from_millis(60))).await;
    let client = service_principal(&sandbox);
    let mut job = client
        .import_from_one_drive(
            sales(),
            WORKBOOK,
            ConnectionType::Connect,
            PostImportFromOneDriveOptions::default()
                .name_conflict(ImportConflictHandlerMode::Abort),
        )
        .await
        .expect("import accepted")
        .poll_interval(Duration::from_millis(10));
    let done = job.wait().await.expect("the import ends");
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(done.body["name"], "Budget 2026.xlsx");
    assert_eq!(done.body["connectionType"], "connect");
    assert_eq!(done.body["datasets"][0]["name"], "Budget 2026");

    let post = recorded_import(&sandbox);
    assert!(
        post.path
            .ends_with(&format!("/groups/{}/imports", demo::SALES_WORKSPACE_ID)),
        "{}",
        post.path
    );
    assert!(
        post.header("content-type")
            .is_some_and(|value| value.starts_with("application/json")),
        "{:?}",
        post.header("content-type")
    );
    let body: Value = serde_json::from_slice(&post.body).expect("a JSON body");
    assert_eq!(
        body,
        json!({"filePath": WORKBOOK, "connectionType": "connect"}),
        "only the OneDrive fields are sent"
    );
    let query = post.query.unwrap_or_default();
    assert_eq!(
        query, "nameConflict=Abort",
        "no datasetDisplayName for OneDrive"
    );
}

#[tokio::test]
async fn the_generated_method_returns_the_import_and_get_import_finds_it() {
    // An import that stays `Publishing` for the whole test: nothing here waits for it.
    let sandbox =
        sandbox_with(SandboxConfig::default().refresh_duration(Duration::from_secs(3600))).await;
    let client = service_principal(&sandbox);
    let body = ImportInfo {
        file_path: Some("Documents/Sales.xlsx".to_owned()),
        connection_type: Some(ConnectionType::Import),
        ..ImportInfo::default()
    };
    let import = client
        .imports()
        .post_import_from_one_drive(sales(), &body, Default::default())
        .await
        .expect("import accepted");
    assert_eq!(import.import_state, Some(ImportState::Publishing));
    assert_eq!(import.connection_type, Some(ConnectionType::Import));
    assert_eq!(sandbox.imports_created(), 1);
    let sent: Value = serde_json::from_slice(&recorded_import(&sandbox).body).expect("JSON");
    assert_eq!(
        sent,
        json!({"filePath": "Documents/Sales.xlsx", "connectionType": "import"})
    );
    let found = client
        .imports()
        .get_import(sales(), import.id)
        .await
        .expect("the import is listed");
    assert_eq!(found.name.as_deref(), Some("Sales.xlsx"));
    assert_eq!(found.connection_type, Some(ConnectionType::Import));
}

#[tokio::test]
async fn a_pbix_on_one_drive_and_a_body_without_file_path_are_refused() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let refused = client
        .import_from_one_drive(
            sales(),
            "/Documents/Sales.pbix",
            ConnectionType::Import,
            Default::default(),
        )
        .await;
    let error = assert_api_error(refused.map(drop), 400, Some("InvalidRequest"));
    let line = error.to_string();
    assert!(
        line.contains(".pbix file from OneDrive isn't supported"),
        "{line}"
    );

    let empty = client
        .imports()
        .post_import_from_one_drive(sales(), &ImportInfo::default(), Default::default())
        .await;
    let error = assert_api_error(empty, 400, Some("InvalidRequest"));
    assert!(error.to_string().contains("filePath"), "{error}");
    assert_eq!(sandbox.imports_created(), 0, "nothing was imported");
}
