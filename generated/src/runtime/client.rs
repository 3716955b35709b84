//! `PowerBiClient`: one HTTP connection pool, one token cache, shared by every category client.

use std::sync::Arc;
use std::time::Duration;

use super::auth::{Secret, TokenCache, TokenContext, TokenCredential};
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
}

struct Inner {
    http: reqwest::Client,
    cloud: Cloud,
    scope: String,
    tokens: TokenCache,
    timeout: Duration,
}

impl std::fmt::Debug for PowerBiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PowerBiClient")
            .field("api_base", &self.inner.cloud.api_base.as_str())
            .field("authority_host", &self.inner.cloud.authority_host.as_str())
            .field("credential", &self.inner.tokens.kind())
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
        self.inner.tokens.token(context).await
    }

    pub(crate) fn invalidate_token(&self, token: &Secret) {
        self.inner.tokens.invalidate(token);
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

    /// Time allowed to obtain a token (default 30 s).
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = timeout;
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
        Ok(PowerBiClient {
            inner: Arc::new(Inner {
                http,
                scope: self.cloud.default_scope(),
                tokens: TokenCache::new(credential, self.token_timeout),
                cloud: self.cloud,
                timeout: self.timeout,
            }),
        })
    }
}
