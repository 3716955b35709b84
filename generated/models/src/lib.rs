//! The generated request and response models of the [`powerbi`](https://docs.rs/powerbi)
//! crate for Power BI's REST API, in [`power_bi`]. Microsoft Fabric's are a crate of their own,
//! `powerbi-fabric-models-shared`, `-1` and `-2`, which cargo compiles beside this one.
//!
//! `powerbi` re-exports them as `powerbi::models`; use them through it. A crate of its own because it needs only the small types of `powerbi-types`,
//! neither the clients nor the HTTP stack: cargo compiles it while reqwest, rustls and tokio
//! build, and the compiler holds the models and the clients in two runs instead of one
//! (issue 13: compile time and memory).
//!
//! Every model keeps the fields the service sent that the spec does not know yet in
//! `unknown_fields`, and writes them back as they came.
//!
//! # Cargo features
//!
//! The same Power BI category features as `powerbi`, which turns on here the ones turned on
//! there: each compiles the models its category uses. `gateway-credentials` adds
//! the module `gateway_credentials`, re-exported by `powerbi`.

#![cfg_attr(docsrs, feature(doc_cfg))]
// Time arithmetic cannot panic (issue 11): no arithmetic operator on an `Instant`, a
// `SystemTime` or a `Duration` outside tests (clippy.toml exempts integer and float pairs);
// .ci/run says why. Every clippy run of this crate checks it.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
#![allow(clippy::doc_markdown)]

#[cfg(feature = "gateway-credentials")]
pub mod gateway_credentials;

/// The request and response models of every Power BI category, generated from
/// `spec/powerbi`; `powerbi` re-exports them as `powerbi::models`.
pub mod power_bi {
    // Fresh from `../../spec/powerbi` when build.rs generated it (`_regenerate`, in the repository:
    // it sets `powerbi_regenerated`), otherwise the checked-in snapshot of the same output. A
    // packaged crate has no build script and always compiles the snapshot.
    #[cfg(powerbi_regenerated)]
    include!(concat!(env!("OUT_DIR"), "/powerbi.rs"));
    #[cfg(not(powerbi_regenerated))]
    include!("../snapshot/powerbi.rs");
}
