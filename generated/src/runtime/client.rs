//! `PowerBiClient`: one HTTP connection pool, one token cache, shared by every category client.

use std::sync::Arc;
use std::time::Duration;

use super::auth::{IdentityKind, Secret, TokenCache, TokenContext, TokenCredential, TokenSlot};
use super::request::RequestBuilder;
use super::{Cloud, Error, Operation, Result};

/// The client for the Power BI REST API.
///
/// Cheap to clone (an `Arc` inside). Building it sends nothing; the first call signs in, and
/// every category client (`client.datasets()`, `client.groups()`, ...) shares its token cache
/// and connection pool.
#[derive(Clone)]
pub struct PowerBiClient {
    inner: Arc<Inner>,
    /// The service-principal profile calls act as (`X-PowerBI-Profile-Id`).
    profile: Option<uuid::Uuid>,
}

struct Inner {
    http: reqwest::Client,
    cloud: Cloud,
    scope: String,
    credential: Arc<dyn TokenCredential>,
    tokens: TokenSlot,
    token_timeout: Duration,
    timeout: Duration,
}

impl std::fmt::Debug for PowerBiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowerBiClient")
            .field("api_base", &self.inner.cloud.api_base.as_str())
            .field("authority_host", &self.inner.cloud.authority_host.as_str())
            .field("credential", &self.inner.credential.kind())
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl PowerBiClient {
    /// Starts configuring a client.
    pub fn builder() -> PowerBiClientBuilder {
        PowerBiClientBuilder::default()
    }

    /// A request for a generated operation (what generated methods call).
    pub fn request(&self, operation: &'static Operation) -> RequestBuilder<'_> {
        RequestBuilder::for_operation(self, operation)
    }

    /// Any call the spec does not cover yet, with the same sign-in and errors: `path` is
    /// relative to `/v1.0/myorg` (`"/groups"`), and may not contain `{placeholders}`.
    pub fn raw(&self, method: reqwest::Method, path: &str) -> RequestBuilder<'_> {
        let escaped = path.replace('{', "%7B").replace('}', "%7D");
        RequestBuilder::raw(self, method, escaped)
    }

    /// The same client acting as a service-principal profile: every call carries
    /// `X-PowerBI-Profile-Id`. Shares the token cache and connections; cheap to call per request.
    pub fn with_profile(&self, profile_id: uuid::Uuid) -> PowerBiClient {
        PowerBiClient {
            inner: Arc::clone(&self.inner),
            profile: Some(profile_id),
        }
    }

    /// The same client acting as the service principal itself (no profile).
    pub fn without_profile(&self) -> PowerBiClient {
        PowerBiClient {
            inner: Arc::clone(&self.inner),
            profile: None,
        }
    }

    /// The service-principal profile calls act as, if any.
    pub fn profile(&self) -> Option<uuid::Uuid> {
        self.profile
    }

    /// The cloud this client talks to.
    pub fn cloud(&self) -> &Cloud {
        &self.inner.cloud
    }

    pub(crate) fn api_base(&self) -> &url::Url {
        &self.inner.cloud.api_base
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    pub(crate) async fn token(&self) -> Result<Secret> {
        let context = TokenContext {
            http: &self.inner.http,
            cloud: &self.inner.cloud,
            scope: &self.inner.scope,
        };
        self.inner
            .tokens
            .token(&*self.inner.credential, context, self.inner.token_timeout)
            .await
    }

    pub(crate) fn invalidate_token(&self, token: &Secret) {
        self.inner.tokens.invalidate(token);
    }

    /// Whom the credential's tokens speak for, for error hints.
    pub(crate) fn identity_kind(&self) -> IdentityKind {
        self.inner.credential.identity_kind()
    }
}

/// Configures a [`PowerBiClient`].
#[derive(Debug)]
#[must_use = "call build() to get the client"]
pub struct PowerBiClientBuilder {
    credential: Option<Arc<dyn TokenCredential>>,
    cloud: Cloud,
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
    token_timeout: Duration,
    http: Option<reqwest::Client>,
    profile: Option<uuid::Uuid>,
    token_cache: Option<TokenCache>,
    scope: Option<String>,
}

impl Default for PowerBiClientBuilder {
    fn default() -> Self {
        PowerBiClientBuilder {
            credential: None,
            cloud: Cloud::public(),
            user_agent: format!("powerbi-rs/{}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            token_timeout: Duration::from_secs(30),
            http: None,
            profile: None,
            token_cache: None,
            scope: None,
        }
    }
}

impl PowerBiClientBuilder {
    /// How to sign in (required).
    pub fn credential(mut self, credential: impl TokenCredential + 'static) -> Self {
        self.credential = Some(Arc::new(credential));
        self
    }

    /// How to sign in, already shared.
    pub fn credential_arc(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The cloud (default: public).
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// The `User-Agent` header (default `powerbi-rs/VERSION`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Time allowed for one request, from sending to the end of the body (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed to obtain a token (default 30 s), after which the call fails with a
    /// sign-in error instead of waiting on a token endpoint that hangs. It does not cut short
    /// a credential that waits for a person (device code).
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = timeout;
        self
    }

    /// Keeps tokens in `cache`, shared with the other clients built with it (default: a cache
    /// of this client's own). Clients share a token only when the cloud's authority, the
    /// credential's identity and the scope all match.
    pub fn token_cache(mut self, cache: TokenCache) -> Self {
        self.token_cache = Some(cache);
        self
    }

    /// The scope to ask tokens for (default: the cloud's resource with `/.default`). Delegated
    /// (user) credentials may name scopes instead, space-separated, e.g.
    /// `https://analysis.windows.net/powerbi/api/Dataset.Read.All`.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Acts as this service-principal profile on every call (`X-PowerBI-Profile-Id`); see
    /// also [`PowerBiClient::with_profile`] for one call at a time.
    pub fn profile_id(mut self, profile_id: uuid::Uuid) -> Self {
        self.profile = Some(profile_id);
        self
    }

    /// Uses this reqwest client (its TLS, proxy and pool settings) instead of building one;
    /// `timeout`, `connect_timeout` and `user_agent` then come from it.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client. Nothing is sent until the first call.
    pub fn build(self) -> Result<PowerBiClient> {
        let credential = self
            .credential
            .ok_or_else(|| Error::Config("no credential: call .credential(...)".to_owned()))?;
        for (what, url) in [
            ("API base", &self.cloud.api_base),
            ("authority host", &self.cloud.authority_host),
        ] {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(domain)) => domain == "localhost",
                None => false,
            };
            if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
                return Err(Error::Config(format!(
                    "the {what} {url} must use https (plain http is allowed only on loopback, for the sandbox)"
                )));
            }
        }
        let http = match self.http {
            Some(http) => http,
            None => {
                let tls = super::tls::client_config().map_err(Error::Config)?;
                reqwest::Client::builder()
                    .tls_backend_preconfigured(tls)
                    .user_agent(self.user_agent)
                    .timeout(self.timeout)
                    .connect_timeout(self.connect_timeout)
                    .build()
                    .map_err(|error| Error::Config(format!("HTTP client: {error}")))?
            }
        };
        let scope = self.scope.unwrap_or_else(|| self.cloud.default_scope());
        let tokens = self
            .token_cache
            .unwrap_or_default()
            .slot(&credential, &self.cloud, &scope);
        Ok(PowerBiClient {
            inner: Arc::new(Inner {
                http,
                scope,
                credential,
                tokens,
                token_timeout: self.token_timeout,
                cloud: self.cloud,
                timeout: self.timeout,
            }),
            profile: self.profile,
        })
    }
}
