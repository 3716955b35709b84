//! Dashboards and their tiles.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::extract::{Body, Links, Params};
use super::in_both;
use crate::app::App;
use crate::auth::{Caller, Need, WorkspaceRef, open_workspace};
use crate::model::{Dashboard, Tile, Workspace};
use crate::scopes::{CONTENT_CREATE, DASHBOARD_READ};
use crate::wire::{self, ApiError, ApiResult};

/// The dashboard routes, in both the My-workspace and the group variant.
pub(super) fn routes() -> Router<App> {
    let router = in_both(
        Router::new(),
        "/dashboards",
        get(list_dashboards).post(add_dashboard),
    );
    let router = in_both(router, "/dashboards/{dashboard_id}", get(get_dashboard));
    let router = in_both(router, "/dashboards/{dashboard_id}/tiles", get(list_tiles));
    in_both(
        router,
        "/dashboards/{dashboard_id}/tiles/{tile_id}",
        get(get_tile),
    )
}

#[derive(Deserialize)]
struct WorkspacePath {
    group_id: Option<String>,
}

#[derive(Deserialize)]
struct DashboardPath {
    group_id: Option<String>,
    dashboard_id: String,
}

#[derive(Deserialize)]
struct TilePath {
    group_id: Option<String>,
    dashboard_id: String,
    tile_id: String,
}

/// Placeholder for list properties the sandbox always sends empty.
const NONE: &[Value] = &[];

/// Wire shape of a Dashboard.
#[derive(Serialize)]
struct DashboardBody<'a> {
    #[serde(rename = "id")]
    id: &'a str,
    #[serde(rename = "displayName")]
    display_name: &'a str,
    #[serde(rename = "isReadOnly")]
    is_read_only: bool,
    #[serde(rename = "webUrl")]
    web_url: String,
    #[serde(rename = "embedUrl")]
    embed_url: String,
    #[serde(rename = "users")]
    users: &'static [Value],
    #[serde(rename = "subscriptions")]
    subscriptions: &'static [Value],
}

impl<'a> DashboardBody<'a> {
    fn of(workspace: &Workspace, dashboard: &'a Dashboard) -> Self {
        DashboardBody {
            id: &dashboard.id,
            display_name: &dashboard.display_name,
            is_read_only: false,
            web_url: format!(
                "https://app.powerbi.com/{}/dashboards/{}",
                workspace.web_segment(),
                dashboard.id
            ),
            embed_url: format!(
                "https://app.powerbi.com/dashboardEmbed?dashboardId={}{}",
                dashboard.id,
                workspace.embed_group_param()
            ),
            users: NONE,
            subscriptions: NONE,
        }
    }
}

/// Wire shape of a Tile.
#[derive(Serialize)]
struct TileBody<'a> {
    #[serde(rename = "id")]
    id: &'a str,
    #[serde(rename = "title")]
    title: &'a str,
    #[serde(rename = "subTitle", skip_serializing_if = "Option::is_none")]
    sub_title: Option<&'a str>,
    #[serde(rename = "embedUrl")]
    embed_url: String,
    #[serde(rename = "embedData")]
    embed_data: &'static str,
    #[serde(rename = "rowSpan")]
    row_span: u32,
    #[serde(rename = "colSpan")]
    col_span: u32,
    #[serde(rename = "reportId", skip_serializing_if = "Option::is_none")]
    report_id: Option<&'a str>,
    #[serde(rename = "datasetId", skip_serializing_if = "Option::is_none")]
    dataset_id: Option<&'a str>,
}

impl<'a> TileBody<'a> {
    fn of(workspace: &Workspace, dashboard: &Dashboard, tile: &'a Tile) -> Self {
        TileBody {
            id: &tile.id,
            title: &tile.title,
            sub_title: tile.sub_title.as_deref(),
            embed_url: format!(
                "https://app.powerbi.com/embed?dashboardId={}&tileId={}{}",
                dashboard.id,
                tile.id,
                workspace.embed_group_param()
            ),
            embed_data: "{}",
            row_span: tile.row_span,
            col_span: tile.col_span,
            report_id: tile.report_id.as_deref(),
            dataset_id: tile.dataset_id.as_deref(),
        }
    }
}

/// Body of `POST .../dashboards` (AddDashboardRequest).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddDashboardRequest {
    #[serde(rename = "name")]
    name: Option<String>,
}

/// `GET .../dashboards`.
async fn list_dashboards(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<WorkspacePath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        DASHBOARD_READ,
        Need::Read,
    )?;
    let dashboards: Vec<_> = workspace
        .dashboards
        .iter()
        .map(|dashboard| DashboardBody::of(workspace, dashboard))
        .collect();
    Ok(wire::list(
        &links.context(workspace, "dashboards"),
        &dashboards,
    ))
}

/// `POST .../dashboards`: creates an empty dashboard.
async fn add_dashboard(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<WorkspacePath>,
    Body(request): Body<AddDashboardRequest>,
) -> ApiResult {
    let name = request
        .name
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            ApiError::invalid("Parameter requestParameters.Name is missing or invalid")
        })?;
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        CONTENT_CREATE,
        Need::Write,
    )?;
    let dashboard = Dashboard {
        id: Uuid::new_v4().to_string(),
        display_name: name,
        tiles: Vec::new(),
    };
    let response = wire::entity(
        &links.context(workspace, "dashboards/$entity"),
        &DashboardBody::of(workspace, &dashboard),
    );
    workspace.dashboards.push(dashboard);
    Ok(response)
}

/// `GET .../dashboards/{dashboardId}`.
async fn get_dashboard(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<DashboardPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        DASHBOARD_READ,
        Need::Read,
    )?;
    let dashboard = workspace
        .dashboard(&path.dashboard_id)
        .ok_or(ApiError::EntityNotFound)?;
    Ok(wire::entity(
        &links.context(workspace, "dashboards/$entity"),
        &DashboardBody::of(workspace, dashboard),
    ))
}

/// `GET .../dashboards/{dashboardId}/tiles`.
async fn list_tiles(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<DashboardPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        DASHBOARD_READ,
        Need::Read,
    )?;
    let dashboard = workspace
        .dashboard(&path.dashboard_id)
        .ok_or(ApiError::EntityNotFound)?;
    let tiles: Vec<_> = dashboard
        .tiles
        .iter()
        .map(|tile| TileBody::of(workspace, dashboard, tile))
        .collect();
    Ok(wire::list(&links.context(workspace, "tiles"), &tiles))
}

/// `GET .../dashboards/{dashboardId}/tiles/{tileId}`.
async fn get_tile(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<TilePath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        DASHBOARD_READ,
        Need::Read,
    )?;
    let dashboard = workspace
        .dashboard(&path.dashboard_id)
        .ok_or(ApiError::EntityNotFound)?;
    let tile = dashboard
        .tiles
        .iter()
        .find(|tile| tile.id.eq_ignore_ascii_case(&path.tile_id))
        .ok_or(ApiError::EntityNotFound)?;
    Ok(wire::entity(
        &links.context(workspace, "tiles/$entity"),
        &TileBody::of(workspace, dashboard, tile),
    ))
}
