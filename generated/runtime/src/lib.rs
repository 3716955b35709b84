//! The hand-written runtime of the [`powerbi`](https://docs.rs/powerbi) crate: the client
//! core, sign-in, the request pipeline, errors, paging and jobs, with the small types the
//! generated models use (re-exported from `powerbi-types`).
//!
//! `powerbi` re-exports all of it as `powerbi::runtime` and wraps [`Client`] in
//! `powerbi::PowerBiClient`, which adds the category accessors (`client.groups()`, ...);
//! use it through `powerbi`. A crate of its own so that it compiles once whatever categories a
//! build turns on, and so that the generated crate's compiler run holds only the generated
//! code (issue 13: compile time and memory).
//! It knows no category and no model.

#![cfg_attr(docsrs, feature(doc_cfg))]
// Time arithmetic cannot panic (issue 11): no arithmetic operator on an `Instant`, a
// `SystemTime` or a `Duration` outside tests (clippy.toml exempts integer and float pairs);
// .ci/run says why. Every clippy run of this crate checks it.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]
// The parts a program opts into by naming them (the sign-in flows beyond a client secret, a
// password or a fixed token; jobs; Fabric's client; uploads and downloads) are `#[inline]`
// throughout: not a speed hint, but so that rustc compiles them in the programs that use them
// instead of in every build of this crate (issue 13). tests/bench/tests/compiled_where_used.rs
// keeps the rule and says why; a new file goes in its `OPT_IN` or its `CORE` list. In the core
// files, the functions only such a part or a user's explicit call reaches are `#[inline]` too
// (marked "opt-in"): a cloud by name or from variables, a proxy by URL, the activity log's day
// windows, stored continuations, errors inside answers; and a request's file is attached through
// a pointer that only the `#[inline]` builder methods set (`upload::FileBody`). Together they were
// about a fifth of this crate's code (LLVM IR 97,400 -> 75,000 lines).

pub mod auth;
pub mod body;
mod client;
mod cloud;
mod decode;
mod download;
pub mod drift;
#[doc(hidden)]
// `cause_chain` and `source_of` for `powerbi`'s extensions; the types are re-exported below
pub mod error;
pub mod fabric;
mod fields;
pub mod jobs;
mod operation;
pub mod paging;
mod proxy;
pub mod redact;
mod request;
pub mod retry;
pub mod telemetry;
pub mod time;
mod tls;
mod transport;
mod upload;
mod workspace;

pub use self::time::{Clock, Sleeper, SystemClock};
pub use client::{Client, PowerBiClientBuilder};
pub use cloud::Cloud;
pub use decode::decode_json;
pub use download::ByteStream;
pub use drift::{DecodePolicy, Drift, DriftReport, decode_json_lenient};
pub use error::{
    ApiError, AuthError, Error, ErrorDetail, MAX_DETAILS, RelatedResource, Result, TimeoutKind,
};
pub use fabric::FabricClient;
pub use jobs::{Job, JobStatus, TypedJob};
pub use operation::{
    Api, HttpMethod, LongRunning, Operation, Paging, Parameter, ParameterLocation, RequestBody,
    ServicePrincipalSupport, WorkspaceScope,
};
pub use paging::{Continuation, Page, Paginator};
pub use proxy::Proxy;
pub use request::{Answer, BoxedCall, Call, Json, ODataItems, QuotedUtc, RequestBuilder};
pub use retry::RetryPolicy;
pub use upload::Upload;
pub use workspace::Workspace;

// The small types the generated models are made of live in `powerbi-types`, which needs no
// HTTP stack, so that the models compile while reqwest, rustls and tokio do (issue 13); they
// are part of this crate's API all the same.
#[doc(hidden)]
pub use powerbi_types::impl_open_enum;
pub use powerbi_types::{
    DateTime, JsonMap, JsonValue, Nullable, OpenEnum, ToParam, UnknownFieldPaths, Uuid, unknown_in,
    unknown_keys,
};
#[doc(inline)]
pub use powerbi_types::{lenient, nullable, object};
/// Re-exported so generated code needs no dependency of its own on serde.
pub use serde;
/// serde's traits, which the generated models implement.
pub use serde::{Deserialize, Serialize};
