//! [`PowerBiClient`] and [`FabricClient`]: the runtime's client, and its Fabric view, with the
//! generated category accessors (`client.groups()`, `client.fabric().workspaces()`, ...).
//!
//! Why wrappers: the runtime is a crate of its own (`powerbi-runtime`, compiled once whatever
//! categories a build turns on; issue 13), and Rust lets only the crate that defines a type give
//! it methods, so the type the generated accessors hang on is defined here. Each is the
//! runtime's value and nothing else; every method below forwards to it.

use std::time::Duration;

use powerbi_runtime::{self as rt, Cloud, HttpMethod, Operation, RequestBuilder, RetryPolicy};

/// The client for the Power BI REST API.
///
/// Cheap to clone (an `Arc` inside). Building it sends nothing; the first call signs in, and
/// every category client (`client.datasets()`, `client.groups()`, ...) shares its token cache
/// and connection pool.
#[derive(Clone, Debug)]
pub struct PowerBiClient {
    core: rt::Client,
}

/// Configures a [`PowerBiClient`]: [`PowerBiClient::builder`], then
/// [`build`](rt::PowerBiClientBuilder::build).
pub type PowerBiClientBuilder = rt::PowerBiClientBuilder<PowerBiClient>;

impl From<rt::Client> for PowerBiClient {
    fn from(core: rt::Client) -> Self {
        PowerBiClient { core }
    }
}

impl PowerBiClient {
    /// Starts configuring a client.
    pub fn builder() -> PowerBiClientBuilder {
        PowerBiClientBuilder::default()
    }

    /// The runtime's client this one is (what runtime functions that take a client take).
    pub fn core(&self) -> &rt::Client {
        &self.core
    }

    /// The same client acting as a service-principal profile: every call carries
    /// `X-PowerBI-Profile-Id`. Shares the token cache and connections; cheap to call per request.
    pub fn with_profile(&self, profile_id: rt::Uuid) -> PowerBiClient {
        self.core.with_profile(profile_id).into()
    }

    /// The same client acting as the service principal itself (no profile).
    pub fn without_profile(&self) -> PowerBiClient {
        self.core.without_profile().into()
    }

    /// The same client retrying with `policy` instead of the one it was built with (for
    /// example [`RetryPolicy::none`] for a call that must not wait). Shares the token cache
    /// and connections; cheap to call per request. A policy without a clock of its own reads
    /// the client's.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> PowerBiClient {
        self.core.with_retry_policy(policy).into()
    }

    /// The retry policy calls of this client use.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.core.retry_policy()
    }

    /// The idle timeout of large transfers: a download or upload fails when no byte moves for
    /// this long (see [`PowerBiClientBuilder::idle_timeout`](rt::PowerBiClientBuilder::idle_timeout)).
    pub fn idle_timeout(&self) -> Duration {
        self.core.idle_timeout()
    }

    /// The service-principal profile calls act as, if any.
    pub fn profile(&self) -> Option<rt::Uuid> {
        self.core.profile()
    }

    /// The cloud this client talks to.
    pub fn cloud(&self) -> &Cloud {
        self.core.cloud()
    }

    /// A request for a generated operation (what generated methods call).
    pub fn request(&self, operation: &'static Operation) -> RequestBuilder {
        self.core.request(operation)
    }

    /// Any call the spec does not cover yet, with the same sign-in and errors: `path` is
    /// relative to `/v1.0/myorg` (`"/groups"`), and may not contain `{placeholders}`.
    pub fn raw(&self, method: HttpMethod, path: &str) -> RequestBuilder {
        self.core.raw(method, path)
    }

    /// Microsoft Fabric's REST API (preview) with this client's credential, token cache,
    /// connections, retries and limits. See [`runtime::fabric`](crate::runtime::fabric); the
    /// generated categories are in the module `fabric`, with their `fabric_*` features.
    pub fn fabric(&self) -> FabricClient {
        FabricClient {
            core: self.core.fabric(),
        }
    }
}

/// The Fabric REST API with a [`PowerBiClient`]'s credential and settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FabricClient {
    core: rt::FabricClient,
}

impl FabricClient {
    /// A request for a generated Fabric operation: its path is relative to `/v1`.
    pub fn request(&self, operation: &'static Operation) -> RequestBuilder {
        self.core.request(operation)
    }

    /// Any Fabric call: `path` is relative to `/v1` (`"/workspaces"`), and may not contain
    /// `{placeholders}`.
    pub fn raw(&self, method: HttpMethod, path: &str) -> RequestBuilder {
        self.core.raw(method, path)
    }

    /// Runs an item's job on demand (`POST /workspaces/{workspaceId}/items/{itemId}/jobs/
    /// instances?jobType={jobType}`, e.g. `RunNotebook`, `Pipeline`, `DefaultJob`) and returns
    /// the job instance to wait on or cancel.
    pub async fn run_job(
        &self,
        workspace_id: rt::Uuid,
        item_id: rt::Uuid,
        job_type: &str,
    ) -> rt::Result<rt::Job> {
        self.core.run_job(workspace_id, item_id, job_type).await
    }
}
