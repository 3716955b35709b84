//! A typed client for the Power BI REST API, generated from a curated spec.
//!
//! ```no_run
//! use powerbi::{PowerBiClient, Workspace, auth::ClientSecretCredential};
//!
//! # async fn run() -> Result<(), powerbi::Error> {
//! let client = PowerBiClient::builder()
//!     .credential(ClientSecretCredential::new("tenant-id", "client-id", "secret value"))
//!     .build()?;
//! for workspace in client.groups().list_groups(Default::default()).await? {
//!     println!("{} {}", workspace.id, workspace.name.unwrap_or_default());
//! }
//! # Ok(()) }
//! ```
//!
//! - One module per permission category (`groups`, `datasets`, `reports`, `dashboards`, ...;
//!   each a cargo feature, all on by default), each with a client borrowed from
//!   [`PowerBiClient`]; the models are in [`models`].
//! - Every method's documentation names its required scopes, service-principal support and
//!   Microsoft's page; [`OPERATIONS`] lists the same facts for every operation.
//! - Operations that exist for "My workspace" and for workspaces are one method taking a
//!   [`Workspace`].
//!
//! # Cargo features
//!
//! - One per permission category (`admin`, `apps`, `available_features`, `capacities`,
//!   `dashboards`, `dataflow_storage_accounts`, `dataflows`, `datasets`, `embed_token`,
//!   `gateways`, `groups`, `imports`, `pipelines`, `profiles`, `push_datasets`, `reports`,
//!   `scorecards`, `template_apps`, `users`), all on by default: the module, the
//!   `client.<category>()` accessor and the models only that category uses.
//! - `test-util` (public, off): `runtime::time::ManualClock`, for your own tests.
//! - `_regenerate` (**internal**, off): generates the client from the repository's spec
//!   instead of compiling the checked-in snapshot. It exists for work on the spec in the
//!   repository, carries no semver promise, and in a packaged crate only copies the same
//!   snapshot; the leading underscore keeps it off docs.rs's feature list.
//!
//! The public API is everything reachable from this crate's root, `runtime` included; the
//! [changelog](https://github.com/powerbi-rs/powerbi-rs/blob/main/CHANGELOG.md) says which
//! changes of the API description are minor and which major.

#![cfg_attr(docsrs, feature(doc_cfg))]
// Time arithmetic cannot panic (issue 11): no arithmetic operator on an `Instant`, a
// `SystemTime` or a `Duration` outside tests (clippy.toml exempts integer and float pairs);
// .ci/run says why. Every clippy run of this crate checks it.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

mod client;
pub mod ext;
pub mod runtime;

/// The repository README's examples, compiled by `cargo test --doc -p powerbi` so that none
/// drifts from the API or needs a crate `powerbi` does not re-export. Only in doctests and only
/// in the repository (build.rs): the packaged crate has no `../README.md`.
#[cfg(all(doctest, powerbi_repository))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

/// The package README's examples (what crates.io shows), compiled the same way, in the
/// repository and in the packaged crate.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct PackageReadmeExamples;

/// Encrypting on-premises data source credentials with a gateway's public key (feature
/// `gateway-credentials`): see [`ext::gateway_credentials`].
#[cfg(feature = "gateway-credentials")]
pub use ext::gateway_credentials::{CredentialsEncryptor, GatewayCredentials};
pub use runtime::auth;
pub use runtime::{
    Cloud, DateTime, Error, HttpMethod, Job, JobStatus, Nullable, Paginator, PowerBiClient,
    PowerBiClientBuilder, Proxy, Result, Upload, Uuid, Workspace,
};

// The generated client: fresh from `../spec/powerbi` when build.rs generated it (`_regenerate`, in
// the repository: it sets `powerbi_regenerated`), otherwise the checked-in snapshot of the same
// output. A packaged crate has no build script and always compiles the snapshot.
#[cfg(powerbi_regenerated)]
include!(concat!(env!("OUT_DIR"), "/powerbi.rs"));
#[cfg(not(powerbi_regenerated))]
include!("../snapshot/powerbi.rs");

/// Microsoft Fabric's REST API (`api.fabric.microsoft.com/v1`), generated from `spec/fabric`
/// like the Power BI client from `spec/powerbi`, over the same runtime: one module per
/// category (each behind the cargo feature `fabric_<category>`; `fabric` turns on all of
/// them), reached through [`PowerBiClient::fabric`] with the same credential, token cache,
/// connections, retries and limits. Its models are in [`fabric::models`](self::fabric),
/// [`fabric::OPERATIONS`](self::fabric) lists every operation's facts.
///
/// ```no_run
/// # #[cfg(feature = "fabric_workspaces")]
/// # async fn run(client: powerbi::PowerBiClient) -> powerbi::Result<()> {
/// let fabric = client.fabric();
/// let mut workspaces = fabric.workspaces().list_workspaces_pages(Default::default());
/// while let Some(workspace) = workspaces.try_next().await? {
///     println!("{} {}", workspace.id, workspace.display_name);
/// }
/// # Ok(()) }
/// ```
///
/// Long-running operations wait for their end and return their result
/// (`create_notebook(...).await?` is the created notebook); their `*_job` siblings return a
/// [`TypedJob`](runtime::TypedJob) to watch with progress or a time limit. A job scheduler run
/// (`run_on_demand_item_job`, `run_on_demand_notebook`) returns its job instance as a [`Job`]
/// to wait on or cancel.
///
/// The module exists when at least one `fabric_<category>` feature is on: without one, the
/// crate does not even parse Fabric's generated code.
#[cfg(feature = "_fabric")]
#[cfg_attr(docsrs, doc(cfg(feature = "fabric")))]
pub mod fabric {
    // Fresh from `../spec/fabric` when build.rs generated it (`_regenerate`, in the repository: it
    // sets `powerbi_regenerated`), otherwise the checked-in snapshot (see build.rs).
    #[cfg(powerbi_regenerated)]
    include!(concat!(env!("OUT_DIR"), "/fabric.rs"));
    #[cfg(not(powerbi_regenerated))]
    include!("../snapshot/fabric.rs");
}
