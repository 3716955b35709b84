//! What a user moves into a spawned task, moved there: a generated method's future, a
//! paginator, a job and the tenant scan's stream, each run on another tokio task against the
//! sandbox while the client that made it is dropped. `spawnable` fails the build if one of them
//! stops being `Send + 'static`; the example dispatch does the same for every generated method.

use std::time::Duration;

use futures::StreamExt;
use powerbi::ext::scan::ScanSettings;
use powerbi::groups::ListGroupsOptions;
use powerbi::models::Group;
use powerbi_sandbox::{SandboxConfig, demo};

use crate::common::*;
use crate::example_support::spawnable;
use crate::fabric_server::{ITEM, WORKSPACE, fabric_client, start_fabric};

const FAST: Duration = Duration::from_millis(10);

fn ids(groups: &[Group]) -> Vec<powerbi::runtime::Uuid> {
    groups.iter().map(|group| group.id).collect()
}

#[tokio::test]
async fn calls_paginators_jobs_and_scans_run_on_spawned_tasks() {
    let sandbox = sandbox_with(
        SandboxConfig::default()
            .refresh_duration(Duration::from_millis(100))
            .refresh_publish_delay(Duration::from_millis(20)),
    )
    .await;
    let client = service_principal(&sandbox);
    let expected = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("the workspaces, on this task");

    let call = tokio::spawn(spawnable(
        client.groups().list_groups(ListGroupsOptions::default()),
    ));
    let pages = tokio::spawn(spawnable(
        client
            .groups()
            .list_groups_pages(ListGroupsOptions::default().top(1))
            .collect(),
    ));
    let job = client
        .datasets()
        .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, None);
    let refresh = tokio::spawn(spawnable(async move {
        let job = job
            .await?
            .poll_interval(FAST)
            .timeout(Duration::from_secs(20));
        let mut job = job;
        job.wait().await
    }));
    let scan = client.admin().scan_workspaces(
        ScanSettings::default()
            .batch_size(100)
            .poll_interval(FAST)
            .timeout(Duration::from_secs(20)),
    );
    let scanned = tokio::spawn(spawnable(async move {
        let stream = scan.await?;
        let results: Vec<_> = stream.collect().await;
        results.into_iter().collect::<powerbi::Result<Vec<_>>>()
    }));
    // Nothing spawned borrows the client: it can go first.
    drop(client);

    let called = call.await.expect("the call's task").expect("the call");
    assert_eq!(ids(&called), ids(&expected));
    let paged = pages.await.expect("the pages' task").expect("every page");
    assert_eq!(ids(&paged), ids(&expected));
    let done = refresh
        .await
        .expect("the job's task")
        .expect("the refresh ends");
    assert!(done.succeeded(), "{done:?}");
    let results = scanned
        .await
        .expect("the scan's task")
        .expect("every batch");
    assert!(!results.is_empty(), "at least one batch scanned");
    assert!(
        results.iter().all(|result| result
            .workspaces
            .as_ref()
            .is_some_and(|list| !list.is_empty())),
        "each result carries its workspaces"
    );
}

#[tokio::test]
async fn fabric_calls_pages_and_jobs_run_on_spawned_tasks() {
    let server = start_fabric();
    let client = fabric_client(&server, &powerbi::runtime::time::ManualClock::new());
    let fabric = client.fabric();
    let items = format!("/workspaces/{WORKSPACE}/items");
    let lro = fabric
        .raw(powerbi::HttpMethod::Post, &items)
        .send_lro::<serde_json::Value>();
    let pages = fabric
        .raw(powerbi::HttpMethod::Get, "/workspaces")
        .pages::<serde_json::Value>()
        .collect();
    let run = fabric.clone();
    let job = async move {
        let workspace = WORKSPACE.parse().expect("a GUID");
        let item = ITEM.parse().expect("a GUID");
        let mut job = run.run_job(workspace, item, "RunNotebook").await?;
        job.wait_succeeded().await
    };
    let lro = tokio::spawn(spawnable(lro));
    let pages = tokio::spawn(spawnable(pages));
    let job = tokio::spawn(spawnable(job));
    drop((client, fabric));
    let item = lro
        .await
        .expect("the task")
        .expect("the operation's result");
    assert_eq!(item["id"], ITEM);
    assert_eq!(pages.await.expect("the task").expect("every page").len(), 3);
    assert!(job.await.expect("the task").expect("the run").succeeded());
}
