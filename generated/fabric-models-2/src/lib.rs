//! The second of the two parts of the generated request and response models of the
//! [`powerbi`](https://docs.rs/powerbi) crate for Microsoft Fabric's REST API, generated from
//! `spec/fabric`; `powerbi-fabric-models-1` holds the other part.
//!
//! `powerbi` re-exports both parts as `powerbi::fabric::models`; use them through it. Crates of
//! their own, apart from Power BI's models (`powerbi-models`) and from each other, because
//! Fabric's models are three times as many as Power BI's and its categories share few: cargo
//! compiles the three crates side by side, and none waits for the HTTP stack, since all need
//! only the small types of `powerbi-types` (issue 13: compile time and memory). Categories that
//! share a model are in the same part; the generator balances the parts by size.
//!
//! Every model keeps the fields the service sent that the spec does not know yet in
//! `unknown_fields`, and writes them back as they came.
//!
//! # Cargo features
//!
//! The Fabric category features of `powerbi`, which turns on here the ones turned on there:
//! `fabric_<category>` compiles the models that category uses if this part holds them,
//! `fabric` all of this part's. With none on, the crate is empty.

#![cfg_attr(docsrs, feature(doc_cfg))]
// Time arithmetic cannot panic (issue 11): no arithmetic operator on an `Instant`, a
// `SystemTime` or a `Duration` outside tests (clippy.toml exempts integer and float pairs);
// .ci/run says why. Every clippy run of this crate checks it.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
#![allow(clippy::doc_markdown)]

// Fresh from `../../spec/fabric` when build.rs generated it (`_regenerate`, in the repository: it
// sets `powerbi_regenerated`), otherwise the checked-in snapshot of the same output. A packaged
// crate has no build script and always compiles the snapshot.
#[cfg(powerbi_regenerated)]
include!(concat!(env!("OUT_DIR"), "/fabric.rs"));
#[cfg(not(powerbi_regenerated))]
include!("../snapshot/fabric.rs");
