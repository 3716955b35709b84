//! `Client`: one HTTP connection pool, one token cache, shared by every category client.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::CertificateDer;

use super::auth::{IdentityKind, Secret, TokenCache, TokenContext, TokenCredential, TokenSlot};
use super::body::DEFAULT_MAX_RESPONSE_BYTES;
use super::drift::{DecodePolicy, DecodeSettings, DriftReport};
use super::operation::Api;
use super::proxy::Proxy;
use super::retry::RetryPolicy;
use super::time::{Clock, Sleeper, Time};
use super::transport::{TransportRules, is_loopback};
use super::{Cloud, Error, Result};

/// The client for the Power BI REST API.
///
/// Cheap to clone (an `Arc` inside). Building it sends nothing; the first call signs in, and
/// every category client (`client.datasets()`, `client.groups()`, ...) shares its token cache
/// and connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// The service-principal profile calls act as (`X-PowerBI-Profile-Id`).
    profile: Option<uuid::Uuid>,
    /// A retry policy replacing the client's (see [`Client::with_retry_policy`]).
    retry: Option<Arc<RetryPolicy>>,
}

struct Inner {
    http: reqwest::Client,
    cloud: Cloud,
    scope: String,
    credential: Arc<dyn TokenCredential>,
    tokens: TokenSlot,
    /// Fabric's scope and its own cache entry: one token per audience, one request in flight each.
    fabric_scope: String,
    fabric_tokens: TokenSlot,
    token_timeout: Duration,
    timeout: Duration,
    idle_timeout: Duration,
    call_timeout: Option<Duration>,
    retry: RetryPolicy,
    rules: TransportRules,
    max_response_bytes: u64,
    decoding: DecodeSettings,
    time: Time,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &super::redact::url(&self.inner.cloud.api_base))
            .field(
                "authority_host",
                &super::redact::url(&self.inner.cloud.authority_host),
            )
            .field(
                "fabric_api_base",
                &self
                    .inner
                    .cloud
                    .fabric_api_base
                    .as_ref()
                    .map(super::redact::url),
            )
            .field("credential", &self.inner.credential.kind())
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> PowerBiClientBuilder {
        PowerBiClientBuilder::default()
    }

    /// The same client acting as a service-principal profile: every call carries
    /// `X-PowerBI-Profile-Id`. Shares the token cache and connections; cheap to call per request.
    pub fn with_profile(&self, profile_id: uuid::Uuid) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            profile: Some(profile_id),
            retry: self.retry.clone(),
        }
    }

    /// The same client acting as the service principal itself (no profile).
    pub fn without_profile(&self) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            profile: None,
            retry: self.retry.clone(),
        }
    }

    /// The same client retrying with `policy` instead of the one it was built with (for
    /// example [`RetryPolicy::none`] for a call that must not wait). Shares the token cache
    /// and connections; cheap to call per request. A policy without a clock of its own reads
    /// the client's.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            profile: self.profile,
            retry: Some(Arc::new(policy.or_time(&self.inner.time))),
        }
    }

    /// The retry policy calls of this client use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.retry.as_deref().unwrap_or(&self.inner.retry)
    }

    /// The idle timeout of large transfers: a download or upload fails when no byte moves for
    /// this long (see [`PowerBiClientBuilder::idle_timeout`]).
    pub fn idle_timeout(&self) -> Duration {
        self.inner.idle_timeout
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

    /// The HTTP client underneath, for a call outside the send pipeline that needs no token
    /// (`powerbi`'s import uploads to a SAS URL). Check the URL with [`Self::may_call`] first.
    #[doc(hidden)]
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Whether this client may send to `url` at all (https, or http on loopback when allowed).
    #[doc(hidden)]
    pub fn may_call(&self, url: &url::Url) -> bool {
        self.inner.rules.may_call(url)
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    pub(crate) fn call_timeout(&self) -> Option<Duration> {
        self.inner.call_timeout
    }

    /// The largest JSON answer a call reads.
    pub(crate) fn max_response_bytes(&self) -> u64 {
        self.inner.max_response_bytes
    }

    /// How answers are decoded (policy and drift callback).
    pub(crate) fn decode_settings(&self) -> &DecodeSettings {
        &self.inner.decoding
    }

    pub(crate) fn transport_rules(&self) -> &TransportRules {
        &self.inner.rules
    }

    /// The clock and sleeper of this client's waits (retries, jobs).
    pub(crate) fn time(&self) -> &Time {
        &self.inner.time
    }

    /// The Fabric API base of the client's cloud (or the builder's), if there is one.
    pub(crate) fn fabric_api_base(&self) -> Option<&url::Url> {
        self.inner.cloud.fabric_api_base.as_ref()
    }

    /// A token for `api`: each API's audience has its own cache entry, filled by one request
    /// however many calls wait for it.
    pub(crate) async fn token_for(&self, api: Api) -> Result<Secret> {
        let (scope, slot) = match api {
            Api::PowerBi => (&self.inner.scope, &self.inner.tokens),
            Api::Fabric => (&self.inner.fabric_scope, &self.inner.fabric_tokens),
        };
        let context = TokenContext {
            http: &self.inner.http,
            cloud: &self.inner.cloud,
            scope,
        };
        slot.token(&*self.inner.credential, context, self.inner.token_timeout)
            .await
    }

    /// A Power BI token.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) async fn token(&self) -> Result<Secret> {
        self.token_for(Api::PowerBi).await
    }

    pub(crate) fn invalidate_token(&self, token: &Secret) {
        self.inner.tokens.invalidate(token);
        self.inner.fabric_tokens.invalidate(token);
    }

    /// Whom the credential's tokens speak for, for error hints.
    pub(crate) fn identity_kind(&self) -> IdentityKind {
        self.inner.credential.identity_kind()
    }
}

/// Configures a client: [`Client`], or the client type `Built` a generated crate wraps it in
/// (`powerbi::PowerBiClient`, which adds the category accessors).
#[derive(Debug)]
#[must_use = "call build() to get the client"]
pub struct PowerBiClientBuilder<Built = Client> {
    settings: Settings,
    builds: PhantomData<fn() -> Built>,
}

/// What a [`PowerBiClientBuilder`] collects. Not generic, unlike the builder: building the
/// client is compiled once, in the runtime, instead of in every program for its `Built`
/// (issue 13: compile time).
#[derive(Debug)]
struct Settings {
    credential: Option<Arc<dyn TokenCredential>>,
    cloud: Cloud,
    user_agent: String,
    timeout: Duration,
    connect_timeout: Duration,
    token_timeout: Duration,
    http: Option<reqwest::Client>,
    proxy: Proxy,
    extra_roots: ExtraRoots,
    profile: Option<uuid::Uuid>,
    token_cache: Option<TokenCache>,
    scope: Option<String>,
    fabric_scope: Option<String>,
    fabric_base: Option<url::Url>,
    idle_timeout: Duration,
    call_timeout: Option<Duration>,
    retry: RetryPolicy,
    insecure_loopback: bool,
    max_response_bytes: u64,
    decoding: DecodeSettings,
    time: Time,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            credential: None,
            cloud: Cloud::public(),
            user_agent: format!("powerbi-rs/{}", env!("CARGO_PKG_VERSION")),
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            token_timeout: Duration::from_secs(30),
            http: None,
            proxy: Proxy::default(),
            extra_roots: ExtraRoots::default(),
            profile: None,
            token_cache: None,
            scope: None,
            fabric_scope: None,
            fabric_base: None,
            idle_timeout: Duration::from_secs(60),
            call_timeout: None,
            retry: RetryPolicy::default(),
            insecure_loopback: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            decoding: DecodeSettings::default(),
            time: Time::default(),
        }
    }
}

impl<Built> Default for PowerBiClientBuilder<Built> {
    fn default() -> Self {
        PowerBiClientBuilder {
            settings: Settings::default(),
            builds: PhantomData,
        }
    }
}

impl<Built> PowerBiClientBuilder<Built> {
    /// How to sign in (required).
    pub fn credential(mut self, credential: impl TokenCredential + 'static) -> Self {
        self.settings.credential = Some(Arc::new(credential));
        self
    }

    /// How to sign in, already shared.
    pub fn credential_arc(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.settings.credential = Some(credential);
        self
    }

    /// The cloud (default: public).
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.settings.cloud = cloud;
        self
    }

    /// The `User-Agent` header (default `powerbi-rs/VERSION`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.settings.user_agent = user_agent.into();
        self
    }

    /// Time allowed for one request (one attempt), from sending to the end of the body
    /// (default 120 s). Large transfers use [`Self::idle_timeout`] instead.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How long a request may go without receiving a byte (default 60 s). The only limit on
    /// large transfers (file downloads and uploads), so a slow but moving transfer is never
    /// cut short.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.settings.idle_timeout = timeout;
        self
    }

    /// Time allowed for a whole call, every retry and wait included (default: none beyond the
    /// retry policy's budget). A call still running then fails with [`Error::Timeout`].
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.settings.call_timeout = Some(timeout);
        self
    }

    /// How calls are retried (default [`RetryPolicy::default`]; [`RetryPolicy::none`] turns
    /// retries off). See also [`Client::with_retry_policy`] for one call at a time.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// The largest JSON answer a call reads, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::body::DEFAULT_MAX_RESPONSE_BYTES),
    /// 128 MiB). A larger answer fails with [`Error::ResponseTooLarge`] without being read:
    /// at once when its `Content-Length` says so, else when the bytes pass the limit. File
    /// downloads are streamed and not limited; error answers and token answers have small
    /// fixed limits (see [`crate::body`]).
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.settings.max_response_bytes = bytes;
        self
    }

    /// What to do with an answer that does not fit its model (default
    /// [`DecodePolicy::Lenient`]: repair and report; see [`crate::drift`]).
    pub fn decode_policy(mut self, policy: DecodePolicy) -> Self {
        self.settings.decoding.policy = policy;
        self
    }

    /// Receives every answer that was repaired under the lenient decode policy: the operation,
    /// its `RequestId` and each place that did not fit, with the value the service sent.
    /// Called on the task that made the call; keep it short.
    pub fn on_drift(mut self, callback: impl Fn(&DriftReport) + Send + Sync + 'static) -> Self {
        self.settings.decoding.on_drift = Some(Arc::new(callback));
        self
    }

    /// Allows plain http to the configured API base and authority host when they are
    /// loopback addresses (the sandbox). Only those exact addresses: a redirect elsewhere,
    /// or any other http URL, is still refused. Without it, everything must be https.
    pub fn allow_insecure_loopback(mut self) -> Self {
        self.settings.insecure_loopback = true;
        self
    }

    /// Time allowed to obtain a token (default 30 s), after which the call fails with a
    /// sign-in error instead of waiting on a token endpoint that hangs. It does not cut short
    /// a credential that waits for a person (device code).
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.settings.token_timeout = timeout;
        self
    }

    /// Reads the time from `clock` and waits with it (default: the system clock and
    /// `tokio::time::sleep`): retries (unless the retry policy was given a clock of its own),
    /// the renewal and backoff of the token cache the client creates (a cache given with
    /// [`Self::token_cache`] keeps its own, see [`TokenCache::clock`]) and the polls and limits
    /// of [jobs](crate::jobs). In tests, a `ManualClock` of the `test-util` feature
    /// (in [`crate::time`]) makes every one of those waits instant and records it.
    pub fn clock_and_sleeper<C: Clock + Sleeper + Clone + 'static>(mut self, clock: C) -> Self {
        self.settings.time = Time::of(clock);
        self
    }

    /// Keeps tokens in `cache`, shared with the other clients built with it (default: a cache
    /// of this client's own). Clients share a token only when the cloud's authority, the
    /// credential's identity and the scope all match.
    pub fn token_cache(mut self, cache: TokenCache) -> Self {
        self.settings.token_cache = Some(cache);
        self
    }

    /// The scope to ask tokens for (default: the cloud's resource with `/.default`). Delegated
    /// (user) credentials may name scopes instead, space-separated, e.g.
    /// `https://analysis.windows.net/powerbi/api/Dataset.Read.All`.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.settings.scope = Some(scope.into());
        self
    }

    /// The scope to ask Fabric tokens for (default `https://api.fabric.microsoft.com/.default`).
    /// Delegated (user) credentials may name Fabric scopes instead, space-separated, e.g.
    /// `https://api.fabric.microsoft.com/Workspace.ReadWrite.All`.
    pub fn fabric_scope(mut self, scope: impl Into<String>) -> Self {
        self.settings.fabric_scope = Some(scope.into());
        self
    }

    /// Where the Fabric REST API lives (`/v1` is appended), instead of the cloud's
    /// [`Cloud::fabric_api_base`]: the sandbox's Fabric routes, or a cloud for which Microsoft
    /// documents no Fabric host. Plain http only to a loopback address, after
    /// [`Self::allow_insecure_loopback`].
    pub fn fabric_api_base(mut self, base: url::Url) -> Self {
        self.settings.fabric_base = Some(base);
        self
    }

    /// Acts as this service-principal profile on every call (`X-PowerBI-Profile-Id`); see
    /// also [`Client::with_profile`] for one call at a time.
    pub fn profile_id(mut self, profile_id: uuid::Uuid) -> Self {
        self.settings.profile = Some(profile_id);
        self
    }

    /// Which proxy every request goes through, the token requests to Entra ID (and the other
    /// sign-in endpoints) included: [`Proxy::system`] by default (`HTTPS_PROXY`/`NO_PROXY`,
    /// else the Windows or macOS proxy settings), [`Proxy::url`] for one named here with its
    /// credentials, [`Proxy::none`] for none. A proxy that refuses the credentials makes calls
    /// fail with [`Error::Transport`] saying so (HTTP 407). Not applied to a client given with
    /// [`Self::http_client`] (build that one with [`Self::http_client_builder`]).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.settings.proxy = proxy;
        self
    }

    /// Trusts this root certificate (DER) as well as the platform's trust store: the CA of a
    /// proxy that inspects TLS when it is not installed in the system, or a test CA. A
    /// certificate that does not parse fails [`Self::build`] with [`Error::Config`].
    /// Not supported on Android.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.settings
            .extra_roots
            .0
            .push(CertificateDer::from(der.into()));
        self
    }

    /// A reqwest builder set up as [`Self::build`] sets up its own: TLS with rustls, the ring
    /// provider and the platform's trust store (plus [`Self::add_root_certificate`]), this
    /// builder's proxy, user agent and connect and idle timeouts, no redirects followed and no
    /// content coding asked for. Add settings of your own and pass the client it builds to
    /// [`Self::http_client`]:
    ///
    /// ```
    /// # // The runtime alone, as `powerbi` (which re-exports it) shows it:
    /// # mod powerbi { pub use powerbi_runtime::{*, Client as PowerBiClient}; pub use powerbi_runtime as runtime; }
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use powerbi::PowerBiClient;
    /// use powerbi::auth::ClientSecretCredential;
    ///
    /// let builder = PowerBiClient::builder()
    ///     .credential(ClientSecretCredential::new("tenant", "client", "secret"));
    /// let http = builder.http_client_builder()?.pool_max_idle_per_host(4).build()?;
    /// let client = builder.http_client(http).build()?;
    /// # Ok(()) }
    /// ```
    ///
    /// Use it rather than `reqwest::Client::new()` or `reqwest::Client::builder()`: this
    /// crate builds reqwest without a default rustls crypto provider (the default one,
    /// aws-lc-rs, compiles a large C library into every user's build), so reqwest's own
    /// `build()` panics ("No rustls crypto provider is configured") in a process that has not
    /// installed one. That panic happens in the caller's `build()`, before
    /// [`Self::http_client`] sees the client, so [`Self::http_client`] cannot turn it into an
    /// error; and this crate does not install a process-wide provider behind the
    /// application's back (the application's own later `install_default().unwrap()` would
    /// then panic). An application that installs one itself (ring's or aws-lc-rs's, with
    /// `rustls::crypto::CryptoProvider::install_default`) can build its client either way; to
    /// bring a TLS setup of its own (a post-quantum provider, say), it replaces this builder's TLS
    /// setup with `tls_backend_preconfigured` and keeps the rest.
    pub fn http_client_builder(&self) -> Result<reqwest::ClientBuilder> {
        self.settings.http_client_builder()
    }

    /// Uses this reqwest client (its TLS, proxy and pool settings) instead of building one;
    /// `connect_timeout`, `idle_timeout`, `user_agent`, `proxy` and `add_root_certificate`
    /// then come from it. Build it from [`Self::http_client_builder`], which sets all of
    /// those, TLS with the ring provider and `redirect(reqwest::redirect::Policy::none())`
    /// (this client follows redirects itself, re-attaching the token only for the cloud's
    /// Power BI hosts); see there why `reqwest::Client::new()` may panic.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.settings.http = Some(client);
        self
    }

    /// Builds the client. Nothing is sent until the first call.
    pub fn build(self) -> Result<Built>
    where
        Built: From<Client>,
    {
        self.settings.build().map(Built::from)
    }
}

impl Settings {
    /// See [`PowerBiClientBuilder::http_client_builder`].
    fn http_client_builder(&self) -> Result<reqwest::ClientBuilder> {
        let tls = super::tls::client_config(&self.extra_roots.0).map_err(Error::Config)?;
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(self.user_agent.clone())
            .read_timeout(self.idle_timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            // No content coding is ever asked for, whatever reqwest features another crate of
            // the application turns on: an answer is read as it arrives, so a small compressed
            // body can never inflate behind the size limits.
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .no_zstd();
        self.proxy.apply(builder)
    }

    /// See [`PowerBiClientBuilder::build`].
    fn build(mut self) -> Result<Client> {
        let credential = self
            .credential
            .take()
            .ok_or_else(|| Error::Config("no credential: call .credential(...)".to_owned()))?;
        if let Some(base) = self.fabric_base.take() {
            self.cloud.fabric_api_base = Some(base);
        }
        let fabric = self.cloud.fabric_api_base.clone();
        for (what, url) in [
            ("API base", Some(&self.cloud.api_base)),
            ("authority host", Some(&self.cloud.authority_host)),
            ("Fabric API base", fabric.as_ref()),
        ] {
            let Some(url) = url else { continue };
            let allowed = url.scheme() == "https"
                || (url.scheme() == "http" && self.insecure_loopback && is_loopback(url));
            if !allowed {
                let how = if is_loopback(url) && url.scheme() == "http" {
                    "; for the sandbox on loopback call allow_insecure_loopback()"
                } else {
                    ""
                };
                return Err(Error::Config(format!(
                    "the {what} {url} must use https{how}"
                )));
            }
        }
        let http = match self.http.take() {
            Some(http) => http,
            None => self
                .http_client_builder()?
                .build()
                .map_err(|error| Error::Config(format!("HTTP client: {error}")))?,
        };
        let rules = TransportRules::new(&self.cloud, self.insecure_loopback);
        let scope = self.scope.unwrap_or_else(|| self.cloud.default_scope());
        let fabric_scope = self
            .fabric_scope
            .unwrap_or_else(|| super::cloud::FABRIC_DEFAULT_SCOPE.to_owned());
        let time = self.time;
        let cache = self
            .token_cache
            .unwrap_or_else(|| TokenCache::new().clock_arc(Arc::clone(time.clock())));
        let tokens = cache.slot(&credential, &self.cloud, &scope);
        let fabric_tokens = cache.slot(&credential, &self.cloud, &fabric_scope);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                scope,
                credential,
                tokens,
                fabric_scope,
                fabric_tokens,
                token_timeout: self.token_timeout,
                cloud: self.cloud,
                timeout: self.timeout,
                idle_timeout: self.idle_timeout,
                call_timeout: self.call_timeout,
                retry: self.retry.or_time(&time),
                rules,
                max_response_bytes: self.max_response_bytes,
                decoding: self.decoding,
                time,
            }),
            profile: self.profile,
            retry: None,
        })
    }
}

/// Root certificates trusted besides the platform's; `Debug` shows only how many.
#[derive(Clone, Default)]
struct ExtraRoots(Vec<CertificateDer<'static>>);

impl std::fmt::Debug for ExtraRoots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} extra root certificate(s)", self.0.len())
    }
}
