//! The built `pbi` binary against the sandbox: `--wait` and `--timeout` on long-running
//! operations, files in and out, `--output csv` and `--query`, the weekly workflows (a scan
//! interrupted and resumed), `pbi scopes` and shell completions.

mod common;

use std::time::Duration;

use common::{json, pbi, run, stderr, stdout, temp_folder};
use powerbi_sandbox::{Fault, FaultPlan, Sandbox, SandboxConfig, demo};
use serde_json::Value;

fn requests(sandbox: &Sandbox, method: &str, path: &str) -> usize {
    sandbox
        .recorded_requests()
        .iter()
        .filter(|request| request.method == method && request.path.starts_with(path))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_interrupted_and_run_again_skips_the_finished_batches() {
    let sandbox = Sandbox::start().await.unwrap();
    let folder = temp_folder("scan");
    let folder_arg = folder.display().to_string();
    let args = [
        "workflow",
        "scan",
        "--folder",
        &folder_arg,
        "--poll-interval",
        "10ms",
    ];
    // The first scan result asked for is throttled for an hour: that batch fails, the
    // others finish and are recorded.
    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Throttle { retry_after: 3600 })])
            .endpoint("GET", "/v1.0/myorg/admin/workspaces/scanResult"),
    ));
    let first = pbi(&sandbox, &args, None).await;
    assert_eq!(first.status.code(), Some(5), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("run the same command again"),
        "{}",
        stderr(&first)
    );
    let state: Value =
        serde_json::from_slice(&std::fs::read(folder.join("scan-state.json")).unwrap()).unwrap();
    let batches = state["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 3, "252 workspaces in batches of 100");
    let done: Vec<bool> = batches.iter().map(|batch| batch["done"] == true).collect();
    assert_eq!(done.iter().filter(|done| **done).count(), 2, "{done:?}");
    assert_eq!(
        requests(&sandbox, "POST", "/v1.0/myorg/admin/workspaces/getInfo"),
        3
    );
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        3,
        "two batch files and the state, nothing partial: {files:?}"
    );

    sandbox.set_faults(None);
    sandbox.clear_recorded();
    let again = json(&pbi(&sandbox, &args, None).await);
    assert_eq!(again["batches"], 3);
    assert_eq!(again["workspaces"], 252);
    assert_eq!(
        requests(&sandbox, "POST", "/v1.0/myorg/admin/workspaces/getInfo"),
        1,
        "only the unfinished batch is scanned again"
    );
    assert_eq!(
        requests(&sandbox, "GET", "/v1.0/myorg/admin/workspaces/modified"),
        0,
        "the plan comes from the state file"
    );
    // Other flags than the first run's are refused: the batch files would differ.
    let mut other = args.to_vec();
    other.push("--lineage");
    let refused = pbi(&sandbox, &other, None).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let mut scanned = 0;
    for batch in 0..3 {
        let file = folder.join(format!("batch-{batch:04}.json"));
        let result: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        scanned += result["workspaces"].as_array().unwrap().len();
    }
    assert_eq!(scanned, 252);
    std::fs::remove_dir_all(folder).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_follows_a_refresh_and_timeout_gives_up_with_exit_6() {
    let sandbox = Sandbox::start().await.unwrap();
    let args = [
        "datasets",
        "refresh-dataset",
        "-w",
        demo::SALES_WORKSPACE_NAME,
        demo::SALES_DATASET_ID,
        "--wait",
        "--poll-interval",
        "10ms",
    ];
    let output = pbi(&sandbox, &args, None).await;
    let done = json(&output);
    assert_eq!(done["status"], "Completed");
    assert_eq!(stderr(&output), "", "no progress in a pipe");
    assert_eq!(sandbox.refreshes_started(), 1);

    let slow =
        Sandbox::start_with(SandboxConfig::default().refresh_duration(Duration::from_secs(3600)))
            .await
            .unwrap();
    let mut timed = args.to_vec();
    timed.extend(["--timeout", "300ms"]);
    let output = pbi(&slow, &timed, None).await;
    assert_eq!(output.status.code(), Some(6), "{}", stderr(&output));
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    // --out-file with --wait is for an export's file; a refresh has none.
    let no_file = pbi(
        &sandbox,
        &[&args[..], &["--out-file", "refresh.json"][..]].concat(),
        None,
    )
    .await;
    assert_eq!(no_file.status.code(), Some(2), "{}", stderr(&no_file));
    assert_eq!(sandbox.refreshes_started(), 1, "nothing was started");
    // --timeout without --wait is a usage error.
    let usage = pbi(
        &slow,
        &[&args[..5], &["--timeout", "1s"][..]].concat(),
        None,
    )
    .await;
    assert_eq!(usage.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_is_waited_on_and_streamed_to_a_file() {
    let sandbox = Sandbox::start().await.unwrap();
    let folder = temp_folder("export");
    let file = folder.join("report.pdf");
    let file_arg = file.display().to_string();
    let saved = json(
        &pbi(
            &sandbox,
            &[
                "workflow",
                "export-report",
                "-w",
                demo::SALES_WORKSPACE_NAME,
                "--report",
                "Sales Overview",
                "--file",
                &file_arg,
                "--poll-interval",
                "10ms",
            ],
            None,
        )
        .await,
    );
    let size = std::fs::metadata(&file).unwrap().len();
    assert_eq!(saved["bytes"], size);
    assert_eq!(size, 3 * 1024 * 1024 + 17, "the sandbox's whole file");

    // The generated command: --wait then --out-file; a failed export leaves no file.
    let failed_file = folder.join("report.xlsx");
    let failed_arg = failed_file.display().to_string();
    let failed = pbi(
        &sandbox,
        &[
            "reports",
            "export-to-file",
            "-w",
            demo::SALES_WORKSPACE_ID,
            demo::SALES_REPORT_ID,
            "--body",
            r#"{"format": "XLSX"}"#,
            "--wait",
            "--poll-interval",
            "10ms",
            "--out-file",
            &failed_arg,
        ],
        None,
    )
    .await;
    assert_eq!(failed.status.code(), Some(4), "{}", stderr(&failed));
    assert!(
        stderr(&failed).contains("ended Failed"),
        "{}",
        stderr(&failed)
    );
    assert!(!failed_file.exists());
    std::fs::remove_dir_all(folder).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_has_flat_columns_and_query_filters_as_az_does() {
    let sandbox = Sandbox::start().await.unwrap();
    let csv = pbi(&sandbox, &["groups", "list-groups", "-o", "csv"], None).await;
    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.contains(&"id") && header.contains(&"name"), "{text}");
    let row = lines.next().unwrap();
    assert!(row.contains(demo::SALES_WORKSPACE_ID) && row.contains(demo::SALES_WORKSPACE_NAME));

    let names = json(
        &pbi(
            &sandbox,
            &["groups", "list-groups", "--query", "[].name"],
            None,
        )
        .await,
    );
    assert_eq!(names, serde_json::json!([demo::SALES_WORKSPACE_NAME]));
    let projected = pbi(
        &sandbox,
        &[
            "datasets",
            "list-datasets",
            "-w",
            demo::SALES_WORKSPACE_ID,
            "-o",
            "csv",
            "--query",
            "[?name=='Sales'].{id: id, name: name}",
        ],
        None,
    )
    .await;
    assert_eq!(
        stdout(&projected),
        format!("id,name\n{},Sales\n", demo::SALES_DATASET_ID)
    );
    let bad = pbi(&sandbox, &["groups", "list-groups", "--query", "[?"], None).await;
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_activity_streams_to_a_file_one_day_at_a_time() {
    let sandbox = Sandbox::start().await.unwrap();
    let folder = temp_folder("activity");
    let file = folder.join("events.csv");
    let file_arg = file.display().to_string();
    let summary = json(
        &pbi(
            &sandbox,
            &[
                "workflow",
                "activity",
                "--start",
                "2026-01-01",
                "--end",
                "2027-01-01",
                "--file",
                &file_arg,
            ],
            None,
        )
        .await,
    );
    assert_eq!(summary["events"], 12, "the sandbox's log");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 13, "a header and 12 rows: {text}");
    assert!(text.starts_with("Activity,"), "{text}");
    let windows = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.path == "/v1.0/myorg/admin/activityevents")
        .filter(|request| {
            request
                .query
                .as_deref()
                .is_some_and(|query| query.contains("startDateTime"))
        })
        .count();
    assert_eq!(windows, 365, "one window a UTC day");

    // The generated command streams the same way, through --query, as JSON lines.
    let lines = pbi(
        &sandbox,
        &[
            "admin",
            "get-activity-events",
            "--start-date-time",
            "2026-01-01",
            "--end-date-time",
            "2026-01-04",
            "--all",
            "-o",
            "jsonl",
            "--query",
            "[?Activity=='ExportReport'].UserId",
        ],
        None,
    )
    .await;
    assert_eq!(
        stdout(&lines),
        "\"ana@contoso.com\"\n\"cy@contoso.com\"\n",
        "{}",
        stderr(&lines)
    );
    std::fs::remove_dir_all(folder).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_all_reports_every_dataset() {
    let sandbox = Sandbox::start().await.unwrap();
    let rows = json(
        &pbi(
            &sandbox,
            &[
                "workflow",
                "refresh-all",
                "-w",
                demo::SALES_WORKSPACE_NAME,
                "--poll-interval",
                "10ms",
            ],
            None,
        )
        .await,
    );
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 2, "{rows:?}");
    assert!(
        rows.iter().all(|row| row["status"] == "Completed"),
        "{rows:?}"
    );
    assert_eq!(sandbox.refreshes_started(), rows.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scopes_and_completions_need_no_sign_in() {
    let rows = json(
        &run(
            &[
                "scopes",
                "datasets",
                "refresh-dataset",
                "admin",
                "get-activity-events",
                "-o",
                "json",
            ],
            &[],
            None,
        )
        .await,
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["scopes"], "Dataset.ReadWrite.All");
    assert_eq!(rows[0]["service_principal"], "yes");
    assert!(
        rows[1]["tenant_settings"]
            .as_str()
            .unwrap()
            .contains("read-only admin APIs")
    );
    assert_eq!(rows[2]["command"], "(all)");
    assert_eq!(rows[2]["scopes"], "Dataset.ReadWrite.All Tenant.Read.All");
    let unknown = run(&["scopes", "datasets", "nope"], &[], None).await;
    assert_eq!(unknown.status.code(), Some(2));

    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = run(&["completions", shell], &[], None).await;
        assert!(script.status.success(), "{shell}: {}", stderr(&script));
        let text = stdout(&script);
        assert!(
            text.contains("refresh-dataset") && text.contains("workflow"),
            "{shell}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_streams_the_whole_file_and_wait_follows_the_import() {
    let sandbox = Sandbox::start().await.unwrap();
    let folder = temp_folder("upload");
    let file = folder.join("Uploaded.pbix");
    let bytes: Vec<u8> = (0..300_000u32).map(|index| (index % 251) as u8).collect();
    std::fs::write(&file, &bytes).unwrap();
    let file_arg = file.display().to_string();
    let import = json(
        &pbi(
            &sandbox,
            &[
                "imports",
                "post-import",
                "-w",
                demo::SALES_WORKSPACE_ID,
                "--dataset-display-name",
                "Uploaded.pbix",
                "--file",
                &file_arg,
                "--wait",
                "--poll-interval",
                "10ms",
            ],
            None,
        )
        .await,
    );
    assert_eq!(import["importState"], "Succeeded");
    assert_eq!(import["fileSize"], 300_000, "every byte was sent");
    assert_eq!(sandbox.imports_created(), 1);
    std::fs::remove_dir_all(folder).unwrap();
}
