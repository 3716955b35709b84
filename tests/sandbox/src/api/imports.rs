//! Imports: `POST .../imports` with a streamed `multipart/form-data` file (counted, never
//! held), the JSON body `{"fileUrl"}` of a temporary upload location, or the JSON body
//! `{"filePath", "connectionType"}` of an Excel workbook on OneDrive for Business (named after
//! the workbook, without `datasetDisplayName`; a .pbix path or a body without `filePath` is
//! refused with 400 `InvalidRequest`, as the service documents); `GET .../imports/{id}`
//! goes `Publishing` → `Succeeded` over the refresh duration; name conflicts per
//! `nameConflict` (`Abort` answers 409 when the name exists; `GenerateUniqueName` renames).
//!
//! The temporary upload location is a fake Azure Blob container on the same server
//! (`/blob/...`, a SAS-style query): `PUT ?comp=block&blockid=` stores a block's size,
//! `PUT ?comp=blocklist` commits; a request carrying a bearer token is refused (403), as the
//! SAS URL must be used alone.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::Router;
use axum::body::Body as HttpBody;
use axum::extract::{RawQuery, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::extract::{Params, host};
use super::in_both;
use crate::app::App;
use crate::auth::Caller;
use crate::clock;
use crate::config::BlobFailure;
use crate::wire::{ApiError, ApiResult};

#[derive(Debug, Clone)]
struct ImportJob {
    scope: String,
    name: String,
    source: Source,
    start: OffsetDateTime,
    end: OffsetDateTime,
}

/// What an import request carries.
#[derive(Debug, Clone)]
enum Source {
    /// A file's size: the multipart part, or the blob a `fileUrl` names.
    Upload(u64),
    /// A workbook on OneDrive for Business: its `filePath` and `connectionType`.
    OneDrive {
        file_path: String,
        connection_type: String,
    },
}

#[derive(Debug, Default)]
struct Store {
    imports: HashMap<String, ImportJob>,
    /// Block sizes by blob path, then block id.
    blocks: HashMap<String, HashMap<String, u64>>,
    /// Committed blob sizes by blob path.
    blobs: HashMap<String, u64>,
}

static STORE: Mutex<Option<Store>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut Store) -> T) -> T {
    let mut guard = STORE.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(Store::default))
}

pub(super) fn routes() -> Router<App> {
    let router = in_both(Router::new(), "/imports", post(post_import));
    let router = in_both(router, "/imports/{import_id}", get(get_import));
    let router = in_both(
        router,
        "/imports/createTemporaryUploadLocation",
        post(create_location),
    );
    router.route("/blob/{container}/{blob}", put(put_blob))
}

fn query_map(query: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

#[derive(Debug, Deserialize)]
struct GroupPath {
    group_id: Option<String>,
}

/// Counts a streamed body's bytes without keeping them; returns the count and the first
/// bytes (for the part headers).
async fn count(body: HttpBody) -> Result<(u64, Vec<u8>), ApiError> {
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    let mut head = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|error| ApiError::invalid(format!("The upload broke: {error}")))?;
        if head.len() < 4096 {
            let room = 4096 - head.len();
            head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        total += chunk.len() as u64;
    }
    Ok((total, head))
}

async fn post_import(
    State(app): State<App>,
    Caller(_principal): Caller,
    Params(path): Params<GroupPath>,
    RawQuery(query): RawQuery,
    request: Request,
) -> ApiResult {
    let query = query_map(query);
    let headers = request.headers().clone();
    let scope = format!("{}|{}", host(&headers), path.group_id.unwrap_or_default());
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let source = import_source(&content_type, request).await?;
    let display_name = match &source {
        // OneDrive imports take the workbook's name (`datasetDisplayName` is not supported).
        Source::OneDrive { file_path, .. } => file_name(file_path).to_owned(),
        Source::Upload(_) => query
            .get("datasetDisplayName")
            .cloned()
            .ok_or_else(|| ApiError::invalid("datasetDisplayName is required"))?,
    };
    let conflict = query
        .get("nameConflict")
        .map(String::as_str)
        .unwrap_or("Ignore");
    let now = clock::now();
    let id = Uuid::new_v4().to_string();
    let job = with(|store| {
        let exists = |name: &str| {
            store
                .imports
                .values()
                .any(|job| job.scope == scope && job.name == name)
        };
        let mut name = display_name.clone();
        if exists(&name) {
            match conflict {
                "Abort" => return Err(()),
                "GenerateUniqueName" => {
                    let mut counter = 1;
                    while exists(&name) {
                        name = format!("{display_name} ({counter})");
                        counter += 1;
                    }
                }
                _ => {}
            }
        }
        let job = ImportJob {
            scope: scope.clone(),
            name,
            source: source.clone(),
            start: now,
            end: clock::later(now, app.refresh_duration()),
        };
        store.imports.insert(id.clone(), job.clone());
        app.count_import_created();
        Ok(job)
    })
    .map_err(|()| ApiError::Coded {
        status: StatusCode::CONFLICT,
        code: "DuplicatePackageNotFoundError",
        message: format!("An item named {display_name} already exists"),
    })?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(import_body(&id, &job, now)),
    )
        .into_response())
}

/// What an import request carries: the file part of a multipart body (its size), the blob a
/// JSON body's `fileUrl` names (uploaded before through `PUT /blob/...`), or a JSON body's
/// OneDrive `filePath`.
async fn import_source(content_type: &str, request: Request) -> Result<Source, ApiError> {
    let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    else {
        let bytes = axum::body::to_bytes(request.into_body(), 64 * 1024)
            .await
            .map_err(|error| ApiError::invalid(error.to_string()))?;
        let body: Value = serde_json::from_slice(&bytes).map_err(|error| {
            ApiError::invalid(format!("The request body is not valid: {error}"))
        })?;
        return json_source(&body);
    };
    let boundary = boundary.trim_matches('"').to_owned();
    let (total, head) = count(request.into_body()).await?;
    let header_end = head
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| ApiError::invalid("The multipart body has no file part"))?
        + 4;
    let part_headers = String::from_utf8_lossy(&head[..header_end]).to_lowercase();
    if !part_headers.contains("filename=") {
        return Err(ApiError::invalid("The multipart part is not a file"));
    }
    let trailer = format!("\r\n--{boundary}--\r\n").len() as u64;
    Ok(Source::Upload(
        total.saturating_sub(header_end as u64 + trailer),
    ))
}

/// The JSON form (`ImportInfo`): `fileUrl` of a temporary upload location, or `filePath` of an
/// .xlsx workbook on OneDrive for Business with `connectionType` `import` (the default) or
/// `connect`.
fn json_source(body: &Value) -> Result<Source, ApiError> {
    if let Some(file_url) = body["fileUrl"].as_str() {
        let url = url::Url::parse(file_url).map_err(|_| ApiError::invalid("Bad fileUrl"))?;
        return with(|store| store.blobs.get(url.path()).copied())
            .map(Source::Upload)
            .ok_or_else(|| ApiError::invalid("Nothing was uploaded at fileUrl"));
    }
    let file_path = body["filePath"]
        .as_str()
        .filter(|path| !path.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "ImportInfo needs filePath (an .xlsx file on OneDrive for Business) or fileUrl",
            )
        })?;
    if file_name(file_path).to_lowercase().ends_with(".pbix") {
        return Err(ApiError::invalid(
            "Importing a Power BI .pbix file from OneDrive isn't supported",
        ));
    }
    let connection_type = match body.get("connectionType") {
        None | Some(Value::Null) => "import",
        Some(value) => match value.as_str() {
            Some(kind @ ("import" | "connect")) => kind,
            _ => {
                return Err(ApiError::invalid(format!(
                    "connectionType must be import or connect, found {value}"
                )));
            }
        },
    };
    Ok(Source::OneDrive {
        file_path: file_path.to_owned(),
        connection_type: connection_type.to_owned(),
    })
}

/// The last segment of a OneDrive path (`/Documents/Sales.xlsx` → `Sales.xlsx`).
fn file_name(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
}

fn import_body(id: &str, job: &ImportJob, now: OffsetDateTime) -> Value {
    let done = now >= job.end;
    let base = job
        .name
        .rsplit_once('.')
        .map_or(job.name.as_str(), |(base, _)| base);
    let mut body = json!({
        "id": id,
        "name": job.name,
        "importState": if done { "Succeeded" } else { "Publishing" },
        "createdDateTime": clock::power_bi(job.start),
        "updatedDateTime": clock::power_bi(now.min(job.end)),
    });
    match &job.source {
        Source::Upload(size) => body["fileSize"] = json!(size),
        Source::OneDrive {
            file_path,
            connection_type,
        } => {
            body["source"] = json!("OneDrive");
            body["filePath"] = json!(file_path);
            body["connectionType"] = json!(connection_type);
        }
    }
    if done {
        let number = Uuid::parse_str(id)
            .map(|id| id.as_u128())
            .unwrap_or_default();
        body["datasets"] = json!([{"id": Uuid::from_u128(number ^ 1).to_string(), "name": base}]);
        body["reports"] = json!([{"id": Uuid::from_u128(number ^ 2).to_string(), "name": base}]);
    }
    body
}

#[derive(Debug, Deserialize)]
struct ImportPath {
    #[allow(dead_code)]
    group_id: Option<String>,
    import_id: String,
}

async fn get_import(Caller(_principal): Caller, Params(path): Params<ImportPath>) -> ApiResult {
    let now = clock::now();
    let job = with(|store| store.imports.get(&path.import_id).cloned())
        .ok_or(ApiError::EntityNotFound)?;
    let mut response = axum::Json(import_body(&path.import_id, &job, now)).into_response();
    if now < job.end {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("0"));
    }
    Ok(response)
}

async fn create_location(Caller(_principal): Caller, headers: HeaderMap) -> ApiResult {
    let now = clock::now();
    let url = format!(
        "http://{}/blob/pbix/{}.pbix?sv=2020-10-02&sr=b&sp=cw&sig=sandbox",
        host(&headers),
        Uuid::new_v4()
    );
    Ok(axum::Json(json!({
        "Url": url,
        "ExpirationTime": clock::power_bi(now + time::Duration::hours(1)),
    }))
    .into_response())
}

async fn put_blob(
    State(app): State<App>,
    RawQuery(query): RawQuery,
    request: Request,
) -> axum::response::Response {
    let failure = app.lock().blob_failure;
    match failure {
        Some(BlobFailure::EchoUrl(status)) => {
            let url = format!("http://{}{}", host(request.headers()), request.uri());
            return (
                StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
                format!(
                    "<Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate {url}</Message></Error>"
                ),
            )
                .into_response();
        }
        Some(BlobFailure::Hang) => {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        None => {}
    }
    if request.headers().contains_key(AUTHORIZATION) {
        return (
            StatusCode::FORBIDDEN,
            "<Error><Code>AuthenticationFailed</Code><Message>Use the SAS alone</Message></Error>",
        )
            .into_response();
    }
    let query = query_map(query);
    if query.get("sig").map(String::as_str) != Some("sandbox") {
        return (
            StatusCode::FORBIDDEN,
            "<Error><Code>AuthenticationFailed</Code></Error>",
        )
            .into_response();
    }
    let blob = request.uri().path().to_owned();
    match query.get("comp").map(String::as_str) {
        Some("block") => put_block(blob, query.get("blockid").cloned(), request).await,
        Some("blocklist") => put_block_list(blob, request).await,
        _ => (StatusCode::BAD_REQUEST, "only block uploads are supported").into_response(),
    }
}

/// `PUT ...?comp=block&blockid=...`: stages one block (only its size is kept).
async fn put_block(
    blob: String,
    block_id: Option<String>,
    request: Request,
) -> axum::response::Response {
    let Some(block_id) = block_id else {
        return (StatusCode::BAD_REQUEST, "missing blockid").into_response();
    };
    let Ok((size, _)) = count(request.into_body()).await else {
        return (StatusCode::BAD_REQUEST, "broken body").into_response();
    };
    with(|store| {
        store.blocks.entry(blob).or_default().insert(block_id, size);
    });
    StatusCode::CREATED.into_response()
}

/// `PUT ...?comp=blocklist`: commits the staged blocks the list names (`<Latest>` ids).
async fn put_block_list(blob: String, request: Request) -> axum::response::Response {
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), 1024 * 1024).await else {
        return (StatusCode::BAD_REQUEST, "broken body").into_response();
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let ids: Vec<&str> = text
        .split("<Latest>")
        .skip(1)
        .filter_map(|rest| rest.split("</Latest>").next())
        .collect();
    let committed = with(|store| {
        let blocks = store.blocks.get(&blob)?;
        let mut total = 0;
        for id in &ids {
            total += blocks.get(*id)?;
        }
        store.blobs.insert(blob.clone(), total);
        Some(total)
    });
    match committed {
        Some(_) => StatusCode::CREATED.into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            "<Error><Code>InvalidBlockList</Code></Error>",
        )
            .into_response(),
    }
}
