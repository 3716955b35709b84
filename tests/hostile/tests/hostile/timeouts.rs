//! A timeout names the limit that ran out.

use std::time::Duration;

use powerbi::Error;
use powerbi::runtime::TimeoutKind;
use powerbi_hostile_tests::{HostileServer, Reply};

use super::{client_for, serial};

/// A server that sends the head and the start of a body, then nothing for 5 s.
async fn stalling_server() -> HostileServer {
    HostileServer::start(|_| {
        Reply::status(200)
            .header("Content-Type", "application/json")
            .stall(b"{\"value\":[", Duration::from_secs(5))
    })
    .await
}

#[tokio::test]
async fn a_silent_server_trips_the_idle_timeout_and_the_error_says_so() {
    let _serial = serial().await;
    let server = stalling_server().await;
    let client = client_for(&server)
        .idle_timeout(Duration::from_millis(300))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("builds");
    let error = client
        .groups()
        .list_groups(Default::default())
        .await
        .expect_err("the server went silent");
    match &error {
        Error::Timeout { limit, after, .. } => {
            assert_eq!(*limit, TimeoutKind::Idle);
            assert_eq!(*after, Duration::from_millis(300));
        }
        other => panic!("a timeout, not {other:?}"),
    }
    let text = error.to_string();
    assert!(text.contains("idle timeout"), "{text}");
    assert!(!text.contains("30s"), "{text}");
}

#[tokio::test]
async fn a_slow_whole_answer_trips_the_request_timeout_and_the_error_says_so() {
    let _serial = serial().await;
    let server = stalling_server().await;
    let client = client_for(&server)
        .idle_timeout(Duration::from_secs(30))
        .timeout(Duration::from_millis(300))
        .build()
        .expect("builds");
    let error = client
        .groups()
        .list_groups(Default::default())
        .await
        .expect_err("too slow");
    assert!(
        matches!(
            error,
            Error::Timeout {
                limit: TimeoutKind::Request,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("request timeout"), "{error}");
}
