//! Managed identity endpoints: App Service / Functions (`IDENTITY_ENDPOINT` with the
//! `X-IDENTITY-HEADER` secret) and the VM instance metadata service (`Metadata: true`).
//!
//! The system-assigned identity is the demo service principal; a user-assigned identity is
//! any service principal of the directory, chosen by `client_id`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{admit_token_request, issue, token_headers, with_raw_lifetime};
use crate::app::App;
use crate::demo;
use crate::directory::ServicePrincipal;
use crate::principal::Principal;
use crate::tokens::Audience;

/// The App Service identity endpoint's path (`IDENTITY_ENDPOINT`).
pub(super) const APP_SERVICE_PATH: &str = "/msi/token";
/// The metadata service's token path.
pub(super) const IMDS_PATH: &str = "/metadata/identity/oauth2/token";
/// The `IDENTITY_HEADER` secret App Service gives the process.
pub(crate) const IDENTITY_HEADER: &str = "msi~Header+/=%Secret.5";

fn refuse(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// The identity a request names: system-assigned (the demo service principal) or `client_id`.
fn identity(app: &App, params: &HashMap<String, String>) -> Option<&'static ServicePrincipal> {
    let directory = app.directory();
    match params.get("client_id").filter(|id| !id.is_empty()) {
        None => directory.find_service_principal(demo::SP_CLIENT_ID),
        Some(client_id) => directory.find_service_principal(client_id),
    }
}

/// Checks the query both endpoints share, answering their error bodies.
fn check_query(
    app: &App,
    params: &HashMap<String, String>,
) -> Result<(&'static ServicePrincipal, Audience), (StatusCode, Value)> {
    let invalid = |text: &str| {
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_request", "error_description": text}),
        )
    };
    if params.get("api-version").is_none_or(String::is_empty) {
        return Err(invalid("Required query variable 'api-version' is missing"));
    }
    let resource = params
        .get("resource")
        .map(|resource| resource.trim_end_matches('/'))
        .filter(|resource| !resource.is_empty())
        .ok_or_else(|| invalid("Required query variable 'resource' is missing"))?;
    let Some(audience) = Audience::of_resource(resource) else {
        return Err((
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_resource", "error_description": format!("AADSTS500011: The resource principal named {resource} was not found in the tenant.")}),
        ));
    };
    identity(app, params)
        .map(|sp| (sp, audience))
        .ok_or_else(|| invalid("Identity not found"))
}

/// Issues a token for `sp` and answers in the managed identity shape (numbers as strings).
fn answer(
    app: &App,
    (sp, audience): (&'static ServicePrincipal, Audience),
    with_expires_in: bool,
) -> Response {
    let granted = issue(app, Principal::App(sp), false, audience);
    app.count_token_issued();
    let expires_on = granted
        .issued_at
        .saturating_add_unsigned(granted.lifetime_seconds);
    let mut body = json!({
        "access_token": granted.access_token,
        "expires_on": expires_on.to_string(),
        "resource": audience.resource(),
        "token_type": "Bearer",
        "client_id": sp.client_id,
    });
    if with_expires_in {
        body["expires_in"] = json!(granted.lifetime_seconds.to_string());
        body["ext_expires_in"] = json!(granted.lifetime_seconds.to_string());
        body["not_before"] = json!(granted.issued_at.to_string());
        body["refresh_token"] = json!("");
    }
    let raw = granted.raw_lifetime.clone();
    let body = with_raw_lifetime(body, raw.as_ref());
    (token_headers(Uuid::new_v4()), body).into_response()
}

/// `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...` with `X-IDENTITY-HEADER`.
pub(super) async fn app_service(
    State(app): State<App>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(failure) = admit_token_request(&app).await {
        return failure;
    }
    let presented = headers
        .get("x-identity-header")
        .and_then(|value| value.to_str().ok());
    if presented != Some(IDENTITY_HEADER) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            json!({"statusCode": 401, "message": "Unauthorized: the X-IDENTITY-HEADER value is missing or wrong."}),
        );
    }
    match check_query(&app, &params) {
        Ok(sp) => answer(&app, sp, false),
        Err((status, body)) => refuse(status, body),
    }
}

/// `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...` with `Metadata: true`.
pub(super) async fn imds(
    State(app): State<App>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(failure) = admit_token_request(&app).await {
        return failure;
    }
    let metadata = headers
        .get("metadata")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    if !metadata {
        return refuse(
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_request", "error_description": "Required metadata header not specified"}),
        );
    }
    match check_query(&app, &params) {
        Ok(sp) => answer(&app, sp, true),
        Err((status, body)) => refuse(status, body),
    }
}
