//! A fake Power BI REST service and a fake Microsoft Entra ID token endpoint, served together
//! by one HTTP server on loopback, in the test's process: a testing kit for Power BI
//! automation, with no tenant and no network.
//!
//! - [`Sandbox::start`] starts one holding the [demo tenant](demo);
//!   [`Sandbox::builder`] seeds your own users, service principals and workspaces (with
//!   datasets, refresh history, DAX query rows, reports and dashboards), with or without the
//!   demo content; [`Sandbox::add_workspace`] and friends seed a running one.
//! - Point a client at [`Sandbox::authority_host`] (the token endpoint is
//!   `{authority_host}/{tenant}/oauth2/v2.0/token`, tenant [`demo::TENANT_ID`]) and
//!   [`Sandbox::api_base_url`] (routes at `{api_base_url}/v1.0/myorg/...`).
//! - Microsoft Fabric at `{api_base_url}/v1/...` (workspaces, items with definitions,
//!   long-running operations, jobs, Git, Microsoft's examples for the rest): see the README's
//!   Fabric section, [`FabricItemSeed`] and [`Sandbox::set_fabric_page_size`].
//! - Failure injection: [`Sandbox::set_faults`] with a [`FaultPlan`] for the API,
//!   [`Sandbox::fail_token_requests`], [`Sandbox::set_token_delay`],
//!   [`Sandbox::expire_all_tokens`], [`Sandbox::set_blob_failure`], [`Sandbox::redirect_host`].
//! - What the client sent: [`Sandbox::recorded_requests`] and the counters
//!   ([`Sandbox::tokens_issued`], [`Sandbox::refreshes_started`], ...).
//!
//! The sandbox speaks the wire format on its own terms (hand-written JSON shapes), so it
//! checks a client's serialization independently. Its README has the guide "Test your
//! automation without a tenant", with the `powerbi` client.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use powerbi_sandbox::{DatasetSeed, Role, Sandbox, ServicePrincipalSeed, WorkspaceSeed, demo};
//!
//! let app = ServicePrincipalSeed::new("Nightly job").client_secret("job-secret");
//! let workspace = WorkspaceSeed::new("Operations")
//!     .service_principal(app.object_id(), Role::Admin)
//!     .dataset(DatasetSeed::new("Sales").failed_refresh("ModelRefreshFailed_CredentialsNotSpecified"));
//! let sandbox = Sandbox::builder()
//!     .without_demo_content()
//!     .service_principal(app.clone())
//!     .workspace(workspace.clone())
//!     .start()
//!     .await?;
//! let token_url = format!(
//!     "{}/{}/oauth2/v2.0/token",
//!     sandbox.authority_host(),
//!     demo::TENANT_ID
//! );
//! let datasets_url = format!(
//!     "{}/v1.0/myorg/groups/{}/datasets",
//!     sandbox.api_base_url(),
//!     workspace.id()
//! );
//! // Sign in at token_url as app.client_id() with "job-secret", then GET datasets_url.
//! # let _ = (token_url, datasets_url);
//! # Ok(())
//! # }
//! ```
//!
//! Cargo feature `cli` builds the `powerbi-sandbox` command (`--port N`), which runs the demo
//! tenant until Ctrl-C; the library needs no feature.

#![warn(missing_docs)]

mod api;
mod app;
mod auth;
mod ci_oidc;
mod clock;
mod config;
pub mod demo;
mod directory;
mod entra;
mod example_answers;
mod fabric;
mod fabric_store;
mod faults;
mod gateway_crypto;
mod model;
mod principal;
pub mod raw;
mod record;
mod router;
mod scopes;
mod seed;
mod seeding;
mod sign_in;
mod state;
mod tls;
mod tokens;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::app::App;
pub use crate::ci_oidc::{AZURE_PIPELINES_OIDC_PATH, GITHUB_ACTIONS_OIDC_PATH};
pub use crate::config::{BlobFailure, DeviceCodeFlow, RawLifetime, SandboxConfig, TokenFailure};
pub use crate::example_answers::{EXAMPLE_ANSWER_HEADER, path_shape};
pub use crate::faults::{Fault, FaultPlan};
pub use crate::gateway_crypto::DecryptedCredentials;
pub use crate::record::RecordedRequest;
pub use crate::seeding::{
    DashboardSeed, DatasetSeed, FabricItemSeed, ReportSeed, Role, SandboxBuilder,
    ServicePrincipalSeed, TileSeed, UserSeed, WorkspaceSeed,
};

/// A running sandbox server. Dropping it shuts the server down.
#[derive(Debug)]
pub struct Sandbox {
    app: App,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Sandbox {
    /// Starts a sandbox holding the [demo tenant](demo), with [`SandboxConfig::default`], on a
    /// free loopback port. [`Sandbox::builder`] seeds your own content instead or as well.
    pub async fn start() -> std::io::Result<Sandbox> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Starts a sandbox with `config` on a free loopback port (`127.0.0.1:0`).
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Self::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await
    }

    /// Starts a sandbox with `config` on a free loopback port, serving https with the PEM
    /// certificate chain and key given (for example made with `rcgen` by a test, signed by a
    /// test CA its client trusts). [`Sandbox::base_url`] is then `https://127.0.0.1:PORT`;
    /// clients may reach it under any name the certificate covers, resolved to that address.
    pub async fn start_tls(
        config: SandboxConfig,
        cert_chain_pem: &str,
        key_pem: &str,
    ) -> std::io::Result<Sandbox> {
        let acceptor = tls::acceptor(cert_chain_pem, key_pem)?;
        let tcp = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let local = tcp.local_addr()?;
        let base_url = format!("https://{local}");
        let app = App::new(config, base_url.clone());
        let router = router::router(app.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let listener = tls::TlsListener { tcp, acceptor };
        tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                eprintln!("powerbi-sandbox: TLS server stopped with an error: {error}");
            }
        });
        Ok(Sandbox {
            app,
            base_url,
            shutdown: Some(shutdown),
        })
    }

    /// Starts a sandbox with `config` listening on `addr`.
    pub async fn bind(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(addr).await?;
        let mut local = listener.local_addr()?;
        if local.ip().is_unspecified() {
            local.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let base_url = format!("http://{local}");
        let app = App::new(config, base_url.clone());
        let router = router::router(app.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                // Resolves when the sender is used or dropped.
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                eprintln!("powerbi-sandbox: server stopped with an error: {error}");
            }
        });
        Ok(Sandbox {
            app,
            base_url,
            shutdown: Some(shutdown),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Base of the Power BI API: routes live at `{api_base_url}/v1.0/myorg/...`.
    pub fn api_base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Entra authority host: the token endpoint is `{authority_host}/{tenant}/oauth2/v2.0/token`.
    pub fn authority_host(&self) -> String {
        self.base_url.clone()
    }

    /// Tokens issued so far, over all grants.
    pub fn tokens_issued(&self) -> u64 {
        self.app.tokens_issued()
    }

    /// Requests to the token endpoint so far, failed ones included.
    pub fn token_requests(&self) -> u64 {
        self.app.token_requests()
    }

    /// Delays every token endpoint answer from now on by `delay`.
    pub fn set_token_delay(&self, delay: Duration) {
        self.app.set_token_delay(delay);
    }

    /// Expires every token issued so far; the API then answers 403 `TokenExpired` for them.
    pub fn expire_all_tokens(&self) {
        self.app.lock().tokens.expire_all();
    }

    /// Dataset refreshes accepted (answered 202) so far.
    pub fn refreshes_started(&self) -> u64 {
        self.app.refreshes_started()
    }

    /// Makes every blob upload to a temporary upload location from now on fail this way, or
    /// succeed again with `None`.
    pub fn set_blob_failure(&self, failure: Option<BlobFailure>) {
        self.app.lock().blob_failure = failure;
    }

    /// Imports created so far.
    pub fn imports_created(&self) -> u64 {
        self.app.imports_created()
    }

    /// Workspaces created so far (`POST /groups` answered 200).
    pub fn workspaces_created(&self) -> u64 {
        self.app.workspaces_created()
    }

    /// Turns fault mode on with `plan` (its schedule restarts at index 0), or off with `None`.
    pub fn set_faults(&self, plan: Option<FaultPlan>) {
        self.app.faults().set(plan);
    }

    /// Every fault injected since the plan was set: schedule index and fault, in order.
    pub fn faults_injected(&self) -> Vec<(u64, Fault)> {
        self.app.faults().injected()
    }

    /// Cluster routing: API requests addressed to host `from_host` (the `Host` header, port
    /// ignored) are answered `307 Temporary Redirect` to `to_base` followed by the same path
    /// and query, as Power BI redirects to a tenant's home cluster.
    pub fn redirect_host(&self, from_host: &str, to_base: &str) {
        self.app.faults().redirect(from_host, to_base);
    }

    /// Every API request so far: the `Host` header it carried (name and port) and whether it
    /// had a bearer token (never the token itself), oldest first.
    pub fn api_hosts(&self) -> Vec<(String, bool)> {
        self.app.faults().hosts()
    }

    /// Every request received so far (Power BI API and token endpoint), oldest first, as it
    /// arrived: method, raw path and query, headers (secrets left out) and body bytes. The
    /// log keeps the latest 10,000 requests.
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        self.app.recorder().snapshot()
    }

    /// The credentials the gateway `gateway_id` last decrypted for its data source
    /// `datasource_id` (set by `create_datasource` or `update_datasource`), or `None` when the
    /// data source is unknown or has none yet. For tests: the service never returns them.
    pub fn gateway_credentials(
        &self,
        gateway_id: &str,
        datasource_id: &str,
    ) -> Option<DecryptedCredentials> {
        self.app
            .lock()
            .gateway_mut(gateway_id)?
            .datasource_mut(datasource_id)?
            .credentials
            .clone()
    }

    /// Empties the request log.
    pub fn clear_recorded(&self) {
        self.app.recorder().clear();
    }

    /// Fabric: entries per page of every stateful list (default 100; at least 1), so a test
    /// sees `continuationToken` and `continuationUri` after a few entries.
    pub fn set_fabric_page_size(&self, entries: usize) {
        self.app.lock().fabric.settings.page_size = entries.max(1);
    }

    /// Fabric: the `Retry-After` seconds of every 202 answer and unfinished state (default 1).
    pub fn set_fabric_retry_after(&self, seconds: u64) {
        self.app.lock().fabric.settings.retry_after = seconds;
    }

    /// Fabric: how many polls see a long-running operation or job unfinished (default 2: the
    /// first poll sees `NotStarted`, the second `Running`/`InProgress`, the third the end).
    /// Applies to operations and jobs started from now on.
    pub fn set_fabric_poll_steps(&self, polls: u32) {
        self.app.lock().fabric.settings.poll_steps = polls;
    }

    /// Fabric: adds a capacity to `GET /v1/capacities` (also accepted by `assignToCapacity`).
    pub fn add_fabric_capacity(&self, id: &str, display_name: &str, sku: &str) {
        self.app.lock().fabric.capacities.push(serde_json::json!({
            "id": id,
            "displayName": display_name,
            "sku": sku,
            "region": "West Europe",
            "state": "Active",
        }));
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
