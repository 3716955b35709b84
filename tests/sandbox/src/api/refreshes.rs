//! Dataset refreshes: `POST .../datasets/{datasetId}/refreshes` starts one, `GET` lists the
//! history, newest first.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, HeaderName, HeaderValue, LOCATION};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::datasets::DatasetPath;
use super::extract::{Body, Links, ODataQuery, Params};
use super::in_both;
use crate::app::App;
use crate::auth::{Caller, Need, WorkspaceRef, open_workspace};
use crate::clock;
use crate::model::{Refresh, RefreshOutcome};
use crate::scopes::{DATASET_READ, DATASET_WRITE};
use crate::wire::{self, ApiError, ApiResult, REQUEST_ID, guid_header};

/// The refresh routes, in both the My-workspace and the group variant.
pub(super) fn routes() -> Router<App> {
    in_both(
        Router::new(),
        "/datasets/{dataset_id}/refreshes",
        get(refresh_history).post(refresh),
    )
}

/// Wire shape of a Refresh history entry.
#[derive(Serialize)]
struct RefreshBody<'a> {
    #[serde(rename = "requestId")]
    request_id: &'a str,
    #[serde(rename = "id")]
    id: u64,
    #[serde(rename = "refreshType")]
    refresh_type: &'a str,
    #[serde(rename = "startTime")]
    start_time: String,
    #[serde(rename = "endTime", skip_serializing_if = "Option::is_none")]
    end_time: Option<String>,
    #[serde(rename = "status")]
    status: &'static str,
    #[serde(
        rename = "serviceExceptionJson",
        skip_serializing_if = "Option::is_none"
    )]
    service_exception_json: Option<&'a str>,
    #[serde(rename = "refreshAttempts")]
    refresh_attempts: [RefreshAttemptBody<'a>; 1],
}

/// Wire shape of a RefreshAttempt.
#[derive(Serialize)]
struct RefreshAttemptBody<'a> {
    #[serde(rename = "attemptId")]
    attempt_id: u32,
    #[serde(rename = "startTime")]
    start_time: String,
    #[serde(rename = "endTime", skip_serializing_if = "Option::is_none")]
    end_time: Option<String>,
    #[serde(
        rename = "serviceExceptionJson",
        skip_serializing_if = "Option::is_none"
    )]
    service_exception_json: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl<'a> RefreshBody<'a> {
    /// The entry as seen at `now`: `Unknown` without `endTime` while running.
    fn at(refresh: &'a Refresh, now: time::OffsetDateTime) -> Self {
        let (status, end_time, exception) = if refresh.running_at(now) {
            ("Unknown", None, None)
        } else {
            let end = Some(clock::power_bi(refresh.end));
            match &refresh.outcome {
                RefreshOutcome::Completed => ("Completed", end, None),
                RefreshOutcome::Failed {
                    service_exception_json,
                } => ("Failed", end, Some(service_exception_json.as_str())),
            }
        };
        let start_time = if refresh.zoneless_start {
            clock::power_bi_zoneless(refresh.start)
        } else {
            clock::power_bi(refresh.start)
        };
        RefreshBody {
            request_id: &refresh.request_id,
            id: refresh.id,
            refresh_type: &refresh.refresh_type,
            start_time: start_time.clone(),
            end_time: end_time.clone(),
            status,
            service_exception_json: exception,
            refresh_attempts: [RefreshAttemptBody {
                attempt_id: 1,
                start_time,
                end_time,
                service_exception_json: exception,
                kind: "Data",
            }],
        }
    }
}

/// Body of `POST .../refreshes` (DatasetRefreshRequest); every field but
/// `notifyOption` makes it an enhanced refresh.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    #[serde(rename = "notifyOption")]
    notify_option: Option<String>,
    #[serde(rename = "type")]
    kind: Option<Value>,
    #[serde(rename = "commitMode")]
    commit_mode: Option<Value>,
    #[serde(rename = "maxParallelism")]
    max_parallelism: Option<Value>,
    #[serde(rename = "retryCount")]
    retry_count: Option<Value>,
    #[serde(rename = "objects")]
    objects: Option<Value>,
    #[serde(rename = "applyRefreshPolicy")]
    apply_refresh_policy: Option<Value>,
    #[serde(rename = "effectiveDate")]
    effective_date: Option<Value>,
    #[serde(rename = "timeout")]
    timeout: Option<Value>,
}

impl RefreshRequest {
    fn is_enhanced(&self) -> bool {
        [
            &self.kind,
            &self.commit_mode,
            &self.max_parallelism,
            &self.retry_count,
            &self.objects,
            &self.apply_refresh_policy,
            &self.effective_date,
            &self.timeout,
        ]
        .iter()
        .any(|field| field.is_some())
    }

    /// The `refreshType` the accepted request records, after validating it.
    fn refresh_type(&self, app_only: bool) -> Result<&'static str, ApiError> {
        let enhanced = self.is_enhanced();
        match self.notify_option.as_deref() {
            None => {}
            Some(_) if enhanced => {
                return Err(ApiError::invalid(
                    "notifyOption cannot be combined with enhanced refresh parameters",
                ));
            }
            Some("NoNotification") => {}
            Some(option @ ("MailOnFailure" | "MailOnCompletion")) if app_only => {
                return Err(ApiError::invalid(format!(
                    "Invalid NotifyOption value '{option}' for app only owner requests"
                )));
            }
            Some("MailOnFailure" | "MailOnCompletion") => {}
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "Invalid NotifyOption value '{other}'"
                )));
            }
        }
        Ok(if enhanced { "ViaEnhancedApi" } else { "ViaApi" })
    }
}

/// `POST .../datasets/{datasetId}/refreshes`: 202 with `Location` and
/// `x-ms-request-id`; 400 while another refresh runs.
async fn refresh(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<DatasetPath>,
    Body(request): Body<Option<RefreshRequest>>,
) -> ApiResult {
    let refresh_type = match &request {
        Some(request) => request.refresh_type(principal.is_app())?,
        None => "ViaApi",
    };
    let now = clock::now();
    let request_id = Uuid::new_v4();
    let location = {
        let mut state = app.lock();
        let refresh_id = state.next_refresh_id();
        let addressed = WorkspaceRef::from_group(path.group_id);
        let workspace = open_workspace(
            &mut state,
            &principal,
            &addressed,
            DATASET_WRITE,
            Need::Write,
        )?;
        let prefix = workspace.api_prefix();
        let dataset = workspace
            .dataset_mut(&path.dataset_id)
            .ok_or(ApiError::EntityNotFound)?;
        if dataset.refresh_running(now) {
            return Err(ApiError::invalid(
                "Invalid dataset refresh request. Another refresh request is already executing",
            ));
        }
        dataset.refreshes.push(Refresh {
            request_id: request_id.to_string(),
            id: refresh_id,
            refresh_type: refresh_type.to_owned(),
            start: now,
            zoneless_start: false,
            end: clock::later(now, app.refresh_duration()),
            outcome: RefreshOutcome::Completed,
        });
        if !app.refresh_publish_delay().is_zero() {
            // Another refresh beside it, newer, already failed (a scheduled one).
            let id = state_refresh_id(refresh_id);
            dataset.refreshes.push(Refresh {
                request_id: Uuid::new_v4().to_string(),
                id,
                refresh_type: "Scheduled".to_owned(),
                start: now,
                zoneless_start: false,
                end: now,
                outcome: RefreshOutcome::Failed {
                    service_exception_json:
                        r#"{"errorCode":"ModelRefresh_ShortMessage_ProcessingError"}"#.to_owned(),
                },
            });
        }
        links.url(&format!(
            "{prefix}/datasets/{}/refreshes/{request_id}",
            dataset.id
        ))
    };
    app.count_refresh_started();
    accepted(&location, request_id)
}

/// The 202 answer of an accepted refresh: `Location`, `x-ms-request-id` and `RequestId`.
fn accepted(location: &str, request_id: Uuid) -> ApiResult {
    let location = HeaderValue::from_str(location)
        .map_err(|_| ApiError::invalid("The dataset id cannot be used in a URL"))?;
    Ok((
        StatusCode::ACCEPTED,
        [
            (LOCATION, location),
            (
                HeaderName::from_static("x-ms-request-id"),
                guid_header(request_id),
            ),
            (REQUEST_ID, guid_header(request_id)),
            (
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
        ],
    )
        .into_response())
}

/// A history id for the entry added beside refresh `id` (ids stay unique: far above it).
fn state_refresh_id(id: u64) -> u64 {
    id + 1_000_000
}

/// `GET .../datasets/{datasetId}/refreshes?$top=n`, newest first.
async fn refresh_history(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    query: ODataQuery,
    Params(path): Params<DatasetPath>,
) -> ApiResult {
    let now = clock::now();
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, DATASET_READ, Need::Read)?;
    let dataset = workspace
        .dataset(&path.dataset_id)
        .ok_or(ApiError::EntityNotFound)?;
    let history: Vec<_> = dataset
        .refreshes
        .iter()
        .rev()
        // Published late: an accepted refresh appears only after the publish delay.
        .filter(|refresh| {
            refresh.refresh_type == "Scheduled"
                || clock::later(refresh.start, app.refresh_publish_delay()) <= now
        })
        .take(query.top.unwrap_or(usize::MAX))
        .map(|refresh| RefreshBody::at(refresh, now))
        .collect();
    Ok(wire::list(&links.context(workspace, "refreshes"), &history))
}
