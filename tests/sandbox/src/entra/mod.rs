//! The fake Microsoft Entra ID: the v2.0 token endpoint (`POST /{tenant}/oauth2/v2.0/token`),
//! the v1 endpoint (`POST /{tenant}/oauth2/token`, with `resource`, answering numbers as strings
//! and `expires_on`), the device code endpoint, user realm discovery, and the managed identity
//! endpoints of App Service and of the VM metadata service.
//!
//! Grants: client credentials (secret in the form or HTTP Basic, certificate assertion,
//! federated assertion), password, device code, refresh token.

mod assertion;
mod control;
mod device;
mod error;
mod grants;
mod managed;
mod request;

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue, PRAGMA};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use uuid::Uuid;

use self::error::{EntraError, MS_REQUEST_ID};
use self::request::TokenRequest;
use crate::app::App;
use crate::clock;
use crate::config::{RawLifetime, TokenFailure};
use crate::directory::{self, Tenant};
use crate::principal::Principal;
use crate::tokens::Audience;
use crate::wire::guid_header;

/// Shortest and longest random token lifetime, in seconds (Entra's 60 to 90 minutes).
const LIFETIME_SECONDS: std::ops::RangeInclusive<u64> = 3600..=5400;

/// The client's correlation id header, echoed back by Entra.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// Name the directory reports itself by in error texts.
const TENANT_NAME: &str = "Contoso";

/// The assertion type of certificate and federated client assertions.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The Entra ID and managed identity routes.
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(token_v2).fallback(only_post),
        )
        .route("/{tenant}/oauth2/token", post(token_v1).fallback(only_post))
        .route(
            "/{tenant}/oauth2/token/",
            post(token_v1).fallback(only_post),
        )
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(device::device_code).fallback(only_post),
        )
        .route("/common/userrealm/{user}", get(user_realm))
        .route(managed::APP_SERVICE_PATH, get(managed::app_service))
        .route(managed::IMDS_PATH, get(managed::imds))
}

/// Which token endpoint a request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    /// `/oauth2/v2.0/token`: `scope`, numbers.
    V2,
    /// `/oauth2/token`: `resource`, numbers as strings, `expires_on`.
    V1,
}

/// A successful grant, ready to be sent.
struct Granted {
    access_token: String,
    refresh_token: Option<String>,
    lifetime_seconds: u64,
    issued_at: i64,
    /// Granted delegated scopes as full URIs; `None` for app-only tokens.
    scope: Option<String>,
    /// Lifetime fields to write instead of the truth.
    raw_lifetime: Option<RawLifetime>,
    /// The service the token is for.
    audience: Audience,
}

/// What one token request needs besides its form.
struct GrantContext<'a> {
    app: &'a App,
    tenant: Tenant,
    tenant_segment: &'a str,
    /// The requested scope (v2) or the resource's `/.default` (v1).
    scope: Option<String>,
}

async fn token_v2(
    State(app): State<App>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(app, tenant, headers, body, Version::V2).await
}

async fn token_v1(
    State(app): State<App>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(app, tenant, headers, body, Version::V1).await
}

async fn token(
    app: App,
    tenant: String,
    headers: HeaderMap,
    body: Bytes,
    version: Version,
) -> Response {
    if let Some(failure) = admit_token_request(&app).await {
        return failure;
    }
    let trace_id = Uuid::new_v4();
    let correlation_id = headers
        .get(CLIENT_REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
        .unwrap_or_else(Uuid::new_v4);
    match grant(&app, &tenant, &headers, &body, version) {
        Ok(granted) => {
            app.count_token_issued();
            granted.respond(trace_id, version)
        }
        Err(error) => error.respond(trace_id, correlation_id),
    }
}

/// What every token request goes through first: it is counted, answered with the injected
/// failure if one is pending, and otherwise held for the configured token delay.
async fn admit_token_request(app: &App) -> Option<Response> {
    app.count_token_request();
    if let Some(failure) = injected_failure(app).await {
        return Some(failure);
    }
    let delay = app.token_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    None
}

/// The next injected failure's answer (after an hour for a hang), if one is queued.
async fn injected_failure(app: &App) -> Option<Response> {
    let failure = app.lock().tokens.sign_in.take_failure()?;
    if failure == TokenFailure::Hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    Some(EntraError::server_error().respond(Uuid::new_v4(), Uuid::new_v4()))
}

/// Entra answers any method but POST with AADSTS900561.
async fn only_post(State(app): State<App>, method: Method) -> Response {
    app.count_token_request();
    EntraError::invalid_request(
        900_561,
        format!("The endpoint only accepts POST, OPTIONS requests. Received a {method} request."),
    )
    .respond(Uuid::new_v4(), Uuid::new_v4())
}

/// `GET /common/userrealm/{user}`: whether the user's domain is managed or federated.
async fn user_realm(Path(user): Path<String>) -> Response {
    let (kind, domain) = directory::realm_of(&user);
    let mut body = json!({
        "ver": "1.0",
        "account_type": kind,
        "domain_name": domain,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    });
    if kind == "Federated" {
        body["federation_protocol"] = json!("WSTrust");
        body["federation_active_auth_url"] = json!(format!(
            "https://sts.{domain}/adfs/services/trust/2005/usernamemixed"
        ));
        body["federation_metadata_url"] =
            json!(format!("https://sts.{domain}/adfs/services/trust/mex"));
    }
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// AADSTS90002 for a tenant segment that names no tenant.
fn tenant_not_found(tenant_segment: &str) -> EntraError {
    EntraError::invalid_request(
        90_002,
        format!(
            "Tenant '{tenant_segment}' not found. Check to make sure you have the correct tenant ID and are \
             signing into the correct cloud. Check with your subscription administrator, this may happen if \
             there are no active subscriptions for the tenant."
        ),
    )
}

fn grant(
    app: &App,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &[u8],
    version: Version,
) -> Result<Granted, EntraError> {
    let tenant = directory::resolve_tenant(tenant_segment);
    if tenant == Tenant::Unknown {
        return Err(tenant_not_found(tenant_segment));
    }
    let request = TokenRequest::parse(headers, body)?;
    let scope = match version {
        Version::V2 => {
            if request.get("resource").is_some() {
                return Err(EntraError::invalid_request(
                    901_002,
                    "The 'resource' request parameter is not supported.",
                ));
            }
            request.get("scope").map(str::to_owned)
        }
        Version::V1 => {
            let resource = request.require("resource")?.trim_end_matches('/');
            let Some(audience) = Audience::of_resource(resource) else {
                return Err(EntraError::invalid_resource(
                    500_011,
                    format!(
                        "The resource principal named {resource} was not found in the tenant named {TENANT_NAME}."
                    ),
                ));
            };
            Some(format!("{}/.default", audience.resource()))
        }
    };
    let context = GrantContext {
        app,
        tenant,
        tenant_segment,
        scope,
    };
    let (principal, refresh) = match request.require("grant_type")? {
        "client_credentials" => (grants::client_credentials(&context, &request)?, false),
        "password" => {
            let principal = grants::password(&context, &request)?;
            (
                principal,
                version == Version::V1 || context.wants_offline_access(),
            )
        }
        device::GRANT => device::poll(&context, &request)?,
        "refresh_token" => (grants::refresh(&context, &request)?, true),
        other => {
            return Err(EntraError::unsupported_grant_type(
                70_003,
                format!("The app requested an unsupported grant type '{other}'."),
            ));
        }
    };
    let audience = context
        .scope
        .as_deref()
        .and_then(Audience::of_scope)
        .unwrap_or(Audience::PowerBi);
    Ok(issue(app, principal, refresh, audience))
}

impl GrantContext<'_> {
    /// The scope parameter, required.
    fn require_scope(&self) -> Result<&str, EntraError> {
        self.scope
            .as_deref()
            .ok_or_else(|| EntraError::missing("scope"))
    }

    /// Whether the scope asks for a refresh token.
    fn wants_offline_access(&self) -> bool {
        self.scope.as_deref().is_some_and(|scope| {
            scope
                .split_whitespace()
                .any(|item| item.eq_ignore_ascii_case("offline_access"))
        })
    }
}

/// Mints and records a token for `principal`, with a refresh token when asked.
fn issue(app: &App, principal: Principal, with_refresh_token: bool, audience: Audience) -> Granted {
    let (lifetime, raw_lifetime) = {
        let state = app.lock();
        (
            state.tokens.sign_in.lifetime,
            state.tokens.sign_in.raw_lifetime.clone(),
        )
    };
    let lifetime_seconds = lifetime
        .or_else(|| app.token_lifetime())
        .map_or_else(random_lifetime, |fixed| fixed.as_secs());
    let scope = match &principal {
        Principal::App(_) => None,
        Principal::User { scopes, .. } => Some(
            scopes
                .iter()
                .map(|name| format!("{}/{name}", audience.resource()))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    };
    let issued_at = clock::now();
    let expires_at = clock::later(issued_at, Duration::from_secs(lifetime_seconds));
    let mut state = app.lock();
    let refresh_token = (with_refresh_token && !principal.is_app()).then(|| {
        let token = format!("1.AXsbx{}", random_text());
        state
            .tokens
            .sign_in
            .refresh_tokens
            .insert(token.clone(), principal.clone());
        state.tokens.sign_in.handed_out.push(token.clone());
        token
    });
    let access_token = state
        .tokens
        .issue(principal, audience, issued_at, expires_at);
    Granted {
        access_token,
        refresh_token,
        lifetime_seconds,
        issued_at: issued_at.unix_timestamp(),
        scope,
        raw_lifetime,
        audience,
    }
}

/// 43 random base64url characters (refresh tokens, device codes).
fn random_text() -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = [Uuid::new_v4(), Uuid::new_v4()]
        .iter()
        .flat_map(|random| random.into_bytes())
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A lifetime drawn uniformly from [`LIFETIME_SECONDS`].
fn random_lifetime() -> u64 {
    let span = u128::from(LIFETIME_SECONDS.end() - LIFETIME_SECONDS.start() + 1);
    let offset = Uuid::new_v4().as_u128() % span;
    LIFETIME_SECONDS.start() + u64::try_from(offset).expect("offset is below the span")
}

/// The headers every token endpoint answer carries, tokens and errors alike.
fn token_headers(trace_id: Uuid) -> [(HeaderName, HeaderValue); 4] {
    [
        (
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        ),
        (
            CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        ),
        (PRAGMA, HeaderValue::from_static("no-cache")),
        (MS_REQUEST_ID, guid_header(trace_id)),
    ]
}

impl Granted {
    fn respond(self, trace_id: Uuid, version: Version) -> Response {
        let expires_on = self
            .issued_at
            .saturating_add_unsigned(self.lifetime_seconds);
        let mut body = match version {
            Version::V2 => json!({
                "token_type": "Bearer",
                "expires_in": self.lifetime_seconds,
                "ext_expires_in": self.lifetime_seconds,
                "access_token": self.access_token,
            }),
            // v1 writes every number as a string, and adds expires_on, not_before and resource.
            Version::V1 => json!({
                "token_type": "Bearer",
                "expires_in": self.lifetime_seconds.to_string(),
                "ext_expires_in": self.lifetime_seconds.to_string(),
                "expires_on": expires_on.to_string(),
                "not_before": self.issued_at.to_string(),
                "resource": self.audience.resource(),
                "access_token": self.access_token,
            }),
        };
        if let Some(scope) = self.scope {
            body["scope"] = json!(scope);
        }
        if let Some(refresh_token) = self.refresh_token {
            body["refresh_token"] = json!(refresh_token);
        }
        let body = with_raw_lifetime(body, self.raw_lifetime.as_ref());
        (token_headers(trace_id), body).into_response()
    }
}

/// `body` as JSON text, its lifetime fields replaced by `raw`'s texts when given (JSON text,
/// since `1e400` or `18446744073709551616` have no exact `serde_json::Value`).
fn with_raw_lifetime(mut body: serde_json::Value, raw: Option<&RawLifetime>) -> String {
    let Some(raw) = raw else {
        return body.to_string();
    };
    let mut fields = Vec::new();
    if let Some(map) = body.as_object_mut() {
        for name in ["expires_in", "ext_expires_in", "expires_on"] {
            map.remove(name);
        }
    }
    if let Some(text) = &raw.expires_in {
        fields.push(format!(r#""expires_in":{text},"ext_expires_in":{text}"#));
    }
    if let Some(text) = &raw.expires_on {
        fields.push(format!(r#""expires_on":{text}"#));
    }
    let rest = body.to_string();
    let rest = rest.strip_prefix('{').unwrap_or(&rest);
    if fields.is_empty() {
        return format!("{{{rest}");
    }
    let separator = if rest == "}" { "" } else { "," };
    format!("{{{}{separator}{rest}", fields.join(","))
}
