//! The simplest credentials: a service principal with a secret, a user with a password, a
//! fixed token.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use super::entra::{Endpoint, authority_url, failure, post_token, scope_field, token_url};
use super::{AccessToken, IdentityKind, Secret, TokenContext, TokenCredential};
use crate::body::{TOKEN_BODY_BYTES, read_limited};
use crate::fields::field;
use crate::time::{Clock, SystemClock};
use crate::{Error, Result};

/// The cache key of an app-only credential: tokens of one app in one tenant are interchangeable.
pub(crate) fn app_key(tenant: &str, client_id: &str) -> String {
    format!(
        "app:{}:{}",
        tenant.to_ascii_lowercase(),
        client_id.to_ascii_lowercase()
    )
}

/// A service principal signing in with a client secret (the client-credentials grant).
///
/// ```no_run
/// # // The runtime alone, as `powerbi` (which re-exports it) shows it:
/// # mod powerbi { pub use powerbi_runtime::{*, Client as PowerBiClient}; pub use powerbi_runtime as runtime; }
/// use powerbi::auth::ClientSecretCredential;
/// let credential = ClientSecretCredential::new("tenant-id", "client-id", "secret value");
/// ```
#[derive(Debug, Clone)]
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    secret: Secret,
    basic_auth: bool,
    endpoint: Endpoint,
}

impl ClientSecretCredential {
    /// `tenant_id` is the directory (tenant) id or a verified domain; `secret` is the secret's
    /// **Value** from the app registration (not its Secret ID).
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Self {
        ClientSecretCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            secret: secret.into(),
            basic_auth: false,
            endpoint: Endpoint::V2,
        }
    }

    /// Sends the client id and secret with HTTP Basic authentication instead of in the form.
    pub fn with_basic_auth(mut self, basic_auth: bool) -> Self {
        self.basic_auth = basic_auth;
        self
    }

    /// Uses the older v1 token endpoint (`/oauth2/token` with `resource`) instead of v2.
    pub fn with_v1_endpoint(mut self, v1: bool) -> Self {
        self.endpoint = if v1 { Endpoint::V1 } else { Endpoint::V2 };
        self
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let mut form = vec![
                ("grant_type", "client_credentials"),
                scope_field(self.endpoint, &context),
            ];
            if !self.basic_auth {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", self.secret.expose()));
            }
            let basic = self
                .basic_auth
                .then_some((self.client_id.as_str(), &self.secret));
            let url = token_url(context.cloud, &self.tenant_id, self.endpoint)?;
            post_token(context, self.kind(), url, &form, basic)
                .await
                .map(|granted| granted.token)
        })
    }

    fn kind(&self) -> &'static str {
        "client secret"
    }

    fn cache_key(&self) -> Option<String> {
        Some(app_key(&self.tenant_id, &self.client_id))
    }

    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::ServicePrincipal
    }
}

/// A user signing in with name and password (the resource-owner password grant), as
/// SimplePBI's "regular" mode does.
///
/// Microsoft discourages it, and it breaks for: accounts that need MFA or are blocked by
/// Conditional Access (AADSTS50076/50079/53003), federated accounts (AD FS) without password
/// hash sync, personal accounts, and the `/common` authority (use the tenant id or domain).
/// The app registration must allow public client flows. Errors say which of these applies.
#[derive(Debug, Clone)]
pub struct UsernamePasswordCredential {
    tenant_id: String,
    client_id: String,
    username: String,
    password: Secret,
    endpoint: Endpoint,
}

impl UsernamePasswordCredential {
    /// `tenant_id` must be a tenant id or domain (`/common` is refused by Entra ID);
    /// `client_id` is a public client application.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        UsernamePasswordCredential {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            username: username.into(),
            password: password.into(),
            endpoint: Endpoint::V2,
        }
    }

    /// Uses the older v1 token endpoint (`/oauth2/token` with `resource`) instead of v2.
    pub fn with_v1_endpoint(mut self, v1: bool) -> Self {
        self.endpoint = if v1 { Endpoint::V1 } else { Endpoint::V2 };
        self
    }

    /// Asks Entra ID whether the user's domain is federated (signs in at AD FS or another
    /// identity provider), to explain a refused password.
    async fn is_federated(&self, context: TokenContext<'_>) -> bool {
        let Ok(mut url) = authority_url(context.cloud, "common", &["userrealm", &self.username])
        else {
            return false;
        };
        url.query_pairs_mut().append_pair("api-version", "1.0");
        let Ok(response) = context.http.get(url).send().await else {
            return false;
        };
        let Ok(body) = read_limited(response, TOKEN_BODY_BYTES).await else {
            return false;
        };
        serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|realm| field::<String>(&realm, "account_type").ok().flatten())
            .is_some_and(|kind| kind.eq_ignore_ascii_case("Federated"))
    }
}

/// The hint for a federated account refused by the password grant.
const FEDERATED_HINT: &str = "the account is federated (it signs in at AD FS or another identity provider), which the password grant cannot reach unless password hash sync and a Home Realm Discovery policy allowing cloud password validation are set up: use DeviceCodeCredential or a service principal";

impl TokenCredential for UsernamePasswordCredential {
    fn get_token<'a>(&'a self, context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let form = [
                ("grant_type", "password"),
                ("client_id", self.client_id.as_str()),
                scope_field(self.endpoint, &context),
                ("username", self.username.as_str()),
                ("password", self.password.expose()),
            ];
            let url = token_url(context.cloud, &self.tenant_id, self.endpoint)?;
            match post_token(context, self.kind(), url, &form, None).await {
                Ok(granted) => Ok(granted.token),
                Err(Error::Auth(mut error))
                    if error.aadsts == Some(50126) && self.is_federated(context).await =>
                {
                    error.hint = Some(FEDERATED_HINT);
                    Err(Error::Auth(error))
                }
                Err(error) => Err(error),
            }
        })
    }

    fn kind(&self) -> &'static str {
        "username/password"
    }

    fn cache_key(&self) -> Option<String> {
        Some(format!(
            "user:{}:{}:{}",
            self.tenant_id.to_ascii_lowercase(),
            self.client_id.to_ascii_lowercase(),
            self.username.to_ascii_lowercase()
        ))
    }

    fn identity_kind(&self) -> IdentityKind {
        IdentityKind::User
    }
}

/// A token obtained elsewhere, used as is until it expires.
#[derive(Clone)]
pub struct StaticTokenCredential {
    token: Secret,
    expires_in: Duration,
    /// The lifetime is measured on this clock from this reading.
    clock: Arc<dyn Clock>,
    given_at: Duration,
    identity: IdentityKind,
}

impl std::fmt::Debug for StaticTokenCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticTokenCredential")
            .field("token", &self.token)
            .field("expires_in", &self.expires_in)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl StaticTokenCredential {
    /// Uses `token`, believed valid for `expires_in` from now. Any duration is accepted: one
    /// beyond what the clock can represent (`Duration::MAX`) never expires. The cache keeps it
    /// at most [`MAX_TOKEN_LIFETIME`](super::MAX_TOKEN_LIFETIME) at a time, then asks this
    /// credential again (which hands out the same token while it is valid).
    pub fn new(token: impl Into<Secret>, expires_in: Duration) -> Self {
        StaticTokenCredential {
            token: token.into(),
            expires_in,
            clock: Arc::new(SystemClock),
            given_at: SystemClock.elapsed(),
            identity: IdentityKind::Unknown,
        }
    }

    /// Measures the lifetime on `clock`, from now (default: the system clock, from
    /// [`StaticTokenCredential::new`]); in tests, the `ManualClock` the client uses.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.given_at = clock.elapsed();
        self.clock = Arc::new(clock);
        self
    }

    /// Says whom the token is for, so error hints address the right setup.
    pub fn with_identity_kind(mut self, identity: IdentityKind) -> Self {
        self.identity = identity;
        self
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token<'a>(&'a self, _context: TokenContext<'a>) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            // A lifetime past what the clock holds (`Duration::MAX`) never runs out.
            let left = match self.given_at.checked_add(self.expires_in) {
                Some(expires_at) => expires_at.saturating_sub(self.clock.elapsed()),
                None => Duration::MAX,
            };
            if left.is_zero() {
                return Err(failure(
                    self.kind(),
                    "the static token has expired",
                    Some("obtain a new token and build a new StaticTokenCredential"),
                ));
            }
            Ok(AccessToken {
                token: self.token.clone(),
                expires_in: left,
            })
        })
    }

    fn kind(&self) -> &'static str {
        "static token"
    }

    fn identity_kind(&self) -> IdentityKind {
        self.identity
    }
}
