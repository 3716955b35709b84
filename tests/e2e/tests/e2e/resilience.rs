//! The retry policy against the sandbox's fault mode: which failures are retried, how long
//! the client waits (read from an injected clock, so nothing here really waits), and that a
//! call whose retry could duplicate a side effect is never retried.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use powerbi::groups::ListGroupsOptions;
use powerbi::models::{DatasetExecuteQueriesQuery, DatasetExecuteQueriesRequest};
use powerbi::runtime::time::ManualClock;
use powerbi::runtime::{ApiError, RetryPolicy};
use powerbi::{Error, PowerBiClient};
use powerbi_sandbox::{Fault, FaultPlan, Sandbox, demo};

use crate::common::*;

/// A policy on a manual clock: waits return at once and are recorded on `clock`.
pub fn instant_policy(clock: &ManualClock) -> RetryPolicy {
    RetryPolicy::new()
        .clock_and_sleeper(clock.clone())
        .jitter_seed(1)
}

/// The demo service principal retrying with `policy`.
pub fn client_retrying(sandbox: &Sandbox, policy: RetryPolicy) -> PowerBiClient {
    service_principal(sandbox).with_retry_policy(policy)
}

fn groups_only(faults: impl IntoIterator<Item = Option<Fault>>) -> FaultPlan {
    FaultPlan::script(faults).endpoint("GET", "/v1.0/myorg/groups")
}

fn api_requests(sandbox: &Sandbox, method: &str, path_part: &str) -> usize {
    sandbox
        .recorded_requests()
        .iter()
        .filter(|request| request.is_api() && request.method == method)
        .filter(|request| request.path.contains(path_part))
        .count()
}

#[tokio::test]
async fn throttling_and_server_errors_of_a_read_are_retried() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(&sandbox, instant_policy(&clock).max_attempts(5));
    sandbox.set_faults(Some(groups_only([
        Some(Fault::Throttle { retry_after: 2 }),
        Some(Fault::Unavailable),
        Some(Fault::ServerError),
        Some(Fault::Reset),
        Some(Fault::Slow),
    ])));
    let groups = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("the fifth attempt succeeds");
    assert!(!groups.is_empty());
    assert_eq!(sandbox.faults_injected().len(), 5);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 4, "{sleeps:?}");
    assert_eq!(sleeps[0], Duration::from_secs(2), "Retry-After is honoured");
    assert!(
        sleeps[1..]
            .iter()
            .all(|wait| *wait <= Duration::from_secs(30))
    );
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_to_the_caller() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(
        &sandbox,
        instant_policy(&clock).max_retry_after(Duration::from_secs(60)),
    );
    sandbox.set_faults(Some(groups_only([Some(Fault::Throttle {
        retry_after: 3392,
    })])));
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("an hour's wait is the caller's decision");
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3392)));
    assert!(error.is_retryable());
    assert!(error.to_string().contains("retry after 3392s"), "{error}");
    let api = api_error(error);
    assert!(
        api.message
            .as_deref()
            .unwrap_or("")
            .contains("Retry in 3392"),
        "the lower-case `message` shape parses: {api:?}"
    );
    assert!(clock.sleeps().is_empty(), "nothing was waited for");
}

#[tokio::test]
async fn attempts_and_the_time_budget_bound_a_call() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(&sandbox, instant_policy(&clock).max_attempts(3));
    sandbox.set_faults(Some(groups_only([Some(Fault::Unavailable); 10])));
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("three attempts, all 503");
    assert_eq!(error.status(), Some(503));
    assert_eq!(sandbox.faults_injected().len(), 3);

    let clock = ManualClock::new();
    let client = client_retrying(
        &sandbox,
        instant_policy(&clock)
            .max_attempts(10)
            .budget(Duration::from_secs(5)),
    );
    sandbox.set_faults(Some(groups_only([
        Some(Fault::Throttle { retry_after: 3 }),
        Some(Fault::Throttle { retry_after: 3 }),
        None,
    ])));
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("the second wait would pass the 5 s budget");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(3)]);
}

#[tokio::test]
async fn a_refresh_is_never_sent_twice_after_it_may_have_started() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(&sandbox, instant_policy(&clock));
    for fault in [Fault::ServerError, Fault::Reset] {
        sandbox.set_faults(Some(
            FaultPlan::script([Some(fault)]).endpoint("POST", "/v1.0/myorg/groups/"),
        ));
        let before = sandbox.refreshes_started();
        let result = client
            .datasets()
            .refresh_dataset(sales(), demo::SALES_DATASET_ID, None)
            .await;
        let error = result.expect_err("the answer was lost");
        assert!(!error.to_string().is_empty());
        assert_eq!(
            sandbox.refreshes_started(),
            before + 1,
            "{fault:?}: the refresh started once and was not sent again"
        );
    }
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_refresh_is_retried_when_it_was_refused() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(&sandbox, instant_policy(&clock));
    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Throttle { retry_after: 1 })])
            .endpoint("POST", "/v1.0/myorg/groups/"),
    ));
    client
        .datasets()
        .refresh_dataset(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect("the 429 is retried: the service did nothing");
    assert_eq!(sandbox.refreshes_started(), 1);
    assert_eq!(api_requests(&sandbox, "POST", "/refreshes"), 2);

    // A 503 on a POST is not retried: the spec does not mark refreshes safe.
    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Unavailable)]).endpoint("POST", "/v1.0/myorg/groups/"),
    ));
    let error = client
        .datasets()
        .refresh_dataset(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect_err("not retried");
    assert_eq!(error.status(), Some(503));
    assert_eq!(sandbox.refreshes_started(), 1);
}

#[tokio::test]
async fn a_query_marked_safe_in_the_spec_is_retried_like_a_read() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(&sandbox, instant_policy(&clock));
    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Unavailable), Some(Fault::ServerError)])
            .endpoint("POST", "/v1.0/myorg/groups/"),
    ));
    let query = DatasetExecuteQueriesRequest {
        queries: vec![DatasetExecuteQueriesQuery {
            query: "EVALUATE VALUES('Sales'[Region])".to_owned(),
            ..Default::default()
        }],
        ..Default::default()
    };
    client
        .datasets()
        .execute_queries(sales(), demo::SALES_DATASET_ID, &query)
        .await
        .expect("retried after 503 and 500");
    assert_eq!(api_requests(&sandbox, "POST", "/executeQueries"), 3);
    let operation = powerbi::OPERATIONS
        .iter()
        .find(|operation| operation.name == "execute_queries")
        .expect("in the table");
    assert!(operation.retry_safe && operation.is_idempotent());
}

#[tokio::test]
async fn the_policy_is_chosen_per_client_and_per_call() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let patient = client_retrying(&sandbox, instant_policy(&clock));
    let impatient = patient.with_retry_policy(RetryPolicy::none());
    sandbox.set_faults(Some(groups_only([Some(Fault::Throttle {
        retry_after: 1,
    })])));
    let error = impatient
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("no retries");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    // A per-request override on a raw call.
    sandbox.set_faults(Some(groups_only([Some(Fault::Unavailable)])));
    let raw: serde_json::Value = patient
        .raw(powerbi::HttpMethod::Get, "/groups")
        .retry_policy(instant_policy(&clock))
        .send_json()
        .await
        .expect("retried");
    assert!(raw["value"].is_array());
    // Built into the client.
    let built = sandbox_builder(&sandbox)
        .credential(service_principal_credential())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("builds");
    assert_eq!(built.retry_policy().attempts(), 1);
    assert_eq!(
        built
            .with_profile(id(demo::SALES_WORKSPACE_ID))
            .retry_policy()
            .attempts(),
        1
    );
}

#[tokio::test]
async fn an_overall_call_timeout_covers_every_attempt() {
    let sandbox = sandbox().await;
    let client = sandbox_builder(&sandbox)
        .credential(service_principal_credential())
        // Real waits of an hour: only the call timeout can end this call.
        .retry_policy(
            RetryPolicy::new()
                .max_attempts(5)
                .max_retry_after(Duration::from_secs(7200))
                .budget(Duration::from_secs(7200)),
        )
        .call_timeout(Duration::from_millis(300))
        .build()
        .expect("builds");
    sandbox.set_faults(Some(groups_only([Some(Fault::Throttle {
        retry_after: 3600,
    })])));
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("timed out while waiting");
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn retries_are_traced_without_secrets() {
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    crate::spans::interested_process_wide();
    let _guard = tracing::subscriber::set_default(subscriber);
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = client_retrying(&sandbox, instant_policy(&clock));
    sandbox.set_faults(Some(groups_only([Some(Fault::Throttle {
        retry_after: 2,
    })])));
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("retried");
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let retry_line = text
        .lines()
        .find(|line| line.contains("retrying"))
        .unwrap_or_else(|| panic!("a retry is traced: {text}"));
    for field in [
        "powerbi.operation=\"list_groups\"",
        "powerbi.attempt=1",
        "http.response.status_code=429",
        "powerbi.retry.wait_ms=2000",
        "powerbi.request_id=",
    ] {
        assert!(retry_line.contains(field), "{field} in {retry_line}");
    }
    assert!(!text.contains(demo::SP_CLIENT_SECRET));
    assert!(!text.contains("Bearer"), "no token in the trace");
}

#[test]
fn every_error_shape_parses() {
    use reqwest::header::{HeaderMap, HeaderValue};
    let none = HeaderMap::new();
    let parse =
        |status, headers: &HeaderMap, body: &str| ApiError::parse(status, headers, body.as_bytes());
    let plain = parse(
        403,
        &none,
        r#"{"error":{"code":"TokenExpired","message":"Access token has expired, resubmit with a new access token"}}"#,
    );
    assert_eq!(plain.code.as_deref(), Some("TokenExpired"));
    assert!(plain.message.unwrap().starts_with("Access token"));
    let pbi = parse(
        401,
        &none,
        r#"{"error":{"code":"PowerBINotAuthorizedException","pbi.error":{"code":"PowerBINotAuthorizedException","parameters":{},"details":[],"exceptionCulprit":1}}}"#,
    );
    assert_eq!(pbi.code.as_deref(), Some("PowerBINotAuthorizedException"));
    assert_eq!(pbi.message, None);
    let details = parse(
        404,
        &none,
        r#"{"error":{"pbi.error":{"code":"PowerBIEntityNotFound","parameters":{},"details":[{"code":"DetailsMessage","detail":{"type":1,"value":"You cannot query the dataset"}}],"exceptionCulprit":1}}}"#,
    );
    assert_eq!(details.code.as_deref(), Some("PowerBIEntityNotFound"));
    assert_eq!(
        details.message.as_deref(),
        Some("You cannot query the dataset")
    );
    let capital = parse(
        403,
        &none,
        r#"{"Message":"API is not accessible for application"}"#,
    );
    assert_eq!(
        capital.message.as_deref(),
        Some("API is not accessible for application")
    );
    let text = parse(500, &none, "An error has occurred\n");
    assert_eq!(text.message.as_deref(), Some("An error has occurred"));

    let mut headers = HeaderMap::new();
    headers.insert(
        "X-PowerBI-Error-Info",
        HeaderValue::from_static("ServicePrincipalIsNotAllowedByTenantAdminSwitch"),
    );
    headers.insert("RequestId", HeaderValue::from_static("8f1d-request"));
    headers.insert(
        "Retry-After",
        HeaderValue::from_static("Fri, 01 Jan 2100 00:00:00 GMT"),
    );
    let empty = parse(401, &headers, "");
    assert_eq!(
        empty.code.as_deref(),
        Some("ServicePrincipalIsNotAllowedByTenantAdminSwitch")
    );
    assert_eq!(empty.request_id.as_deref(), Some("8f1d-request"));
    assert!(empty.retry_after.unwrap() > Duration::from_secs(3600));

    let mut headers = HeaderMap::new();
    headers.insert(
        "X-PowerBI-Error-Details",
        HeaderValue::from_static(r#"{"error":{"code":"InvalidRequest","message":"in a header"}}"#),
    );
    let in_header = parse(400, &headers, "");
    assert_eq!(in_header.code.as_deref(), Some("InvalidRequest"));
    assert_eq!(in_header.message.as_deref(), Some("in a header"));

    let long = "x".repeat(10_000);
    let snippet = parse(500, &none, &long).body_snippet;
    assert!(snippet.chars().count() <= 1025);
    assert!(ApiError::parse(500, &none, &[0xff, 0xfe, 0x00]).is_retryable());
}

#[tokio::test]
async fn a_timed_out_read_is_retried_and_a_timed_out_write_is_not() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = sandbox_builder(&sandbox)
        .credential(service_principal_credential())
        .timeout(Duration::from_millis(200))
        .retry_policy(instant_policy(&clock))
        .build()
        .expect("builds");
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("signed in");
    sandbox.set_faults(Some(
        groups_only([Some(Fault::Slow)]).slow_delay(Duration::from_secs(30)),
    ));
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("the second attempt answers at once");
    assert_eq!(clock.sleeps().len(), 1);

    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Slow)])
            .endpoint("POST", "/v1.0/myorg/groups/")
            .slow_delay(Duration::from_secs(30)),
    ));
    let error = client
        .datasets()
        .refresh_dataset(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect_err("no answer in time");
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    assert!(error.is_retryable(), "the caller may decide to try again");
    assert_eq!(api_requests(&sandbox, "POST", "/refreshes"), 1, "sent once");
}

/// A client given a clock with `clock_and_sleeper` retries on it: the builder's policy, a
/// per-client policy and a per-call policy without a clock of their own all read and wait on
/// the client's, while a policy with its own clock keeps it.
#[tokio::test]
async fn retries_wait_on_the_clients_clock_unless_the_policy_has_its_own() {
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let client = sandbox_builder(&sandbox)
        .clock_and_sleeper(clock.clone())
        .credential(service_principal_credential())
        .build()
        .expect("the client builds");
    let throttled_twice = || {
        groups_only([
            Some(Fault::Throttle { retry_after: 2 }),
            Some(Fault::Throttle { retry_after: 3 }),
        ])
    };
    sandbox.set_faults(Some(throttled_twice()));
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("the third attempt succeeds");
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(2), Duration::from_secs(3)]
    );

    sandbox.set_faults(Some(throttled_twice()));
    client
        .with_retry_policy(RetryPolicy::new().max_attempts(3))
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("a per-client policy reads the client's clock");
    assert_eq!(clock.sleeps().len(), 4);

    sandbox.set_faults(Some(throttled_twice()));
    let groups: serde_json::Value = client
        .raw(powerbi::HttpMethod::Get, "/groups")
        .retry_policy(RetryPolicy::new().max_attempts(3))
        .send_json()
        .await
        .expect("a per-call policy reads the client's clock");
    assert!(groups["value"].is_array());
    assert_eq!(clock.sleeps().len(), 6);

    let own = ManualClock::new();
    sandbox.set_faults(Some(throttled_twice()));
    client
        .with_retry_policy(instant_policy(&own))
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("a policy with its own clock");
    assert_eq!(own.sleeps().len(), 2);
    assert_eq!(clock.sleeps().len(), 6, "the client's clock was not used");
}
