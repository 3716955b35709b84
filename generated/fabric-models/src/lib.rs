//! The generated request and response models of the [`powerbi`](https://docs.rs/powerbi)
//! crate for Microsoft Fabric's REST API, generated from `spec/fabric`.
//!
//! `powerbi` re-exports them as `powerbi::fabric::models`; use them through it. A crate of its
//! own, apart from Power BI's models (`powerbi-models`), because the two share nothing and
//! Fabric's are three times as many: cargo compiles the two crates side by side, and neither
//! waits for the HTTP stack, since both need only the small types of `powerbi-types` (issue 13:
//! compile time and memory).
//!
//! Every model keeps the fields the service sent that the spec does not know yet in
//! `unknown_fields`, and writes them back as they came.
//!
//! # Cargo features
//!
//! The Fabric category features of `powerbi`, which turns on here the ones turned on there:
//! `fabric_<category>` compiles the models that category uses, `fabric` all of them. With none
//! on, the crate is empty.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![allow(clippy::doc_markdown)]

// Fresh from `../../spec/fabric` with the `_regenerate` feature, otherwise the checked-in
// snapshot of the same output (see build.rs).
#[cfg(feature = "_regenerate")]
include!(concat!(env!("OUT_DIR"), "/fabric.rs"));
#[cfg(not(feature = "_regenerate"))]
include!("../snapshot/fabric.rs");
