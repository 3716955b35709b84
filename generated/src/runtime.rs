//! The hand-written runtime that generated code calls: the client, sign-in, the request
//! pipeline, errors and the small types models use. It is the crate `powerbi-runtime`,
//! re-exported here whole, with [`PowerBiClient`] and [`FabricClient`] (this crate's: they
//! carry the category accessors) in place of the runtime's own client types.
//!
//! Generated methods reach everything through this module (`crate::runtime` inside `powerbi`,
//! `::powerbi::runtime` in a crate that generates its own subset), so it is public; most users
//! need only [`PowerBiClient`], [`Workspace`], [`Error`] and the credentials in [`auth`].
//!
//! # Examples
//!
//! A long-running operation's `*_job` method returns a [`Job`] to wait on ([`jobs`]):
//!
//! ```no_run
//! # async fn demo(client: &powerbi::PowerBiClient, workspace: powerbi::runtime::Uuid,
//! #     dataset: &str) -> powerbi::Result<()> {
//! use std::time::Duration;
//!
//! let mut job = client
//!     .datasets()
//!     .refresh_dataset_job(workspace, dataset, None)
//!     .await?
//!     .poll_interval(Duration::from_secs(10))
//!     .timeout(Duration::from_secs(3600));
//! let done = job.wait_with(|status| println!("refresh: {}", status.status)).await?;
//! assert!(done.succeeded());
//! # Ok(())
//! # }
//! ```
//!
//! A [`Nullable`] field is left out of a request (`Absent`, the default), sent as `null`
//! (`Null`: clears or unassigns the property) or sent as its value:
//!
//! ```
//! use powerbi::models::{AdminGroup, AzureResource};
//! use powerbi::runtime::Nullable;
//!
//! // Unassign the workspace's Log Analytics workspace: the body is {"logAnalyticsWorkspace":null}.
//! let unassign = AdminGroup {
//!     log_analytics_workspace: Nullable::Null,
//!     ..Default::default()
//! };
//! assert_eq!(
//!     serde_json::to_string(&unassign).unwrap(),
//!     r#"{"logAnalyticsWorkspace":null}"#
//! );
//!
//! // Rename only: the Log Analytics assignment is left out, and so left as it is.
//! let rename = AdminGroup {
//!     name: Some("Sales".to_owned()),
//!     ..Default::default()
//! };
//! assert_eq!(serde_json::to_string(&rename).unwrap(), r#"{"name":"Sales"}"#);
//!
//! // Assign one.
//! let assign = AdminGroup {
//!     log_analytics_workspace: AzureResource {
//!         resource_name: Some("logs".to_owned()),
//!         ..Default::default()
//!     }
//!     .into(),
//!     ..Default::default()
//! };
//! assert_eq!(
//!     serde_json::to_string(&assign).unwrap(),
//!     r#"{"logAnalyticsWorkspace":{"resourceName":"logs"}}"#
//! );
//! ```

pub use powerbi_runtime::*;

pub use crate::client::{FabricClient, PowerBiClient, PowerBiClientBuilder};
