//! Git integration: connect, initialize, connection, status, commit to Git, update from Git,
//! disconnect. The remote is in memory, one per provider, repository, branch and directory,
//! so two workspaces connected to the same branch share it: a commit from one and an update
//! from Git in the other carries item definitions byte for byte.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};
use uuid::Uuid;

use super::workspaces::open;
use super::{Caller, FabricError, accepted, base_url, json_answer, parse_body, route, text};
use crate::app::App;
use crate::fabric_store::{Commit, FabricState, GitConnection, Item, Role, Snapshot, Workspace};

const GIT: &str = "/v1/workspaces/{workspace_id}/git";

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route(&format!("{GIT}/connect"), route(post(connect)))
        .route(&format!("{GIT}/disconnect"), route(post(disconnect)))
        .route(
            &format!("{GIT}/initializeConnection"),
            route(post(initialize)),
        )
        .route(&format!("{GIT}/connection"), route(get(connection)))
        .route(&format!("{GIT}/status"), route(get(status)))
        .route(&format!("{GIT}/commitToGit"), route(post(commit)))
        .route(&format!("{GIT}/updateFromGit"), route(post(update)))
}

fn not_connected() -> FabricError {
    FabricError::invalid("The workspace is not connected to Git.")
}

/// The remote a provider description names.
fn remote_key(provider: &Value) -> String {
    let field = |name: &str| {
        provider[name]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    [
        "gitProviderType",
        "organizationName",
        "ownerName",
        "projectName",
        "repositoryName",
        "branchName",
        "directoryName",
    ]
    .iter()
    .map(|name| field(name))
    .collect::<Vec<_>>()
    .join("/")
}

fn new_hash() -> String {
    let text = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    text[..40].to_owned()
}

fn snapshot(item: &Item) -> Snapshot {
    Snapshot {
        item_type: item.item_type.clone(),
        display_name: item.display_name.clone(),
        definition: item.answered_definition(),
    }
}

/// The items of a commit of `remote` (`None`: the empty tree).
fn tree(fabric: &FabricState, remote: &str, hash: Option<&str>) -> BTreeMap<String, Snapshot> {
    let commits = fabric.remotes.get(remote);
    hash.and_then(|hash| commits?.iter().find(|commit| commit.hash == hash))
        .map(|commit| commit.items.clone())
        .unwrap_or_default()
}

fn remote_head(fabric: &FabricState, remote: &str) -> Option<String> {
    fabric
        .remotes
        .get(remote)
        .and_then(|commits| commits.last())
        .map(|commit| commit.hash.clone())
}

/// The connected workspace (400 when not connected) and its connection.
fn connected<'s>(
    fabric: &'s mut FabricState,
    principal: &crate::principal::Principal,
    workspace_id: &str,
    need: Role,
) -> Result<(&'s mut Workspace, GitConnection), FabricError> {
    let workspace = open(fabric, principal, workspace_id, need)?;
    let git = workspace.git.clone().ok_or_else(not_connected)?;
    Ok((workspace, git))
}

async fn connect(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, FabricError> {
    let request = parse_body(&body)?;
    let provider = request
        .get("gitProviderDetails")
        .filter(|details| details.is_object())
        .cloned()
        .ok_or_else(|| FabricError::invalid("gitProviderDetails is required."))?;
    if text(&provider, "repositoryName").is_none() || text(&provider, "branchName").is_none() {
        return Err(FabricError::invalid(
            "gitProviderDetails needs repositoryName and branchName.",
        ));
    }
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Admin)?;
    if workspace.git.is_some() {
        return Err(FabricError::conflict(
            "WorkspaceAlreadyConnectedToGit",
            "The workspace is already connected to Git.",
        ));
    }
    workspace.git = Some(GitConnection {
        remote: remote_key(&provider),
        provider,
        head: None,
    });
    Ok(StatusCode::OK)
}

async fn disconnect(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
) -> Result<StatusCode, FabricError> {
    let mut state = app.lock();
    let (workspace, _) = connected(&mut state.fabric, &principal, &workspace_id, Role::Admin)?;
    workspace.git = None;
    Ok(StatusCode::OK)
}

async fn initialize(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
) -> Result<Response, FabricError> {
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    let (workspace, git) = connected(fabric, &principal, &workspace_id, Role::Admin)?;
    let has_items = !workspace.items.is_empty();
    let head = remote_head(fabric, &git.remote);
    let action = match (&head, has_items) {
        (Some(_), _) => "UpdateFromGit",
        (None, true) => "CommitToGit",
        (None, false) => "None",
    };
    let body = json!({
        "requiredAction": action,
        "workspaceHead": git.head,
        "remoteCommitHash": head,
    });
    Ok(json_answer(StatusCode::OK, &body))
}

async fn connection(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
) -> Result<Response, FabricError> {
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Viewer)?;
    let body = match &workspace.git {
        None => json!({"gitConnectionState": "NotConnected"}),
        Some(git) => json!({
            "gitProviderDetails": git.provider,
            "gitSyncDetails": {"head": git.head, "lastSyncTime": super::now_text()},
            "gitConnectionState": if git.head.is_some() { "ConnectedAndInitialized" } else { "Connected" },
            "gitConnectionType": "Full",
        }),
    };
    Ok(json_answer(StatusCode::OK, &body))
}

fn change(side: Option<&str>, remote: Option<&str>, meta: Value) -> Value {
    let mut entry = json!({
        "itemMetadata": meta,
        "conflictType": if side.is_some() && remote.is_some() { "Conflict" } else { "None" },
    });
    if let Some(side) = side {
        entry["workspaceChange"] = json!(side);
    }
    if let Some(remote) = remote {
        entry["remoteChange"] = json!(remote);
    }
    entry
}

/// How `now` differs from `before` for one logical id.
fn difference(before: Option<&Snapshot>, now: Option<&Snapshot>) -> Option<&'static str> {
    match (before, now) {
        (None, Some(_)) => Some("Added"),
        (Some(_), None) => Some("Deleted"),
        (Some(before), Some(now)) if before != now => Some("Modified"),
        _ => None,
    }
}

async fn status(
    State(app): State<App>,
    Caller(principal): Caller,
    Path(workspace_id): Path<String>,
) -> Result<Response, FabricError> {
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    let (workspace, git) = connected(fabric, &principal, &workspace_id, Role::Viewer)?;
    let current: BTreeMap<String, (Snapshot, String)> = workspace
        .items
        .iter()
        .map(|item| (item.logical_id.clone(), (snapshot(item), item.id.clone())))
        .collect();
    let head = remote_head(fabric, &git.remote);
    let synced = tree(fabric, &git.remote, git.head.as_deref());
    let remote = tree(fabric, &git.remote, head.as_deref());
    let ids: BTreeSet<&String> = current
        .keys()
        .chain(synced.keys())
        .chain(remote.keys())
        .collect();
    let mut changes = Vec::new();
    for id in ids {
        let mine = current.get(id);
        let side = difference(synced.get(id), mine.map(|(snapshot, _)| snapshot));
        let theirs = difference(synced.get(id), remote.get(id));
        if side.is_none() && theirs.is_none() {
            continue;
        }
        let shown = mine
            .map(|(snapshot, _)| snapshot)
            .or_else(|| remote.get(id))
            .or_else(|| synced.get(id));
        let mut identifier = json!({"logicalId": id});
        if let Some((_, object_id)) = mine {
            identifier["objectId"] = json!(object_id);
        }
        let meta = json!({
            "itemIdentifier": identifier,
            "itemType": shown.map(|s| s.item_type.clone()),
            "displayName": shown.map(|s| s.display_name.clone()),
        });
        changes.push(change(side, theirs, meta));
    }
    let body = json!({
        "workspaceHead": git.head,
        "remoteCommitHash": head,
        "changes": changes,
    });
    Ok(json_answer(StatusCode::OK, &body))
}

async fn commit(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(workspace_id): Path<String>,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let selective =
        text(&request, "mode").is_some_and(|mode| mode.eq_ignore_ascii_case("Selective"));
    let chosen: Vec<&str> = request["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["objectId"].as_str().or(item["logicalId"].as_str()))
                .collect()
        })
        .unwrap_or_default();
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    let retry_after = fabric.settings.retry_after;
    let (workspace, git) = connected(fabric, &principal, &workspace_id, Role::Contributor)?;
    let snapshots: Vec<(String, String, Snapshot)> = workspace
        .items
        .iter()
        .map(|item| (item.id.clone(), item.logical_id.clone(), snapshot(item)))
        .collect();
    let head = remote_head(fabric, &git.remote);
    if head != git.head {
        return Err(FabricError::conflict(
            "WorkspaceNotSyncedWithRemote",
            "The remote branch has commits the workspace lacks: update from Git first.",
        ));
    }
    let synced = tree(fabric, &git.remote, git.head.as_deref());
    let mut items = synced.clone();
    let picked = |object_id: &str, logical_id: &str| {
        !selective
            || chosen.iter().any(|id| {
                crate::model::same_id(id, object_id) || crate::model::same_id(id, logical_id)
            })
    };
    for (object_id, logical_id, snapshot) in &snapshots {
        if picked(object_id, logical_id) {
            items.insert(logical_id.clone(), snapshot.clone());
        }
    }
    for logical_id in synced.keys() {
        let present = snapshots.iter().any(|(_, id, _)| id == logical_id);
        if !present && picked("", logical_id) {
            items.remove(logical_id);
        }
    }
    let hash = new_hash();
    fabric
        .remotes
        .entry(git.remote.clone())
        .or_default()
        .push(Commit {
            hash: hash.clone(),
            items,
        });
    if let Some(workspace) = fabric.workspace_mut(&workspace_id)
        && let Some(connection) = workspace.git.as_mut()
    {
        connection.head = Some(hash);
    }
    let operation = fabric.start_operation(None);
    Ok(accepted(&base, &operation, retry_after))
}

async fn update(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(workspace_id): Path<String>,
) -> Result<Response, FabricError> {
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    let retry_after = fabric.settings.retry_after;
    let (_, git) = connected(fabric, &principal, &workspace_id, Role::Contributor)?;
    let head = remote_head(fabric, &git.remote)
        .ok_or_else(|| FabricError::invalid("The remote branch has no commit to update from."))?;
    let synced = tree(fabric, &git.remote, git.head.as_deref());
    let remote = tree(fabric, &git.remote, Some(&head));
    let workspace = fabric
        .workspace_mut(&workspace_id)
        .ok_or_else(not_connected)?;
    workspace.items.retain(|item| {
        !synced.contains_key(&item.logical_id) || remote.contains_key(&item.logical_id)
    });
    for (logical_id, snapshot) in remote {
        match workspace
            .items
            .iter_mut()
            .find(|item| item.logical_id == logical_id)
        {
            Some(item) => {
                item.display_name = snapshot.display_name;
                item.definition = Some(snapshot.definition);
            }
            None => {
                let mut item = Item::new(&snapshot.item_type, &snapshot.display_name, "");
                item.logical_id = logical_id;
                item.definition = Some(snapshot.definition);
                workspace.items.push(item);
            }
        }
    }
    if let Some(connection) = workspace.git.as_mut() {
        connection.head = Some(head);
    }
    let operation = fabric.start_operation(None);
    Ok(accepted(&base, &operation, retry_after))
}
