//! RFC 9110 redirects for every method: no mutation is rewritten into a GET whose answer
//! would be reported as the mutation's success.

use powerbi::Error;
use powerbi_hostile_tests::{HostileServer, Reply};

use super::{WORKSPACE, client_for, serial, workspace};

/// A server that moves every mutation of `/v1.0/myorg/...` to `/moved/...` with `status`,
/// answers the moved mutation with `moved_status`, and answers any GET with 200: the
/// answer a rewritten request would wrongly take for success.
async fn moving_server(status: u16, moved_status: u16) -> HostileServer {
    HostileServer::start(move |request| {
        if request.method == "GET" {
            return Reply::json(200, "{}");
        }
        match request.path.strip_prefix("/v1.0/myorg") {
            Some(rest) => Reply::status(status)
                .header("Location", format!("/moved{rest}"))
                .body(b""),
            None => Reply::status(moved_status).body(b""),
        }
    })
    .await
}

fn methods_and_paths(server: &HostileServer) -> Vec<(String, String, usize)> {
    server
        .requests()
        .into_iter()
        .map(|request| (request.method, request.path, request.body_len))
        .collect()
}

#[tokio::test]
async fn a_moved_delete_is_sent_again_as_a_delete() {
    let _serial = serial().await;
    for status in [301, 302, 307, 308] {
        let server = moving_server(status, 200).await;
        let client = client_for(&server).build().expect("builds");
        client
            .groups()
            .delete_group(workspace())
            .await
            .expect("the moved DELETE succeeded");
        assert_eq!(
            methods_and_paths(&server),
            [
                (
                    "DELETE".to_owned(),
                    format!("/v1.0/myorg/groups/{WORKSPACE}"),
                    0
                ),
                ("DELETE".to_owned(), format!("/moved/groups/{WORKSPACE}"), 0),
            ],
            "{status}"
        );
    }
}

#[tokio::test]
async fn a_moved_mutation_that_fails_there_is_an_error_not_a_get() {
    let _serial = serial().await;
    for (method, status) in [
        (powerbi::HttpMethod::Put, 301),
        (powerbi::HttpMethod::Patch, 302),
        (powerbi::HttpMethod::Post, 301),
        (powerbi::HttpMethod::Post, 302),
        (powerbi::HttpMethod::Delete, 302),
    ] {
        let server = moving_server(status, 404).await;
        let client = client_for(&server).build().expect("builds");
        let result = client
            .raw(method, "/groups/x")
            .json_body(&serde_json::json!({"name": "renamed"}))
            .send_empty()
            .await;
        match result {
            Err(Error::Api(api)) => assert_eq!(api.status, 404, "{method} {status}"),
            other => panic!("{method} after {status}: a 404, not {other:?}"),
        }
        let seen = methods_and_paths(&server);
        assert_eq!(seen.len(), 2, "{method} {status}: {seen:?}");
        assert!(
            seen.iter().all(|(seen, _, _)| *seen == method.to_string()),
            "{seen:?}"
        );
        // The body went along with the method.
        assert_eq!(seen[0].2, seen[1].2);
        assert!(seen[1].2 > 0);
    }
}

#[tokio::test]
async fn see_other_fetches_the_answer_with_a_get() {
    let _serial = serial().await;
    let server = moving_server(303, 500).await;
    let client = client_for(&server).build().expect("builds");
    client
        .raw(powerbi::HttpMethod::Post, "/groups")
        .json_body(&serde_json::json!({"name": "new"}))
        .send_empty()
        .await
        .expect("303: the service did the work; the answer is elsewhere");
    let seen = methods_and_paths(&server);
    assert_eq!(seen[0].0, "POST");
    assert_eq!((seen[1].0.as_str(), seen[1].2), ("GET", 0));
}
