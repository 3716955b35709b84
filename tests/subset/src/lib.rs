//! An example of a crate that generates its own subset of the Power BI client: the `groups`
//! and `datasets` categories only, from its own `build.rs`, on top of the `powerbi` runtime.
//!
//! ```no_run
//! use powerbi_subset_example::CategoryClients;
//!
//! # async fn run(client: powerbi::PowerBiClient) -> powerbi::Result<()> {
//! let workspaces = client.groups().list_groups(Default::default()).await?;
//! # Ok(()) }
//! ```

include!(concat!(env!("OUT_DIR"), "/powerbi.rs"));
