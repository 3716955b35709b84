//! The device code flow: `POST /{tenant}/oauth2/v2.0/devicecode` hands out a code, and the
//! token endpoint's polls answer as the test's [`DeviceCodeFlow`](crate::DeviceCodeFlow) says.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use uuid::Uuid;

use super::error::EntraError;
use super::grants::{client, delegated_scopes};
use super::request::TokenRequest;
use super::{GrantContext, injected_failure, random_text, tenant_not_found, token_headers};
use crate::app::App;
use crate::config::DeviceCodeOutcome;
use crate::directory::{self, Client, Tenant};
use crate::principal::Principal;
use crate::sign_in::PendingDevice;

/// The grant type of device code polls.
pub(super) const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Where users enter the code.
const VERIFICATION_URI: &str = "https://microsoft.com/devicelogin";

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(super) async fn device_code(
    State(app): State<App>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    app.count_token_request();
    if let Some(failure) = injected_failure(&app).await {
        return failure;
    }
    let trace_id = Uuid::new_v4();
    match start(&app, &tenant, &headers, &body) {
        Ok(answer) => (token_headers(trace_id), answer.to_string()).into_response(),
        Err(error) => error.respond(trace_id, Uuid::new_v4()),
    }
}

fn start(
    app: &App,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<serde_json::Value, EntraError> {
    if directory::resolve_tenant(tenant_segment) == Tenant::Unknown {
        return Err(tenant_not_found(tenant_segment));
    }
    let request = TokenRequest::parse(headers, body)?;
    let client = client(app, &request)?;
    if let Client::Confidential(_) = client {
        return Err(EntraError::invalid_client(
            7_000_218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    }
    let scope = request.require("scope")?;
    let scopes = delegated_scopes(scope, client)?;
    let wants_refresh = scope
        .split_whitespace()
        .any(|item| item.eq_ignore_ascii_case("offline_access"));
    let device_code = format!("DAQABAAEAAAD{}", random_text());
    let user_code: String = Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(9)
        .collect::<String>()
        .to_ascii_uppercase();
    let mut state = app.lock();
    let flow = state.tokens.sign_in.device_flow.clone();
    let answer = json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": VERIFICATION_URI,
        "expires_in": flow.expires_in,
        "interval": flow.interval,
        "message": format!(
            "To sign in, use a web browser to open the page {VERIFICATION_URI} and enter the code {user_code} to authenticate."
        ),
    });
    state.tokens.sign_in.handed_out.push(device_code.clone());
    state.tokens.sign_in.devices.insert(
        device_code,
        PendingDevice {
            client_id: client.client_id().to_owned(),
            scopes,
            polls: 0,
            flow,
            wants_refresh,
        },
    );
    Ok(answer)
}

/// A poll of the token endpoint with a device code: the principal once approved, and
/// whether a refresh token was asked for.
pub(super) fn poll(
    context: &GrantContext<'_>,
    request: &TokenRequest,
) -> Result<(Principal, bool), EntraError> {
    let client = client(context.app, request)?;
    let code = request.require("device_code")?;
    let mut state = context.app.lock();
    let devices = &mut state.tokens.sign_in.devices;
    let bad_code = || {
        EntraError::oauth(
            "bad_verification_code",
            70_019,
            "The device_code sent to the token endpoint was not recognized.",
        )
    };
    let device = devices
        .get_mut(code)
        .filter(|device| device.client_id.eq_ignore_ascii_case(client.client_id()))
        .ok_or_else(bad_code)?;
    device.polls += 1;
    let poll = device.polls;
    if device.flow.slow_down_on.contains(&poll) {
        return Err(EntraError::oauth(
            "slow_down",
            70_016,
            "The client is polling too quickly and should back off.",
        ));
    }
    if poll <= device.flow.pending_polls {
        return Err(EntraError::oauth(
            "authorization_pending",
            70_016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ));
    }
    let device = devices
        .remove(code)
        .unwrap_or_else(|| unreachable!("the device was found above"));
    match device.flow.outcome {
        DeviceCodeOutcome::Approve => {
            let user = context
                .app
                .directory()
                .find_user(&device.flow.user)
                .ok_or_else(bad_code)?;
            Ok((
                Principal::User {
                    user,
                    client,
                    scopes: device.scopes,
                },
                device.wants_refresh,
            ))
        }
        DeviceCodeOutcome::Decline => Err(EntraError::oauth(
            "authorization_declined",
            70_000,
            "The end user denied the authorization request.",
        )),
        DeviceCodeOutcome::Expire => Err(EntraError::oauth(
            "expired_token",
            70_020,
            "The provided value for the input parameter 'device_code' is not valid. Device codes expire after 15 minutes.",
        )),
        DeviceCodeOutcome::BadCode => Err(bad_code()),
    }
}
