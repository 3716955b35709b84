//! The fake Microsoft Entra ID v2.0 token endpoint:
//! `POST /{tenant}/oauth2/v2.0/token` with the client-credentials and password grants.

mod error;
mod request;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue, PRAGMA};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;
use uuid::Uuid;

use self::error::{EntraError, MS_REQUEST_ID};
use self::request::TokenRequest;
use crate::app::App;
use crate::directory::{self, Client, Tenant};
use crate::tokens::Principal;
use crate::wire::guid_header;
use crate::{clock, demo, scopes};

/// Shortest and longest random token lifetime, in seconds (Entra's 60 to 90 minutes).
const LIFETIME_SECONDS: std::ops::RangeInclusive<u64> = 3600..=5400;

/// The client's correlation id header, echoed back by Entra.
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// Name the directory reports itself by in error texts.
const TENANT_NAME: &str = "Contoso";

/// The token endpoint route.
pub(crate) fn routes() -> Router<App> {
    Router::new().route(
        "/{tenant}/oauth2/v2.0/token",
        post(token).fallback(only_post),
    )
}

/// A successful grant, ready to be sent.
struct Granted {
    access_token: String,
    lifetime_seconds: u64,
    /// Granted delegated scopes as full URIs; `None` for app-only tokens.
    scope: Option<String>,
}

async fn token(
    State(app): State<App>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    app.count_token_request();
    let delay = app.token_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let trace_id = Uuid::new_v4();
    let correlation_id = headers
        .get(CLIENT_REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Uuid::parse_str(value).ok())
        .unwrap_or_else(Uuid::new_v4);
    match grant(&app, &tenant, &headers, &body) {
        Ok(granted) => {
            app.count_token_issued();
            granted.respond(trace_id)
        }
        Err(error) => error.respond(trace_id, correlation_id),
    }
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

fn grant(
    app: &App,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Granted, EntraError> {
    let tenant = directory::resolve_tenant(tenant_segment);
    if tenant == Tenant::Unknown {
        return Err(EntraError::invalid_request(
            90_002,
            format!(
                "Tenant '{tenant_segment}' not found. Check to make sure you have the correct tenant ID and are \
                 signing into the correct cloud. Check with your subscription administrator, this may happen if \
                 there are no active subscriptions for the tenant."
            ),
        ));
    }
    let request = TokenRequest::parse(headers, body)?;
    if request.get("resource").is_some() {
        return Err(EntraError::invalid_request(
            901_002,
            "The 'resource' request parameter is not supported.",
        ));
    }
    let principal = match request.require("grant_type")? {
        "client_credentials" => client_credentials(tenant, &request)?,
        "password" => password(tenant, &request)?,
        other => {
            return Err(EntraError::unsupported_grant_type(
                70_003,
                format!("The app requested an unsupported grant type '{other}'."),
            ));
        }
    };
    Ok(issue(app, principal))
}

/// Finds the client named by the request (AADSTS700016 when unknown).
fn client(request: &TokenRequest) -> Result<Client, EntraError> {
    let client_id = request.client_id()?;
    directory::find_client(client_id).ok_or_else(|| {
        EntraError::unauthorized_client(
            700_016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{TENANT_NAME}'. This \
                 can happen if the application has not been installed by the administrator of the tenant or \
                 consented to by any user in the tenant. You may have sent your authentication request to the \
                 wrong tenant."
            ),
        )
    })
}

/// Checks the secret of a confidential client, or that a public client sent none.
fn authenticate_client(client: Client, request: &TokenRequest) -> Result<(), EntraError> {
    match client {
        Client::Public(_) if request.presents_client_credential() => {
            Err(EntraError::invalid_client(
                700_025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            ))
        }
        Client::Public(_) => Ok(()),
        Client::Confidential(sp) => match request.client_secret() {
            None => Err(EntraError::invalid_client(
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )),
            Some(secret) if secret == sp.secret => Ok(()),
            Some(_) => Err(EntraError::invalid_client(
                7_000_215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client \
                     secret value, not the client secret ID, for a secret added to app '{}'.",
                    sp.client_id
                ),
            )),
        },
    }
}

fn client_credentials(tenant: Tenant, request: &TokenRequest) -> Result<Principal, EntraError> {
    let client = client(request)?;
    if tenant != Tenant::Home {
        return Err(EntraError::invalid_request(
            50_194,
            format!(
                "Application '{}'({}) is not configured as a multi-tenant application. Usage of the /common \
                 endpoint is not supported for such applications created after '10/15/2018'. Use a \
                 tenant-specific endpoint or configure the application to be multi-tenant.",
                client.client_id(),
                client.display_name()
            ),
        ));
    }
    authenticate_client(client, request)?;
    let Client::Confidential(sp) = client else {
        // A public client has no credential to prove itself with.
        return Err(EntraError::invalid_client(
            7_000_218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    let scope = request.require("scope")?.trim();
    if !scope.eq_ignore_ascii_case(demo::POWER_BI_DEFAULT_SCOPE) {
        return Err(match scope.strip_suffix("/.default") {
            Some(resource) => EntraError::invalid_resource(
                500_011,
                format!(
                    "The resource principal named {resource} was not found in the tenant named {TENANT_NAME}. \
                     This can happen if the application has not been installed by the administrator of the \
                     tenant or consented to by any user in the tenant. You might have sent your authentication \
                     request to the wrong tenant."
                ),
            ),
            None => EntraError::invalid_scope(
                1_002_012,
                format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a \
                     scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            ),
        });
    }
    Ok(Principal::App(sp))
}

fn password(tenant: Tenant, request: &TokenRequest) -> Result<Principal, EntraError> {
    if tenant == Tenant::CommonOrConsumers {
        return Err(EntraError::invalid_request(
            9_001_023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the \
             /organizations or tenant-specific endpoint.",
        ));
    }
    let client = client(request)?;
    authenticate_client(client, request)?;
    let username = request.require("username")?;
    let password = request.require("password")?;
    let scope = request.require("scope")?;
    let user = directory::find_user(username)
        .filter(|user| user.password == Some(password))
        .ok_or_else(|| {
            EntraError::invalid_grant(
                50_126,
                "Error validating credentials due to invalid username or password.",
            )
        })?;
    let scopes = delegated_scopes(scope, client)?;
    Ok(Principal::User {
        user,
        client,
        scopes,
    })
}

/// Resolves a v2 `scope` parameter to the Power BI scopes a delegated token gets:
/// `.../.default` means every consented scope, named scopes must each be consented.
fn delegated_scopes(scope: &str, client: Client) -> Result<Vec<&'static str>, EntraError> {
    let invalid = |detail: String| {
        EntraError::invalid_scope(
            70_011,
            format!("The provided value for the input parameter 'scope' is not valid. {detail}"),
        )
    };
    let prefix = format!("{}/", demo::POWER_BI_RESOURCE);
    let mut wants_default = false;
    let mut named = Vec::new();
    for item in scope.split_whitespace() {
        if scopes::OIDC
            .iter()
            .any(|oidc| oidc.eq_ignore_ascii_case(item))
        {
            continue;
        }
        let name = item
            .get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(&prefix))
            .map(|_| &item[prefix.len()..])
            .ok_or_else(|| invalid(format!("The scope {item} is not valid.")))?;
        if name.eq_ignore_ascii_case(".default") {
            wants_default = true;
        } else {
            named.push(
                scopes::canonical(name)
                    .ok_or_else(|| invalid(format!("The scope {item} is not valid.")))?,
            );
        }
    }
    let consented = client.consented_scopes();
    match (wants_default, named.is_empty()) {
        (true, true) => Ok(consented.to_vec()),
        (true, false) => Err(invalid(
            "The scope '.default' cannot be combined with other scopes of the same resource."
                .into(),
        )),
        (false, true) => Err(invalid(format!(
            "The scope {scope} does not name any scope of {}.",
            demo::POWER_BI_RESOURCE
        ))),
        (false, false) => {
            if named.iter().any(|name| !consented.contains(name)) {
                return Err(EntraError::invalid_grant(
                    65_001,
                    format!(
                        "The user or administrator has not consented to use the application with ID '{}' named \
                         '{}'. Send an interactive authorization request for this user and resource.",
                        client.client_id(),
                        client.display_name()
                    ),
                ));
            }
            Ok(scopes::ALL
                .iter()
                .copied()
                .filter(|known| named.contains(known))
                .collect())
        }
    }
}

/// Mints and records a token for `principal`.
fn issue(app: &App, principal: Principal) -> Granted {
    let lifetime_seconds = app
        .token_lifetime()
        .map_or_else(random_lifetime, |fixed| fixed.as_secs());
    let scope = match &principal {
        Principal::App(_) => None,
        Principal::User { scopes, .. } => Some(
            scopes
                .iter()
                .map(|name| format!("{}/{name}", demo::POWER_BI_RESOURCE))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    };
    let issued_at = clock::now();
    let expires_at = clock::later(issued_at, std::time::Duration::from_secs(lifetime_seconds));
    let access_token = app.lock().tokens.issue(principal, issued_at, expires_at);
    Granted {
        access_token,
        lifetime_seconds,
        scope,
    }
}

/// A lifetime drawn uniformly from [`LIFETIME_SECONDS`].
fn random_lifetime() -> u64 {
    let span = u128::from(LIFETIME_SECONDS.end() - LIFETIME_SECONDS.start() + 1);
    let offset = Uuid::new_v4().as_u128() % span;
    LIFETIME_SECONDS.start() + u64::try_from(offset).expect("offset is below the span")
}

impl Granted {
    fn respond(self, trace_id: Uuid) -> Response {
        let mut body = json!({
            "token_type": "Bearer",
            "expires_in": self.lifetime_seconds,
            "ext_expires_in": self.lifetime_seconds,
            "access_token": self.access_token,
        });
        if let Some(scope) = self.scope {
            body["scope"] = json!(scope);
        }
        (
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
            ],
            body.to_string(),
        )
            .into_response()
    }
}
