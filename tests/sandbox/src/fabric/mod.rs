//! The fake Microsoft Fabric REST API under `/v1`, on the same server as Power BI.
//!
//! Stateful: workspaces, their role assignments and folders, items with definitions,
//! long-running operations, job instances, Git integration and capacities. Every other
//! operation of Microsoft's description answers with its example (`examples.rs`). Bearers are
//! tokens this sandbox issued for Fabric's audience or Power BI's (the service accepts both);
//! errors have Fabric's shape (`error.rs`).

mod error;
mod examples;
mod git;
mod items;
mod jobs;
mod operations;
mod workspaces;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, HOST, HeaderValue, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any};
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::bearer_token;
use crate::clock;
use crate::faults;
use crate::principal::Principal;
use crate::tokens::{Audience, Lookup};

use self::error::FabricError;

/// Every Fabric route, with fault injection and the `RequestId` header.
pub(crate) fn router(app: &App) -> Router<App> {
    Router::new()
        .merge(workspaces::routes())
        .merge(items::routes())
        .merge(jobs::routes())
        .merge(operations::routes())
        .merge(git::routes())
        .route("/v1/{*rest}", any(examples::serve))
        .route("/v1", any(examples::serve))
        .layer(middleware::from_fn_with_state(
            app.faults().clone(),
            faults::inject,
        ))
        .layer(middleware::map_response(error::add_request_id))
}

/// A stateful route whose other methods fall back to Microsoft's examples (or 404/405).
fn route(handlers: MethodRouter<App>) -> MethodRouter<App> {
    handlers.fallback(examples::serve)
}

/// The authenticated caller of a Fabric route.
#[derive(Debug)]
pub(crate) struct Caller(pub(crate) Principal);

impl FromRequestParts<App> for Caller {
    type Rejection = FabricError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, FabricError> {
        authenticate(&parts.headers, app).map(Caller)
    }
}

/// The principal of a bearer issued for Fabric's audience or Power BI's; 401 otherwise.
pub(crate) fn authenticate(headers: &HeaderMap, app: &App) -> Result<Principal, FabricError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .ok_or_else(|| {
            FabricError::unauthorized("Unauthorized", "The request carries no bearer token.")
        })?;
    let state = app.lock();
    let principal = match state.tokens.lookup(token, clock::now()) {
        Lookup::Valid(principal) => principal,
        Lookup::Expired => {
            return Err(FabricError::unauthorized(
                "TokenExpired",
                "Access token has expired, resubmit with a new access token",
            ));
        }
        Lookup::Unknown => {
            return Err(FabricError::unauthorized(
                "InvalidToken",
                "Access token is invalid",
            ));
        }
    };
    match state.tokens.audience(token) {
        Some(Audience::Fabric | Audience::PowerBi) => Ok(principal),
        Some(other) => Err(FabricError::unauthorized(
            "InvalidToken",
            format!(
                "The access token was issued for {}, not for {}.",
                other.resource(),
                crate::demo::FABRIC_RESOURCE
            ),
        )),
        None => Err(FabricError::unauthorized(
            "InvalidToken",
            "Access token is invalid",
        )),
    }
}

/// `scheme://host:port` of the request (its `Host`), for links.
pub(crate) fn base_url(headers: &HeaderMap, app: &App) -> String {
    let configured = app.base_url();
    let scheme = configured.split("://").next().unwrap_or("http");
    headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .filter(|host| !host.is_empty())
        .map_or_else(
            || configured.to_owned(),
            |host| format!("{scheme}://{host}"),
        )
}

pub(crate) use crate::fabric_store::now_text;

/// A page of `entries`: `continuationToken` (an offset) and `continuationUri` when more follow.
///
/// `query` is the request's query; the continuation URI repeats it with the new token.
pub(crate) fn page(
    entries: Vec<Value>,
    page_size: usize,
    query: Option<&str>,
    base: &str,
    path: &str,
) -> Result<Value, FabricError> {
    let pairs: Vec<(String, String)> = query
        .map(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let start = match pairs.iter().find(|(key, _)| key == "continuationToken") {
        None => 0,
        Some((_, token)) => token
            .parse::<usize>()
            .ok()
            .filter(|offset| *offset <= entries.len())
            .ok_or_else(|| FabricError::invalid("The continuation token is not valid."))?,
    };
    let size = page_size.max(1);
    let end = start.saturating_add(size).min(entries.len());
    let value: Vec<Value> = entries[start..end].to_vec();
    let mut body = json!({"value": value});
    if end < entries.len() {
        let token = end.to_string();
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs.iter().filter(|(key, _)| key != "continuationToken") {
            serializer.append_pair(key, value);
        }
        serializer.append_pair("continuationToken", &token);
        body["continuationToken"] = json!(token);
        body["continuationUri"] = json!(format!("{base}{path}?{}", serializer.finish()));
    }
    Ok(body)
}

/// `202 Accepted` for a long-running operation: `Location`, `x-ms-operation-id`, `Retry-After`.
pub(crate) fn accepted(base: &str, operation_id: &str, retry_after: u64) -> Response {
    let location = format!("{base}/v1/operations/{operation_id}");
    accepted_at(&location, Some(operation_id), retry_after)
}

/// `202 Accepted` pointing at `location`.
pub(crate) fn accepted_at(
    location: &str,
    operation_id: Option<&str>,
    retry_after: u64,
) -> Response {
    let mut response = StatusCode::ACCEPTED.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    if let Some(id) = operation_id
        && let Ok(value) = HeaderValue::from_str(id)
    {
        headers.insert(HeaderName::from_static("x-ms-operation-id"), value);
    }
    headers.insert(
        HeaderName::from_static("retry-after"),
        HeaderValue::from(retry_after),
    );
    response
}

/// A JSON answer with this status.
pub(crate) fn json_answer(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// Parses a JSON request body (400 `InvalidInput` when it is not JSON).
pub(crate) fn parse_body(body: &[u8]) -> Result<Value, FabricError> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|error| {
        FabricError::invalid(format!("The request body is not valid JSON: {error}"))
    })
}

/// A string field of a request body.
pub(crate) fn text<'v>(body: &'v Value, field: &str) -> Option<&'v str> {
    body.get(field).and_then(Value::as_str)
}
