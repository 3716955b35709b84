//! The Entra ID v2 token endpoint: one form POST, and its answers read as Entra writes them.

use std::time::Duration;

use serde::Deserialize;

use super::{AccessToken, Secret, TokenContext};
use crate::runtime::error::{AuthError, aadsts_hint};
use crate::runtime::{Error, Result};

/// A token endpoint request: `{authority}/{tenant}/oauth2/v2.0/token` with `form`.
pub(crate) async fn request_token(
    context: TokenContext<'_>,
    credential: &'static str,
    tenant: &str,
    form: &[(&str, &str)],
    basic_auth: Option<(&str, &Secret)>,
) -> Result<AccessToken> {
    let mut url = context.cloud.authority_host.clone();
    url.path_segments_mut()
        .map_err(|()| Error::Config("the authority host cannot be a base URL".to_owned()))?
        .pop_if_empty()
        .extend([tenant, "oauth2", "v2.0", "token"]);
    let mut request = context.http.post(url.clone()).form(form);
    if let Some((user, password)) = basic_auth {
        // RFC 6749 §2.3.1: both are form-encoded before the Basic scheme's base64.
        let encode =
            |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        request = request.basic_auth(encode(user), Some(encode(password.expose())));
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let response = request.send().await.map_err(|error| {
        if error.is_timeout() {
            Error::Auth(Box::new(auth_error(
                credential,
                None,
                None,
                Some(format!("no answer from {host}")),
            )))
        } else {
            Error::Auth(Box::new(auth_error(
                credential,
                None,
                None,
                Some(format!("could not reach {host}: {error}")),
            )))
        }
    })?;
    let status = response.status();
    let body = response.bytes().await.map_err(|error| {
        Error::Auth(Box::new(auth_error(
            credential,
            Some(status.as_u16()),
            None,
            Some(format!("reading the answer: {error}")),
        )))
    })?;
    if status.is_success() {
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|error| {
            Error::Auth(Box::new(auth_error(
                credential,
                Some(status.as_u16()),
                None,
                Some(format!("unexpected token response: {error}")),
            )))
        })?;
        return Ok(AccessToken {
            token: Secret::new(parsed.access_token),
            expires_in: Duration::from_secs(parsed.expires_in.0),
        });
    }
    let parsed: EntraError = serde_json::from_slice(&body).unwrap_or_default();
    let aadsts = parsed.error_codes.first().copied().or_else(|| {
        let description = parsed.error_description.as_deref()?;
        let digits: String = description
            .strip_prefix("AADSTS")?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    });
    Err(Error::Auth(Box::new(AuthError {
        credential,
        status: Some(status.as_u16()),
        error: parsed.error,
        aadsts,
        description: parsed
            .error_description
            .map(|text| text.lines().next().unwrap_or_default().trim().to_owned()),
        trace_id: parsed.trace_id,
        correlation_id: parsed.correlation_id,
        hint: aadsts.and_then(aadsts_hint),
    })))
}

pub(crate) fn auth_error(
    credential: &'static str,
    status: Option<u16>,
    error: Option<String>,
    description: Option<String>,
) -> AuthError {
    AuthError {
        credential,
        status,
        error,
        aadsts: None,
        description,
        trace_id: None,
        correlation_id: None,
        hint: None,
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Seconds,
}

/// `expires_in` is a number from the v2 endpoint and a numeric string from v1.
struct Seconds(u64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumberOrText {
            Number(u64),
            Text(String),
        }
        match NumberOrText::deserialize(deserializer)? {
            NumberOrText::Number(value) => Ok(Seconds(value)),
            NumberOrText::Text(text) => text.trim().parse().map(Seconds).map_err(|_| {
                serde::de::Error::custom(format!("expires_in '{text}' is not a number"))
            }),
        }
    }
}

#[derive(Deserialize, Default)]
struct EntraError {
    error: Option<String>,
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<u32>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
}
