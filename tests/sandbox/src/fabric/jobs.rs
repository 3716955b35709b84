//! The job scheduler: run an item's job on demand, poll the instance (NotStarted →
//! InProgress → Completed, or Failed for an item seeded with failing jobs), cancel, list.

use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::workspaces::open;
use super::{Caller, FabricError, accepted_at, base_url, json_answer, now_text, page, route};
use crate::app::App;
use crate::fabric_store::{Item, JobInstance, Role};
use crate::model::same_id;

const ITEM: &str = "/v1/workspaces/{workspace_id}/items/{item_id}";

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route(
            &format!("{ITEM}/jobs/instances"),
            route(get(list).post(run_by_query)),
        )
        .route(
            &format!("{ITEM}/jobs/{{job_type}}/instances"),
            route(post(run_by_path)),
        )
        .route(
            &format!("{ITEM}/jobs/instances/{{job_id}}"),
            route(get(get_one)),
        )
        .route(
            &format!("{ITEM}/jobs/instances/{{job_id}}/cancel"),
            route(post(cancel)),
        )
}

fn item_not_found(item_id: &str) -> FabricError {
    FabricError::not_found("ItemNotFound", "The requested item was not found.")
        .about(item_id, "Item")
}

fn job_not_found(job_id: &str) -> FabricError {
    FabricError::not_found(
        "JobInstanceNotFound",
        "The requested job instance was not found.",
    )
    .about(job_id, "JobInstance")
}

/// The status a job instance shows on its `poll`-th read.
fn status(job: &JobInstance, poll: u32) -> &'static str {
    if job.cancelled {
        "Cancelled"
    } else if poll >= job.steps {
        if job.failure.is_some() {
            "Failed"
        } else {
            "Completed"
        }
    } else if poll == 0 {
        "NotStarted"
    } else {
        "InProgress"
    }
}

fn job_json(job: &JobInstance, item_id: &str, status: &str) -> Value {
    let finished = matches!(status, "Completed" | "Failed" | "Cancelled");
    let failure = match (&job.failure, status) {
        (Some(reason), "Failed") => json!({"errorCode": "JobFailed", "message": reason}),
        _ => Value::Null,
    };
    json!({
        "id": job.id,
        "itemId": item_id,
        "jobType": job.job_type,
        "invokeType": "Manual",
        "status": status,
        "rootActivityId": job.id,
        "startTimeUtc": job.start,
        "endTimeUtc": if finished { json!(now_text()) } else { Value::Null },
        "failureReason": failure,
    })
}

#[derive(Deserialize)]
struct JobTypeQuery {
    #[serde(rename = "jobType")]
    job_type: Option<String>,
}

async fn run_by_query(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path((workspace_id, item_id)): Path<(String, String)>,
    Query(query): Query<JobTypeQuery>,
) -> Result<Response, FabricError> {
    let job_type = query
        .job_type
        .ok_or_else(|| FabricError::invalid("The jobType query parameter is required."))?;
    run(&app, &caller, &headers, &workspace_id, &item_id, &job_type)
}

async fn run_by_path(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path((workspace_id, item_id, job_type)): Path<(String, String, String)>,
) -> Result<Response, FabricError> {
    run(&app, &caller, &headers, &workspace_id, &item_id, &job_type)
}

fn run(
    app: &App,
    Caller(principal): &Caller,
    headers: &HeaderMap,
    workspace_id: &str,
    item_id: &str,
    job_type: &str,
) -> Result<Response, FabricError> {
    let base = base_url(headers, app);
    let mut state = app.lock();
    let settings = state.fabric.settings;
    let workspace = open(
        &mut state.fabric,
        principal,
        workspace_id,
        Role::Contributor,
    )?;
    let workspace_id = workspace.id.clone();
    let item = workspace
        .item_mut(item_id)
        .ok_or_else(|| item_not_found(item_id))?;
    let job = JobInstance {
        id: Uuid::new_v4().to_string(),
        job_type: job_type.to_owned(),
        polls: 0,
        steps: settings.poll_steps,
        cancelled: false,
        failure: item.failing_jobs.clone(),
        start: now_text(),
    };
    let location = format!(
        "{base}/v1/workspaces/{workspace_id}/items/{}/jobs/instances/{}",
        item.id, job.id
    );
    item.jobs.push(job);
    Ok(accepted_at(&location, None, settings.retry_after))
}

fn find_item<'w>(items: &'w mut [Item], item_id: &str) -> Result<&'w mut Item, FabricError> {
    items
        .iter_mut()
        .find(|item| same_id(&item.id, item_id))
        .ok_or_else(|| item_not_found(item_id))
}

async fn get_one(
    State(app): State<App>,
    Caller(principal): Caller,
    Path((workspace_id, item_id, job_id)): Path<(String, String, String)>,
) -> Result<Response, FabricError> {
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Viewer)?;
    let item = find_item(&mut workspace.items, &item_id)?;
    let item_id = item.id.clone();
    let job = item
        .jobs
        .iter_mut()
        .find(|job| same_id(&job.id, &job_id))
        .ok_or_else(|| job_not_found(&job_id))?;
    let shown = status(job, job.polls);
    job.polls = job.polls.saturating_add(1);
    Ok(json_answer(StatusCode::OK, &job_json(job, &item_id, shown)))
}

async fn cancel(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path((workspace_id, item_id, job_id)): Path<(String, String, String)>,
) -> Result<Response, FabricError> {
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let retry_after = state.fabric.settings.retry_after;
    let workspace = open(
        &mut state.fabric,
        &principal,
        &workspace_id,
        Role::Contributor,
    )?;
    let workspace_id = workspace.id.clone();
    let item = find_item(&mut workspace.items, &item_id)?;
    let item_id = item.id.clone();
    let job = item
        .jobs
        .iter_mut()
        .find(|job| same_id(&job.id, &job_id))
        .ok_or_else(|| job_not_found(&job_id))?;
    if matches!(status(job, job.polls), "Completed" | "Failed") {
        return Err(FabricError::invalid(
            "The job instance has already finished.",
        ));
    }
    job.cancelled = true;
    let location = format!(
        "{base}/v1/workspaces/{workspace_id}/items/{item_id}/jobs/instances/{}",
        job.id
    );
    Ok(accepted_at(&location, None, retry_after))
}

async fn list(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path((workspace_id, item_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, FabricError> {
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let size = state.fabric.settings.page_size;
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Viewer)?;
    let workspace_id = workspace.id.clone();
    let item = find_item(&mut workspace.items, &item_id)?;
    let entries = item
        .jobs
        .iter()
        .map(|job| {
            let seen = job.polls.saturating_sub(1);
            job_json(job, &item.id, status(job, seen))
        })
        .collect();
    let path = format!(
        "/v1/workspaces/{workspace_id}/items/{}/jobs/instances",
        item.id
    );
    let body = page(entries, size, query.as_deref(), &base, &path)?;
    Ok(json_answer(StatusCode::OK, &body))
}
