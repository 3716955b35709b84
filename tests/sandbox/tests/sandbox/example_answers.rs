//! The recording layer and the answers from Microsoft's examples, over real HTTP.

use crate::http;
use powerbi_sandbox::{EXAMPLE_ANSWER_HEADER, Sandbox, demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The sandbox's catalogue, as checked in (the crate's own data, not Microsoft's description).
fn catalogue() -> Value {
    let text = include_str!("../../data/example_answers.json");
    serde_json::from_str(text).expect("data/example_answers.json is JSON")
}

async fn token(sandbox: &Sandbox, form: &[(&str, &str)]) -> String {
    let response = http()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sandbox.authority_host(),
            demo::TENANT_ID
        ))
        .form(form)
        .send()
        .await
        .expect("token endpoint answers");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"].as_str().expect("a token").to_owned()
}

/// A delegated token of the demo user, through `client_id`, for `scope`.
async fn user_token(sandbox: &Sandbox, client_id: &str, scope: &str) -> String {
    token(
        sandbox,
        &[
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", demo::USER_NAME),
            ("password", demo::USER_PASSWORD),
            ("scope", scope),
        ],
    )
    .await
}

async fn full_user_token(sandbox: &Sandbox) -> String {
    user_token(
        sandbox,
        demo::PUBLIC_CLIENT_ID,
        demo::POWER_BI_DEFAULT_SCOPE,
    )
    .await
}

async fn sp_token(sandbox: &Sandbox) -> String {
    token(
        sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", demo::SP_CLIENT_ID),
            ("client_secret", demo::SP_CLIENT_SECRET),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ],
    )
    .await
}

/// `template` with every `{placeholder}` filled.
fn concrete(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("balanced");
        let name = &rest[open + 1..close];
        out.push_str(match name {
            "groupId" => demo::SALES_WORKSPACE_ID,
            "stageOrder" => "1",
            _ => "6c2a4f0e-93c1-4b4e-9b6e-3a1f7d0c5e21",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

async fn send(
    sandbox: &Sandbox,
    token: Option<&str>,
    method: &str,
    path: &str,
) -> reqwest::Response {
    let method = Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request = http().request(method.clone(), format!("{}{path}", sandbox.api_base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if method != Method::GET && method != Method::DELETE {
        request = request.json(&json!({}));
    }
    request.send().await.expect("the sandbox answers")
}

#[tokio::test]
async fn every_request_is_recorded_in_order_without_secrets() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = sp_token(&sandbox).await;
    sandbox.clear_recorded();
    http()
        .post(format!(
            "{}/v1.0/myorg/groups/{}/users?a=1&$top=2",
            sandbox.api_base_url(),
            demo::SALES_WORKSPACE_ID
        ))
        .bearer_auth(&token)
        .header(
            "X-PowerBI-Profile-Id",
            "b8f0a3c5-6a3e-4f0c-9d2b-1e5f7c9a0d11",
        )
        .json(&json!({"emailAddress": "a@contoso.com"}))
        .send()
        .await
        .unwrap();
    send(&sandbox, Some(&token), "GET", "/v1.0/myorg/no%20such/route").await;

    let recorded = sandbox.recorded_requests();
    assert_eq!(recorded.len(), 2);
    let first = &recorded[0];
    assert_eq!(first.method, "POST");
    assert_eq!(
        first.path,
        format!("/v1.0/myorg/groups/{}/users", demo::SALES_WORKSPACE_ID)
    );
    assert_eq!(first.query.as_deref(), Some("a=1&$top=2"));
    assert_eq!(
        first.header("x-powerbi-profile-id"),
        Some("b8f0a3c5-6a3e-4f0c-9d2b-1e5f7c9a0d11")
    );
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert!(
        first.header("authorization").is_none(),
        "secrets are not recorded"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&first.body).unwrap(),
        json!({"emailAddress": "a@contoso.com"})
    );
    assert!(first.is_api());
    assert_eq!(recorded[1].path, "/v1.0/myorg/no%20such/route");
    assert_eq!(recorded[1].query, None);
    assert!(recorded[1].body.is_empty());

    sandbox.clear_recorded();
    assert!(sandbox.recorded_requests().is_empty());
}

/// Operations the stateful routes serve (the rest answer Microsoft's examples).
const STATEFUL: &[&str] = &[
    "Groups_GetGroups",
    "Groups_CreateGroup",
    "Groups_GetGroup",
    "Groups_UpdateGroup",
    "Groups_DeleteGroup",
    "Groups_GetGroupUsers",
    "Groups_AddGroupUser",
    "Groups_UpdateGroupUser",
    "Groups_DeleteUserInGroup",
    "Groups_GetGroupAsAdmin",
    "Groups_UpdateGroupAsAdmin",
    "Datasets_TakeOverInGroup",
    "Datasets_GetDatasets",
    "Datasets_GetDatasetsInGroup",
    "Datasets_GetDataset",
    "Datasets_GetDatasetInGroup",
    "Datasets_DeleteDataset",
    "Datasets_DeleteDatasetInGroup",
    "Datasets_GetRefreshHistory",
    "Datasets_GetRefreshHistoryInGroup",
    "Datasets_RefreshDataset",
    "Datasets_RefreshDatasetInGroup",
    "Datasets_GetParameters",
    "Datasets_GetParametersInGroup",
    "Datasets_GetDatasources",
    "Datasets_GetDatasourcesInGroup",
    "Datasets_ExecuteQueries",
    "Datasets_ExecuteQueriesInGroup",
    "Reports_GetReports",
    "Reports_GetReportsInGroup",
    "Reports_GetReport",
    "Reports_GetReportInGroup",
    "Reports_DeleteReport",
    "Reports_DeleteReportInGroup",
    "Reports_CloneReport",
    "Reports_CloneReportInGroup",
    "Reports_RebindReport",
    "Reports_RebindReportInGroup",
    "Reports_GetPages",
    "Reports_GetPagesInGroup",
    "Dashboards_GetDashboards",
    "Dashboards_GetDashboardsInGroup",
    "Dashboards_AddDashboard",
    "Dashboards_AddDashboardInGroup",
    "Dashboards_GetDashboard",
    "Dashboards_GetDashboardInGroup",
    "Dashboards_GetTiles",
    "Dashboards_GetTilesInGroup",
    "Dashboards_GetTile",
    "Dashboards_GetTileInGroup",
    "Gateways_GetGateway",
    "Gateways_CreateDatasource",
    "Gateways_GetDatasource",
    "Gateways_UpdateDatasource",
    "Gateways_DeleteDatasource",
    // Long-running and paged state machines.
    "Admin_GetActivityEvents",
    "Reports_ExportToFile",
    "Reports_ExportToFileInGroup",
    "Reports_GetExportToFileStatus",
    "Reports_GetExportToFileStatusInGroup",
    "Reports_GetFileOfExportToFile",
    "Reports_GetFileOfExportToFileInGroup",
    "WorkspaceInfo_GetModifiedWorkspaces",
    "WorkspaceInfo_PostWorkspaceInfo",
    "WorkspaceInfo_GetScanStatus",
    "WorkspaceInfo_GetScanResult",
    "Pipelines_DeployAll",
    "Pipelines_SelectiveDeploy",
    "Pipelines_GetPipelineOperation",
    "Imports_PostImport",
    "Imports_PostImportInGroup",
    "Imports_GetImport",
    "Imports_GetImportInGroup",
    "Imports_CreateTemporaryUploadLocation",
    "Imports_CreateTemporaryUploadLocationInGroup",
];

#[tokio::test]
async fn every_operation_of_the_description_is_served() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = full_user_token(&sandbox).await;
    let catalogue = catalogue();
    let operations = catalogue["operations"].as_array().expect("operations");
    assert_eq!(
        operations.len(),
        286,
        "every operation of Microsoft's description"
    );
    for operation in operations {
        let id = operation["operation_id"].as_str().unwrap();
        let method = operation["method"].as_str().unwrap();
        let path = concrete(operation["path"].as_str().unwrap());
        let response = send(&sandbox, Some(&token), method, &path).await;
        let status = response.status();
        let source = response
            .headers()
            .get(EXAMPLE_ANSWER_HEADER)
            .map(|value| value.to_str().unwrap().to_owned());
        let body = response.bytes().await.unwrap();
        if STATEFUL.contains(&id) {
            // A stateful route, not a sample, and not "no such route" or "no such method".
            let text = String::from_utf8_lossy(&body);
            assert_eq!(
                source, None,
                "{id}: {method} {path} is answered from a sample"
            );
            assert!(
                status != StatusCode::METHOD_NOT_ALLOWED
                    && !text.contains("No HTTP resource was found"),
                "{id}: {method} {path} reaches no stateful route ({status}: {text})"
            );
            continue;
        }
        assert_eq!(source.as_deref(), Some(id), "{method} {path}");
        let expected = &operation["response"];
        assert_eq!(status.as_u16(), expected["status"], "{id}: {method} {path}");
        match expected["kind"].as_str().unwrap() {
            "json" => assert_eq!(
                serde_json::from_slice::<Value>(&body).unwrap(),
                expected["body"],
                "{id}: the example's body"
            ),
            "binary" => assert!(!body.is_empty(), "{id}: a file"),
            _ => assert!(body.is_empty(), "{id}: no content"),
        }
    }
}

#[tokio::test]
async fn example_answers_check_the_bearer_and_delegated_scopes() {
    let sandbox = Sandbox::start().await.unwrap();
    let path = "/v1.0/myorg/capacities/6c2a4f0e-93c1-4b4e-9b6e-3a1f7d0c5e21/Workloads/Dataflows";

    // No bearer, or one the sandbox never issued: 403 as on every route.
    assert_eq!(
        send(&sandbox, None, "PATCH", path).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&sandbox, Some("forged"), "PATCH", path).await.status(),
        StatusCode::FORBIDDEN
    );

    // Capacities_PatchWorkload needs Capacity.ReadWrite.All: a read-only user gets 401.
    let read_only = user_token(
        &sandbox,
        demo::READONLY_PUBLIC_CLIENT_ID,
        demo::POWER_BI_DEFAULT_SCOPE,
    )
    .await;
    let refused = send(&sandbox, Some(&read_only), "PATCH", path).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.json::<Value>().await.unwrap()["error"]["code"],
        "PowerBINotAuthorizedException"
    );
    // Reading is within its scopes.
    assert_eq!(
        send(&sandbox, Some(&read_only), "GET", path).await.status(),
        StatusCode::OK
    );

    // A user with the scope, and an app-only token (no scopes to check), are answered.
    let full = full_user_token(&sandbox).await;
    assert_eq!(
        send(&sandbox, Some(&full), "PATCH", path).await.status(),
        StatusCode::OK
    );
    let app = sp_token(&sandbox).await;
    assert_eq!(
        send(&sandbox, Some(&app), "PATCH", path).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn stateful_routes_keep_priority_and_literal_segments_win() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = full_user_token(&sandbox).await;

    // Datasets_GetDatasetInGroup is stateful: the seeded dataset, not Microsoft's sample.
    let dataset = send(
        &sandbox,
        Some(&token),
        "GET",
        &format!(
            "/v1.0/myorg/groups/{}/datasets/{}",
            demo::SALES_WORKSPACE_ID,
            demo::SALES_DATASET_ID
        ),
    )
    .await;
    assert_eq!(dataset.status(), StatusCode::OK);
    assert_eq!(
        dataset.json::<Value>().await.unwrap()["id"],
        demo::SALES_DATASET_ID
    );

    // `datasets/upstreamDataflows` is its own operation, not a dataset named so.
    let links = send(
        &sandbox,
        Some(&token),
        "GET",
        &format!(
            "/v1.0/myorg/groups/{}/datasets/upstreamDataflows",
            demo::SALES_WORKSPACE_ID
        ),
    )
    .await;
    assert_eq!(links.status(), StatusCode::OK);
    assert!(links.json::<Value>().await.unwrap()["value"].is_array());

    // A path no operation has is still Power BI's 404.
    let missing = send(&sandbox, Some(&token), "GET", "/v1.0/myorg/nothing/here").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
