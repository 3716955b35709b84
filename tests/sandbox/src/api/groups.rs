//! Workspaces (`/groups`) and their members (`/groups/{groupId}/users`); the administrator's
//! view of a workspace is in `admin_groups.rs`.

use axum::Router;
use axum::extract::State;
use axum::routing::{delete, get};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::extract::{Body, Links, ODataQuery, Params};
use super::filter::{Filter, GroupView};
use crate::app::App;
use crate::auth::{Caller, Need, WorkspaceRef, open_workspace, require_scopes};
use crate::model::{AccessRight, Member, PrincipalType, Workspace, same_id};
use crate::principal::Principal;
use crate::scopes::{WORKSPACE_READ, WORKSPACE_WRITE};
use crate::wire::{self, ApiError, ApiResult};

/// The workspace and membership routes.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/v1.0/myorg/groups", get(list_groups).post(create_group))
        .route(
            "/v1.0/myorg/groups/{group_id}",
            get(get_group).patch(update_group).delete(delete_group),
        )
        .route(
            "/v1.0/myorg/groups/{group_id}/users",
            get(list_users).post(add_user).put(update_user),
        )
        .route(
            "/v1.0/myorg/groups/{group_id}/users/{user}",
            delete(delete_user),
        )
}

#[derive(Deserialize)]
pub(super) struct GroupPath {
    pub(super) group_id: String,
}

#[derive(Deserialize)]
struct GroupUserPath {
    group_id: String,
    user: String,
}

/// Wire shape of a Group.
#[derive(Serialize)]
struct GroupBody<'a> {
    #[serde(rename = "id")]
    id: &'a str,
    #[serde(rename = "isReadOnly")]
    is_read_only: bool,
    #[serde(rename = "isOnDedicatedCapacity")]
    is_on_dedicated_capacity: bool,
    #[serde(rename = "capacityId", skip_serializing_if = "Option::is_none")]
    capacity_id: Option<&'a str>,
    #[serde(
        rename = "defaultDatasetStorageFormat",
        skip_serializing_if = "Option::is_none"
    )]
    default_dataset_storage_format: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "name")]
    name: &'a str,
}

impl<'a> GroupBody<'a> {
    /// A workspace as `principal` sees it (`isReadOnly` for Viewers).
    fn of(workspace: &'a Workspace, principal: &Principal) -> Self {
        GroupBody {
            id: &workspace.id,
            is_read_only: workspace.access_of(principal) == Some(AccessRight::Viewer),
            is_on_dedicated_capacity: workspace.capacity_id.is_some(),
            capacity_id: workspace.capacity_id.as_deref(),
            default_dataset_storage_format: workspace.default_dataset_storage_format.as_deref(),
            kind: "Workspace",
            name: &workspace.name,
        }
    }

    fn view(&self) -> GroupView<'a> {
        GroupView {
            name: self.name,
            kind: self.kind,
            capacity_id: self.capacity_id,
            is_read_only: self.is_read_only,
            is_on_dedicated_capacity: self.is_on_dedicated_capacity,
        }
    }
}

/// Wire shape of a GroupUser in a response.
#[derive(Serialize)]
pub(super) struct GroupUserBody<'a> {
    #[serde(rename = "emailAddress", skip_serializing_if = "Option::is_none")]
    email_address: Option<&'a str>,
    #[serde(rename = "displayName", skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    #[serde(rename = "identifier")]
    identifier: &'a str,
    #[serde(rename = "graphId", skip_serializing_if = "Option::is_none")]
    graph_id: Option<&'a str>,
    #[serde(rename = "principalType")]
    principal_type: &'static str,
    #[serde(rename = "groupUserAccessRight")]
    group_user_access_right: &'static str,
    #[serde(rename = "userType", skip_serializing_if = "Option::is_none")]
    user_type: Option<&'a str>,
}

impl<'a> From<&'a Member> for GroupUserBody<'a> {
    fn from(member: &'a Member) -> Self {
        GroupUserBody {
            email_address: member.email_address.as_deref(),
            display_name: member.display_name.as_deref(),
            identifier: &member.identifier,
            graph_id: member.graph_id.as_deref(),
            principal_type: member.principal_type.as_str(),
            group_user_access_right: member.access_right.as_str(),
            user_type: member.user_type.as_deref(),
        }
    }
}

/// Body of `POST /groups` (GroupCreationRequest).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupCreationRequest {
    #[serde(rename = "name")]
    name: Option<String>,
}

/// Body of `PATCH /groups/{groupId}` (UpdateGroupRequest).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateGroupRequest {
    #[serde(rename = "name")]
    name: Option<String>,
    #[serde(rename = "defaultDatasetStorageFormat")]
    default_dataset_storage_format: Option<String>,
}

/// Body of `POST`/`PUT /groups/{groupId}/users` (GroupUser).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupUserRequest {
    #[serde(rename = "emailAddress")]
    email_address: Option<String>,
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    #[serde(rename = "identifier")]
    identifier: Option<String>,
    #[serde(rename = "graphId")]
    graph_id: Option<String>,
    #[serde(rename = "userType")]
    user_type: Option<String>,
    #[serde(rename = "principalType")]
    principal_type: Option<String>,
    #[serde(rename = "groupUserAccessRight")]
    group_user_access_right: Option<String>,
    #[serde(rename = "profile")]
    _profile: Option<serde_json::Value>,
}

impl GroupUserRequest {
    /// Validates the body into a membership entry, filling names from the directory.
    fn into_member(self, app: &App) -> Result<Member, ApiError> {
        let access_right = self
            .group_user_access_right
            .as_deref()
            .and_then(AccessRight::parse)
            .ok_or_else(|| {
                ApiError::invalid(
                    "Parameter userDetails.GroupUserAccessRight is missing or invalid",
                )
            })?;
        let principal_type = self
            .principal_type
            .as_deref()
            .and_then(PrincipalType::parse)
            .ok_or_else(|| {
                ApiError::invalid("Parameter userDetails.PrincipalType is missing or invalid")
            })?;
        let needs_guid = matches!(principal_type, PrincipalType::App | PrincipalType::Group);
        let identifier = self
            .identifier
            .map(|identifier| identifier.trim().to_owned())
            .filter(|identifier| !identifier.is_empty())
            .filter(|identifier| !needs_guid || Uuid::parse_str(identifier).is_ok())
            .ok_or_else(|| {
                ApiError::invalid("Parameter userDetails.Identifier is missing or invalid")
            })?;
        let known_user = (principal_type == PrincipalType::User)
            .then(|| app.directory().find_user(&identifier))
            .flatten();
        Ok(Member {
            email_address: self
                .email_address
                .or_else(|| known_user.map(|user| user.upn.to_owned())),
            display_name: self
                .display_name
                .or_else(|| known_user.map(|user| user.display_name.to_owned())),
            graph_id: self
                .graph_id
                .or_else(|| known_user.map(|user| user.object_id.to_owned()))
                .or_else(|| needs_guid.then(|| identifier.clone())),
            user_type: self
                .user_type
                .or_else(|| known_user.map(|_| "Member".to_owned())),
            identifier,
            principal_type,
            access_right,
        })
    }
}

/// `GET /groups`: the workspaces the caller belongs to, `$filter`, `$skip`, `$top` applied.
async fn list_groups(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    query: ODataQuery,
) -> ApiResult {
    require_scopes(&principal, WORKSPACE_READ)?;
    let filter = query
        .filter
        .as_deref()
        .map(Filter::parse)
        .transpose()
        .map_err(|problem| ApiError::invalid(format!("Invalid $filter expression: {problem}")))?;
    let state = app.lock();
    let visible = state
        .workspaces
        .iter()
        .filter(|workspace| workspace.access_of(&principal).is_some())
        .map(|workspace| GroupBody::of(workspace, &principal))
        .filter(|group| {
            filter
                .as_ref()
                .is_none_or(|filter| filter.matches(&group.view()))
        });
    Ok(wire::list(
        &links.root_context("groups"),
        &query.page(visible),
    ))
}

/// `POST /groups?workspaceV2=true`: creates a workspace with the caller as Admin.
async fn create_group(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Body(request): Body<GroupCreationRequest>,
) -> ApiResult {
    require_scopes(&principal, WORKSPACE_WRITE)?;
    let name = valid_name(request.name)?;
    let mut state = app.lock();
    ensure_name_free(&state.workspaces, &name, None)?;
    let mut workspace = Workspace::shared(Uuid::new_v4().to_string(), name);
    workspace.members.push(admin_member(&principal));
    let response = wire::entity(
        &links.root_context("groups/$entity"),
        &GroupBody::of(&workspace, &principal),
    );
    state.workspaces.push(workspace);
    app.count_workspace_created();
    Ok(response)
}

/// `GET /groups/{groupId}`.
async fn get_group(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<GroupPath>,
) -> ApiResult {
    let mut state = app.lock();
    let workspace = open(&mut state, &principal, path.group_id, false, Need::Read)?;
    Ok(wire::entity(
        &links.root_context("groups/$entity"),
        &GroupBody::of(workspace, &principal),
    ))
}

/// `PATCH /groups/{groupId}`: renames and/or sets the default storage format (Admins only).
async fn update_group(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<GroupPath>,
    Body(request): Body<UpdateGroupRequest>,
) -> ApiResult {
    let format = request
        .default_dataset_storage_format
        .map(|format| match format.as_str() {
            "Small" | "Large" => Ok(format),
            _ => Err(ApiError::invalid(format!(
                "Invalid defaultDatasetStorageFormat '{format}'; expected Small or Large"
            ))),
        })
        .transpose()?;
    let name = request
        .name
        .map(|name| valid_name(Some(name)))
        .transpose()?;
    let mut state = app.lock();
    let workspace_id = open(&mut state, &principal, path.group_id, true, Need::Admin)?
        .id
        .clone();
    if let Some(name) = &name {
        ensure_name_free(&state.workspaces, name, Some(&workspace_id))?;
    }
    let workspace = state
        .workspace_mut(&workspace_id)
        .ok_or(ApiError::EntityNotFound)?;
    if let Some(name) = name {
        workspace.name = name;
    }
    if format.is_some() {
        workspace.default_dataset_storage_format = format;
    }
    Ok(wire::empty_ok())
}

/// `DELETE /groups/{groupId}` (Admins only), with everything in it.
async fn delete_group(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<GroupPath>,
) -> ApiResult {
    let mut state = app.lock();
    let workspace_id = open(&mut state, &principal, path.group_id, true, Need::Admin)?
        .id
        .clone();
    state
        .workspaces
        .retain(|workspace| workspace.id != workspace_id);
    Ok(wire::empty_ok())
}

/// `GET /groups/{groupId}/users`, `$skip` and `$top` applied.
async fn list_users(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    query: ODataQuery,
    Params(path): Params<GroupPath>,
) -> ApiResult {
    let mut state = app.lock();
    let workspace = open(&mut state, &principal, path.group_id, false, Need::Read)?;
    let users = query.page(workspace.members.iter().map(GroupUserBody::from));
    Ok(wire::list(&links.context(workspace, "users"), &users))
}

/// `POST /groups/{groupId}/users`: adds a member (Admins only).
async fn add_user(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<GroupPath>,
    Body(request): Body<GroupUserRequest>,
) -> ApiResult {
    let member = request.into_member(&app)?;
    let mut state = app.lock();
    let workspace = open(&mut state, &principal, path.group_id, true, Need::Admin)?;
    if workspace
        .members
        .iter()
        .any(|existing| existing.answers_to(&member.identifier))
    {
        return Err(ApiError::Coded {
            status: axum::http::StatusCode::BAD_REQUEST,
            code: "AddingAlreadyExistsGroupUserNotSupportedError",
            message: format!(
                "Principal '{}' is already a member of the workspace; use PUT to change its access right",
                member.identifier
            ),
        });
    }
    workspace.members.push(member);
    Ok(wire::empty_ok())
}

/// `PUT /groups/{groupId}/users`: changes an existing member's access right (Admins only).
async fn update_user(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<GroupPath>,
    Body(request): Body<GroupUserRequest>,
) -> ApiResult {
    let update = request.into_member(&app)?;
    let mut state = app.lock();
    let workspace = open(&mut state, &principal, path.group_id, true, Need::Admin)?;
    let member = workspace
        .members
        .iter_mut()
        .find(|existing| existing.answers_to(&update.identifier))
        .ok_or(ApiError::EntityNotFound)?;
    member.access_right = update.access_right;
    Ok(wire::empty_ok())
}

/// `DELETE /groups/{groupId}/users/{user}` (`user` = e-mail, identifier or graph id; Admins only).
async fn delete_user(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<GroupUserPath>,
) -> ApiResult {
    let mut state = app.lock();
    let workspace = open(&mut state, &principal, path.group_id, true, Need::Admin)?;
    let before = workspace.members.len();
    workspace
        .members
        .retain(|member| !member.answers_to(&path.user));
    if workspace.members.len() == before {
        return Err(ApiError::EntityNotFound);
    }
    Ok(wire::empty_ok())
}

/// Opens a shared workspace with the workspace read or write scope.
fn open<'s>(
    state: &'s mut crate::state::State,
    principal: &Principal,
    group_id: String,
    write: bool,
    need: Need,
) -> Result<&'s mut Workspace, ApiError> {
    let scopes = if write {
        WORKSPACE_WRITE
    } else {
        WORKSPACE_READ
    };
    open_workspace(
        state,
        principal,
        &WorkspaceRef::Group(group_id),
        scopes,
        need,
    )
}

/// A trimmed, non-empty workspace name.
pub(super) fn valid_name(name: Option<String>) -> Result<String, ApiError> {
    name.map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ApiError::invalid("Parameter requestParameters.Name is missing or invalid"))
}

/// Workspace names are unique in the tenant, ignoring case.
pub(super) fn ensure_name_free(
    workspaces: &[Workspace],
    name: &str,
    except_id: Option<&str>,
) -> Result<(), ApiError> {
    let taken = workspaces.iter().any(|workspace| {
        workspace.name.eq_ignore_ascii_case(name)
            && except_id.is_none_or(|except| !same_id(&workspace.id, except))
    });
    if taken {
        Err(ApiError::invalid(format!(
            "Workspace name '{name}' is already in use; workspace names must be unique in the tenant"
        )))
    } else {
        Ok(())
    }
}

/// The membership entry that makes the creator of a workspace its Admin.
fn admin_member(principal: &Principal) -> Member {
    match principal {
        Principal::App(sp) => Member {
            identifier: sp.object_id.to_owned(),
            principal_type: PrincipalType::App,
            access_right: AccessRight::Admin,
            email_address: None,
            display_name: Some(sp.display_name.to_owned()),
            graph_id: Some(sp.object_id.to_owned()),
            user_type: None,
        },
        Principal::User { user, .. } => Member {
            identifier: user.upn.to_owned(),
            principal_type: PrincipalType::User,
            access_right: AccessRight::Admin,
            email_address: Some(user.upn.to_owned()),
            display_name: Some(user.display_name.to_owned()),
            graph_id: Some(user.object_id.to_owned()),
            user_type: Some("Member".to_owned()),
        },
    }
}
