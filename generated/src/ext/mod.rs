//! Hand-written extensions of generated categories: workflows that string several generated
//! operations together. They may use the runtime and the generated categories; the runtime
//! uses neither (see ARCHITECTURE.md), so it stays the same for every API and subset.
//!
//! - `scan`: the whole-tenant metadata scan, `client.admin().scan_workspaces(...)` (feature
//!   `admin`).
//! - `import`: publishing a file of any size, `client.import_file(...)` (feature `imports`).
//! - `dax`: DAX query results as tables, CSV and JSON Lines, and (feature `arrow`) the Arrow
//!   answer of `execute_dax_queries` decoded as it streams (feature `datasets`).
//! - `definition`: Fabric item definitions from and to folders on disk (a PBIR report, a TMDL
//!   semantic model, a notebook), `client.fabric().create_item_from_folder(...)` (feature
//!   `fabric_items`, the Items API it calls).
//! - `gateway_credentials`: credentials of on-premises data sources encrypted with the
//!   gateway's public key, `CredentialDetails::for_gateway(...)` (feature `gateway-credentials`).
//!
//! Every non-generic function here is `#[inline]`: not a speed hint, but so that rustc compiles
//! an extension in the programs that use it rather than in every build of `powerbi` with its
//! feature on (issue 13). tests/bench/tests/compiled_where_used.rs keeps the rule and says why.

#[cfg(feature = "datasets")]
pub mod dax;
#[cfg(feature = "fabric_items")]
pub mod definition;
// Kept beside the models it fills (`powerbi-models`), whose `CredentialDetails` it gives a
// constructor: only the crate defining a type can.
#[cfg(feature = "gateway-credentials")]
#[doc(inline)]
pub use powerbi_models::gateway_credentials;
#[cfg(feature = "imports")]
pub mod import;
#[cfg(feature = "admin")]
pub mod scan;
