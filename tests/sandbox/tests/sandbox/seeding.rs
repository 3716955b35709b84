//! The seeding API: a sandbox holding a test's own identities and content, over real HTTP.

use powerbi_sandbox::{
    DashboardSeed, DatasetSeed, ReportSeed, Role, Sandbox, ServicePrincipalSeed, TileSeed,
    UserSeed, WorkspaceSeed, demo,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::http;

async fn token(sandbox: &Sandbox, form: &[(&str, &str)]) -> (StatusCode, Value) {
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
    (response.status(), response.json().await.expect("JSON"))
}

async fn app_token(sandbox: &Sandbox, client_id: &str, secret: &str) -> String {
    let (status, body) = token(
        sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().expect("a token").to_owned()
}

async fn get(sandbox: &Sandbox, token: &str, path: &str) -> (StatusCode, Value) {
    let response = http()
        .get(format!("{}/v1.0/myorg{path}", sandbox.api_base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("API answers");
    (
        response.status(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list["value"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_seeded_service_principal_sees_only_its_seeded_workspace() {
    let app = ServicePrincipalSeed::new("Nightly job")
        .client_secret("first~secret")
        .client_secret("second+secret");
    let sales = DatasetSeed::new("Sales").configured_by("someone@contoso.onmicrosoft.com");
    let report = ReportSeed::new("Sales overview", sales.id())
        .page("Overview")
        .page("Details");
    let dashboard =
        DashboardSeed::new("Pulse").tile(TileSeed::new("Revenue").report(report.id(), sales.id()));
    let workspace = WorkspaceSeed::new("Operations")
        .service_principal(app.client_id(), Role::Contributor)
        .dataset(sales.clone())
        .report(report.clone())
        .dashboard(dashboard.clone());
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .service_principal(app.clone())
        .workspace(workspace.clone())
        .start()
        .await
        .unwrap();

    for secret in ["first~secret", "second+secret"] {
        let token = app_token(&sandbox, app.client_id(), secret).await;
        let (status, groups) = get(&sandbox, &token, "/groups").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(names(&groups, "id"), [workspace.id()]);
    }
    let access = app_token(&sandbox, app.client_id(), "first~secret").await;
    let ws = workspace.id();
    let (_, datasets) = get(&sandbox, &access, &format!("/groups/{ws}/datasets")).await;
    assert_eq!(names(&datasets, "id"), [sales.id()]);
    assert_eq!(
        datasets["value"][0]["configuredBy"],
        "someone@contoso.onmicrosoft.com"
    );
    let (_, pages) = get(
        &sandbox,
        &access,
        &format!("/groups/{ws}/reports/{}/pages", report.id()),
    )
    .await;
    assert_eq!(names(&pages, "displayName"), ["Overview", "Details"]);
    let (_, tiles) = get(
        &sandbox,
        &access,
        &format!("/groups/{ws}/dashboards/{}/tiles", dashboard.id()),
    )
    .await;
    assert_eq!(tiles["value"][0]["reportId"], report.id());
    let (_, users) = get(&sandbox, &access, &format!("/groups/{ws}/users")).await;
    assert_eq!(users["value"][0]["identifier"], app.object_id());
    assert_eq!(users["value"][0]["displayName"], "Nightly job");
    assert_eq!(users["value"][0]["groupUserAccessRight"], "Contributor");

    // The demo identities still sign in, and see nothing.
    let demo_token = app_token(&sandbox, demo::SP_CLIENT_ID, demo::SP_CLIENT_SECRET).await;
    let (_, groups) = get(&sandbox, &demo_token, "/groups").await;
    assert_eq!(groups["value"], json!([]));
    // A wrong secret is refused.
    let (status, body) = token(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", app.client_id()),
            ("client_secret", "wrong"),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn seeded_users_sign_in_with_their_password_and_mfa_blocks_the_password_grant() {
    let dana = UserSeed::new("dana@contoso.onmicrosoft.com", "Dana Data").password("P@ss w+rd");
    let morgan = UserSeed::new("morgan@contoso.onmicrosoft.com", "Morgan")
        .password("pw")
        .requires_mfa();
    let workspace = WorkspaceSeed::new("Team").user(dana.upn(), Role::Admin);
    let sandbox = Sandbox::builder()
        .user(dana.clone())
        .user(morgan.clone())
        .workspace(workspace.clone())
        .start()
        .await
        .unwrap();
    let password_grant = |user: &'static str, password: &'static str| {
        [
            ("grant_type", "password"),
            ("client_id", demo::PUBLIC_CLIENT_ID),
            ("username", user),
            ("password", password),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ]
    };
    let (status, body) = token(
        &sandbox,
        &password_grant("dana@contoso.onmicrosoft.com", "P@ss w+rd"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access_token"].as_str().unwrap();
    let (_, groups) = get(&sandbox, access, "/groups").await;
    // The demo workspaces stay (no `without_demo_content`), and Dana sees only hers.
    assert_eq!(names(&groups, "name"), ["Team"]);
    let (_, users) = get(
        &sandbox,
        access,
        &format!("/groups/{}/users", workspace.id()),
    )
    .await;
    assert_eq!(users["value"][0]["displayName"], "Dana Data");
    assert_eq!(users["value"][0]["graphId"], dana.object_id());

    let (status, body) = token(
        &sandbox,
        &password_grant("morgan@contoso.onmicrosoft.com", "pw"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "interaction_required");
    // The demo workspaces are still there for the demo service principal.
    let demo_token = app_token(&sandbox, demo::SP_CLIENT_ID, demo::SP_CLIENT_SECRET).await;
    let (_, groups) = get(&sandbox, &demo_token, "/groups").await;
    assert_eq!(names(&groups, "id"), [demo::SALES_WORKSPACE_ID]);
}

#[tokio::test]
async fn seeded_refresh_history_and_query_rows_are_served() {
    let dataset = DatasetSeed::new("Inventory")
        .completed_refresh()
        .failed_refresh("ModelRefreshFailed_CredentialsNotSpecified")
        .query_rows([json!({"Stock[Item]": "Bolts", "Stock[Count]": 120})]);
    let sandbox = Sandbox::start().await.unwrap();
    // Seeded while running, next to the demo content.
    let workspace_id = sandbox.add_workspace(
        WorkspaceSeed::new("Warehouse")
            .service_principal(demo::SP_OBJECT_ID, Role::Admin)
            .dataset(dataset.clone()),
    );
    let token = app_token(&sandbox, demo::SP_CLIENT_ID, demo::SP_CLIENT_SECRET).await;
    let base = format!("/groups/{workspace_id}/datasets/{}", dataset.id());
    let (status, history) = get(&sandbox, &token, &format!("{base}/refreshes")).await;
    assert_eq!(status, StatusCode::OK);
    // Newest first.
    assert_eq!(names(&history, "status"), ["Failed", "Completed"]);
    let exception = history["value"][0]["serviceExceptionJson"]
        .as_str()
        .unwrap();
    let exception: Value = serde_json::from_str(exception).unwrap();
    assert_eq!(
        exception["errorCode"],
        "ModelRefreshFailed_CredentialsNotSpecified"
    );

    let answer: Value = http()
        .post(format!(
            "{}/v1.0/myorg{base}/executeQueries",
            sandbox.api_base_url()
        ))
        .bearer_auth(&token)
        .json(&json!({"queries": [{"query": "EVALUATE Stock"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer["results"][0]["tables"][0]["rows"],
        json!([{"Stock[Item]": "Bolts", "Stock[Count]": 120}])
    );
}

#[tokio::test]
async fn a_workspace_seeded_again_with_its_id_replaces_the_first() {
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .start()
        .await
        .unwrap();
    let first = WorkspaceSeed::new("Before").service_principal(demo::SP_OBJECT_ID, Role::Admin);
    let id = sandbox.add_workspace(first.clone());
    assert_eq!(id, first.id());
    sandbox.add_workspace(
        WorkspaceSeed::new("After")
            .with_id(first.id())
            .service_principal(demo::SP_CLIENT_ID, Role::Viewer),
    );
    let token = app_token(&sandbox, demo::SP_CLIENT_ID, demo::SP_CLIENT_SECRET).await;
    let (_, groups) = get(&sandbox, &token, "/groups").await;
    assert_eq!(names(&groups, "name"), ["After"]);
    // Named by client id, the member is stored by object id, as Power BI does.
    let (_, users) = get(&sandbox, &token, &format!("/groups/{id}/users")).await;
    assert_eq!(users["value"][0]["identifier"], demo::SP_OBJECT_ID);
}

#[test]
fn seeds_keep_secrets_out_of_debug() {
    let app = ServicePrincipalSeed::new("Job").client_secret("top~secret~value");
    let user = UserSeed::new("u@contoso.onmicrosoft.com", "U").password("hunter2-password");
    let debug = format!(
        "{app:?} {user:?} {:?}",
        Sandbox::builder()
            .service_principal(app.clone())
            .user(user.clone())
    );
    assert!(!debug.contains("top~secret~value"), "{debug}");
    assert!(!debug.contains("hunter2-password"), "{debug}");
    assert!(debug.contains(app.client_id()));
}
