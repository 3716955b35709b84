//! The fake Power BI REST API under `/v1.0/myorg`.
//!
//! Item routes exist twice: under `/v1.0/myorg/groups/{group_id}` for a shared
//! workspace and directly under `/v1.0/myorg` for the caller's My workspace;
//! both share one handler that reads the optional `group_id`.

mod activity;
mod admin_groups;
mod dashboards;
mod datasets;
mod dax;
mod exports;
mod extract;
mod filter;
mod gateways;
mod groups;
mod imports;
mod jobs;
mod refreshes;
mod reports;

use axum::Router;
use axum::routing::MethodRouter;

use crate::app::App;

/// Prefix of My-workspace routes.
const MY_WORKSPACE: &str = "/v1.0/myorg";
/// Prefix of shared-workspace routes.
const IN_GROUP: &str = "/v1.0/myorg/groups/{group_id}";

/// Every Power BI route.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .merge(groups::routes())
        .merge(admin_groups::routes())
        .merge(datasets::routes())
        .merge(dax::routes())
        .merge(refreshes::routes())
        .merge(reports::routes())
        .merge(dashboards::routes())
        .merge(activity::routes())
        .merge(exports::routes())
        .merge(jobs::routes())
        .merge(imports::routes())
        .merge(gateways::routes())
}

/// Registers `handlers` at `path` under both the My-workspace and the group prefix.
fn in_both(router: Router<App>, path: &str, handlers: MethodRouter<App>) -> Router<App> {
    router
        .route(&format!("{MY_WORKSPACE}{path}"), handlers.clone())
        .route(&format!("{IN_GROUP}{path}"), handlers)
}
