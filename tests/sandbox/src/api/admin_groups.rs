//! A workspace as a Fabric administrator sees and changes it: `GET` and `PATCH
//! /admin/groups/{groupId}`.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::extract::{Body, Links, Params};
use super::groups::{GroupPath, GroupUserBody, ensure_name_free, valid_name};
use crate::app::App;
use crate::auth::{Caller, require_scopes};
use crate::model::LogAnalytics;
use crate::scopes::{TENANT_READ, TENANT_WRITE};
use crate::wire::{self, ApiError, ApiResult};

/// The administrator's workspace routes.
pub(super) fn routes() -> Router<App> {
    Router::new().route(
        "/v1.0/myorg/admin/groups/{group_id}",
        get(get_group_as_admin).patch(update_group_as_admin),
    )
}

/// Wire shape of an AdminGroup: a workspace as a Fabric administrator sees it, with its
/// description and Log Analytics workspace.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AdminGroupBody<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    state: &'static str,
    is_read_only: bool,
    is_on_dedicated_capacity: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_dataset_storage_format: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_analytics_workspace: Option<AzureResourceBody<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    users: Option<Vec<GroupUserBody<'a>>>,
}

/// Wire shape of an AzureResource.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AzureResourceBody<'a> {
    id: &'a str,
    subscription_id: &'a str,
    resource_group: &'a str,
    resource_name: &'a str,
}

/// Body of `PATCH /admin/groups/{groupId}` (AdminGroup, only the properties to change).
///
/// `logAnalyticsWorkspace` has three states: missing (keep the assignment), `null` (unassign
/// it) and an object (assign that one); `Option<Option<_>>` keeps them apart.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AdminGroupRequest {
    name: Option<String>,
    description: Option<String>,
    default_dataset_storage_format: Option<String>,
    #[serde(default, deserialize_with = "present")]
    log_analytics_workspace: Option<Option<AzureResourceRequest>>,
}

/// A field that is present, `null` or not: `Some(None)` for `null`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An AzureResource in a request: the three properties Microsoft requires.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AzureResourceRequest {
    subscription_id: Option<String>,
    resource_group: Option<String>,
    resource_name: Option<String>,
}

/// `GET /admin/groups/{groupId}`: any workspace of the tenant, as an administrator sees it
/// (`$expand=users` adds its members).
async fn get_group_as_admin(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<GroupPath>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    require_scopes(&principal, TENANT_READ)?;
    let expand_users =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).any(|(name, value)| {
            name == "$expand" && value.split(',').any(|item| item.trim() == "users")
        });
    let mut state = app.lock();
    let workspace = state
        .workspace_mut(&path.group_id)
        .ok_or(ApiError::EntityNotFound)?;
    let body = AdminGroupBody {
        id: &workspace.id,
        name: &workspace.name,
        description: workspace.description.as_deref(),
        kind: "Workspace",
        state: "Active",
        is_read_only: false,
        is_on_dedicated_capacity: workspace.capacity_id.is_some(),
        capacity_id: workspace.capacity_id.as_deref(),
        default_dataset_storage_format: workspace.default_dataset_storage_format.as_deref(),
        log_analytics_workspace: workspace.log_analytics.as_ref().map(|resource| {
            AzureResourceBody {
                id: &resource.id,
                subscription_id: &resource.subscription_id,
                resource_group: &resource.resource_group,
                resource_name: &resource.resource_name,
            }
        }),
        users: expand_users.then(|| workspace.members.iter().map(GroupUserBody::from).collect()),
    };
    Ok(wire::entity(
        &links.root_context("admin/groups/$entity"),
        &body,
    ))
}

/// `PATCH /admin/groups/{groupId}`: changes only the properties sent. On shared capacity only
/// the name and description; on a Premium capacity also the default storage format and the
/// Log Analytics workspace, which `"logAnalyticsWorkspace": null` unassigns.
async fn update_group_as_admin(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<GroupPath>,
    Body(request): Body<AdminGroupRequest>,
) -> ApiResult {
    require_scopes(&principal, TENANT_WRITE)?;
    let name = request
        .name
        .map(|name| valid_name(Some(name)))
        .transpose()?;
    let log_analytics = request
        .log_analytics_workspace
        .map(|resource| resource.map(log_analytics).transpose())
        .transpose()?;
    let mut state = app.lock();
    let workspace = state
        .workspace_mut(&path.group_id)
        .ok_or(ApiError::EntityNotFound)?;
    let premium_only = request.default_dataset_storage_format.is_some() || log_analytics.is_some();
    if premium_only && workspace.capacity_id.is_none() {
        return Err(ApiError::invalid(
            "For a workspace on shared capacity only the name and description can be updated",
        ));
    }
    if let Some(format) = &request.default_dataset_storage_format
        && !matches!(format.as_str(), "Small" | "Large")
    {
        return Err(ApiError::invalid(format!(
            "Invalid defaultDatasetStorageFormat '{format}'; expected Small or Large"
        )));
    }
    let workspace_id = workspace.id.clone();
    if let Some(name) = &name {
        ensure_name_free(&state.workspaces, name, Some(&workspace_id))?;
    }
    let workspace = state
        .workspace_mut(&workspace_id)
        .ok_or(ApiError::EntityNotFound)?;
    if let Some(name) = name {
        workspace.name = name;
    }
    if let Some(description) = request.description {
        workspace.description = Some(description);
    }
    if let Some(format) = request.default_dataset_storage_format {
        workspace.default_dataset_storage_format = Some(format);
    }
    if let Some(assignment) = log_analytics {
        workspace.log_analytics = assignment;
    }
    Ok(wire::empty_ok())
}

/// A Log Analytics assignment from a request: every required property present.
fn log_analytics(resource: AzureResourceRequest) -> Result<LogAnalytics, ApiError> {
    let required = |value: Option<String>, name: &str| {
        value
            .filter(|value| !value.trim().is_empty())
            .ok_or_else(|| ApiError::invalid(format!("logAnalyticsWorkspace.{name} is required")))
    };
    let subscription_id = required(resource.subscription_id, "subscriptionId")?;
    if Uuid::parse_str(&subscription_id).is_err() {
        return Err(ApiError::invalid(
            "logAnalyticsWorkspace.subscriptionId must be a GUID",
        ));
    }
    Ok(LogAnalytics {
        id: Uuid::new_v4().to_string(),
        subscription_id,
        resource_group: required(resource.resource_group, "resourceGroup")?,
        resource_name: required(resource.resource_name, "resourceName")?,
    })
}
