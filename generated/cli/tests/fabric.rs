//! `pbi fabric ...`: Fabric's operations as commands, run by the built binary against the
//! sandbox's Fabric API (its `/v1` on the same server): a create, a listing paged through
//! `continuationUri` with `--all`, and a long-running create followed with `--wait` to its
//! result.

mod common;

use common::{json, pbi, stderr, stdout};
use powerbi_sandbox::Sandbox;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabric_commands_create_page_and_wait_for_a_long_running_result() {
    let sandbox = Sandbox::start().await.expect("the sandbox starts");
    sandbox.set_fabric_page_size(2);
    let mut created = Vec::new();
    for name in ["CLI A", "CLI B", "CLI C"] {
        let body = format!(r#"{{"displayName": "{name}"}}"#);
        let args = [
            "fabric",
            "workspaces",
            "create-workspace",
            "--body",
            &body,
            "-o",
            "json",
        ];
        let output = pbi(&sandbox, &args, None).await;
        assert!(output.status.success(), "{}", stderr(&output));
        let workspace = json(&output);
        assert_eq!(workspace["displayName"], name);
        created.push(workspace["id"].as_str().expect("an id").to_owned());
    }

    let args = [
        "fabric",
        "workspaces",
        "list-workspaces",
        "--all",
        "-o",
        "jsonl",
    ];
    let output = pbi(&sandbox, &args, None).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let listed: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    for id in &created {
        assert_eq!(listed.iter().filter(|w| w["id"] == id.as_str()).count(), 1);
    }
    let pages = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.method == "GET" && request.path == "/v1/workspaces")
        .count();
    assert!(pages >= 2, "--all followed the continuation: {pages} pages");

    let args = [
        "fabric",
        "notebook",
        "create-notebook",
        &created[0],
        "--body",
        r#"{"displayName": "Nightly load"}"#,
        "--wait",
        "-o",
        "json",
    ];
    let output = pbi(&sandbox, &args, None).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let notebook = json(&output);
    assert_eq!(notebook["displayName"], "Nightly load", "{notebook}");
    assert_eq!(notebook["workspaceId"], created[0].as_str());
}
