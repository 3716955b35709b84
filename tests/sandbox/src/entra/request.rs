//! Reading a token request: the form body and optional HTTP Basic client credentials.

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;

use super::error::EntraError;

/// The parameters of one token request.
#[derive(Debug)]
pub(super) struct TokenRequest {
    form: Vec<(String, String)>,
    basic: Option<(String, String)>,
}

impl TokenRequest {
    /// Reads the form body (ignored unless sent as `application/x-www-form-urlencoded`,
    /// as Entra does) and the Basic credentials of RFC 6749 section 2.3.1.
    pub(super) fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, EntraError> {
        let is_form = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| {
                mime.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        let form = if is_form {
            url::form_urlencoded::parse(body).into_owned().collect()
        } else {
            Vec::new()
        };
        let basic = match headers.get(AUTHORIZATION) {
            Some(value) => Some(basic_credentials(value.to_str().ok())?),
            None => None,
        };
        Ok(TokenRequest { form, basic })
    }

    /// A form parameter; an empty value counts as absent.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// A form parameter that must be present (AADSTS900144 otherwise).
    pub(super) fn require(&self, name: &str) -> Result<&str, EntraError> {
        self.get(name).ok_or_else(|| EntraError::missing(name))
    }

    /// The client id, from Basic credentials or the form (AADSTS900144 when neither has one).
    pub(super) fn client_id(&self) -> Result<&str, EntraError> {
        match (&self.basic, self.get("client_id")) {
            (Some((basic_id, _)), Some(form_id)) if basic_id != form_id => {
                Err(EntraError::invalid_request(
                    900_023,
                    "The client_id in the Authorization header does not match the client_id in the request body.",
                ))
            }
            (Some((basic_id, _)), _) => Ok(basic_id),
            (None, Some(form_id)) => Ok(form_id),
            (None, None) => Err(EntraError::missing("client_id")),
        }
    }

    /// The client secret, from Basic credentials or the form.
    pub(super) fn client_secret(&self) -> Option<&str> {
        match &self.basic {
            Some((_, secret)) => Some(secret.as_str()),
            None => self.get("client_secret"),
        }
    }

    /// Whether a client assertion or secret was presented at all.
    pub(super) fn presents_client_credential(&self) -> bool {
        self.client_secret().is_some() || self.get("client_assertion").is_some()
    }
}

/// Decodes `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(value: Option<&str>) -> Result<(String, String), EntraError> {
    let malformed = || {
        EntraError::invalid_request(
            900_023,
            "The Authorization header does not hold valid Basic client credentials.",
        )
    };
    let encoded = value
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Basic"))
        .map(|(_, encoded)| encoded.trim())
        .ok_or_else(malformed)?;
    let decoded = STANDARD.decode(encoded).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    Ok((form_decode(id), form_decode(secret)))
}

/// `application/x-www-form-urlencoded` decoding of one component (`+` is a space).
fn form_decode(component: &str) -> String {
    percent_decode_str(&component.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}
