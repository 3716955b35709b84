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

pub mod ext;
pub mod runtime;

/// The README's examples, compiled by `cargo test --doc -p powerbi` so that none drifts from
/// the API or needs a crate `powerbi` does not re-export. Only in doctests: the published crate
/// has no `../README.md`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

/// Encrypting on-premises data source credentials with a gateway's public key (feature
/// `gateway-credentials`): see [`ext::gateway_credentials`].
#[cfg(feature = "gateway-credentials")]
pub use ext::gateway_credentials::{CredentialsEncryptor, GatewayCredentials};
pub use runtime::auth;
pub use runtime::{
    Cloud, DateTime, Error, HttpMethod, Job, JobStatus, Nullable, Paginator, PowerBiClient,
    PowerBiClientBuilder, Result, Upload, Uuid, Workspace,
};

// The generated client: fresh from `../spec` with the `regenerate` feature, otherwise the
// checked-in snapshot of the same output (see build.rs).
#[cfg(feature = "regenerate")]
include!(concat!(env!("OUT_DIR"), "/powerbi.rs"));
#[cfg(not(feature = "regenerate"))]
include!("../snapshot/powerbi.rs");
