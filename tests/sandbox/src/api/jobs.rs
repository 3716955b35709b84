//! Two more long-running state machines: the admin scanner and deployment pipelines.
//!
//! Scanner: `GET admin/workspaces/modified` lists the sandbox's workspaces plus
//! [`SYNTHETIC_WORKSPACES`] generated ones; `POST admin/workspaces/getInfo` takes at most 100
//! ids and answers 202 with a scan (`NotStarted`), refused with 429 while 16 scans of the same
//! sandbox are in flight (started and not yet seen `Succeeded`); `scanStatus/{id}` goes
//! `NotStarted` → `Running` → `Succeeded` over the refresh duration with `Retry-After`;
//! `scanResult/{id}` lists the scanned workspaces.
//!
//! Pipelines: `POST pipelines/{id}/deployAll` and `.../deploy` answer 202 with an operation
//! (`NotStarted`); `pipelines/{id}/operations/{operationId}` goes `NotStarted` → `Executing` →
//! `Succeeded` over the refresh duration, with `Retry-After` until it ends.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::header::{LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::extract::{Body, Params, host};
use crate::app::App;
use crate::auth::Caller;
use crate::clock;
use crate::wire::{ApiError, ApiResult};

/// Generated workspaces the scanner reports beside the sandbox's own.
pub(crate) const SYNTHETIC_WORKSPACES: usize = 250;
/// Scans allowed in flight per sandbox.
const MAX_IN_FLIGHT: usize = 16;

#[derive(Debug, Clone)]
struct Timed {
    /// The sandbox (its `Host`), so parallel sandboxes never share limits.
    host: String,
    start: OffsetDateTime,
    end: OffsetDateTime,
    workspaces: Vec<String>,
    finished_seen: bool,
}

static SCANS: Mutex<Option<HashMap<String, Timed>>> = Mutex::new(None);
static OPERATIONS: Mutex<Option<HashMap<String, Timed>>> = Mutex::new(None);

fn with<T>(
    store: &Mutex<Option<HashMap<String, Timed>>>,
    f: impl FnOnce(&mut HashMap<String, Timed>) -> T,
) -> T {
    let mut guard = store.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(HashMap::new))
}

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/v1.0/myorg/admin/workspaces/modified", get(modified))
        .route("/v1.0/myorg/admin/workspaces/getInfo", post(get_info))
        .route(
            "/v1.0/myorg/admin/workspaces/scanStatus/{scan_id}",
            get(scan_status),
        )
        .route(
            "/v1.0/myorg/admin/workspaces/scanResult/{scan_id}",
            get(scan_result),
        )
        .route(
            "/v1.0/myorg/pipelines/{pipeline_id}/deployAll",
            post(deploy),
        )
        .route("/v1.0/myorg/pipelines/{pipeline_id}/deploy", post(deploy))
        .route(
            "/v1.0/myorg/pipelines/{pipeline_id}/operations/{operation_id}",
            get(operation),
        )
}

/// The phase of a timed job: 0 not started, 1 running, 2 done.
fn phase(job: &Timed, now: OffsetDateTime) -> u8 {
    if now >= job.end {
        2
    } else if (now - job.start) * 3 < (job.end - job.start) {
        0
    } else {
        1
    }
}

fn synthetic(index: usize) -> String {
    format!("00000000-5ca0-4000-8000-{index:012}")
}

async fn modified(State(app): State<App>, Caller(_principal): Caller) -> ApiResult {
    let mut ids: Vec<Value> = app
        .lock()
        .workspaces
        .iter()
        .map(|workspace| json!({"id": workspace.id}))
        .collect();
    ids.extend((0..SYNTHETIC_WORKSPACES).map(|index| json!({"id": synthetic(index)})));
    Ok(axum::Json(Value::Array(ids)).into_response())
}

#[derive(Debug, Deserialize)]
struct RequiredWorkspaces {
    workspaces: Vec<String>,
}

async fn get_info(
    State(app): State<App>,
    Caller(_principal): Caller,
    headers: HeaderMap,
    Body(request): Body<RequiredWorkspaces>,
) -> ApiResult {
    if request.workspaces.is_empty() || request.workspaces.len() > 100 {
        return Err(ApiError::invalid(
            "A scan takes between 1 and 100 workspace ids",
        ));
    }
    let host = host(&headers);
    let now = clock::now();
    let id = Uuid::new_v4().to_string();
    let accepted = with(&SCANS, |scans| {
        let in_flight = scans
            .values()
            .filter(|scan| scan.host == host && !scan.finished_seen)
            .count();
        if in_flight >= MAX_IN_FLIGHT {
            return false;
        }
        scans.insert(
            id.clone(),
            Timed {
                host: host.clone(),
                start: now,
                end: clock::later(now, app.refresh_duration()),
                workspaces: request.workspaces,
                finished_seen: false,
            },
        );
        true
    });
    if !accepted {
        return Err(ApiError::Coded {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "TooManyRequests",
            message: "At most 16 scans may run at once".into(),
        });
    }
    let location = format!("http://{host}/v1.0/myorg/admin/workspaces/scanStatus/{id}");
    let mut response = (
        StatusCode::ACCEPTED,
        axum::Json(json!({
            "id": id,
            "createdDateTime": clock::power_bi(now),
            "status": "NotStarted",
        })),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct ScanPath {
    scan_id: String,
}

fn with_retry_after(mut response: Response, running: bool) -> Response {
    if running {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("0"));
    }
    response
}

async fn scan_status(Caller(_principal): Caller, Params(path): Params<ScanPath>) -> ApiResult {
    let now = clock::now();
    let scan = with(&SCANS, |scans| {
        let scan = scans.get_mut(&path.scan_id)?;
        if phase(scan, now) == 2 {
            scan.finished_seen = true;
        }
        Some(scan.clone())
    })
    .ok_or(ApiError::EntityNotFound)?;
    let status = ["NotStarted", "Running", "Succeeded"][usize::from(phase(&scan, now))];
    let body = json!({
        "id": path.scan_id,
        "createdDateTime": clock::power_bi(scan.start),
        "status": status,
    });
    Ok(with_retry_after(
        axum::Json(body).into_response(),
        status != "Succeeded",
    ))
}

async fn scan_result(Caller(_principal): Caller, Params(path): Params<ScanPath>) -> ApiResult {
    let now = clock::now();
    let scan =
        with(&SCANS, |scans| scans.get(&path.scan_id).cloned()).ok_or(ApiError::EntityNotFound)?;
    if phase(&scan, now) != 2 {
        return Err(ApiError::invalid("The scan has not finished"));
    }
    let workspaces: Vec<Value> = scan
        .workspaces
        .iter()
        .map(|id| json!({"id": id, "name": format!("Workspace {id}"), "type": "Workspace", "state": "Active", "reports": [], "datasets": []}))
        .collect();
    Ok(axum::Json(json!({"workspaces": workspaces, "datasourceInstances": []})).into_response())
}

#[derive(Debug, Deserialize)]
struct PipelinePath {
    pipeline_id: String,
}

async fn deploy(
    State(app): State<App>,
    Caller(_principal): Caller,
    headers: HeaderMap,
    Params(path): Params<PipelinePath>,
    Body(_request): Body<Value>,
) -> ApiResult {
    let now = clock::now();
    let id = Uuid::new_v4().to_string();
    with(&OPERATIONS, |operations| {
        operations.insert(
            id.clone(),
            Timed {
                host: host(&headers),
                start: now,
                end: clock::later(now, app.refresh_duration()),
                workspaces: vec![path.pipeline_id.clone()],
                finished_seen: false,
            },
        )
    });
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({
            "id": id,
            "type": "Deploy",
            "status": "NotStarted",
            "lastUpdatedTime": clock::power_bi(now),
            "sourceStageOrder": 0,
            "targetStageOrder": 1,
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct OperationPath {
    pipeline_id: String,
    operation_id: String,
}

async fn operation(Caller(_principal): Caller, Params(path): Params<OperationPath>) -> ApiResult {
    let now = clock::now();
    let job = with(&OPERATIONS, |operations| {
        operations.get(&path.operation_id).cloned()
    })
    .filter(|job| job.workspaces.first() == Some(&path.pipeline_id))
    .ok_or(ApiError::EntityNotFound)?;
    let status = ["NotStarted", "Executing", "Succeeded"][usize::from(phase(&job, now))];
    let mut body = json!({
        "id": path.operation_id,
        "type": "Deploy",
        "status": status,
        "lastUpdatedTime": clock::power_bi(now.min(job.end)),
        "sourceStageOrder": 0,
        "targetStageOrder": 1,
        "executionStartTime": clock::power_bi(job.start),
    });
    if status == "Succeeded" {
        body["executionEndTime"] = json!(clock::power_bi(job.end));
    }
    Ok(with_retry_after(
        axum::Json(body).into_response(),
        status != "Succeeded",
    ))
}
