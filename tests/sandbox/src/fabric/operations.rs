//! Long-running operations: `GET /v1/operations/{id}` moves NotStarted → Running → Succeeded,
//! one step per poll (the number of unfinished polls is a setting), and
//! `GET /v1/operations/{id}/result` answers the result once it succeeded.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{HeaderValue, LOCATION};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

use super::{Caller, FabricError, base_url, json_answer, now_text, route};
use crate::app::App;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/v1/operations/{operation_id}", route(get(state)))
        .route("/v1/operations/{operation_id}/result", route(get(result)))
}

fn not_found(operation_id: &str) -> FabricError {
    FabricError::not_found(
        "OperationNotFound",
        "The requested operation was not found.",
    )
    .about(operation_id, "Operation")
}

/// The status a poll sees: NotStarted on the first poll, Running until `steps` polls have
/// seen it unfinished, then Succeeded.
pub(super) fn status_at(poll: u32, steps: u32) -> &'static str {
    match poll {
        poll if poll >= steps => "Succeeded",
        0 => "NotStarted",
        _ => "Running",
    }
}

async fn state(
    State(app): State<App>,
    Caller(_principal): Caller,
    headers: HeaderMap,
    Path(operation_id): Path<String>,
) -> Result<Response, FabricError> {
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let retry_after = state.fabric.settings.retry_after;
    let operation = state
        .fabric
        .operations
        .get_mut(&operation_id)
        .ok_or_else(|| not_found(&operation_id))?;
    let status = status_at(operation.polls, operation.steps);
    operation.polls = operation.polls.saturating_add(1);
    let percent = match status {
        "Succeeded" => 100,
        "Running" => 50,
        _ => 0,
    };
    let body = json!({
        "status": status,
        "createdTimeUtc": operation.created,
        "lastUpdatedTimeUtc": now_text(),
        "percentComplete": percent,
        "error": null,
    });
    let mut response = json_answer(StatusCode::OK, &body);
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&operation_id) {
        headers.insert(HeaderName::from_static("x-ms-operation-id"), id);
    }
    let location = if status == "Succeeded" {
        operation
            .result
            .is_some()
            .then(|| format!("{base}/v1/operations/{operation_id}/result"))
    } else {
        headers.insert(
            HeaderName::from_static("retry-after"),
            HeaderValue::from(retry_after),
        );
        Some(format!("{base}/v1/operations/{operation_id}"))
    };
    if let Some(location) = location
        && let Ok(value) = HeaderValue::from_str(&location)
    {
        headers.insert(LOCATION, value);
    }
    Ok(response)
}

async fn result(
    State(app): State<App>,
    Caller(_principal): Caller,
    Path(operation_id): Path<String>,
) -> Result<Response, FabricError> {
    let state = app.lock();
    let operation = state
        .fabric
        .operations
        .get(&operation_id)
        .ok_or_else(|| not_found(&operation_id))?;
    if status_at(operation.polls, operation.steps) != "Succeeded" {
        return Err(FabricError::invalid(
            "The operation has not succeeded yet; poll its state first.",
        ));
    }
    match &operation.result {
        Some(result) => Ok(json_answer(StatusCode::OK, result)),
        None => Err(FabricError::not_found(
            "OperationHasNoResult",
            "This operation has no result.",
        )),
    }
}
