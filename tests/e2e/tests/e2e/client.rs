//! The client itself: raw calls, workspace routing, path encoding, configuration checks and
//! the operations table.

use powerbi::auth::StaticTokenCredential;
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::{ServicePrincipalSupport, WorkspaceScope};
use powerbi::{Cloud, Error, PowerBiClient, Workspace};
use powerbi_sandbox::demo;

use crate::common::*;

#[tokio::test]
async fn raw_calls_share_sign_in_and_errors() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let groups: serde_json::Value = client
        .raw(powerbi::HttpMethod::Get, "/groups")
        .query("$top", &5)
        .send_json()
        .await
        .expect("raw GET");
    assert!(
        groups["value"]
            .as_array()
            .is_some_and(|value| !value.is_empty())
    );
    let missing = client
        .raw(powerbi::HttpMethod::Get, "/no/such/route")
        .send_json::<serde_json::Value>()
        .await;
    assert_api_error(missing, 404, None);
}

#[tokio::test]
async fn a_service_principal_on_my_workspace_gets_a_hint() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let error = assert_api_error(
        client.datasets().list_datasets(Workspace::My).await,
        403,
        None,
    );
    assert!(
        error
            .message
            .as_deref()
            .is_some_and(|message| message.contains("not accessible for application"))
    );
    assert!(
        error.to_string().contains("instead of Workspace::My"),
        "{error}"
    );
}

#[tokio::test]
async fn path_values_stay_one_segment() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    for hostile in ["../admin", "a?b#c", "x/../../groups", "%2e%2e"] {
        let result = client.datasets().get_dataset(sales(), hostile).await;
        let error = assert_api_error(result, 404, Some("PowerBIEntityNotFound"));
        assert!(error.request.contains("/datasets/"), "{error}");
    }
    let error = client
        .datasets()
        .get_dataset(sales(), "..")
        .await
        .expect_err("refused before sending");
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
}

#[tokio::test]
async fn plain_http_is_refused_except_on_loopback() {
    let remote = Cloud::custom(
        "http://login.example.com".parse().unwrap(),
        "http://api.example.com".parse().unwrap(),
    );
    let error = PowerBiClient::builder()
        .cloud(remote)
        .credential(StaticTokenCredential::new(
            "token",
            std::time::Duration::from_secs(60),
        ))
        .build()
        .expect_err("http to a remote host is refused");
    assert!(
        matches!(error, Error::Config(ref message) if message.contains("https")),
        "{error}"
    );
}

#[tokio::test]
async fn a_static_token_is_used_as_given() {
    let sandbox = sandbox().await;
    let forged = client_with(
        &sandbox,
        StaticTokenCredential::new(
            "eyJub3QiOiJpc3N1ZWQifQ",
            std::time::Duration::from_secs(600),
        ),
    );
    let error = assert_api_error(
        forged
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await,
        403,
        None,
    );
    assert_eq!(
        error.code.as_deref(),
        Some("InvalidToken"),
        "the code comes from X-PowerBI-Error-Info"
    );
}

#[test]
fn client_debug_shows_no_secret() {
    let client = PowerBiClient::builder()
        .credential(service_principal_credential())
        .build()
        .expect("builds");
    let debug = format!("{client:?}");
    assert!(debug.contains("client secret"));
    assert!(!debug.contains(demo::SP_CLIENT_SECRET));
}

#[test]
fn operations_table_lists_every_operation_with_its_facts() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/powerbi");
    let spec = powerbi_codegen::load(&powerbi_codegen::read_spec_dir(&root).expect("spec"))
        .expect("valid spec");
    let operations: usize = spec
        .categories
        .iter()
        .map(|category| category.operations.len())
        .sum();
    assert_eq!(
        powerbi::OPERATIONS.len(),
        operations,
        "every spec operation is in the table"
    );
    let get_tile = powerbi::OPERATIONS
        .iter()
        .find(|operation| operation.category == "dashboards" && operation.name == "get_tile")
        .expect("get_tile is listed");
    assert_eq!(get_tile.workspace, WorkspaceScope::Both);
    assert_eq!(get_tile.service_principal, ServicePrincipalSupport::Yes);
    assert_eq!(
        get_tile.path_templates(),
        [
            "/v1.0/myorg/dashboards/{dashboardId}/tiles/{tileId}",
            "/v1.0/myorg/groups/{groupId}/dashboards/{dashboardId}/tiles/{tileId}"
        ]
    );
    assert!(get_tile.is_allowed_by(&["Dashboard.Read.All"]));
    assert!(!get_tile.is_allowed_by(&["Report.Read.All"]));
    // A body form (post_import_from_one_drive) sends its primary's operations with another
    // body: the same ids, method and path, counted once, for the primary.
    let mut forms = 0;
    for form in powerbi::OPERATIONS.iter() {
        let Some(primary) = form.body_form_of else {
            continue;
        };
        let primary = powerbi::OPERATIONS
            .iter()
            .find(|operation| operation.category == form.category && operation.name == primary)
            .expect("a body form's primary is in the table");
        assert_eq!(primary.body_form_of, None, "{}", form.name);
        assert_eq!(form.operation_ids, primary.operation_ids, "{}", form.name);
        assert_eq!(form.path_templates(), primary.path_templates());
        assert_eq!(form.method, primary.method);
        forms += 1;
    }
    assert!(forms >= 1, "post_import_from_one_drive is a body form");
    let mut ids: Vec<&str> = powerbi::OPERATIONS
        .iter()
        .filter(|operation| operation.body_form_of.is_none())
        .flat_map(|operation| operation.operation_ids.iter().copied())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "no Microsoft operation is covered twice");
}

#[tokio::test]
async fn decode_failures_name_the_json_path() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct WrongGroup {
        id: u32,
    }
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let error = client
        .raw(powerbi::HttpMethod::Get, "/groups")
        .send_list::<WrongGroup>()
        .await
        .expect_err("ids are GUIDs, not numbers");
    match &error {
        Error::Decode {
            path, request_id, ..
        } => {
            assert_eq!(path, "value[0].id");
            assert_ne!(request_id, "-", "the RequestId is kept");
        }
        other => panic!("expected a decode error, got {other}"),
    }
    assert!(error.to_string().contains("value[0].id"));
}

#[tokio::test]
async fn a_profile_id_is_sent_per_client_and_per_call() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let profile: powerbi::runtime::Uuid = "a5d4c5e5-9b2b-4a5e-9d4b-2f6f3c1b0e11".parse().unwrap();
    let header_of_last_call = |sandbox: &powerbi_sandbox::Sandbox| {
        sandbox
            .recorded_requests()
            .into_iter()
            .rev()
            .find(|request| request.is_api())
            .and_then(|request| {
                request
                    .headers
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case("x-powerbi-profile-id"))
                    .map(|(_, value)| value.clone())
            })
    };
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("no profile");
    assert_eq!(header_of_last_call(&sandbox), None);
    client
        .with_profile(profile)
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("as a profile");
    assert_eq!(header_of_last_call(&sandbox), Some(profile.to_string()));
    let as_profile = sandbox_builder(&sandbox)
        .credential(service_principal_credential())
        .profile_id(profile)
        .build()
        .expect("builds");
    as_profile
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("profile for every call");
    assert_eq!(header_of_last_call(&sandbox), Some(profile.to_string()));
    as_profile
        .without_profile()
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("no profile again");
    assert_eq!(header_of_last_call(&sandbox), None);
}
