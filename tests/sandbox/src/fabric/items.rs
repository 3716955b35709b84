//! Items of a workspace and their definitions: create (with a definition, a long-running
//! operation whose result is the item), list by type, get, update, delete, get definition and
//! update definition (both long-running; `updateMetadata=true` takes the display name and
//! description from the definition's `.platform`). Definitions are kept byte for byte.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::workspaces::open;
use super::{Caller, FabricError, accepted, base_url, json_answer, page, parse_body, route, text};
use crate::app::App;
use crate::fabric_store::{Definition, Item, Role};
use crate::model::same_id;

/// Item kinds with routes of their own (`/v1/workspaces/{id}/semanticModels`, ...), served by
/// the same handlers as `/items`, limited to their type: (path segment, item type).
const KINDS: &[(&str, &str)] = &[
    ("semanticModels", "SemanticModel"),
    ("reports", "Report"),
    ("notebooks", "Notebook"),
    ("dataPipelines", "DataPipeline"),
    ("lakehouses", "Lakehouse"),
    ("warehouses", "Warehouse"),
    ("paginatedReports", "PaginatedReport"),
];

/// `K` indexes [`KINDS`]; any other value is the generic `/items` routes.
const ITEMS: usize = usize::MAX;

/// The largest request body the item routes read (definitions with binary parts are large).
const MAX_BODY: usize = 256 * 1024 * 1024;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .merge(kind_routes::<ITEMS>())
        .merge(kind_routes::<0>())
        .merge(kind_routes::<1>())
        .merge(kind_routes::<2>())
        .merge(kind_routes::<3>())
        .merge(kind_routes::<4>())
        .merge(kind_routes::<5>())
        .merge(kind_routes::<6>())
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

fn kind_routes<const K: usize>() -> Router<App> {
    let segment = KINDS.get(K).map_or("items", |(segment, _)| segment);
    let base = format!("/v1/workspaces/{{workspace_id}}/{segment}");
    Router::new()
        .route(&base, route(get(list::<K>).post(create::<K>)))
        .route(
            &format!("{base}/{{item_id}}"),
            route(get(get_one::<K>).patch(update::<K>).delete(delete::<K>)),
        )
        .route(
            &format!("{base}/{{item_id}}/getDefinition"),
            route(post(get_definition::<K>)),
        )
        .route(
            &format!("{base}/{{item_id}}/updateDefinition"),
            route(post(update_definition::<K>)),
        )
}

/// The item type routes of kind `K` are limited to.
fn kind_type<const K: usize>() -> Option<&'static str> {
    KINDS.get(K).map(|(_, kind)| *kind)
}

/// The item `item_id` of `workspace`, when it is of the route's kind.
fn find<'w, const K: usize>(
    workspace: &'w mut crate::fabric_store::Workspace,
    item_id: &str,
) -> Result<&'w mut Item, FabricError> {
    workspace
        .item_mut(item_id)
        .filter(|item| kind_type::<K>().is_none_or(|kind| item.item_type == kind))
        .ok_or_else(|| item_not_found(item_id))
}

fn item_not_found(item_id: &str) -> FabricError {
    FabricError::not_found("ItemNotFound", "The requested item was not found.")
        .about(item_id, "Item")
}

/// The definition of a request body, checked: every part has a path, a payload and
/// `payloadType: InlineBase64`.
fn definition_of(request: &Value) -> Result<Option<Definition>, FabricError> {
    let Some(definition) = request.get("definition").filter(|value| !value.is_null()) else {
        return Ok(None);
    };
    let definition: Definition = serde_json::from_value(definition.clone()).map_err(|error| {
        FabricError::invalid(format!("The item definition is not valid: {error}"))
    })?;
    if let Some(part) = definition
        .parts
        .iter()
        .find(|part| part.payload_type != "InlineBase64")
    {
        return Err(FabricError::invalid(format!(
            "The part '{}' has payloadType '{}'; only InlineBase64 is supported.",
            part.path, part.payload_type
        )));
    }
    Ok(Some(definition))
}

async fn list<const K: usize>(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(workspace_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, FabricError> {
    let wanted: Option<String> = kind_type::<K>().map(str::to_owned).or_else(|| {
        let query = query.as_deref()?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "type")
            .map(|(_, value)| value.into_owned())
    });
    let segment = KINDS.get(K).map_or("items", |(segment, _)| segment);
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let size = state.fabric.settings.page_size;
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Viewer)?;
    let entries = workspace
        .items
        .iter()
        .filter(|item| {
            wanted
                .as_deref()
                .is_none_or(|kind| item.item_type.eq_ignore_ascii_case(kind))
        })
        .map(|item| item.to_json(&workspace.id))
        .collect();
    let path = format!("/v1/workspaces/{}/{segment}", workspace.id);
    let body = page(entries, size, query.as_deref(), &base, &path)?;
    Ok(json_answer(StatusCode::OK, &body))
}

async fn create<const K: usize>(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path(workspace_id): Path<String>,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let name = text(&request, "displayName")
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| FabricError::invalid("The displayName field is required."))?;
    let kind = kind_type::<K>()
        .or_else(|| text(&request, "type"))
        .filter(|kind| !kind.trim().is_empty())
        .ok_or_else(|| FabricError::invalid("The type field is required."))?;
    let definition = definition_of(&request)?;
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    let retry_after = fabric.settings.retry_after;
    let workspace = open(fabric, &principal, &workspace_id, Role::Contributor)?;
    let taken = workspace.items.iter().any(|item| {
        item.item_type.eq_ignore_ascii_case(kind) && item.display_name.eq_ignore_ascii_case(name)
    });
    if taken {
        return Err(FabricError::conflict(
            "ItemDisplayNameAlreadyInUse",
            format!("Requested '{name}' is already in use"),
        ));
    }
    let mut item = Item::new(
        kind,
        name,
        text(&request, "description").unwrap_or_default(),
    );
    item.folder_id = text(&request, "folderId").map(str::to_owned);
    let with_definition = definition.is_some();
    item.definition = definition;
    let answer = item.to_json(&workspace.id);
    workspace.items.push(item);
    if !with_definition {
        return Ok(json_answer(StatusCode::CREATED, &answer));
    }
    let operation = fabric.start_operation(Some(answer));
    Ok(accepted(&base, &operation, retry_after))
}

async fn get_one<const K: usize>(
    State(app): State<App>,
    Caller(principal): Caller,
    Path((workspace_id, item_id)): Path<(String, String)>,
) -> Result<Response, FabricError> {
    let mut state = app.lock();
    let workspace = open(&mut state.fabric, &principal, &workspace_id, Role::Viewer)?;
    let workspace_id = workspace.id.clone();
    let item = find::<K>(workspace, &item_id)?;
    Ok(json_answer(StatusCode::OK, &item.to_json(&workspace_id)))
}

async fn update<const K: usize>(
    State(app): State<App>,
    Caller(principal): Caller,
    Path((workspace_id, item_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let mut state = app.lock();
    let workspace = open(
        &mut state.fabric,
        &principal,
        &workspace_id,
        Role::Contributor,
    )?;
    let workspace_id = workspace.id.clone();
    let item = find::<K>(workspace, &item_id)?;
    if let Some(name) = text(&request, "displayName") {
        item.display_name = name.to_owned();
    }
    if let Some(description) = text(&request, "description") {
        item.description = description.to_owned();
    }
    Ok(json_answer(StatusCode::OK, &item.to_json(&workspace_id)))
}

async fn delete<const K: usize>(
    State(app): State<App>,
    Caller(principal): Caller,
    Path((workspace_id, item_id)): Path<(String, String)>,
) -> Result<StatusCode, FabricError> {
    let mut state = app.lock();
    let workspace = open(
        &mut state.fabric,
        &principal,
        &workspace_id,
        Role::Contributor,
    )?;
    let id = find::<K>(workspace, &item_id)?.id.clone();
    workspace.items.retain(|item| !same_id(&item.id, &id));
    Ok(StatusCode::OK)
}

async fn get_definition<const K: usize>(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path((workspace_id, item_id)): Path<(String, String)>,
) -> Result<Response, FabricError> {
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    let retry_after = fabric.settings.retry_after;
    let workspace = open(fabric, &principal, &workspace_id, Role::Contributor)?;
    let item = find::<K>(workspace, &item_id)?;
    let result = json!({"definition": item.answered_definition()});
    let operation = fabric.start_operation(Some(result));
    Ok(accepted(&base, &operation, retry_after))
}

async fn update_definition<const K: usize>(
    State(app): State<App>,
    Caller(principal): Caller,
    headers: HeaderMap,
    Path((workspace_id, item_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, FabricError> {
    let request = parse_body(&body)?;
    let definition = definition_of(&request)?
        .ok_or_else(|| FabricError::invalid("The definition field is required."))?;
    let update_metadata = url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .any(|(key, value)| key == "updateMetadata" && value.eq_ignore_ascii_case("true"));
    let metadata = if update_metadata {
        platform_metadata(&definition)?
    } else {
        None
    };
    let base = base_url(&headers, &app);
    let mut state = app.lock();
    let fabric = &mut state.fabric;
    let retry_after = fabric.settings.retry_after;
    let workspace = open(fabric, &principal, &workspace_id, Role::Contributor)?;
    let item = find::<K>(workspace, &item_id)?;
    item.definition = Some(definition);
    if let Some((name, description)) = metadata {
        item.display_name = name;
        if let Some(description) = description {
            item.description = description;
        }
    }
    let operation = fabric.start_operation(None);
    Ok(accepted(&base, &operation, retry_after))
}

/// The display name and description in a definition's `.platform` (`metadata`), for
/// `updateMetadata=true`; `None` without a `.platform` part.
fn platform_metadata(
    definition: &Definition,
) -> Result<Option<(String, Option<String>)>, FabricError> {
    use base64::Engine as _;
    let Some(part) = definition
        .parts
        .iter()
        .find(|part| part.path == ".platform")
    else {
        return Ok(None);
    };
    let platform: Value = base64::engine::general_purpose::STANDARD
        .decode(&part.payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| FabricError::invalid("The .platform part is not valid JSON in base64."))?;
    let metadata = &platform["metadata"];
    let name = text(metadata, "displayName")
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| FabricError::invalid("The .platform part has no metadata.displayName."))?;
    Ok(Some((
        name.to_owned(),
        text(metadata, "description").map(str::to_owned),
    )))
}
