//! The generated Fabric client (`powerbi::fabric`, from `spec/fabric`) against the sandbox's
//! Fabric API over real HTTP: pages followed through `continuationUri`, long-running
//! operations that return their typed result (and their `_job` siblings), a job scheduler run
//! waited on, and the records of `fabric::OPERATIONS`.

use powerbi::fabric::models;
use powerbi::runtime::time::ManualClock;
use powerbi::runtime::{Api, LongRunning, Paging};
use powerbi::{PowerBiClient, Uuid};

use crate::common::*;

async fn create_workspaces(client: &PowerBiClient, names: &[&str]) -> Vec<Uuid> {
    let fabric = client.fabric();
    let mut ids = Vec::new();
    for name in names {
        let request = models::CreateWorkspaceRequest {
            display_name: (*name).to_owned(),
            ..Default::default()
        };
        let workspace = fabric
            .workspaces()
            .create_workspace(&request)
            .await
            .expect("the workspace is created");
        assert_eq!(workspace.display_name, *name);
        ids.push(workspace.id);
    }
    ids
}

fn notebook_named(name: &str) -> models::CreateNotebookRequest {
    models::CreateNotebookRequest {
        display_name: name.to_owned(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_listing_pages_through_continuation_uri_with_the_generated_paginator() {
    let sandbox = sandbox().await;
    sandbox.set_fabric_page_size(2);
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    let created = create_workspaces(&client, &["Deploy A", "Deploy B", "Deploy C"]).await;
    let workspaces = client.fabric();
    let workspaces = workspaces.workspaces();

    // One call is one page, with the continuation the paginator follows.
    let first = workspaces
        .list_workspaces(Default::default())
        .await
        .expect("the first page");
    assert_eq!(first.value.len(), 2);
    assert!(first.continuation_uri.is_some() && first.continuation_token.is_some());

    let mut pages = workspaces.list_workspaces_pages(Default::default());
    let mut seen = Vec::new();
    while let Some(workspace) = pages.try_next().await.expect("a page") {
        seen.push(workspace.id);
    }
    assert!(pages.pages_fetched() >= 2, "{pages:?}");
    for id in &created {
        assert_eq!(
            seen.iter().filter(|seen| *seen == id).count(),
            1,
            "{seen:?}"
        );
    }
}

#[tokio::test]
async fn a_long_running_create_returns_the_created_item_and_its_job_sibling_watches_it() {
    let sandbox = sandbox().await;
    sandbox.set_fabric_poll_steps(2);
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    let [workspace] = create_workspaces(&client, &["Notebooks"]).await[..] else {
        unreachable!("one workspace")
    };
    let fabric = client.fabric();
    let notebooks = fabric.notebook();

    let notebook = notebooks
        .create_notebook(workspace, &notebook_named("Nightly load"))
        .await
        .expect("the notebook is created");
    assert_eq!(notebook.display_name.as_deref(), Some("Nightly load"));
    let id = notebook.id.expect("the created notebook's id");
    let fetched = notebooks
        .get_notebook(workspace, id)
        .await
        .expect("the notebook reads back");
    assert_eq!(fetched.id, Some(id));

    let mut job = notebooks
        .create_notebook_job(workspace, &notebook_named("Weekly load"))
        .await
        .expect("the create starts");
    let mut states = Vec::new();
    let done = job
        .wait_with(|status| states.push(status.status.clone()))
        .await
        .expect("the create ends");
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(states.last().map(String::as_str), Some("Succeeded"));
    let second: models::Notebook = job.result().await.expect("the typed result");
    assert_eq!(second.display_name.as_deref(), Some("Weekly load"));
    assert_ne!(second.id, Some(id));

    let listed = notebooks
        .list_notebooks_pages(workspace, Default::default())
        .collect()
        .await
        .expect("the notebooks list");
    let mut names: Vec<_> = listed.into_iter().filter_map(|n| n.display_name).collect();
    names.sort();
    assert_eq!(names, ["Nightly load", "Weekly load"]);
}

#[tokio::test]
async fn a_job_scheduler_run_returns_its_instance_to_wait_on() {
    let sandbox = sandbox().await;
    let client = sandbox_fabric_client(&sandbox, &ManualClock::new());
    let [workspace] = create_workspaces(&client, &["Jobs"]).await[..] else {
        unreachable!("one workspace")
    };
    let fabric = client.fabric();
    let notebook = fabric
        .notebook()
        .create_notebook(workspace, &notebook_named("Run me"))
        .await
        .expect("the notebook is created");
    let id = notebook.id.expect("an id");
    let mut run = fabric
        .job_scheduler()
        .run_on_demand_item_job(workspace, id, "RunNotebook", None)
        .await
        .expect("the run is accepted");
    let status = run.wait().await.expect("the run ends");
    assert!(status.succeeded(), "{status:?}");
    assert_eq!(status.status, "Completed");
    let instance = fabric
        .job_scheduler()
        .get_item_job_instance(
            workspace,
            id,
            run.id().expect("an instance id").parse().expect("a uuid"),
        )
        .await
        .expect("the instance reads back");
    assert_eq!(instance.item_id, Some(id));
}

#[test]
fn fabrics_records_name_their_api_paging_and_protocols() {
    assert!(!powerbi::fabric::OPERATIONS.is_empty());
    assert!(
        powerbi::fabric::OPERATIONS
            .iter()
            .all(|operation| operation.api == Api::Fabric)
    );
    assert!(
        powerbi::OPERATIONS
            .iter()
            .all(|operation| operation.api == Api::PowerBi)
    );
    let find = |category: &str, name: &str| {
        powerbi::fabric::OPERATIONS
            .iter()
            .find(|operation| operation.category == category && operation.name == name)
            .unwrap_or_else(|| panic!("no {category}::{name}"))
    };
    let create = find("notebook", "create_notebook");
    assert_eq!(create.long_running, LongRunning::FabricOperation);
    assert_eq!(
        create.path_templates(),
        ["/v1/workspaces/{workspaceId}/notebooks"]
    );
    let list = find("workspaces", "list_workspaces");
    assert_eq!(list.paging, Paging::ContinuationUri);
    assert_eq!(list.items_field, Some("value"));
    let run = find("job_scheduler", "run_on_demand_item_job");
    assert_eq!(run.long_running, LongRunning::JobInstance);
}
