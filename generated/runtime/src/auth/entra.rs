//! The Entra ID token endpoints (v2 `oauth2/v2.0/token`, v1 `oauth2/token`, the device code
//! endpoint) and the token answers of every source, read as they are written: numbers from v2,
//! numeric strings and `expires_on` from v1, managed identity and the Azure CLI.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use url::Url;

use super::{AccessToken, MAX_TOKEN_LIFETIME, Secret, TokenContext};
use crate::body::{BodyError, TOKEN_BODY_BYTES, read_limited};
use crate::error::{AuthError, aadsts_hint, cause_chain};
use crate::fields::field;
use crate::telemetry;
use crate::{Cloud, Error, Result};

/// Which Entra ID token endpoint a credential talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Endpoint {
    /// `/{tenant}/oauth2/v2.0/token` with `scope`.
    #[default]
    V2,
    /// `/{tenant}/oauth2/token` with `resource` (the older ADAL endpoint SimplePBI uses).
    V1,
}

/// `{authority}/{tenant}/{path...}`.
pub(crate) fn authority_url(cloud: &Cloud, tenant: &str, path: &[&str]) -> Result<Url> {
    let mut url = cloud.authority_host.clone();
    url.path_segments_mut()
        .map_err(|()| Error::Config("the authority host cannot be a base URL".to_owned()))?
        .pop_if_empty()
        .push(tenant)
        .extend(path);
    Ok(url)
}

/// The token endpoint URL for `tenant`.
pub(crate) fn token_url(cloud: &Cloud, tenant: &str, endpoint: Endpoint) -> Result<Url> {
    match endpoint {
        Endpoint::V2 => authority_url(cloud, tenant, &["oauth2", "v2.0", "token"]),
        Endpoint::V1 => authority_url(cloud, tenant, &["oauth2", "token"]),
    }
}

/// What a token endpoint granted.
pub(crate) struct Granted {
    pub(crate) token: AccessToken,
    pub(crate) refresh_token: Option<Secret>,
}

/// A v2 token request: `{authority}/{tenant}/oauth2/v2.0/token` with `form`.
pub(crate) async fn request_token(
    context: TokenContext<'_>,
    credential: &'static str,
    tenant: &str,
    form: &[(&str, &str)],
    basic_auth: Option<(&str, &Secret)>,
) -> Result<AccessToken> {
    let url = token_url(context.cloud, tenant, Endpoint::V2)?;
    post_token(context, credential, url, form, basic_auth)
        .await
        .map(|granted| granted.token)
}

/// The type Entra ID expects in `client_assertion_type` for a JWT assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The client-credentials grant (v2) with a JWT as `client_assertion`: a federated token
/// (workload identity, CI OIDC) or any assertion Entra ID accepts for the app.
pub(crate) async fn assertion_grant(
    context: TokenContext<'_>,
    credential: &'static str,
    tenant: &str,
    client_id: &str,
    assertion: &str,
) -> Result<AccessToken> {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("scope", context.scope),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion),
    ];
    request_token(context, credential, tenant, &form, None).await
}

/// Adds the scope (v2) or the resource (v1) to a form.
pub(crate) fn scope_field<'a>(
    endpoint: Endpoint,
    context: &TokenContext<'a>,
) -> (&'static str, &'a str) {
    match endpoint {
        Endpoint::V2 => ("scope", context.scope),
        Endpoint::V1 => ("resource", context.resource()),
    }
}

/// POSTs `form` to a token endpoint and reads the answer.
pub(crate) async fn post_token(
    context: TokenContext<'_>,
    credential: &'static str,
    url: Url,
    form: &[(&str, &str)],
    basic_auth: Option<(&str, &Secret)>,
) -> Result<Granted> {
    let mut request = context.http.post(url.clone()).form(form);
    if let Some((user, password)) = basic_auth {
        // RFC 6749 §2.3.1: both are form-encoded before the Basic scheme's base64.
        let encode =
            |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        request = request.basic_auth(encode(user), Some(encode(password.expose())));
    }
    let (status, body) = send(credential, &url, request).await?;
    read_token_answer(credential, status, &body)
}

/// Sends a request and reads the whole answer, turning transport failures into sign-in
/// errors that name the host (never the URL's query or the body).
pub(crate) async fn send(
    credential: &'static str,
    url: &Url,
    request: reqwest::RequestBuilder,
) -> Result<(u16, bytes::Bytes)> {
    let host = url.host_str().unwrap_or_default().to_owned();
    telemetry::record_sign_in("server.address", host.as_str());
    tracing::debug!(
        powerbi.credential = credential,
        server.address = host.as_str(),
        url.path = url.path(),
        "token request"
    );
    let response = request.send().await.map_err(|error| {
        let description = if error.is_timeout() {
            format!("no answer from {host}")
        } else {
            format!("could not reach {host}: {}", cause_chain(&error))
        };
        Error::Auth(Box::new(auth_error(
            credential,
            None,
            None,
            Some(description),
        )))
    })?;
    let status = response.status().as_u16();
    let body = read_limited(response, TOKEN_BODY_BYTES)
        .await
        .map_err(|error| {
            let description = match error {
                BodyError::TooLarge { limit, .. } => format!(
                    "the answer from {host} is larger than {limit} bytes, which no token answer is (a proxy or portal page?)"
                ),
                BodyError::Read(error) => {
                    format!("reading the answer from {host}: {}", cause_chain(&error))
                }
            };
            Error::Auth(Box::new(auth_error(
                credential,
                Some(status),
                None,
                Some(description),
            )))
        })?;
    telemetry::record_sign_in("http.response.status_code", status);
    tracing::debug!(
        powerbi.credential = credential,
        server.address = host.as_str(),
        http.response.status_code = status,
        "token answer"
    );
    Ok((status, body))
}

/// Reads a token endpoint's answer: a token on success, an [`AuthError`] otherwise.
pub(crate) fn read_token_answer(
    credential: &'static str,
    status: u16,
    body: &[u8],
) -> Result<Granted> {
    if (200..300).contains(&status) {
        return parse_token(credential, status, body);
    }
    Err(Error::Auth(Box::new(read_error(credential, status, body))))
}

/// Parses a successful token body of any source (v2, v1, managed identity).
pub(crate) fn parse_token(credential: &'static str, status: u16, body: &[u8]) -> Result<Granted> {
    let unexpected = |what: &str| {
        Error::Auth(Box::new(auth_error(
            credential,
            Some(status),
            None,
            Some(format!("unexpected token response: {what}")),
        )))
    };
    // serde's messages may quote a value; say only where the body went wrong.
    let object: serde_json::Value = serde_json::from_slice(body).map_err(|error| {
        unexpected(&format!(
            "not the expected JSON ({:?} at line {} column {})",
            error.classify(),
            error.line(),
            error.column()
        ))
    })?;
    let parsed = TokenResponse::read(&object).map_err(|field| {
        unexpected(&format!(
            "not the expected JSON (`{field}` has another type)"
        ))
    })?;
    let Some(access_token) = parsed.access_token.filter(|token| !token.is_empty()) else {
        return Err(unexpected("no access_token"));
    };
    let expires_in = lifetime(parsed.expires_in, parsed.expires_on, SystemTime::now())
        .ok_or_else(|| unexpected("no usable expires_in or expires_on"))?;
    Ok(Granted {
        token: AccessToken {
            token: Secret::new(access_token),
            expires_in,
        },
        refresh_token: parsed
            .refresh_token
            .filter(|token| !token.is_empty())
            .map(Secret::new),
    })
}

/// A token's lifetime from `expires_in` (seconds) or else `expires_on` (Unix seconds),
/// clamped to [`MAX_TOKEN_LIFETIME`] (a time already past is a lifetime of zero).
pub(crate) fn lifetime(
    expires_in: Option<Seconds>,
    expires_on: Option<Seconds>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(Seconds(seconds)) = expires_in {
        return Some(clamp_lifetime(Duration::from_secs(seconds)));
    }
    let Seconds(on) = expires_on?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(clamp_lifetime(Duration::from_secs(on.saturating_sub(now))))
}

/// `lifetime`, at most [`MAX_TOKEN_LIFETIME`].
pub(crate) fn clamp_lifetime(lifetime: Duration) -> Duration {
    lifetime.min(MAX_TOKEN_LIFETIME)
}

/// Reads an error answer of Entra ID (or of a managed identity endpoint, whose bodies are
/// similar or carry a `message`).
pub(crate) fn read_error(credential: &'static str, status: u16, body: &[u8]) -> AuthError {
    let parsed = EntraError::read(body);
    let aadsts = parsed.error_codes.first().copied().or_else(|| {
        let description = parsed.error_description.as_deref()?;
        let digits: String = description
            .strip_prefix("AADSTS")?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    });
    let description = parsed
        .error_description
        .or(parsed.message)
        .or(parsed.message_capital)
        .map(|text| text.lines().next().unwrap_or_default().trim().to_owned())
        .filter(|text| !text.is_empty());
    AuthError {
        credential,
        status: Some(status),
        error: parsed.error,
        aadsts,
        description,
        trace_id: parsed.trace_id,
        correlation_id: parsed.correlation_id,
        hint: aadsts.and_then(aadsts_hint),
    }
}

/// A sign-in error with only what the caller knows.
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

/// A sign-in error built from a description and a hint, boxed into [`Error`].
pub(crate) fn failure(
    credential: &'static str,
    description: impl Into<String>,
    hint: Option<&'static str>,
) -> Error {
    let mut error = auth_error(credential, None, None, Some(description.into()));
    error.hint = hint;
    Error::Auth(Box::new(error))
}

/// The fields of a token answer the client uses.
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<Seconds>,
    expires_on: Option<Seconds>,
    refresh_token: Option<String>,
}

impl TokenResponse {
    /// Reads the fields; the error names the field of the wrong type (its value may be secret).
    fn read(object: &serde_json::Value) -> std::result::Result<Self, &'static str> {
        fn named<T>(
            key: &'static str,
            value: std::result::Result<T, String>,
        ) -> std::result::Result<T, &'static str> {
            value.map_err(|_| key)
        }
        Ok(TokenResponse {
            access_token: named("access_token", field(object, "access_token"))?,
            expires_in: named("expires_in", field(object, "expires_in"))?,
            expires_on: named("expires_on", field(object, "expires_on"))?,
            refresh_token: named("refresh_token", field(object, "refresh_token"))?,
        })
    }
}

/// Seconds as a number (v2) or a numeric string (v1, managed identity), whatever the other
/// side wrote: an integer, a float (`1e300`), either in a string. A negative value counts as
/// zero and one beyond `u64::MAX` as `u64::MAX` (callers clamp further); only a value that
/// is not a number at all (`"soon"`, `NaN`) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seconds(pub(crate) u64);

impl Seconds {
    /// Whole seconds of a float: negative as zero, huge (or infinite) as `u64::MAX`; NaN is
    /// no number.
    fn from_float(value: f64) -> Option<Seconds> {
        if value.is_nan() {
            return None;
        }
        // `as` saturates (and truncates to whole seconds), which is the intent here.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Some(Seconds(value.max(0.0) as u64))
    }

    fn from_text(text: &str) -> Option<Seconds> {
        let text = text.trim();
        if let Ok(value) = text.parse::<u64>() {
            return Some(Seconds(value));
        }
        Seconds::from_float(text.parse::<f64>().ok()?)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecondsVisitor)
    }
}

/// Any JSON number or string, read as [`Seconds`].
struct SecondsVisitor;

impl serde::de::Visitor<'_> for SecondsVisitor {
    type Value = Seconds;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("seconds as a number or a string holding one")
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> std::result::Result<Seconds, E> {
        Ok(Seconds(value))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> std::result::Result<Seconds, E> {
        Ok(Seconds(u64::try_from(value).unwrap_or(0)))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> std::result::Result<Seconds, E> {
        Seconds::from_float(value).ok_or_else(not_seconds)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> std::result::Result<Seconds, E> {
        Seconds::from_text(text).ok_or_else(not_seconds)
    }
}

fn not_seconds<E: serde::de::Error>() -> E {
    E::custom("seconds that are not a number")
}

/// The fields of an error answer of Entra ID or a managed identity endpoint. Each is read on
/// its own: one field of an unexpected type loses only that field.
#[derive(Default)]
struct EntraError {
    error: Option<String>,
    error_description: Option<String>,
    error_codes: Vec<u32>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
    message: Option<String>,
    message_capital: Option<String>,
}

impl EntraError {
    fn read(body: &[u8]) -> Self {
        let Ok(object) = serde_json::from_slice::<serde_json::Value>(body) else {
            return EntraError::default();
        };
        let text = |key: &str| field::<String>(&object, key).ok().flatten();
        EntraError {
            error: text("error"),
            error_description: text("error_description"),
            error_codes: field(&object, "error_codes")
                .ok()
                .flatten()
                .unwrap_or_default(),
            trace_id: text("trace_id"),
            correlation_id: text("correlation_id"),
            message: text("message"),
            message_capital: text("Message"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_numbers_parse() {
        let body = br#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"abc"}"#;
        let granted = parse_token("test", 200, body).expect("parses");
        assert_eq!(granted.token.expires_in, Duration::from_secs(3599));
        assert_eq!(granted.token.token.expose(), "abc");
    }

    #[test]
    fn v1_strings_parse() {
        let body = br#"{"token_type":"Bearer","expires_in":"4000","ext_expires_in":"4000","expires_on":"1578439805","not_before":"1578435905","resource":"https://analysis.windows.net/powerbi/api","access_token":"abc"}"#;
        let granted = parse_token("test", 200, body).expect("parses");
        assert_eq!(granted.token.expires_in, Duration::from_secs(4000));
    }

    #[test]
    fn expires_on_alone_is_enough() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let lifetime = lifetime(None, Some(Seconds(1_003_600)), now);
        assert_eq!(lifetime, Some(Duration::from_secs(3600)));
        let body = br#"{"access_token":"abc","expires_on":"99999999999","resource":"r","token_type":"Bearer"}"#;
        assert!(parse_token("test", 200, body).is_ok());
    }

    #[test]
    fn hostile_lifetimes_are_clamped() {
        let day = MAX_TOKEN_LIFETIME;
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for (expires_in, expected) in [
            ("18446744073709551615", Some(day)),
            ("\"18446744073709551615\"", Some(day)),
            ("18446744073709551616", Some(day)),
            ("1e300", Some(day)),
            ("\"1e300\"", Some(day)),
            ("\"inf\"", Some(day)),
            ("-5", Some(Duration::ZERO)),
            ("\"-5\"", Some(Duration::ZERO)),
            ("-1e300", Some(Duration::ZERO)),
            ("3599.9", Some(Duration::from_secs(3599))),
            ("\" 3600 \"", Some(Duration::from_secs(3600))),
            ("\"NaN\"", None),
            ("\"soon\"", None),
            ("1e400", None),
        ] {
            let body = format!(r#"{{"access_token":"abc","expires_in":{expires_in}}}"#);
            let parsed = parse_token("test", 200, body.as_bytes()).ok();
            assert_eq!(
                parsed.map(|granted| granted.token.expires_in),
                expected,
                "{expires_in}"
            );
        }
        assert_eq!(lifetime(None, Some(Seconds(u64::MAX)), now), Some(day));
        assert_eq!(lifetime(None, Some(Seconds(0)), now), Some(Duration::ZERO));
    }

    /// Any lifetime a token endpoint may write (numbers, floats, strings, huge, negative,
    /// not numbers, in `expires_in`, `expires_on` or both) either parses to a lifetime within
    /// the clamp or is refused as a sign-in error; the token cache then serves the token
    /// without panicking, twice (the second call either reuses it or signs in again).
    // Over 80 lines on purpose: one property, whose strategy, fake credential and check read
    // best in one place.
    #[test]
    fn any_token_lifetime_is_parsed_and_cached_without_panic() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        use std::sync::{Arc, Mutex};

        #[derive(Debug)]
        struct Answer(Arc<Mutex<Duration>>);
        impl crate::auth::TokenCredential for Answer {
            fn get_token<'a>(
                &'a self,
                _context: TokenContext<'a>,
            ) -> futures::future::BoxFuture<'a, Result<AccessToken>> {
                let expires_in = *self.0.lock().expect("not poisoned");
                Box::pin(async move {
                    Ok(AccessToken {
                        token: Secret::new("token"),
                        expires_in,
                    })
                })
            }
            fn kind(&self) -> &'static str {
                "test"
            }
        }

        // The JSON text of a number of seconds, as a server might write it.
        let number = prop_oneof![
            any::<u64>().prop_map(|value| value.to_string()),
            any::<i64>().prop_map(|value| value.to_string()),
            proptest::num::f64::ANY.prop_map(|value| serde_json::json!(value).to_string()),
            (u64::MAX - 1000..=u64::MAX).prop_map(|value| value.to_string()),
            Just("18446744073709551616".to_owned()),
            Just("1e300".to_owned()),
            Just("-1e300".to_owned()),
            Just("1e400".to_owned()),
            "-?[0-9]{1,30}(\\.[0-9]{1,5})?([eE][-+]?[0-9]{1,3})?",
        ];
        let text = prop_oneof![
            number
                .clone()
                .prop_map(|text| serde_json::json!(text).to_string()),
            proptest::num::f64::ANY
                .prop_map(|value| serde_json::json!(value.to_string()).to_string()),
            ".{0,12}".prop_map(|text| serde_json::json!(text).to_string()),
        ];
        let value = prop_oneof![number, text, Just("null".to_owned())];
        let answers = (
            proptest::option::of(value.clone()),
            proptest::option::of(value),
        );

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let lifetime = Arc::new(Mutex::new(Duration::ZERO));
        let cache = crate::auth::TokenCache::new();
        let client = crate::Client::builder()
            .credential(Answer(Arc::clone(&lifetime)))
            .token_cache(cache.clone())
            .build()
            .expect("a client");
        let mut runner = TestRunner::new(Config::with_cases(512));
        runner
            .run(&answers, |(expires_in, expires_on)| {
                let mut fields = vec![r#""access_token":"abc""#.to_owned()];
                if let Some(value) = &expires_in {
                    fields.push(format!(r#""expires_in":{value}"#));
                }
                if let Some(value) = &expires_on {
                    fields.push(format!(r#""expires_on":{value}"#));
                }
                let body = format!("{{{}}}", fields.join(","));
                match parse_token("test", 200, body.as_bytes()) {
                    Ok(granted) => {
                        prop_assert!(granted.token.expires_in <= MAX_TOKEN_LIFETIME, "{body}");
                        *lifetime.lock().expect("not poisoned") = granted.token.expires_in;
                        cache.clear();
                        for _ in 0..2 {
                            let token = runtime.block_on(client.token());
                            prop_assert!(token.is_ok(), "{body}: {token:?}");
                        }
                    }
                    Err(error) => prop_assert!(matches!(error, Error::Auth(_)), "{body}"),
                }
                Ok(())
            })
            .expect("every answer is handled");
    }

    #[test]
    fn a_malformed_answer_never_quotes_the_token() {
        let body = br#"{"access_token":"very-secret-token","expires_in":"soon"}"#;
        let error = parse_token("test", 200, body)
            .err()
            .expect("refused")
            .to_string();
        assert!(!error.contains("very-secret-token"), "{error}");
    }
}
