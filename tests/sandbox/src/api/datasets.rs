//! Datasets: listing, parameters, datasources, take-over and DAX queries (refreshes are in
//! `refreshes.rs`).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::extract::{Body, Links, Params};
use super::{IN_GROUP, in_both};
use crate::app::App;
use crate::auth::{Caller, Need, WorkspaceRef, open_workspace};
use crate::clock;
use crate::model::{Dataset, Workspace};
use crate::scopes::{DATASET_READ, DATASET_WRITE};
use crate::wire::{self, ApiError, ApiResult};

/// The dataset routes, in both the My-workspace and the group variant
/// (`Default.TakeOver` exists only in the group variant, as in the service).
pub(super) fn routes() -> Router<App> {
    let router = Router::new().route(
        &format!("{IN_GROUP}/datasets/{{dataset_id}}/Default.TakeOver"),
        post(take_over),
    );
    let router = in_both(router, "/datasets", get(list_datasets));
    let router = in_both(
        router,
        "/datasets/{dataset_id}",
        get(get_dataset).delete(delete_dataset),
    );
    let router = in_both(router, "/datasets/{dataset_id}/parameters", get(parameters));
    let router = in_both(
        router,
        "/datasets/{dataset_id}/datasources",
        get(datasources),
    );
    in_both(
        router,
        "/datasets/{dataset_id}/executeQueries",
        post(execute_queries),
    )
}

#[derive(Deserialize)]
struct WorkspacePath {
    group_id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct DatasetPath {
    pub(super) group_id: Option<String>,
    pub(super) dataset_id: String,
}

/// Placeholder for list properties the sandbox always sends empty.
const NONE: &[Value] = &[];

/// Wire shape of a Dataset (camelCase, as the service sends it).
#[derive(Serialize)]
struct DatasetBody<'a> {
    #[serde(rename = "id")]
    id: &'a str,
    #[serde(rename = "name")]
    name: &'a str,
    #[serde(rename = "description", skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "webUrl")]
    web_url: String,
    #[serde(rename = "addRowsAPIEnabled")]
    add_rows_api_enabled: bool,
    #[serde(rename = "configuredBy")]
    configured_by: &'a str,
    #[serde(rename = "isRefreshable")]
    is_refreshable: bool,
    #[serde(rename = "isEffectiveIdentityRequired")]
    is_effective_identity_required: bool,
    #[serde(rename = "isEffectiveIdentityRolesRequired")]
    is_effective_identity_roles_required: bool,
    #[serde(rename = "isOnPremGatewayRequired")]
    is_on_prem_gateway_required: bool,
    #[serde(rename = "targetStorageMode")]
    target_storage_mode: &'a str,
    #[serde(rename = "createdDate")]
    created_date: String,
    #[serde(rename = "createReportEmbedURL")]
    create_report_embed_url: String,
    #[serde(rename = "qnaEmbedURL")]
    qna_embed_url: String,
    #[serde(rename = "upstreamDatasets")]
    upstream_datasets: &'static [Value],
    #[serde(rename = "users")]
    users: &'static [Value],
}

impl<'a> DatasetBody<'a> {
    fn of(workspace: &Workspace, dataset: &'a Dataset) -> Self {
        let group = workspace.embed_group_param();
        DatasetBody {
            id: &dataset.id,
            name: &dataset.name,
            description: dataset.description.as_deref(),
            web_url: format!(
                "https://app.powerbi.com/{}/datasets/{}",
                workspace.web_segment(),
                dataset.id
            ),
            add_rows_api_enabled: false,
            configured_by: &dataset.configured_by,
            is_refreshable: dataset.is_refreshable,
            is_effective_identity_required: dataset.is_effective_identity_required,
            is_effective_identity_roles_required: dataset.is_effective_identity_roles_required,
            is_on_prem_gateway_required: dataset.is_on_prem_gateway_required,
            target_storage_mode: &dataset.target_storage_mode,
            created_date: clock::power_bi(dataset.created),
            create_report_embed_url: format!(
                "https://app.powerbi.com/reportEmbed?datasetId={}{group}",
                dataset.id
            ),
            qna_embed_url: format!(
                "https://app.powerbi.com/qnaEmbed?datasetId={}{group}",
                dataset.id
            ),
            upstream_datasets: NONE,
            users: NONE,
        }
    }
}

/// Body of `POST .../executeQueries` (DatasetExecuteQueriesRequest).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExecuteQueriesRequest {
    #[serde(rename = "queries")]
    queries: Option<Vec<QueryRequest>>,
    #[serde(rename = "serializerSettings")]
    serializer_settings: Option<SerializerSettings>,
    #[serde(rename = "impersonatedUserName")]
    _impersonated_user_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryRequest {
    #[serde(rename = "query")]
    query: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SerializerSettings {
    #[serde(rename = "includeNulls")]
    include_nulls: Option<bool>,
}

/// `GET .../datasets`.
async fn list_datasets(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<WorkspacePath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, DATASET_READ, Need::Read)?;
    let datasets: Vec<_> = workspace
        .datasets
        .iter()
        .map(|dataset| DatasetBody::of(workspace, dataset))
        .collect();
    Ok(wire::list(&links.context(workspace, "datasets"), &datasets))
}

/// `GET .../datasets/{datasetId}`.
async fn get_dataset(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<DatasetPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, DATASET_READ, Need::Read)?;
    let dataset = workspace
        .dataset(&path.dataset_id)
        .ok_or(ApiError::EntityNotFound)?;
    Ok(wire::entity(
        &links.context(workspace, "datasets/$entity"),
        &DatasetBody::of(workspace, dataset),
    ))
}

/// `DELETE .../datasets/{datasetId}`, together with the reports bound to it.
async fn delete_dataset(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<DatasetPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        DATASET_WRITE,
        Need::Write,
    )?;
    let dataset_id = workspace
        .dataset(&path.dataset_id)
        .ok_or(ApiError::EntityNotFound)?
        .id
        .clone();
    workspace
        .datasets
        .retain(|dataset| dataset.id != dataset_id);
    workspace
        .reports
        .retain(|report| report.dataset_id != dataset_id);
    Ok(wire::empty_ok())
}

/// `GET .../datasets/{datasetId}/parameters`.
async fn parameters(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<DatasetPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, DATASET_READ, Need::Read)?;
    let dataset = workspace
        .dataset(&path.dataset_id)
        .ok_or(ApiError::EntityNotFound)?;
    let parameters: Vec<Value> = dataset
        .parameters
        .iter()
        .map(|parameter| {
            let mut body = json!({
                "name": parameter.name,
                "type": parameter.kind,
                "isRequired": parameter.is_required,
                "currentValue": parameter.current_value,
            });
            if let Some(suggested) = &parameter.suggested_values {
                body["suggestedValues"] = json!(suggested);
            }
            body
        })
        .collect();
    Ok(wire::list(
        &links.context(workspace, "parameters"),
        &parameters,
    ))
}

/// `GET .../datasets/{datasetId}/datasources`.
async fn datasources(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<DatasetPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(&mut state, &principal, &addressed, DATASET_READ, Need::Read)?;
    let dataset = workspace
        .dataset(&path.dataset_id)
        .ok_or(ApiError::EntityNotFound)?;
    let sources: Vec<Value> = dataset
        .datasources
        .iter()
        .map(|source| {
            json!({
                "datasourceType": source.datasource_type,
                "connectionDetails": {"server": source.server, "database": source.database},
                "datasourceId": source.datasource_id,
                "gatewayId": source.gateway_id,
            })
        })
        .collect();
    Ok(wire::list(
        &links.context(workspace, "datasources"),
        &sources,
    ))
}

/// `POST /groups/{groupId}/datasets/{datasetId}/Default.TakeOver`: the caller becomes the owner.
async fn take_over(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<DatasetPath>,
) -> ApiResult {
    let mut state = app.lock();
    let addressed = WorkspaceRef::from_group(path.group_id);
    let workspace = open_workspace(
        &mut state,
        &principal,
        &addressed,
        DATASET_WRITE,
        Need::Write,
    )?;
    let dataset = workspace
        .dataset_mut(&path.dataset_id)
        .ok_or(ApiError::EntityNotFound)?;
    dataset.configured_by = principal.owner_name().to_owned();
    Ok(wire::empty_ok())
}

/// `POST .../datasets/{datasetId}/executeQueries`: one DAX query; any query
/// starting with `EVALUATE` (or `DEFINE`) returns the dataset's seeded rows, else a small
/// fixed table.
async fn execute_queries(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<DatasetPath>,
    Body(request): Body<ExecuteQueriesRequest>,
) -> ApiResult<Response> {
    let seeded_rows = {
        let mut state = app.lock();
        let addressed = WorkspaceRef::from_group(path.group_id);
        let workspace =
            open_workspace(&mut state, &principal, &addressed, DATASET_READ, Need::Read)?;
        workspace
            .dataset(&path.dataset_id)
            .ok_or(ApiError::EntityNotFound)?
            .query_rows
            .clone()
    };
    let query = match request.queries.as_deref() {
        None | Some([]) => return Err(ApiError::invalid("The request must contain one query")),
        Some([only]) => only.query.as_deref().unwrap_or_default(),
        Some(_) => {
            return Err(ApiError::invalid(
                "The request contains more than one query; only one query per request is supported",
            ));
        }
    };
    let first_word = query.split_whitespace().next().unwrap_or_default();
    if !["EVALUATE", "DEFINE"]
        .iter()
        .any(|keyword| first_word.eq_ignore_ascii_case(keyword))
    {
        return Err(ApiError::DaxQuery(format!(
            "Query (1, 1) The syntax for '{first_word}' is incorrect."
        )));
    }
    let include_nulls = request
        .serializer_settings
        .and_then(|settings| settings.include_nulls)
        .unwrap_or(false);
    // Rows a test seeded (`DatasetSeed::query_rows`), else the sample table the Arrow answer of
    // executeDaxQueries is built from too.
    if let Some(rows) = seeded_rows {
        let rows: Vec<Map<String, Value>> = rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .filter(|(_, value)| include_nulls || !value.is_null())
                    .collect()
            })
            .collect();
        return Ok(wire::plain(
            &json!({"results": [{"tables": [{"rows": rows}]}]}),
        ));
    }
    Ok(wire::plain(&super::dax::json_answer(include_nulls)))
}
