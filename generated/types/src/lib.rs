//! The small types and JSON helpers the generated models of the
//! [`powerbi`](https://docs.rs/powerbi) crate are made of: [`DateTime`], [`Nullable`],
//! [`OpenEnum`], the object reader and writer of their JSON impls ([`object`]), lenient
//! numbers ([`lenient`]), the fields a model does not know ([`UnknownFieldPaths`]), the
//! stand-in for secret fields ([`redact::Redacted`]) and parameter values ([`ToParam`]).
//!
//! `powerbi` re-exports all of it through `powerbi::runtime`; use it through `powerbi`. A
//! crate of its own because it needs no HTTP stack (only serde, serde_json, uuid and time), so
//! that cargo compiles the generated models (`powerbi-models`, `powerbi-fabric-models-*`)
//! while reqwest, rustls and tokio build, instead of after them (issue 13: a cold build).

#![cfg_attr(docsrs, feature(doc_cfg))]
// Time arithmetic cannot panic (issue 11): no arithmetic operator on an `Instant`, a
// `SystemTime` or a `Duration` outside tests (clippy.toml exempts integer and float pairs);
// .ci/run says why. Every clippy run of this crate checks it.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

#[doc(hidden)]
pub mod datetime;
pub mod lenient;
pub mod nullable;
pub mod object;
mod open_enum;
mod param;
pub mod redact;
mod unknown_fields;

pub use datetime::DateTime;
pub use nullable::Nullable;
pub use open_enum::OpenEnum;
pub use param::ToParam;
pub use unknown_fields::{UnknownFieldPaths, unknown_in, unknown_keys};

#[doc(hidden)]
pub use crate::__impl_open_enum as impl_open_enum;

/// Re-exported so generated code needs no dependency of its own on serde.
pub use serde;
/// serde's traits, which the generated models implement.
pub use serde::{Deserialize, Serialize};
/// A free-form JSON value (used only where the spec says why).
pub use serde_json::Value as JsonValue;
/// The catch-all map of fields a model does not know.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;
/// Identifiers of workspaces, reports, dashboards, ...
pub use uuid::Uuid;
