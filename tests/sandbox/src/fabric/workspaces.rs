//! Workspaces, their role assignments and folders, and capacities.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Caller, FabricError, base_url, json_answer, page, parse_body, route, text};
use crate::app::App;
use crate::fabric_store::{FabricState, Folder, Role, RoleAssignment, Workspace};
use crate::model::same_id;
use crate::principal::Principal;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/v1/workspaces", route(get(list).post(create)))
        .route(
            "/v1/workspaces/{workspace_id}",
            route(get(get_one).patch(update).delete(delete)),
        )
        .route(
            "/v1/workspaces/{workspace_id}/roleAssignments",
            route(get(list_roles).post(add_role)),
        )
        .route(
            "/v1/workspaces/{workspace_id}/roleAssignments/{assignment_id}",
            route(get(get_role).delete(delete_role)),
        )
        .route(
            "/v1/workspaces/{workspace_id}/folders",
            route(get(list_folders).post(create_folder)),
        )
        .route("/v1/capacities", route(get(list_capacities)))
        .route(
            "/v1/workspaces/{workspace_id}/assignToCapacity",
            route(post(assign_capacity)),
        )
}

/// Opens a workspace for `principal`: 404 `WorkspaceNotFound` when absent, 403 when its role is
/// below `need`.
pub(super) fn open<'s>(
    fabric: &'s mut FabricState,
    principal: &Principal,
    workspace_id: &str,
    need: Role,
) -> Result<&'s mut Workspace, FabricError> {
    let workspace = fabric.workspace_mut(workspace_id).ok_or_else(|| {
        FabricError::not_found(
            "WorkspaceNotFound",
            "The requested workspace was not found.",
        )
        .about(workspace_id, "Workspace")
    })?;
    match workspace.role_of(principal) {
        Some(role) if role >= need => Ok(workspace),
        _ => Err(FabricError::forbidden(format!(
            "The caller does not have the {} role or higher in the workspace.",
            need.as_str()
        ))),
    }
}

fn principal_type(principal: &Principal) -> &'static str {
    if principal.is_app() {
        "ServicePrincipal"
    } else {
        "User"
    }
}

async fn list(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FabricError> {
    let state = app.lock();
    let entries: Vec<Value> = state
        .fabric
        .workspaces
        .iter()
        .filter(|ws| ws.role_of(&principal).is_some())
        .map(Workspace::to_json)
        .collect();
    let size = state.fabric.settings.page_size;
    let body = page(
        entries,
        size,
        query.as_deref(),
        &base_url(&headers, &app),
        "/v1/workspaces",
    )?;
    Ok(json_answer(StatusCode::OK, &body))
}

async fn create(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let name = text(&request, "displayName")
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| FabricError::invalid("The displayName field is required."))?;
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    if fabric
        .workspaces
        .iter()
        .any(|ws| ws.display_name.eq_ignore_ascii_case(name))
    {
        return Err(FabricError::conflict(
            "WorkspaceNameAlreadyExists",
            format!("A workspace named '{name}' already exists."),
        ));
    }
    let mut workspace = Workspace::new(
        Uuid::new_v4().to_string(),
        name,
        text(&request, "description").unwrap_or_default(),
    );
    workspace.capacity_id = text(&request, "capacityId").map(str::to_owned);
    workspace.roles.push(RoleAssignment {
        principal_id: principal.object_id().to_owned(),
        principal_type: principal_type(&principal).to_owned(),
        role: Role::Admin,
    });
    let answer = workspace.to_json();
    let location = format!(
        "{}/v1/workspaces/{}",
        base_url(&headers, &app),
        workspace.id
    );
    fabric.workspaces.push(workspace);
    let mut response = json_answer(StatusCode::CREATED, &answer);
    if let Ok(value) = location.parse() {
        response.headers_mut().insert("location", value);
    }
    Ok(response)
}

async fn get_one(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
) -> Result<Response, FabricError> {
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Viewer)?;
    Ok(json_answer(StatusCode::OK, &workspace.to_json()))
}

async fn update(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Admin)?;
    if let Some(name) = text(&request, "displayName") {
        workspace.display_name = name.to_owned();
    }
    if let Some(description) = text(&request, "description") {
        workspace.description = description.to_owned();
    }
    Ok(json_answer(StatusCode::OK, &workspace.to_json()))
}

async fn delete(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
) -> Result<StatusCode, FabricError> {
    let mut state = app.lock();
    open(&mut state.fabric, &principal, &workspace_id, Role::Admin)?;
    state
        .fabric
        .workspaces
        .retain(|ws| !same_id(&ws.id, &workspace_id));
    Ok(StatusCode::OK)
}

async fn list_roles(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(workspace_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, FabricError> {
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let size = state.fabric.settings.page_size;
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Member)?;
    let entries = workspace
        .roles
        .iter()
        .map(RoleAssignment::to_json)
        .collect();
    let path = format!("/v1/workspaces/{}/roleAssignments", workspace.id);
    let body = page(entries, size, query.as_deref(), &base, &path)?;
    Ok(json_answer(StatusCode::OK, &body))
}

async fn add_role(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let id = request["principal"]["id"]
        .as_str()
        .ok_or_else(|| FabricError::invalid("principal.id is required."))?;
    let kind = request["principal"]["type"]
        .as_str()
        .ok_or_else(|| FabricError::invalid("principal.type is required."))?;
    let role = text(&request, "role")
        .and_then(Role::parse)
        .ok_or_else(|| {
            FabricError::invalid("role must be Admin, Member, Contributor or Viewer.")
        })?;
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Admin)?;
    if workspace
        .roles
        .iter()
        .any(|held| same_id(&held.principal_id, id))
    {
        return Err(FabricError::conflict(
            "PrincipalAlreadyHasWorkspaceRolePermissions",
            "The principal already has a role in this workspace.",
        ));
    }
    let assignment = RoleAssignment {
        principal_id: id.to_owned(),
        principal_type: kind.to_owned(),
        role,
    };
    let answer = assignment.to_json();
    workspace.roles.push(assignment);
    Ok(json_answer(StatusCode::CREATED, &answer))
}

async fn get_role(
    State(app): State<App>,
    Caller(principal): Caller,
    Path((workspace_id, assignment_id)): Path<(String, String)>,
) -> Result<Response, FabricError> {
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Member)?;
    let assignment = workspace
        .roles
        .iter()
        .find(|held| same_id(&held.principal_id, &assignment_id))
        .ok_or_else(|| {
            FabricError::not_found(
                "WorkspaceRoleAssignmentNotFound",
                "No such role assignment.",
            )
        })?;
    Ok(json_answer(StatusCode::OK, &assignment.to_json()))
}

async fn delete_role(
    State(app): State<App>,
    Caller(principal): Caller,
    Path((workspace_id, assignment_id)): Path<(String, String)>,
) -> Result<StatusCode, FabricError> {
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Admin)?;
    let before = workspace.roles.len();
    workspace
        .roles
        .retain(|held| !same_id(&held.principal_id, &assignment_id));
    if workspace.roles.len() == before {
        return Err(FabricError::not_found(
            "WorkspaceRoleAssignmentNotFound",
            "No such role assignment.",
        ));
    }
    Ok(StatusCode::OK)
}

async fn list_folders(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(workspace_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, FabricError> {
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let size = state.fabric.settings.page_size;
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Viewer)?;
    let entries = workspace
        .folders
        .iter()
        .map(|folder| folder_json(folder, &workspace.id))
        .collect();
    let path = format!("/v1/workspaces/{}/folders", workspace.id);
    let body = page(entries, size, query.as_deref(), &base, &path)?;
    Ok(json_answer(StatusCode::OK, &body))
}

fn folder_json(folder: &Folder, workspace_id: &str) -> Value {
    let mut body = json!({
        "id": folder.id,
        "displayName": folder.display_name,
        "workspaceId": workspace_id,
    });
    if let Some(parent) = &folder.parent_folder_id {
        body["parentFolderId"] = json!(parent);
    }
    body
}

async fn create_folder(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let name = text(&request, "displayName")
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| FabricError::invalid("The displayName field is required."))?;
    let parent = text(&request, "parentFolderId").map(str::to_owned);
    let mut state = app.lock();
    let workspace = open(
        &mut state.fabric,
        &principal,
        &workspace_id,
        Role::Contributor,
    )?;
    if let Some(parent) = &parent
        && !workspace
            .folders
            .iter()
            .any(|folder| same_id(&folder.id, parent))
    {
        return Err(FabricError::not_found(
            "FolderNotFound",
            "The parent folder was not found.",
        ));
    }
    let taken = workspace.folders.iter().any(|folder| {
        folder.parent_folder_id == parent && folder.display_name.eq_ignore_ascii_case(name)
    });
    if taken {
        return Err(FabricError::conflict(
            "FolderDisplayNameAlreadyInUse",
            format!("A folder named '{name}' already exists there."),
        ));
    }
    let folder = Folder {
        id: Uuid::new_v4().to_string(),
        display_name: name.to_owned(),
        parent_folder_id: parent,
    };
    let answer = folder_json(&folder, &workspace.id);
    workspace.folders.push(folder);
    Ok(json_answer(StatusCode::CREATED, &answer))
}

async fn list_capacities(
    State(app): State<App>,
    Caller(_principal): Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FabricError> {
    let state = app.lock();
    let entries = state.fabric.capacities.clone();
    let size = state.fabric.settings.page_size;
    let body = page(
        entries,
        size,
        query.as_deref(),
        &base_url(&headers, &app),
        "/v1/capacities",
    )?;
    Ok(json_answer(StatusCode::OK, &body))
}

async fn assign_capacity(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, FabricError> {
    let request = parse_body(&body)?;
    let capacity = text(&request, "capacityId")
        .ok_or_else(|| FabricError::invalid("The capacityId field is required."))?
        .to_owned();
    let mut state = app.lock();
    let known = state.fabric.capacities.iter().any(|seeded| {
        seeded["id"]
            .as_str()
            .is_some_and(|id| same_id(id, &capacity))
    });
    if !known {
        return Err(
            FabricError::not_found("CapacityNotFound", "The capacity was not found.")
                .about(capacity, "Capacity"),
        );
    }
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Admin)?;
    workspace.capacity_id = Some(capacity);
    Ok(StatusCode::ACCEPTED)
}
