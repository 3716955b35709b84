//! Microsoft Fabric's REST API through the same client (preview): one credential, one
//! connection pool, one token cache holding one token per audience.
//!
//! [`Client::fabric`] returns a [`FabricClient`]; its requests go to the cloud's Fabric
//! API base (`https://api.fabric.microsoft.com/v1` in the public cloud, or
//! [`PowerBiClientBuilder::fabric_api_base`](crate::PowerBiClientBuilder::fabric_api_base))
//! with a token for Fabric's scope, through the one send path: retries, redirects, bounded
//! bodies and errors (Fabric's error shape read into [`Error::Api`](crate::Error::Api)) as for
//! Power BI.
//!
//! This is the path generated Fabric methods take: `client.fabric().request(&OPERATION)`,
//! then the parameters, then one of
//!
//! | the operation | the call |
//! | --- | --- |
//! | answers at once | [`RequestBuilder::send_json`], [`send_empty`](RequestBuilder::send_empty) |
//! | pages (`continuationToken`/`continuationUri`) | [`RequestBuilder::pages`] |
//! | long-running, with a result | [`RequestBuilder::send_lro`], or [`start_lro`](RequestBuilder::start_lro) and [`Job::result`] |
//! | long-running, without | [`RequestBuilder::send_lro_empty`] |
//! | long-running, with a binary result | [`RequestBuilder::send_lro_bytes`] |
//! | runs a job on demand | [`RequestBuilder::start_job_instance`] (or [`FabricClient::run_job`]) |

use serde::de::DeserializeOwned;

use super::client::Client;
use super::request::{BoxedCall, Call, Json, RequestBuilder, Sending};
use super::{HttpMethod, Job, JobStatus, LongRunning, Operation, Paginator, Result};

/// The Fabric REST API with a [`Client`]'s credential and settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FabricClient {
    client: Client,
}

impl Client {
    /// Microsoft Fabric's REST API (preview) with this client's credential, token cache,
    /// connections, retries and limits. See [`crate::fabric`].
    #[inline]
    pub fn fabric(&self) -> FabricClient {
        FabricClient {
            client: self.clone(),
        }
    }
}

impl FabricClient {
    /// A request for a generated Fabric operation: its path is relative to `/v1`.
    #[inline]
    pub fn request(&self, operation: &'static Operation) -> RequestBuilder {
        self.client.request(operation).for_fabric()
    }

    /// Any Fabric call: `path` is relative to `/v1` (`"/workspaces"`), and may not contain
    /// `{placeholders}`.
    #[inline]
    pub fn raw(&self, method: HttpMethod, path: &str) -> RequestBuilder {
        self.client.raw(method, path).for_fabric()
    }

    /// Runs an item's job on demand (`POST /workspaces/{workspaceId}/items/{itemId}/jobs/
    /// instances?jobType={jobType}`, e.g. `RunNotebook`, `Pipeline`, `DefaultJob`) and returns
    /// the job instance to wait on or cancel.
    #[inline]
    pub async fn run_job(
        &self,
        workspace_id: uuid::Uuid,
        item_id: uuid::Uuid,
        job_type: &str,
    ) -> Result<Job> {
        RequestBuilder::raw(
            &self.client,
            reqwest::Method::POST,
            "/workspaces/{workspaceId}/items/{itemId}/jobs/instances".to_owned(),
        )
        .for_fabric()
        .path_param("workspaceId", &workspace_id)
        .path_param("itemId", &item_id)
        .query("jobType", &job_type)
        .start_job_instance()
        .await
    }
}

/// How generated Fabric methods send (see the [module documentation](self)).
impl RequestBuilder {
    /// Starts a Fabric long-running operation and returns its [`Job`] (wait with progress,
    /// then [`Job::result`]).
    #[inline]
    pub fn start_lro(self) -> BoxedCall<Job> {
        Job::start(self, LongRunning::FabricOperation)
    }

    /// Starts a Fabric long-running operation, waits for it and returns its result decoded
    /// as `T`; an operation that ends `Failed` is its error ([`Job::failure`]).
    pub fn send_lro<T: DeserializeOwned>(self) -> Call<Json<T>> {
        let operation = self.operation_name();
        Call::new(self.lro_result(), operation)
    }

    /// Starting, waiting for and reading a result, as one boxed future: not generic (an
    /// `async` block in [`Self::send_lro`] would be compiled once per result type).
    #[inline]
    fn lro_result(self) -> Sending {
        Box::pin(async move { self.start_lro().await?.result_answer().await })
    }

    /// Starts a Fabric long-running operation whose result is binary, waits for it and
    /// returns the bytes ([`Job::result_bytes`]).
    #[inline]
    pub fn send_lro_bytes(self) -> BoxedCall<Vec<u8>> {
        BoxedCall::new(async move { self.start_lro().await?.result_bytes().await.map(Vec::from) })
    }

    /// Starts a Fabric long-running operation without a result and waits until it succeeds
    /// (an operation that ends `Failed` is its error).
    #[inline]
    pub fn send_lro_empty(self) -> BoxedCall<JobStatus> {
        BoxedCall::new(async move { self.start_lro().await?.wait_succeeded().await })
    }

    /// Runs a job on demand and returns the job instance ([`Job::wait`], [`Job::cancel`]).
    #[inline]
    pub fn start_job_instance(self) -> BoxedCall<Job> {
        Job::start(self, LongRunning::JobInstance)
    }

    /// The items of a Fabric listing (`value`), page by page, following `continuationUri` on
    /// the Fabric host and `continuationToken` otherwise.
    pub fn pages<T: DeserializeOwned + Send + 'static>(self) -> Paginator<T> {
        Paginator::continuation_uri(self, "value")
    }
}
