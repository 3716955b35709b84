//! A user signing in on another device: the device code flow.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;

use super::entra::{Seconds, authority_url, failure, post_token, read_error, send, token_url};
use super::{AccessToken, IdentityKind, Secret, TokenContext, TokenCredential};
use crate::fields::{field, first_field};
use crate::time::{Sleeper, SystemClock};
use crate::{AuthError, Error, Result};

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Entra ID's default poll interval, when it names none.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// What `slow_down` adds to the interval (RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Bounds of the poll interval, whatever Entra ID names (it names 5 s).
const MIN_INTERVAL: Duration = Duration::from_secs(1);
const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// A device code's lifetime when Entra ID names none, and the longest one waited for (Entra ID
/// names 15 minutes).
const DEFAULT_CODE_LIFETIME: Duration = Duration::from_secs(15 * 60);
const MAX_CODE_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// What Entra ID asks the user to do: open `verification_uri` and enter `user_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceCodeInfo {
    /// The code to enter.
    pub user_code: String,
    /// Where to enter it, e.g. `https://microsoft.com/devicelogin`.
    pub verification_uri: String,
    /// Entra ID's sentence for the user, naming both (show this one: it is localised).
    pub message: String,
    /// How long the code stays valid.
    pub expires_in: Duration,
}

type Prompt = Arc<dyn Fn(&DeviceCodeInfo) + Send + Sync>;

/// A user signing in with a code entered in a browser on any device (the device authorization
/// grant): for tools run by a person where MFA rules out the password grant.
///
/// The flow asks Entra ID for a code, hands Entra ID's `message` ("To sign in, use a web
/// browser to open the page ... and enter the code ...") to the prompt callback (default:
/// print it on standard error), then polls at the interval Entra ID names (kept between 1 s
/// and 1 minute): `authorization_pending` keeps polling, `slow_down` adds 5 seconds, `authorization_declined`, `expired_token` and
/// `bad_verification_code` end it with an error saying so. It asks for `offline_access` and
/// renews later tokens with the refresh token, so the user is prompted once per credential.
///
/// The app registration must be a public client ("Allow public client flows"). The client's
/// token timeout does not apply to the wait for the user; the code's own expiry does (as
/// Entra ID names it, 15 minutes, at most an hour).
///
/// ```no_run
/// # // The runtime alone, as `powerbi` (which re-exports it) shows it:
/// # mod powerbi { pub use powerbi_runtime::{*, Client as PowerBiClient}; pub use powerbi_runtime as runtime; }
/// use powerbi::auth::DeviceCodeCredential;
/// let credential = DeviceCodeCredential::new("contoso.onmicrosoft.com", "public-client-id")
///     .with_prompt(|info| eprintln!("{}", info.message));
/// ```
#[derive(Clone)]
pub struct DeviceCodeCredential {
    tenant_id: String,
    client_id: String,
    prompt: Prompt,
    sleeper: Arc<dyn Sleeper>,
    refresh_token: Arc<Mutex<Option<Secret>>>,
}

impl std::fmt::Debug for DeviceCodeCredential {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodeCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field(
                "signed_in",
                &self
                    .refresh_token
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_some(),
            )
            .finish_non_exhaustive()
    }
}

impl DeviceCodeCredential {
    /// `tenant_id` is the tenant id or domain (or `organizations`); `client_id` a public
    /// client application.
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        DeviceCodeCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            prompt: Arc::new(|info: &DeviceCodeInfo| eprintln!("{}", info.message)),
            sleeper: Arc::new(SystemClock),
            refresh_token: Arc::new(Mutex::new(None)),
        }
    }

    /// Shows the code to the user: called once per sign-in with Entra ID's message.
    pub fn with_prompt(mut self, prompt: impl Fn(&DeviceCodeInfo) + Send + Sync + 'static) -> Self {
        self.prompt = Arc::new(prompt);
        self
    }

    /// Waits between polls with `sleeper` (default: `tokio::time::sleep`); tests pass a
    /// `ManualClock` of the `test-util` feature (in [`crate::time`]), which returns at
    /// once and records the waits.
    pub fn with_sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    #[inline]
    fn stored_refresh_token(&self) -> Option<Secret> {
        self.refresh_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    #[inline]
    fn store_refresh_token(&self, token: Option<Secret>) {
        *self
            .refresh_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = token;
    }

    /// The refresh-token grant, when a refresh token is held.
    #[inline]
    async fn refresh(&self, context: TokenContext<'_>, scope: &str) -> Option<AccessToken> {
        let refresh_token = self.stored_refresh_token()?;
        let url = token_url(context.cloud, &self.tenant_id, super::entra::Endpoint::V2).ok()?;
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("scope", scope),
            ("refresh_token", refresh_token.expose()),
        ];
        match post_token(context, self.kind(), url, &form, None).await {
            Ok(granted) => {
                if granted.refresh_token.is_some() {
                    self.store_refresh_token(granted.refresh_token);
                }
                Some(granted.token)
            }
            Err(error) => {
                tracing::debug!(%error, "refresh token refused; signing in with a new device code");
                self.store_refresh_token(None);
                None
            }
        }
    }

    #[inline]
    async fn device_flow(&self, context: TokenContext<'_>, scope: &str) -> Result<AccessToken> {
        let kind = self.kind();
        let url = authority_url(
            context.cloud,
            &self.tenant_id,
            &["oauth2", "v2.0", "devicecode"],
        )?;
        let request = context
            .http
            .post(url.clone())
            .form(&[("client_id", self.client_id.as_str()), ("scope", scope)]);
        let (status, body) = send(kind, &url, request).await?;
        if !(200..300).contains(&status) {
            return Err(Error::Auth(Box::new(read_error(kind, status, &body))));
        }
        let answer = DeviceCodeAnswer::read(&body)
            .ok_or_else(|| failure(kind, "unexpected device code answer", None))?;
        let expires_in = answer
            .expires_in
            .map_or(DEFAULT_CODE_LIFETIME, |Seconds(s)| Duration::from_secs(s))
            .min(MAX_CODE_LIFETIME);
        let mut interval = answer
            .interval
            .map_or(DEFAULT_INTERVAL, |Seconds(s)| Duration::from_secs(s))
            .clamp(MIN_INTERVAL, MAX_INTERVAL);
        let info = DeviceCodeInfo {
            message: answer.message.unwrap_or_else(|| {
                format!(
                    "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
                    answer.verification_uri, answer.user_code
                )
            }),
            user_code: answer.user_code,
            verification_uri: answer.verification_uri,
            expires_in,
        };
        tracing::debug!(expires_in = ?expires_in, interval = ?interval, "device code issued; waiting for the user");
        (self.prompt)(&info);
        let device_code = Secret::new(answer.device_code);
        let token_url = token_url(context.cloud, &self.tenant_id, super::entra::Endpoint::V2)?;
        let mut waited = Duration::ZERO;
        loop {
            if waited >= expires_in {
                return Err(failure(
                    kind,
                    "the device code expired before anyone signed in",
                    Some(EXPIRED_HINT),
                ));
            }
            self.sleeper.sleep(interval).await;
            waited = waited.saturating_add(interval);
            let form = [
                ("grant_type", DEVICE_CODE_GRANT),
                ("client_id", self.client_id.as_str()),
                ("device_code", device_code.expose()),
            ];
            match post_token(context, kind, token_url.clone(), &form, None).await {
                Ok(granted) => {
                    self.store_refresh_token(granted.refresh_token);
                    return Ok(granted.token);
                }
                Err(Error::Auth(error)) => {
                    if let Some(stop) = refused(error, &mut interval) {
                        return Err(stop);
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }
}

/// What a refused token poll means: `None` to keep polling (`authorization_pending`, or
/// `slow_down`, which lengthens `interval`), else the error to stop with, with a hint.
#[inline]
fn refused(mut error: Box<AuthError>, interval: &mut Duration) -> Option<Error> {
    match error.error.as_deref() {
        Some("authorization_pending") => return None,
        Some("slow_down") => {
            *interval = interval.saturating_add(SLOW_DOWN_STEP).min(MAX_INTERVAL);
            return None;
        }
        Some("authorization_declined") => {
            error.hint = Some("the user declined the sign-in: run again to get a new code");
        }
        Some("expired_token" | "code_expired") => error.hint = Some(EXPIRED_HINT),
        Some("bad_verification_code") => {
            error.hint =
                Some("Entra ID did not recognise the device code: run again to get a new one");
        }
        _ => {}
    }
    Some(Error::Auth(error))
}

const EXPIRED_HINT: &str =
    "nobody entered the code in time: run again and enter the new code before it expires";

impl TokenCredential for DeviceCodeCredential {
    #[inline]
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let scope = if context
                .scope
                .split_whitespace()
                .any(|scope| scope == "offline_access")
            {
                context.scope.to_owned()
            } else {
                format!("{} offline_access", context.scope)
            };
            if let Some(token) = self.refresh(context, &scope).await {
                return Ok(token);
            }
            self.device_flow(context, &scope).await
        })
    }

    #[inline]
    fn kind(&self) -> &'static str {
        "device code"
    }

    #[inline]
    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::User
    }

    #[inline]
    fn waits_for_user(&self) -> bool {
        true
    }
}

/// The answer to a device code request.
struct DeviceCodeAnswer {
    device_code: String,
    user_code: String,
    /// `verification_uri` (v2) or `verification_url` (v1).
    verification_uri: String,
    expires_in: Option<Seconds>,
    interval: Option<Seconds>,
    message: Option<String>,
}

impl DeviceCodeAnswer {
    /// The answer, or `None` when it is not JSON, lacks a code or a field has another type.
    #[inline]
    fn read(body: &[u8]) -> Option<DeviceCodeAnswer> {
        let object: serde_json::Value = serde_json::from_slice(body).ok()?;
        Some(DeviceCodeAnswer {
            device_code: field(&object, "device_code").ok()??,
            user_code: field(&object, "user_code").ok()??,
            verification_uri: first_field(&object, &["verification_uri", "verification_url"])
                .ok()??,
            expires_in: field(&object, "expires_in").ok()?,
            interval: field(&object, "interval").ok()?,
            message: field(&object, "message").ok()?,
        })
    }
}
