//! Reports: listing, deleting, cloning, rebinding and their pages.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::extract::{Body, Links, Params};
use super::in_both;
use crate::app::App;
use crate::auth::{Caller, Need, WorkspaceRef, open_workspace};
use crate::model::{Report, Workspace};
use crate::principal::Principal;
use crate::scopes::{CONTENT_CREATE, REPORT_READ, REPORT_WRITE};
use crate::wire::{self, ApiError, ApiResult};

/// `targetWorkspaceId` meaning "the caller's My workspace".
const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// The report routes, in both the My-workspace and the group variant.
pub(super) fn routes() -> Router<App> {
    let router = in_both(Router::new(), "/reports", get(list_reports));
    let router = in_both(
        router,
        "/reports/{report_id}",
        get(get_report).delete(delete_report),
    );
    let router = in_both(router, "/reports/{report_id}/Clone", post(clone_report));
    let router = in_both(router, "/reports/{report_id}/Rebind", post(rebind_report));
    in_both(router, "/reports/{report_id}/pages", get(pages))
}

#[derive(Deserialize)]
struct WorkspacePath {
    group_id: Option<String>,
}

#[derive(Deserialize)]
struct ReportPath {
    group_id: Option<String>,
    report_id: String,
}

/// Placeholder for list properties the sandbox always sends empty.
const NONE: &[Value] = &[];

/// Wire shape of a Report.
#[derive(Serialize)]
struct ReportBody<'a> {
    #[serde(rename = "id")]
    id: &'a str,
    #[serde(rename = "reportType")]
    report_type: &'static str,
    #[serde(rename = "name")]
    name: &'a str,
    #[serde(rename = "webUrl")]
    web_url: String,
    #[serde(rename = "embedUrl")]
    embed_url: String,
    #[serde(rename = "isOwnedByMe")]
    is_owned_by_me: bool,
    #[serde(rename = "datasetId")]
    dataset_id: &'a str,
    #[serde(rename = "datasetWorkspaceId", skip_serializing_if = "Option::is_none")]
    dataset_workspace_id: Option<&'a str>,
    #[serde(rename = "users")]
    users: &'static [Value],
    #[serde(rename = "subscriptions")]
    subscriptions: &'static [Value],
}

impl<'a> ReportBody<'a> {
    fn of(workspace: &Workspace, report: &'a Report, principal: &Principal) -> Self {
        ReportBody {
            id: &report.id,
            report_type: "PowerBIReport",
            name: &report.name,
            web_url: format!(
                "https://app.powerbi.com/{}/reports/{}",
                workspace.web_segment(),
                report.id
            ),
            embed_url: format!(
                "https://app.powerbi.com/reportEmbed?reportId={}{}",
                report.id,
                workspace.embed_group_param()
            ),
            is_owned_by_me: report
                .owner_object_id
                .eq_ignore_ascii_case(principal.object_id()),
            dataset_id: &report.dataset_id,
            dataset_workspace_id: report.dataset_workspace_id.as_deref(),
            users: NONE,
            subscriptions: NONE,
        }
    }
}

/// Wire shape of a Page.
#[derive(Serialize)]
struct PageBody<'a> {
    #[serde(rename = "name")]
    name: &'a str,
    #[serde(rename = "displayName")]
    display_name: &'a str,
    #[serde(rename = "order")]
    order: u32,
}

/// Body of `POST .../Clone` (CloneReportRequest).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloneReportRequest {
    #[serde(rename = "name")]
    name: Option<String>,
    #[serde(rename = "targetWorkspaceId")]
    target_workspace_id: Option<String>,
    #[serde(rename = "targetModelId")]
    target_model_id: Option<String>,
}

/// Body of `POST .../Rebind` (RebindReportRequest).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RebindReportRequest {
    #[serde(rename = "datasetId")]
    dataset_id: Option<String>,
}

/// `GET .../reports`.
async fn list_reports(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<WorkspacePath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, REPORT_READ, Need::Read)?;
    let reports: Vec<_> = workspace
        .reports
        .iter()
        .map(|report| ReportBody::of(workspace, report, &principal))
        .collect();
    Ok(wire::list(&links.context(workspace, "reports"), &reports))
}

/// `GET .../reports/{reportId}`.
async fn get_report(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<ReportPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, REPORT_READ, Need::Read)?;
    let report = workspace
        .report(&path.report_id)
        .ok_or(ApiError::EntityNotFound)?;
    Ok(wire::entity(
        &links.context(workspace, "reports/$entity"),
        &ReportBody::of(workspace, report, &principal),
    ))
}

/// `DELETE .../reports/{reportId}`.
async fn delete_report(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<ReportPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        REPORT_WRITE,
        Need::Write,
    )?;
    let report_id = workspace
        .report(&path.report_id)
        .ok_or(ApiError::EntityNotFound)?
        .id
        .clone();
    workspace.reports.retain(|report| report.id != report_id);
    Ok(wire::empty_ok())
}

/// `POST .../reports/{reportId}/Clone`: copies the report into the target
/// workspace (default: the same one), optionally bound to another dataset.
async fn clone_report(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<ReportPath>,
    Body(request): Body<CloneReportRequest>,
) -> ApiResult {
    let name = request
        .name
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("Parameter requestParameters.Name is missing or invalid")
        })?;
    let source_ref = WorkspaceRef::from_group(path.group_id);
    let destination = match request.target_workspace_id {
        None => source_ref.clone(),
        Some(id) if id == EMPTY_GUID => WorkspaceRef::MyWorkspace,
        Some(id) => WorkspaceRef::Group(id),
    };
    let mut state = app.lock();
    let source = open_workspace(
        &mut state,
        &principal,
        &source_ref,
        CONTENT_CREATE,
        Need::Read,
    )?
    .report(&path.report_id)
    .ok_or(ApiError::EntityNotFound)?
    .clone();
    let (dataset_workspace_id, dataset_id) = match request.target_model_id {
        Some(model_id) => state
            .visible_dataset(&principal, &model_id)
            .ok_or(ApiError::EntityNotFound)?,
        None => (source.dataset_workspace_id, source.dataset_id),
    };
    let workspace = open_workspace(
        &mut state,
        &principal,
        &destination,
        CONTENT_CREATE,
        Need::Write,
    )?;
    let clone = Report {
        id: Uuid::new_v4().to_string(),
        name,
        dataset_id,
        dataset_workspace_id,
        owner_object_id: principal.object_id().to_owned(),
        pages: source.pages,
    };
    let response = wire::entity(
        &links.context(workspace, "reports/$entity"),
        &ReportBody::of(workspace, &clone, &principal),
    );
    workspace.reports.push(clone);
    Ok(response)
}

/// `POST .../reports/{reportId}/Rebind`: binds the report to another dataset the caller can see.
async fn rebind_report(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<ReportPath>,
    Body(request): Body<RebindReportRequest>,
) -> ApiResult {
    let requested = request
        .dataset_id
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid("Parameter requestParameters.DatasetId is missing or invalid")
        })?;
    let addressed = WorkspaceRef::from_group(path.group_id);
    let mut state = app.lock();
    open_workspace(
        &mut state,
        &principal,
        &addressed,
        REPORT_WRITE,
        Need::Write,
    )?
    .report(&path.report_id)
    .ok_or(ApiError::EntityNotFound)?;
    let (dataset_workspace_id, dataset_id) = state
        .visible_dataset(&principal, &requested)
        .ok_or(ApiError::EntityNotFound)?;
    let report = open_workspace(
        &mut state,
        &principal,
        &addressed,
        REPORT_WRITE,
        Need::Write,
    )?
    .report_mut(&path.report_id)
    .ok_or(ApiError::EntityNotFound)?;
    report.dataset_id = dataset_id;
    report.dataset_workspace_id = dataset_workspace_id;
    Ok(wire::empty_ok())
}

/// `GET .../reports/{reportId}/pages`.
async fn pages(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<ReportPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, REPORT_READ, Need::Read)?;
    let report = workspace
        .report(&path.report_id)
        .ok_or(ApiError::EntityNotFound)?;
    let pages: Vec<_> = report
        .pages
        .iter()
        .map(|page| PageBody {
            name: &page.name,
            display_name: &page.display_name,
            order: page.order,
        })
        .collect();
    Ok(wire::list(&links.context(workspace, "pages"), &pages))
}
