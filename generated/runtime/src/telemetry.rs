//! The `tracing` spans the client opens, and their fields.
//!
//! Every call, attempt, page, job poll and sign-in is a span of the
//! [`tracing`](https://docs.rs/tracing) crate; the events the client logs (a retry, a redirect,
//! a token renewed) happen inside them. Field names follow OpenTelemetry's semantic
//! conventions for HTTP clients where one exists, and the `powerbi.*` namespace otherwise, so a
//! `tracing-opentelemetry` layer exports them as they are (`otel.name`, `otel.kind`,
//! `otel.status_code` and `error.type` are the names that layer reads).
//!
//! | span (level) | one per | field | recorded | value |
//! | --- | --- | --- | --- | --- |
//! | `powerbi.call` (INFO) | call through the send path (generated method, raw call, page, job start and poll, download) | `otel.name` | start | Microsoft's operationId (`Reports_GetReportsInGroup`), or the method (`GET`) for a raw call |
//! | | | `otel.kind` | start | `client` |
//! | | | `powerbi.operation` | start | the spec's method name (`get_reports`), or `raw request` |
//! | | | `powerbi.operation_id` | start | Microsoft's operationId (absent for a raw call) |
//! | | | `http.request.method` | start | `GET`, `POST`, ... |
//! | | | `server.address` | start | the host called |
//! | | | `url.path` | start | the path, never the query (which may hold filters, tokens or a `sig=`) |
//! | | | `http.response.status_code` | each answer | the last HTTP status |
//! | | | `powerbi.request_id` | each answer | the last answer's `RequestId` header |
//! | | | `powerbi.attempts` | end | attempts made |
//! | | | `powerbi.duration_ms` | end | the call's duration, retries and waits included |
//! | | | `otel.status_code` | failure | `ERROR` (left unset on success, as OpenTelemetry asks of client libraries) |
//! | | | `error.type` | failure | the status (`404`), or `timeout`, `transport`, `sign_in`, `response_too_large`, `decode`, `unusable`, `invalid_request`, `config` |
//! | `powerbi.attempt` (DEBUG), in a call | attempt | `powerbi.attempt` | start | 1, 2, ... |
//! | | | `http.request.resend_count` | start | attempts before this one, from the second on |
//! | | | `http.response.status_code`, `powerbi.request_id` | answer | as for the call |
//! | | | `otel.status_code`, `error.type` | failure | as for the call |
//! | | | `powerbi.retry.reason` | retried | `throttled`, `error status`, `could not connect`, `no answer` |
//! | | | `powerbi.retry.wait_ms` | retried | the wait before the next attempt (`Retry-After` or backoff) |
//! | `powerbi.page` (INFO), around its call | page a [`Paginator`](crate::Paginator) fetches | `powerbi.operation` | start | the listing's operation |
//! | | | `powerbi.paging` | start | `top_skip`, `next_link`, `continuation` |
//! | | | `powerbi.page.number` | start | 1 for the paginator's first page (counted from where it started or resumed) |
//! | | | `powerbi.page.items` | end | items on the page |
//! | | | `otel.status_code`, `error.type` | failure | as for the call |
//! | `powerbi.job.poll` (INFO), around its call | [`Job::poll`](crate::Job::poll) (each poll of a `wait`) | `powerbi.operation` | start | the operation that started the job |
//! | | | `powerbi.job.kind` | start | `refresh`, `export`, `import`, `pipeline`, `scan`, `poll` |
//! | | | `powerbi.job.id` | start | the job's id, when it has one (refresh request id, export id, ...) |
//! | | | `powerbi.job.state` | end | the service's status text (`Running`, `Succeeded`, `Failed`, ...) |
//! | | | `powerbi.job.done` | end | whether the job has ended |
//! | | | `otel.status_code`, `error.type` | failure | as for the call |
//! | `powerbi.sign_in` (INFO), in the attempt that needed a token | token request (only when no cached token serves) | `powerbi.credential` | start | the credential's kind (`client secret`, `managed identity`, ...) |
//! | | | `server.address` | request | the token endpoint's host (credentials that call one) |
//! | | | `http.response.status_code` | answer | the token endpoint's status |
//! | | | `powerbi.token.expires_in_s` | success | the token's lifetime in seconds |
//! | | | `otel.status_code`, `error.type` | failure | `ERROR`, `sign_in` |
//!
//! No field or event holds a secret: no token, client secret, password or assertion, no query
//! string (a signed URL's `sig=`, a continuation token); URLs appear as host and path only.
//! Fields not known when a span starts are declared empty and recorded later (a subscriber
//! sees them through `on_record`).
//!
//! Filter them like any target: `RUST_LOG=powerbi=info` keeps calls, pages, polls and
//! sign-ins, `powerbi=debug` adds attempts and the per-request events. Their targets are this
//! crate's module paths (`powerbi_runtime::request::send`, ...), which a `powerbi` directive
//! covers: `tracing-subscriber`'s `EnvFilter` matches a target by its prefix.

use std::borrow::Cow;

use tracing::field::Empty;

use super::Error;

/// The `powerbi.call` span of a call, its later fields declared empty: `operation_id` is
/// Microsoft's (`None` for a raw call), `url` the one first called.
pub(crate) fn call_span(
    operation: &'static str,
    operation_id: Option<&'static str>,
    method: &str,
    url: Option<&url::Url>,
) -> tracing::Span {
    tracing::info_span!(
        "powerbi.call",
        otel.name = operation_id.unwrap_or(method),
        otel.kind = "client",
        powerbi.operation = operation,
        powerbi.operation_id = operation_id,
        http.request.method = method,
        server.address = url.and_then(url::Url::host_str),
        url.path = url.map(url::Url::path),
        http.response.status_code = Empty,
        powerbi.request_id = Empty,
        powerbi.attempts = Empty,
        powerbi.duration_ms = Empty,
        otel.status_code = Empty,
        "error.type" = Empty,
    )
}

/// The `powerbi.attempt` span of attempt number `attempt` of a call.
pub(crate) fn attempt_span(attempt: u32) -> tracing::Span {
    let span = tracing::debug_span!(
        "powerbi.attempt",
        powerbi.attempt = attempt,
        http.request.resend_count = Empty,
        http.response.status_code = Empty,
        powerbi.request_id = Empty,
        powerbi.retry.reason = Empty,
        powerbi.retry.wait_ms = Empty,
        otel.status_code = Empty,
        "error.type" = Empty,
    );
    if attempt > 1 {
        span.record("http.request.resend_count", attempt.saturating_sub(1));
    }
    span
}

/// The `error.type` of a failure: the HTTP status for an answer the service refused, else the
/// kind of failure (the values the [module documentation](self) lists).
pub(crate) fn error_type(error: &Error) -> Cow<'static, str> {
    Cow::Borrowed(match error {
        Error::Api(api) => return Cow::Owned(api.status.to_string()),
        Error::Auth(_) => "sign_in",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        Error::ResponseTooLarge { .. } => "response_too_large",
        Error::Decode { .. } => "decode",
        Error::Unusable { .. } => "unusable",
        Error::InvalidRequest(_) => "invalid_request",
        Error::Config(_) => "config",
    })
}

/// Marks `span` failed with `error` (`otel.status_code` and `error.type`).
pub(crate) fn failed(span: &tracing::Span, error: &Error) {
    span.record("otel.status_code", "ERROR");
    span.record("error.type", error_type(error).as_ref());
}

/// Records `result`'s failure, if it is one, on `span`.
pub(crate) fn outcome<T>(span: &tracing::Span, result: &Result<T, Error>) {
    if let Err(error) = result {
        failed(span, error);
    }
}

/// Records `field` on the current span when it is the client's `powerbi.sign_in` span (never
/// on a span of the caller's, which may have fields of the same names).
pub(crate) fn record_sign_in(field: &str, value: impl tracing::Value) {
    let span = tracing::Span::current();
    if span
        .metadata()
        .is_some_and(|metadata| metadata.name() == SIGN_IN)
    {
        span.record(field, value);
    }
}

/// The name of the sign-in span.
const SIGN_IN: &str = "powerbi.sign_in";

/// Milliseconds of `duration`, saturating, for `*_ms` fields.
pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
