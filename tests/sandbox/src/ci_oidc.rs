//! The OIDC token endpoints of two CI systems, as a workflow reaches them: GitHub Actions'
//! (`ACTIONS_ID_TOKEN_REQUEST_URL`, a GET with `audience`) and Azure Pipelines'
//! (`SYSTEM_OIDCREQUESTURI`, a POST with `serviceConnectionId`). Each wants the job's own bearer
//! token and answers a federated token (issuer, subject, audience, expiry; unsigned, as the
//! sandbox's Entra checks those claims only) that the Entra endpoint accepts once
//! `Sandbox::add_federated_credential` registers its issuer and subject.

use axum::Json;
use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::bearer_token;
use crate::clock;
use crate::demo::{
    AZURE_PIPELINES_ACCESS_TOKEN, AZURE_PIPELINES_ISSUER, GITHUB_ACTIONS_ISSUER,
    GITHUB_ACTIONS_REQUEST_TOKEN, GITHUB_ACTIONS_SUBJECT,
};

/// Where GitHub Actions' token endpoint is served (`ACTIONS_ID_TOKEN_REQUEST_URL` points here).
pub const GITHUB_ACTIONS_OIDC_PATH: &str = "/_ci/github/idtoken";
/// Where Azure Pipelines' token endpoint is served (`SYSTEM_OIDCREQUESTURI` points here).
pub const AZURE_PIPELINES_OIDC_PATH: &str = "/_ci/azure-pipelines/oidctoken";

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route(GITHUB_ACTIONS_OIDC_PATH, get(github_actions))
        .route(AZURE_PIPELINES_OIDC_PATH, post(azure_pipelines))
}

#[derive(Deserialize)]
struct GithubQuery {
    audience: Option<String>,
}

async fn github_actions(
    headers: HeaderMap,
    Query(query): Query<GithubQuery>,
) -> Result<Json<Value>, StatusCode> {
    bearer(&headers, GITHUB_ACTIONS_REQUEST_TOKEN)?;
    let audience = query
        .audience
        .unwrap_or_else(|| "https://github.com/contoso".to_owned());
    let token = federated_token(GITHUB_ACTIONS_ISSUER, GITHUB_ACTIONS_SUBJECT, &audience);
    Ok(Json(json!({ "count": token.len(), "value": token })))
}

#[derive(Deserialize)]
struct PipelinesQuery {
    #[serde(rename = "serviceConnectionId")]
    service_connection_id: Option<String>,
}

async fn azure_pipelines(
    headers: HeaderMap,
    Query(query): Query<PipelinesQuery>,
) -> Result<Json<Value>, StatusCode> {
    bearer(&headers, AZURE_PIPELINES_ACCESS_TOKEN)?;
    let connection = query.service_connection_id.ok_or(StatusCode::BAD_REQUEST)?;
    let subject = format!("sc://contoso/reports/{connection}");
    let token = federated_token(
        AZURE_PIPELINES_ISSUER,
        &subject,
        "api://AzureADTokenExchange",
    );
    Ok(Json(json!({ "oidcToken": token })))
}

/// The job's own token, as both systems want it: `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap, expected: &str) -> Result<(), StatusCode> {
    let presented = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token);
    if presented == Some(expected) {
        Ok(())
    } else {
        Err(StatusCode::UNAUTHORIZED)
    }
}

/// A federated token of ten minutes.
fn federated_token(issuer: &str, subject: &str, audience: &str) -> String {
    let now = clock::now().unix_timestamp();
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "sandbox-ci"});
    let claims = json!({
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now.saturating_add(600),
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode("sandbox-ci-signature")
    )
}
