//! The built `pbi` binary against the sandbox on loopback: help text, output formats, paging,
//! bodies, exit codes, `raw` and `auth status`. Each test starts its own sandbox in this
//! process and points the binary at it with the `POWERBI_*` variables a user would set.

mod common;

use common::{json, pbi, run, snapshot, stderr, stdout};
use powerbi_sandbox::{Fault, FaultPlan, Role, Sandbox, WorkspaceSeed, demo};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_of_an_operation_comes_from_its_record() {
    let output = run(&["datasets", "refresh-dataset", "--help"], &[], None).await;
    assert!(output.status.success());
    let help = stdout(&output);
    snapshot("refresh-dataset.help.txt", &help);
    assert!(help.contains("Required scope: Dataset.ReadWrite.All"));
    assert!(help.contains("https://learn.microsoft.com/rest/api/power-bi/datasets/"));
    assert!(help.contains("--wait") && help.contains("--timeout"));
    for (args, name) in [
        (
            &["admin", "get-activity-events", "--help"][..],
            "get-activity-events.help.txt",
        ),
        (
            &["workflow", "scan", "--help"][..],
            "workflow-scan.help.txt",
        ),
    ] {
        let output = run(args, &[], None).await;
        assert!(output.status.success(), "{}", stderr(&output));
        snapshot(name, &stdout(&output));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_prints_as_json_jsonl_or_a_table() {
    let sandbox = Sandbox::start().await.unwrap();
    let list = json(&pbi(&sandbox, &["groups", "list-groups", "-o", "json"], None).await);
    let ids: Vec<&str> = list
        .as_array()
        .expect("an OData list prints as the array of its items")
        .iter()
        .filter_map(|group| group["id"].as_str())
        .collect();
    assert_eq!(ids, [demo::SALES_WORKSPACE_ID]);

    // Piped without --output: JSON.
    let piped = json(&pbi(&sandbox, &["groups", "list-groups"], None).await);
    assert_eq!(piped, list);

    let lines = pbi(&sandbox, &["groups", "list-groups", "-o", "jsonl"], None).await;
    let items: Vec<Value> = stdout(&lines)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON item per line"))
        .collect();
    assert_eq!(items, list.as_array().unwrap().clone());

    let table = pbi(&sandbox, &["groups", "list-groups", "-o", "table"], None).await;
    let text = stdout(&table);
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().unwrap().split_whitespace().collect();
    assert!(header.contains(&"id") && header.contains(&"name"), "{text}");
    let row = rows.next().unwrap();
    assert!(row.starts_with(demo::SALES_WORKSPACE_ID) && row.contains(demo::SALES_WORKSPACE_NAME));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_pages_through_a_listing() {
    let mut builder = Sandbox::builder();
    for index in 0..4 {
        builder = builder.workspace(
            WorkspaceSeed::new(format!("Team {index}"))
                .service_principal(demo::SP_OBJECT_ID, Role::Member),
        );
    }
    let sandbox = builder.start().await.unwrap();
    let output = pbi(
        &sandbox,
        &[
            "groups",
            "list-groups",
            "--top",
            "2",
            "--all",
            "-o",
            "jsonl",
        ],
        None,
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let names: Vec<String> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["name"].to_string())
        .collect();
    assert_eq!(
        names.len(),
        5,
        "the demo workspace and four seeded: {names:?}"
    );
    let pages = sandbox
        .recorded_requests()
        .iter()
        .filter(|request| request.path == "/v1.0/myorg/groups")
        .count();
    assert_eq!(pages, 3, "two items a page: 2 + 2 + 1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_comes_from_a_file_or_stdin_and_a_workspace_by_name() {
    let sandbox = Sandbox::start().await.unwrap();
    let file = std::env::temp_dir().join(format!("pbi-body-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"name": "From a file"}"#).unwrap();
    let from_file = format!("@{}", file.display());
    let created = json(
        &pbi(
            &sandbox,
            &["groups", "create-group", "--body", &from_file],
            None,
        )
        .await,
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(created["name"], "From a file");
    let created = json(
        &pbi(
            &sandbox,
            &["groups", "create-group", "--body", "-"],
            Some(r#"{"name": "From stdin"}"#),
        )
        .await,
    );
    assert_eq!(created["name"], "From stdin");
    assert_eq!(sandbox.workspaces_created(), 2);

    // The new workspace by its name.
    let datasets = json(
        &pbi(
            &sandbox,
            &["datasets", "list-datasets", "--workspace", "From stdin"],
            None,
        )
        .await,
    );
    assert_eq!(datasets, serde_json::json!([]));
    let unknown = pbi(
        &sandbox,
        &["datasets", "list-datasets", "-w", "Nowhere"],
        None,
    )
    .await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no workspace named 'Nowhere'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_tell_usage_api_and_throttling_apart() {
    let sandbox = Sandbox::start().await.unwrap();
    let usage = pbi(&sandbox, &["groups", "list-groups", "--no-such-flag"], None).await;
    assert_eq!(usage.status.code(), Some(2));
    let not_uuid = pbi(&sandbox, &["groups", "get-group", "not-a-uuid"], None).await;
    assert_eq!(not_uuid.status.code(), Some(2), "{}", stderr(&not_uuid));
    let bad_body = pbi(
        &sandbox,
        &["groups", "create-group", "--body", "{nope"],
        None,
    )
    .await;
    assert_eq!(bad_body.status.code(), Some(2));
    assert_eq!(
        sandbox.workspaces_created(),
        0,
        "nothing is sent for a usage error"
    );

    let missing = "00000000-0000-0000-0000-000000000001";
    let api = pbi(&sandbox, &["groups", "get-group", missing], None).await;
    assert_eq!(api.status.code(), Some(4));
    let line = stderr(&api);
    assert_eq!(line.lines().count(), 1, "one line: {line}");
    assert!(
        line.starts_with("pbi: ") && line.contains("RequestId"),
        "{line}"
    );

    // A throttle longer than the library waits is handed back.
    let throttles = std::iter::repeat_n(Some(Fault::Throttle { retry_after: 3600 }), 10);
    sandbox.set_faults(Some(
        FaultPlan::script(throttles).endpoint("GET", "/v1.0/myorg/groups"),
    ));
    let throttled = pbi(&sandbox, &["groups", "list-groups"], None).await;
    assert_eq!(throttled.status.code(), Some(5), "{}", stderr(&throttled));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sign_in_exits_3() {
    let sandbox = Sandbox::start().await.unwrap();
    let env = [
        ("POWERBI_TENANT_ID", demo::TENANT_ID.to_owned()),
        ("POWERBI_CLIENT_ID", demo::SP_CLIENT_ID.to_owned()),
        ("POWERBI_CLIENT_SECRET", "wrong secret".to_owned()),
        ("POWERBI_AUTHORITY_HOST", sandbox.authority_host()),
        ("POWERBI_API_BASE", sandbox.api_base_url()),
    ];
    let output = run(&["groups", "list-groups"], &env, None).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(!stderr(&output).contains("wrong secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_calls_any_path_with_the_same_sign_in() {
    let sandbox = Sandbox::start().await.unwrap();
    let path = format!("/groups/{}/datasets", demo::SALES_WORKSPACE_ID);
    let datasets = json(&pbi(&sandbox, &["raw", "get", &path], None).await);
    let ids: Vec<&str> = datasets
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|dataset| dataset["id"].as_str())
        .collect();
    assert!(ids.contains(&demo::SALES_DATASET_ID), "{ids:?}");
    let created = json(
        &pbi(
            &sandbox,
            &["raw", "POST", "/groups", "--body", r#"{"name": "Raw"}"#],
            None,
        )
        .await,
    );
    assert_eq!(created["name"], "Raw");
    let relative = pbi(&sandbox, &["raw", "GET", "groups"], None).await;
    assert_eq!(relative.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_status_shows_the_claims_never_the_token() {
    let sandbox = Sandbox::start().await.unwrap();
    let output = pbi(&sandbox, &["auth", "status"], None).await;
    let status = json(&output);
    assert_eq!(status["tenant"], demo::TENANT_ID);
    assert_eq!(status["app"], demo::SP_CLIENT_ID);
    assert_eq!(status["identity"], "service principal");
    assert!(status["expires"].as_str().unwrap().contains(" min)"));
    // A JWT starts with the base64 of `{"`: no part of one is printed.
    assert!(!stdout(&output).contains("eyJ"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_sandbox_needs_no_tenant() {
    for args in [
        &["sandbox", "groups", "list-groups", "-o", "jsonl"][..],
        &["--sandbox", "groups", "list-groups", "-o", "jsonl"][..],
    ] {
        let output = run(args, &[], None).await;
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stdout(&output).contains(demo::SALES_WORKSPACE_NAME));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_pages_the_activity_log_one_utc_day_at_a_time() {
    let sandbox = Sandbox::start().await.unwrap();
    let args = [
        "admin",
        "get-activity-events",
        "--start-date-time",
        "2026-12-01T00:00:00Z",
        "--end-date-time",
        "2026-12-03T00:00:00Z",
        "--all",
        "-o",
        "jsonl",
    ];
    let output = pbi(&sandbox, &args, None).await;
    assert!(output.status.success(), "{}", stderr(&output));
    for line in stdout(&output).lines() {
        serde_json::from_str::<Value>(line).expect("one JSON event per line");
    }
    let days: Vec<String> = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.path == "/v1.0/myorg/admin/activityevents")
        .filter_map(|request| request.query)
        .filter(|query| query.contains("startDateTime"))
        .collect();
    assert_eq!(days.len(), 2, "one request a UTC day: {days:?}");
    assert!(days[0].contains("2026-12-01T00:00:00"), "{days:?}");
    assert!(days[1].contains("2026-12-02T00:00:00"), "{days:?}");

    // Without --all the window is sent as given, and the service refuses one of two days.
    let one = pbi(&sandbox, &args[..6], None).await;
    assert_eq!(one.status.code(), Some(4), "{}", stderr(&one));
    assert!(stderr(&one).contains("same UTC day"), "{}", stderr(&one));
}
