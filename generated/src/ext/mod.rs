//! Hand-written extensions of generated categories: workflows that string several generated
//! operations together. They may use the runtime and the generated categories; the runtime
//! uses neither (see ARCHITECTURE.md), so it stays the same for every API and subset.
//!
//! - `scan`: the whole-tenant metadata scan, `client.admin().scan_workspaces(...)` (feature
//!   `admin`).
//! - `import`: publishing a file of any size, `client.import_file(...)` (feature `imports`).
//! - `gateway_credentials`: credentials of on-premises data sources encrypted with the
//!   gateway's public key, `CredentialDetails::for_gateway(...)` (feature `gateway-credentials`).

#[cfg(feature = "gateway-credentials")]
pub mod gateway_credentials;
#[cfg(feature = "imports")]
pub mod import;
#[cfg(feature = "admin")]
pub mod scan;
