//! The generated Microsoft Fabric models that both parts of the [`powerbi`](https://docs.rs/powerbi)
//! crate's Fabric models use (`powerbi-fabric-models-1` and `-2`), generated from
//! `spec/fabric`: Fabric's common types (`Principal`, `ItemTag`, `SensitivityLabel`,
//! `ErrorResponse`, ...) and the few others categories of both parts use.
//!
//! `powerbi` re-exports them, with both parts, as `powerbi::fabric::models`; use them through
//! it. A small crate of its own so that the two parts, which build on it, compile side by side
//! (issue 13: compile time and memory).
//!
//! # Cargo features
//!
//! The Fabric category features, which each part turns on here for its own: `fabric_<category>`
//! compiles the shared models that category uses, `fabric` all of them. With none on, the crate
//! is empty.

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
