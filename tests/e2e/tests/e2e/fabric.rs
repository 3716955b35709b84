//! Fabric through the same client (the runtime's half of issue 14): one credential and one
//! token cache for both APIs (one token per audience, one request in flight each), Fabric's
//! error shape in the one-line error, long-running operations, job instances and
//! `continuationUri` paging, against the small Fabric server of `fabric_server.rs` (the
//! sandbox's Entra ID issues the tokens of the shared-credential test).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::{BoxFuture, join_all};
use powerbi::auth::{
    AccessToken, IdentityKind, StaticTokenCredential, TokenContext, TokenCredential,
};
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::time::ManualClock;
use powerbi::{Cloud, Error, HttpMethod, PowerBiClient};
use powerbi_sandbox::demo;
use serde_json::{Value, json};

use crate::common::*;
use crate::fabric_server::*;
use crate::raw::RawServer;

const FABRIC_SCOPE: &str = "https://api.fabric.microsoft.com/.default";

/// The sandbox's service principal, recording every token request by scope. The sandbox's
/// Entra ID knows only the Power BI resource, so a request for Fabric's scope is signed in
/// there with the Power BI scope: a real second token request, with a token of its own.
#[derive(Debug)]
struct PerAudience {
    inner: powerbi::auth::ClientSecretCredential,
    asked: Mutex<Vec<(String, String)>>,
}

impl TokenCredential for PerAudience {
    fn get_token<'a>(
        &'a self,
        context: TokenContext<'a>,
    ) -> BoxFuture<'a, powerbi::Result<AccessToken>> {
        Box::pin(async move {
            let scope = if context.scope == FABRIC_SCOPE {
                demo::POWER_BI_DEFAULT_SCOPE
            } else {
                context.scope
            };
            let token = self
                .inner
                .get_token(TokenContext { scope, ..context })
                .await?;
            let record = (context.scope.to_owned(), token.token.expose().to_owned());
            self.asked.lock().expect("the record").push(record);
            Ok(token)
        })
    }

    fn kind(&self) -> &'static str {
        "per-audience test credential"
    }

    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::ServicePrincipal
    }
}

fn bearers(server: &RawServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|request| request.header("authorization").unwrap_or("-").to_owned())
        .collect()
}

#[tokio::test]
async fn concurrent_power_bi_and_fabric_calls_share_one_credential_one_token_per_audience() {
    let sandbox = sandbox().await;
    sandbox.set_token_delay(Duration::from_millis(200));
    let fabric = start_fabric();
    let credential = Arc::new(PerAudience {
        inner: service_principal_credential(),
        asked: Mutex::new(Vec::new()),
    });
    let client = sandbox_builder(&sandbox)
        .credential_arc(credential.clone())
        .fabric_api_base(fabric.url().parse().expect("a URL"))
        .build()
        .expect("the client builds");
    let power_bi = (0..6).map(|_| {
        let client = client.clone();
        async move {
            client
                .groups()
                .list_groups(ListGroupsOptions::default())
                .await
                .map(drop)
        }
    });
    let fabric_calls = (0..6).map(|_| {
        let client = client.clone();
        async move {
            let call = client.fabric().raw(HttpMethod::Get, "/workspaces");
            call.send_json::<Value>().await.map(drop)
        }
    });
    let (a, b) = tokio::join!(join_all(power_bi), join_all(fabric_calls));
    for result in a.into_iter().chain(b) {
        result.expect("every call succeeds");
    }
    let asked = credential.asked.lock().expect("the record").clone();
    let scopes: Vec<&str> = asked.iter().map(|(scope, _)| scope.as_str()).collect();
    assert_eq!(
        scopes.len(),
        2,
        "one token request per audience: {scopes:?}"
    );
    assert!(scopes.contains(&demo::POWER_BI_DEFAULT_SCOPE) && scopes.contains(&FABRIC_SCOPE));
    assert_eq!(sandbox.token_requests(), 2);
    let fabric_token = &asked
        .iter()
        .find(|(scope, _)| scope == FABRIC_SCOPE)
        .expect("asked")
        .1;
    let power_bi_token = &asked
        .iter()
        .find(|(scope, _)| scope != FABRIC_SCOPE)
        .expect("asked")
        .1;
    assert_ne!(fabric_token, power_bi_token);
    let seen = bearers(&fabric);
    assert_eq!(seen.len(), 6);
    assert!(
        seen.iter()
            .all(|bearer| *bearer == format!("Bearer {fabric_token}")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_cloud_without_a_fabric_host_says_so_and_sends_nothing() {
    let client = PowerBiClient::builder()
        .cloud(Cloud::us_gov_high())
        .credential(StaticTokenCredential::new("t", Duration::from_secs(60)))
        .build()
        .expect("the client builds");
    let error = client
        .fabric()
        .raw(HttpMethod::Get, "/workspaces")
        .send_json::<Value>()
        .await
        .expect_err("no Fabric host");
    assert!(matches!(error, Error::Config(_)), "{error}");
    assert!(error.to_string().contains("fabric_api_base"), "{error}");
}

#[track_caller]
fn assert_one_line_without_the_token(error: &Error) -> String {
    let line = error.to_string();
    assert!(!line.contains('\n') && !line.contains(TOKEN), "{line}");
    line
}

#[tokio::test]
async fn fabrics_errors_come_as_one_line_with_their_code_request_id_and_hint() {
    let server = start_fabric();
    let clock = ManualClock::new();
    let client = fabric_client(&server, &clock);
    let get = |path: &'static str| {
        client
            .fabric()
            .raw(HttpMethod::Get, path)
            .send_json::<Value>()
    };

    let missing = api_error(get("/workspaces/x/items/missing").await.expect_err("404"));
    assert_eq!(
        (missing.status, missing.code.as_deref()),
        (404, Some("ItemNotFound"))
    );
    assert_eq!(
        missing.request_id.as_deref(),
        Some("7c6f8d0a-0000-4000-8000-00000000f4b1")
    );
    assert_eq!(
        missing
            .related_resource
            .as_ref()
            .map(|r| r.resource_type.as_str()),
        Some("Item")
    );
    assert_eq!(missing.more_details.len(), 1);
    assert_eq!(missing.is_retriable, Some(false));
    let line = assert_one_line_without_the_token(&Error::Api(Box::new(missing)));
    for part in [
        "HTTP 404",
        "ItemNotFound",
        "RequestId 7c6f8d0a",
        "Detail: a detail",
        "hint: ",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }

    let scopes = get("/admin/workspaces").await.expect_err("403");
    assert_eq!(scopes.code(), Some("InsufficientScopes"));
    assert_one_line_without_the_token(&scopes);

    let before = server.count();
    let throttled = get("/throttled").await.expect_err("429");
    assert_eq!(throttled.code(), Some("RequestBlocked"));
    assert_eq!(throttled.retry_after(), Some(Duration::from_secs(3600)));
    assert!(
        throttled.to_string().contains("hint: throttled"),
        "{throttled}"
    );
    assert_eq!(
        server.count() - before,
        1,
        "an hour's Retry-After is returned, not waited"
    );
}

#[derive(Debug, serde::Deserialize)]
struct Item {
    id: String,
    #[serde(rename = "displayName")]
    display_name: String,
}

#[tokio::test]
async fn a_long_running_operation_succeeds_with_its_typed_result() {
    let server = start_fabric();
    let clock = ManualClock::new();
    let client = fabric_client(&server, &clock);
    let create = || {
        let body = json!({"displayName": "Notebook1", "type": "Notebook"});
        let path = format!("/workspaces/{WORKSPACE}/items");
        client
            .fabric()
            .raw(HttpMethod::Post, &path)
            .json_body(&body)
    };
    let mut job = create().start_lro().await.expect("accepted");
    assert_eq!(job.id(), Some("ok"));
    let mut seen = Vec::new();
    let done = job
        .wait_with(|status| seen.push((status.status.clone(), status.percent_complete)))
        .await
        .expect("the operation ends");
    assert!(done.succeeded());
    assert_eq!(
        seen,
        [
            ("Running".to_owned(), Some(40.0)),
            ("Succeeded".to_owned(), Some(100.0))
        ]
    );
    let item: Item = job.result().await.expect("the result");
    assert_eq!(
        (item.id.as_str(), item.display_name.as_str()),
        (ITEM, "Notebook1")
    );
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(1), Duration::from_secs(5)],
        "the start's Retry-After before the first poll (as Fabric asks), then the interval, \
         longer than the poll's Retry-After"
    );
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert_eq!(
        paths[1..],
        [
            "/v1/operations/ok",
            "/v1/operations/ok",
            "/v1/operations/ok/result"
        ]
    );
    assert!(
        bearers(&server)
            .iter()
            .all(|bearer| *bearer == format!("Bearer {TOKEN}"))
    );
}

#[tokio::test]
async fn a_failed_long_running_operation_is_its_error() {
    let server = start_fabric();
    let client = fabric_client(&server, &ManualClock::new());
    let path = format!("/workspaces/{WORKSPACE}/notebooks");
    let request = client
        .fabric()
        .raw(HttpMethod::Post, &path)
        .json_body(&json!({}));
    let error = request.send_lro::<Value>().await.expect_err("it failed");
    assert_eq!(error.code(), Some("ItemDisplayNameAlreadyInUse"));
    let Error::Api(api) = &error else {
        panic!("{error}")
    };
    assert_eq!(api.more_details[0].code.as_deref(), Some("Conflict"));
    let line = assert_one_line_without_the_token(&error);
    for part in [
        "already in use",
        "long-running operation failed ended Failed",
        "hint: the name is taken",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.path().ends_with("/result")),
        "no result read"
    );
}

#[tokio::test]
async fn a_location_on_another_host_is_refused_and_nothing_is_sent_there() {
    let server = start_fabric();
    let client = fabric_client(&server, &ManualClock::new());
    let path = format!("/workspaces/{WORKSPACE}/reports");
    let started = client
        .fabric()
        .raw(HttpMethod::Post, &path)
        .start_lro()
        .await;
    match started {
        Err(Error::Unusable { field, message, .. }) => {
            assert_eq!(field, "Location");
            assert!(message.contains("evil.example"), "{message}");
        }
        other => panic!("expected the Location refused, got {other:?}"),
    }
    assert_eq!(server.count(), 1, "only the start reached the server");
}

#[tokio::test]
async fn hostile_retry_afters_are_capped_and_never_panic() {
    let server = start_fabric();
    let clock = ManualClock::new();
    let client = fabric_client(&server, &clock);
    let path = format!("/workspaces/{WORKSPACE}/lakehouses");
    let request = client.fabric().raw(HttpMethod::Post, &path);
    let done = request.send_lro_empty().await.expect("it ends");
    assert!(done.succeeded(), "Undefined is not an end; Succeeded is");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 5, "{sleeps:?}");
    assert_eq!(
        sleeps[0],
        Duration::from_secs(1),
        "the start's Retry-After, before the first poll"
    );
    assert!(
        sleeps[1..]
            .iter()
            .all(|wait| (Duration::from_secs(5)..=Duration::from_secs(60)).contains(wait)),
        "between the interval and the cap: {sleeps:?}"
    );
}

#[tokio::test]
async fn a_job_instance_runs_to_completion_and_another_is_cancelled() {
    let server = start_fabric();
    let clock = ManualClock::new();
    let client = fabric_client(&server, &clock);
    let (workspace, item) = (id(WORKSPACE), id(ITEM));
    let mut job = client
        .fabric()
        .run_job(workspace, item, "RunNotebook")
        .await
        .expect("run");
    assert_eq!(job.id(), Some(INSTANCE));
    let mut seen = Vec::new();
    let done = job
        .wait_with(|status| seen.push(status.status.clone()))
        .await
        .expect("ends");
    assert!(done.succeeded());
    assert_eq!(seen, ["NotStarted", "InProgress", "Completed"]);
    assert!(job.failure().is_none());

    let mut cancelled = client
        .fabric()
        .run_job(workspace, item, "Cancel")
        .await
        .expect("run");
    let (running, _) = cancelled.poll().await.expect("a poll");
    assert_eq!(running.status, "InProgress");
    cancelled.cancel().await.expect("the cancel is accepted");
    let ended = cancelled.wait().await.expect("it ends");
    assert_eq!(
        (ended.status.as_str(), ended.succeeded()),
        ("Cancelled", false)
    );
    let failure = cancelled
        .failure()
        .expect("a cancelled run did not succeed");
    assert!(failure.to_string().contains("ended Cancelled"), "{failure}");
    let cancel = format!(
        "/v1/workspaces/{WORKSPACE}/items/{ITEM}/jobs/instances/{CANCELLED_INSTANCE}/cancel"
    );
    let posted = server
        .requests()
        .into_iter()
        .find(|r| r.path() == cancel)
        .expect("the cancel");
    assert_eq!(posted.method, "POST");
    assert_eq!(
        posted.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[tokio::test]
async fn paging_follows_continuation_uri_on_the_fabric_host_and_the_token_elsewhere() {
    let server = start_fabric();
    let client = fabric_client(&server, &ManualClock::new());
    let all: Vec<Value> = client
        .fabric()
        .raw(HttpMethod::Get, "/workspaces")
        .pages()
        .collect()
        .await
        .expect("three pages");
    let ids: Vec<&str> = all.iter().filter_map(|w| w["id"].as_str()).collect();
    assert_eq!(ids, ["workspace-1", "workspace-2", "workspace-3"]);
    let capacities: Vec<Value> = client
        .fabric()
        .raw(HttpMethod::Get, "/capacities")
        .pages()
        .collect()
        .await
        .expect("two pages");
    assert_eq!(capacities.len(), 2);
    let targets: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(
        targets,
        [
            "/v1/workspaces",
            "/v1/workspaces?continuationToken=page2",
            "/v1/workspaces?continuationToken=page3",
            "/v1/capacities",
            "/v1/capacities?continuationToken=c%202%2Bx",
        ]
    );
}
