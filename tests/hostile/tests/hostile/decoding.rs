//! Answers that drift from the description bend instead of failing the whole call; what did
//! not fit is reported; the strict policy fails as before.

use std::sync::{Arc, Mutex};

use powerbi::Error;
use powerbi::runtime::{DecodePolicy, DriftReport, Uuid};
use powerbi_hostile_tests::{HostileServer, Reply};

use super::{WORKSPACE, client_for, serial};

/// A listing in which one workspace lacks its required `id` and another has an id that is no
/// GUID; the third is as described.
fn drifting_listing() -> String {
    format!(
        r#"{{"value":[{{"name":"no id"}},{{"id":"not-a-guid","name":"bad id"}},{{"id":"{WORKSPACE}","name":"fine","isReadOnly":"sometimes"}}]}}"#
    )
}

async fn server() -> HostileServer {
    let body = drifting_listing();
    HostileServer::start(move |_| Reply::json(200, &body).header("RequestId", "r-drift")).await
}

#[tokio::test]
async fn a_listing_with_values_that_do_not_fit_is_decoded_and_reported() {
    let _serial = serial().await;
    let server = server().await;
    let reports: Arc<Mutex<Vec<DriftReport>>> = Arc::default();
    let sink = Arc::clone(&reports);
    let client = client_for(&server)
        .on_drift(move |report| sink.lock().expect("not poisoned").push(report.clone()))
        .build()
        .expect("builds");
    let groups = client
        .groups()
        .list_groups(Default::default())
        .await
        .expect("a drifting answer still decodes");
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0].id, Uuid::nil());
    assert_eq!(groups[0].name.as_deref(), Some("no id"));
    assert_eq!(groups[1].id, Uuid::nil());
    assert_eq!(groups[2].id.to_string(), WORKSPACE);
    assert_eq!(groups[2].is_read_only, None);
    let reports = reports.lock().expect("not poisoned");
    assert_eq!(reports.len(), 1, "one report per answer");
    let report = &reports[0];
    assert_eq!(report.operation, "list_groups");
    assert_eq!(report.request_id.as_deref(), Some("r-drift"));
    let paths: Vec<&str> = report
        .drifts
        .iter()
        .map(|drift| drift.path.as_str())
        .collect();
    assert_eq!(paths, ["value[0].id", "value[1].id", "value[2].isReadOnly"]);
    // Nothing is lost: what the service sent is in the report.
    assert_eq!(report.drifts[0].original, None);
    assert_eq!(
        report.drifts[1].original,
        Some(serde_json::json!("not-a-guid"))
    );
    assert_eq!(
        report.drifts[2].original,
        Some(serde_json::json!("sometimes"))
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_strict_policy_fails_the_same_answer_naming_the_place() {
    let _serial = serial().await;
    let server = server().await;
    let client = client_for(&server)
        .decode_policy(DecodePolicy::Strict)
        .build()
        .expect("builds");
    let error = client
        .groups()
        .list_groups(Default::default())
        .await
        .expect_err("strict");
    match &error {
        Error::Decode {
            path, request_id, ..
        } => {
            assert_eq!(path, "value[0]");
            assert_eq!(request_id, "r-drift");
        }
        other => panic!("a decode error, not {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_that_is_not_json_fails_under_either_policy() {
    let _serial = serial().await;
    let server = HostileServer::start(|_| {
        Reply::status(200)
            .header("Content-Type", "text/html")
            .header("RequestId", "r-html")
            .body(b"<html>Sign in to the proxy</html>")
    })
    .await;
    for policy in [DecodePolicy::Lenient, DecodePolicy::Strict] {
        let client = client_for(&server)
            .decode_policy(policy)
            .build()
            .expect("builds");
        let listing = client
            .groups()
            .list_groups(Default::default())
            .await
            .expect_err("HTML is no listing");
        // The same answer as a page of a listing walked page by page.
        let page = client
            .groups()
            .list_groups_pages(Default::default())
            .next_page()
            .await
            .expect("a page or an error")
            .expect_err("HTML is no page");
        for error in [listing, page] {
            // Named at the root, placed by line and column, with the answer's RequestId.
            match &error {
                Error::Decode {
                    path,
                    message,
                    request_id,
                    ..
                } => {
                    assert_eq!(path, ".", "{policy:?}");
                    assert!(message.contains("line 1 column 1"), "{message}");
                    assert_eq!(request_id, "r-html");
                }
                other => panic!("a decode error, not {other:?}"),
            }
        }
    }
}
