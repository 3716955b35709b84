//! The request shapes Fabric needs beyond a JSON model (issue 14), on the wire as Microsoft
//! documents them, seen in the sandbox's request log: a file as the raw body (`body: bytes`,
//! streamed with its `Content-Length`, sent again whole on a retry), a bare JSON array
//! (`body: array<string>`), and a query parameter repeated once per value (`list<string>`);
//! and the operation records that tell a dynamic caller so.

use std::io::Write;

use powerbi::Uuid;
use powerbi::runtime::time::ManualClock;
use powerbi::runtime::{RequestBody, Upload};
use powerbi_sandbox::{Fault, FaultPlan, RecordedRequest, Sandbox};

use crate::common::*;

const WORKSPACE: &str = "f089354e-8366-4e18-aea3-4cb4a3a50b48";
const ITEM: &str = "41ce06d1-d81b-4ea0-bc6d-2ce3dd2f8e87";
const CONNECTION: &str = "4eb6b767-e786-45ed-b7cf-d25023e52222";

fn id(text: &str) -> Uuid {
    text.parse().expect("a uuid")
}

/// The requests to the Fabric API whose path ends with `suffix`, oldest first.
fn sent(sandbox: &Sandbox, method: &str, suffix: &str) -> Vec<RecordedRequest> {
    sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.method == method && request.path.ends_with(suffix))
        .collect()
}

fn only(mut requests: Vec<RecordedRequest>, what: &str) -> RecordedRequest {
    assert_eq!(requests.len(), 1, "{what}: {requests:?}");
    requests.remove(0)
}

/// 300 KiB that are not all alike, so that a shifted or repeated chunk shows.
fn patterned(length: usize) -> Vec<u8> {
    (0..length)
        .map(|index| u8::try_from((index * 7 + index / 251) % 256).expect("a byte"))
        .collect()
}

#[tokio::test]
async fn a_raw_body_streams_a_file_as_it_is_with_its_length_and_content_type() {
    let sandbox = sandbox().await;
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    let content = patterned(300 * 1024);
    let dir = crate::credentials::temp_dir();
    let path = dir.join("sample library.jar");
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(&content))
        .expect("written");

    client
        .fabric()
        .environment()
        .upload_staging_custom_library(
            id(WORKSPACE),
            id(ITEM),
            "sample library.jar",
            Upload::path(&path),
        )
        .await
        .expect("the library is uploaded");

    let request = only(
        sent(&sandbox, "POST", "/staging/libraries/sample%20library.jar"),
        "one upload",
    );
    assert_eq!(
        request.path,
        format!(
            "/v1/workspaces/{WORKSPACE}/environments/{ITEM}/staging/libraries/sample%20library.jar"
        )
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/octet-stream")
    );
    let length = content.len().to_string();
    assert_eq!(request.header("content-length"), Some(length.as_str()));
    assert_eq!(request.header("transfer-encoding"), None);
    assert!(
        request.body == content,
        "the body is the file, byte for byte"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_raw_body_is_sent_again_whole_when_the_call_is_retried() {
    let sandbox = sandbox().await;
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Unavailable)]).endpoint("PUT", "/v1/workspaces/"),
    ));
    let dag = b"from airflow import DAG\n\nwith DAG('example') as dag:\n    pass\n";
    let reopened = bytes::Bytes::from_static(dag);
    // A source opened once per attempt, in two chunks: the retry must open it again.
    let upload = Upload::reopen("example_dag.py", dag.len() as u64, move || {
        let (head, tail) = (reopened.slice(..10), reopened.slice(10..));
        futures::stream::iter([Ok(head), Ok(tail)])
    });

    client
        .fabric()
        .apache_airflow_job()
        .create_or_update_file_beta(id(WORKSPACE), id(ITEM), "example_dag.py", true, upload)
        .await
        .expect("the file is written after one retry");

    assert_eq!(sandbox.faults_injected().len(), 1, "one attempt failed");
    let requests = sent(&sandbox, "PUT", "/files/example_dag.py");
    let last = requests.last().expect("the PUT reached the service");
    assert_eq!(last.query.as_deref(), Some("beta=true"));
    assert_eq!(
        last.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(last.body, dag, "the retry sent the whole file again");
}

/// The deployment was accepted: the job is returned, or (the sandbox answers Microsoft's
/// example `202` without its `Location` and `x-ms-operation-id`) reported as not followable,
/// never as done.
fn started_or_unfollowable(started: powerbi::Result<powerbi::Job>) {
    if let Err(error) = started {
        assert!(
            matches!(&error, powerbi::Error::Unusable { field, .. } if *field == "x-ms-operation-id"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_optional_text_body_goes_as_text_plain_or_not_at_all() {
    let sandbox = sandbox().await;
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    let airflow = client.fabric();
    let airflow = airflow.apache_airflow_job();
    let requirements = "pandas==2.0.0\nrequests==2.31.0\n";

    let started = airflow
        .deploy_requirements_beta_job(
            id(WORKSPACE),
            id(ITEM),
            true,
            Some(Upload::bytes("requirements.txt", requirements)),
            Default::default(),
        )
        .await;
    started_or_unfollowable(started);
    let request = only(sent(&sandbox, "POST", "/deployRequirements"), "one deploy");
    assert_eq!(request.header("content-type"), Some("text/plain"));
    assert_eq!(request.body, requirements.as_bytes());

    sandbox.clear_recorded();
    let mut options = powerbi::fabric::apache_airflow_job::DeployRequirementsBetaOptions::default();
    options.file_path = Some("requirements/prod.txt".to_owned());
    let started = airflow
        .deploy_requirements_beta_job(id(WORKSPACE), id(ITEM), true, None, options)
        .await;
    started_or_unfollowable(started);
    let request = only(sent(&sandbox, "POST", "/deployRequirements"), "one deploy");
    assert_eq!(request.header("content-type"), None);
    assert!(request.body.is_empty());
    assert_eq!(
        request.query.as_deref(),
        Some("beta=true&filePath=requirements/prod.txt")
    );
}

#[tokio::test]
async fn a_raw_body_that_is_not_its_announced_length_fails_the_call() {
    let sandbox = sandbox().await;
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    // Announces 64 bytes and yields 5: the request must fail, not send something else.
    let upload = Upload::reopen("short.jar", 64, || {
        futures::stream::iter([Ok(bytes::Bytes::from_static(b"short"))])
    });
    let error = client
        .fabric()
        .environment()
        .upload_staging_custom_library(id(WORKSPACE), id(ITEM), "short.jar", upload)
        .await
        .expect_err("a short body fails");
    let text = error.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(
        sent(&sandbox, "POST", "/staging/libraries/short.jar")
            .iter()
            .all(|request| request.body.len() < 64),
        "no request carried a body of the announced length"
    );
}

#[tokio::test]
async fn an_array_body_is_a_bare_json_array() {
    let sandbox = sandbox().await;
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    let groups = [
        "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP".to_owned(),
        "BATCH_COMPLETED_GROUP".to_owned(),
    ];
    client
        .fabric()
        .warehouse()
        .set_audit_actions_and_groups(id(WORKSPACE), id(ITEM), &groups)
        .await
        .expect("the audit groups are set");
    client
        .fabric()
        .sql_endpoint()
        .set_audit_actions_and_groups(id(WORKSPACE), id(ITEM), &groups[..1])
        .await
        .expect("the audit groups are set");

    let requests = sent(
        &sandbox,
        "POST",
        "/settings/sqlAudit/setAuditActionsAndGroups",
    );
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests[0].path.contains("/warehouses/"));
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).expect("JSON");
    assert_eq!(
        body,
        serde_json::json!([
            "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
            "BATCH_COMPLETED_GROUP"
        ])
    );
    assert!(requests[1].path.contains("/sqlEndpoints/"));
    assert_eq!(
        requests[1].body,
        br#"["SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP"]"#
    );
}

#[tokio::test]
async fn a_list_query_parameter_is_repeated_once_per_value_in_order() {
    let sandbox = sandbox().await;
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    let catalog = client.fabric();
    let catalog = catalog.mirrored_catalog();
    let connection = id(CONNECTION);

    let scope = ["Accounting".to_owned(), "US & Canada".to_owned()];
    catalog
        .list_tables_beta(id(WORKSPACE), true, &scope, connection, Default::default())
        .await
        .expect("the tables are listed");
    // The root namespace: one empty segment, `scope=`.
    catalog
        .list_tables_beta(
            id(WORKSPACE),
            true,
            &[String::new()],
            connection,
            Default::default(),
        )
        .await
        .expect("the root's tables are listed");
    let tables = sent(&sandbox, "GET", "/catalogmirroring/tables");
    let queries: Vec<_> = tables
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        queries,
        [
            format!("beta=true&scope=Accounting&scope=US%20%26%20Canada&connectionId={CONNECTION}"),
            format!("beta=true&scope=&connectionId={CONNECTION}"),
        ]
    );

    let mut options = powerbi::fabric::mirrored_catalog::ListScopesBetaOptions::default();
    options.parent = Some(vec!["Accounting".to_owned(), "US".to_owned()]);
    catalog
        .list_scopes_beta(id(WORKSPACE), true, connection, options)
        .await
        .expect("the scopes are listed");
    catalog
        .list_scopes_beta(id(WORKSPACE), true, connection, Default::default())
        .await
        .expect("the root scopes are listed");
    let scopes = sent(&sandbox, "GET", "/catalogmirroring/scopes");
    let queries: Vec<_> = scopes
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        queries,
        [
            format!("beta=true&connectionId={CONNECTION}&parent=Accounting&parent=US"),
            format!("beta=true&connectionId={CONNECTION}"),
        ]
    );
}

#[test]
fn the_records_tell_a_dynamic_caller_the_body_kind_and_the_repeated_parameters() {
    let record = |name: &str| {
        powerbi::fabric::OPERATIONS
            .iter()
            .find(|operation| operation.name == name)
            .unwrap_or_else(|| panic!("no record {name}"))
    };
    assert_eq!(
        record("upload_staging_custom_library").body,
        RequestBody::Bytes {
            content_type: "application/octet-stream",
            required: true
        }
    );
    assert_eq!(
        record("deploy_requirements_beta").body,
        RequestBody::Bytes {
            content_type: "text/plain",
            required: false
        }
    );
    assert_eq!(
        record("set_audit_actions_and_groups").body,
        RequestBody::Array {
            item: "string",
            required: true
        }
    );
    let tables = record("list_tables_beta");
    let scope = tables
        .parameters
        .iter()
        .find(|parameter| parameter.name == "scope")
        .expect("scope");
    assert!(scope.is_repeated() && scope.required);
    assert_eq!((scope.ty, scope.item_type()), ("list<string>", "string"));
    let beta = tables
        .parameters
        .iter()
        .find(|parameter| parameter.name == "beta")
        .expect("beta");
    assert!(!beta.is_repeated());
    assert_eq!(beta.item_type(), "bool");
    // A PUT of bytes is retried like any PUT: the body is reopened for each attempt.
    assert!(record("create_or_update_file_beta").is_idempotent());
}
