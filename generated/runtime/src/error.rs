//! The one error type: every failure, with a one-line `Display` a user can act on.

use std::fmt::{self, Write as _};
use std::time::Duration;

use super::redact;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong calling Power BI. `Display` is one line: what failed, the
/// service's code and message, the `RequestId` to quote to Microsoft, and a hint when the
/// cause is a known setup problem. No variant ever holds a secret or a token, and `Display` and
/// `Debug` pass through [`redact::text`](crate::redact::text): URLs lose their query
/// and user info.
#[non_exhaustive]
pub enum Error {
    /// The Power BI service answered with an error status.
    Api(Box<ApiError>),
    /// Signing in failed (Entra ID refused, or a credential could not produce a token).
    Auth(Box<AuthError>),
    /// The request never got an answer: connection, TLS, DNS or protocol failure.
    Transport {
        /// The operation (or `raw request`).
        operation: &'static str,
        /// The host called.
        host: String,
        /// What went wrong.
        message: String,
        /// reqwest's error, without its URL, when reqwest failed (also
        /// [`source()`](std::error::Error::source)): `is_connect()`, `is_timeout()`, ...
        source: Option<Box<reqwest::Error>>,
    },
    /// A time limit ran out; `limit` says which one, and the message how to raise it.
    Timeout {
        /// The operation (or `raw request`).
        operation: &'static str,
        /// The host called.
        host: String,
        /// The time allowed.
        after: Duration,
        /// Which limit ran out.
        limit: TimeoutKind,
        /// reqwest's error, without its URL, when reqwest noticed the timeout (the request and
        /// idle limits; also [`source()`](std::error::Error::source)).
        source: Option<Box<reqwest::Error>>,
    },
    /// The answer was larger than the client reads for its kind (nothing beyond the limit
    /// was read or kept).
    ResponseTooLarge {
        /// The operation (or `raw request`).
        operation: &'static str,
        /// The host that answered.
        host: String,
        /// The limit in bytes.
        limit: u64,
        /// The size the answer declared, when it declared one.
        declared: Option<u64>,
    },
    /// The answer did not match the expected type.
    Decode {
        /// The operation.
        operation: &'static str,
        /// JSON path of the offending value (`value[3].name`); `.` for an answer that is not
        /// JSON at all, which `message` places by line and column.
        path: String,
        /// What serde said.
        message: String,
        /// The `RequestId` header, or `-`.
        request_id: String,
    },
    /// The answer fits its model but cannot be followed: a paging link that loops or leads to
    /// another host, a page repeated, a long-running operation without a usable `Location`
    /// or id. What came before it was real; nothing after it was fetched.
    Unusable {
        /// The operation.
        operation: &'static str,
        /// The header or field at fault (`@odata.nextLink`, `Location`, ...).
        field: String,
        /// What is wrong with it.
        message: String,
        /// The `RequestId` header, or `-`.
        request_id: String,
    },
    /// The request could not be built from the arguments given (nothing was sent).
    InvalidRequest(String),
    /// The client was configured wrongly.
    Config(String),
}

// Written out rather than derived with thiserror, so that the crate compiles no proc-macro.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = match self {
            Error::Api(api) => return fmt::Display::fmt(api, f),
            Error::Auth(auth) => return fmt::Display::fmt(auth, f),
            Error::Transport {
                operation,
                host,
                message,
                ..
            } => format!("{operation}: could not reach {host}: {message}"),
            Error::Timeout {
                operation,
                host,
                after,
                limit,
                ..
            } => format!("{operation}: {}", limit.describe(host, *after)),
            Error::ResponseTooLarge {
                operation,
                host,
                limit,
                declared,
            } => format!(
                "{operation}: the answer from {host} is larger than the limit of {limit} bytes{}; raise it with PowerBiClientBuilder::max_response_size (or RequestBuilder::max_response_size for one call)",
                declared
                    .map(|length| format!(" (Content-Length {length})"))
                    .unwrap_or_default()
            ),
            Error::Decode {
                operation,
                path,
                message,
                request_id,
            } => format!(
                "{operation}: cannot decode the response at `{path}`: {message} (RequestId {request_id})"
            ),
            Error::Unusable {
                operation,
                field,
                message,
                request_id,
            } => format!(
                "{operation}: the answer cannot be followed: `{field}`: {message} (RequestId {request_id})"
            ),
            Error::InvalidRequest(message) => {
                return write!(f, "invalid request: {}", redact::text(message));
            }
            Error::Config(message) => {
                return write!(f, "client configuration: {}", redact::text(message));
            }
        };
        f.write_str(&redact::text(&line))
    }
}

/// The cause is reqwest's error without its URL (whose query may hold a signed URL's `sig=`,
/// a continuation token or filters): callers can downcast it to test `is_timeout()` or
/// `is_connect()`.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport {
                source: Some(source),
                ..
            }
            | Error::Timeout {
                source: Some(source),
                ..
            } => Some(&**source),
            _ => None,
        }
    }
}

impl Error {
    /// The HTTP status of an API or sign-in error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Auth(auth) => auth.status,
            _ => None,
        }
    }

    /// The service's error code (`PowerBIEntityNotFound`, `invalid_client`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.code.as_deref(),
            Error::Auth(auth) => auth.error.as_deref(),
            _ => None,
        }
    }

    /// The `RequestId` the service gave this failure, to quote in a support case.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            Error::Decode { request_id, .. } | Error::Unusable { request_id, .. }
                if request_id != "-" =>
            {
                Some(request_id)
            }
            _ => None,
        }
    }

    /// How long the service asked the caller to wait (429 and 503 answers). A throttled call
    /// whose `Retry-After` is longer than the retry policy's cap comes back with it here, so
    /// the caller decides when to come back.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// Whether trying again later may succeed (throttling, server errors, timeouts, transport).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.is_retryable(),
            Error::Transport { .. } | Error::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// Which time limit a [`Error::Timeout`] ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One request, from sending to the end of its answer
    /// ([`PowerBiClientBuilder::timeout`](crate::PowerBiClientBuilder::timeout)).
    Request,
    /// No byte arrived for this long
    /// ([`PowerBiClientBuilder::idle_timeout`](crate::PowerBiClientBuilder::idle_timeout)).
    Idle,
    /// A whole call with its retries
    /// ([`PowerBiClientBuilder::call_timeout`](crate::PowerBiClientBuilder::call_timeout)).
    Call,
    /// Waiting for a long-running operation ([`Job::timeout`](crate::Job::timeout)).
    Job,
}

impl TimeoutKind {
    fn describe(self, host: &str, after: Duration) -> String {
        match self {
            TimeoutKind::Request => format!(
                "no complete answer from {host} within {after:?} (the request timeout; raise it with PowerBiClientBuilder::timeout)"
            ),
            TimeoutKind::Idle => format!(
                "{host} sent nothing for {after:?} (the idle timeout; raise it with PowerBiClientBuilder::idle_timeout)"
            ),
            TimeoutKind::Call => format!(
                "the call to {host} did not finish within {after:?}, retries included (the call timeout; PowerBiClientBuilder::call_timeout)"
            ),
            TimeoutKind::Job => format!(
                "the operation at {host} did not finish within {after:?} (the job's limit; raise it with Job::timeout)"
            ),
        }
    }
}

/// An error answer from the Power BI REST API.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that failed (its spec name) or `raw request`.
    pub operation: &'static str,
    /// HTTP method and path called (no query string, which may carry filters).
    pub request: String,
    /// HTTP status.
    pub status: u16,
    /// Power BI error code (`error.code`, or the `X-PowerBI-Error-Info` header).
    pub code: Option<String>,
    /// The human-readable message, from whichever shape the body had.
    pub message: Option<String>,
    /// The `RequestId` response header.
    pub request_id: Option<String>,
    /// `Retry-After`, when given.
    pub retry_after: Option<Duration>,
    /// The start of the body, at most 1 KiB, for diagnosis (of the first 64 KiB read).
    pub body_snippet: String,
    /// What usually causes this answer, when known.
    pub hint: Option<String>,
    /// Fabric's `moreDetails`: the errors behind this one (at most [`MAX_DETAILS`] kept).
    pub more_details: Vec<ErrorDetail>,
    /// Fabric's `relatedResource`: the resource the error is about.
    pub related_resource: Option<RelatedResource>,
    /// Fabric's `isRetriable`, when the answer says: `Some(true)` lets the retry policy retry
    /// an idempotent call it would otherwise return; `Some(false)` stops it retrying a server
    /// error (a 429 still waits its `Retry-After`: see [`crate::retry`]).
    pub is_retriable: Option<bool>,
}

impl ApiError {
    /// An error the service reported inside a successful (`200`) answer (a DAX query's
    /// error rowset): `operation` and `request` name the call, `message` is what the answer
    /// said. For `powerbi`'s extensions; other fields are empty.
    #[doc(hidden)]
    #[inline] // opt-in: compiled only in the programs that use it (lib.rs)
    pub fn in_answer(
        operation: &'static str,
        request: String,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    ) -> Self {
        ApiError {
            operation,
            request,
            status: 200,
            code,
            message: Some(message),
            request_id,
            retry_after: None,
            body_snippet: String::new(),
            hint: None,
            more_details: Vec::new(),
            related_resource: None,
            is_retriable: None,
        }
    }
}

/// The most `moreDetails` entries an [`ApiError`] keeps (and its `Display` shows 3).
pub const MAX_DETAILS: usize = 16;

/// One entry of Fabric's `moreDetails`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// `errorCode`.
    pub code: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `relatedResource`.
    pub related_resource: Option<RelatedResource>,
}

/// Fabric's `relatedResource`: which resource an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelatedResource {
    /// `resourceId`.
    pub resource_id: String,
    /// `resourceType` (`Item`, `Workspace`, ...).
    pub resource_type: String,
}

impl fmt::Display for RelatedResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            one_line(&self.resource_type),
            one_line(&self.resource_id)
        )
    }
}

impl ApiError {
    /// Whether trying again later may succeed: 408, 429, 500, 502, 503 and 504, unless the
    /// answer's `isRetriable` says otherwise (a 429 always may).
    pub fn is_retryable(&self) -> bool {
        match self.is_retriable {
            Some(retriable) if self.status != 429 => retriable,
            _ => matches!(self.status, 408 | 429 | 500 | 502 | 503 | 504),
        }
    }

    /// The Fabric details (`moreDetails`, `relatedResource`) in `Display`: bounded, one line.
    fn write_details(&self, f: &mut String) -> fmt::Result {
        if let Some(resource) = &self.related_resource {
            write!(f, " [{resource}]")?;
        }
        for (index, detail) in self.more_details.iter().take(3).enumerate() {
            f.push_str(if index == 0 { "; details: " } else { "; " });
            if let Some(code) = &detail.code {
                write!(f, "{}", one_line(code))?;
            }
            if let Some(message) = &detail.message {
                write!(f, ": {}", one_line(message))?;
            }
            if let Some(resource) = &detail.related_resource {
                write!(f, " [{resource}]")?;
            }
        }
        if self.more_details.len() > 3 {
            write!(f, "; and {} more", self.more_details.len() - 3)?;
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let f = &mut String::new();
        write!(f, "{}: HTTP {}", self.operation, self.status)?;
        if let Some(reason) = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|status| status.canonical_reason())
        {
            write!(f, " {reason}")?;
        }
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", one_line(message))?;
        }
        self.write_details(f)?;
        write!(f, " ({})", self.request)?;
        if let Some(request_id) = &self.request_id {
            write!(f, " RequestId {request_id}")?;
        }
        if let Some(retry_after) = self.retry_after {
            write!(f, "; retry after {}s", retry_after.as_secs())?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        redact::write(out, f)
    }
}

/// A failed sign-in.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthError {
    /// The credential that failed (`client secret`, `username/password`, ...).
    pub credential: &'static str,
    /// HTTP status of the token endpoint's answer, if there was one.
    pub status: Option<u16>,
    /// The OAuth `error` (`invalid_client`, ...).
    pub error: Option<String>,
    /// The first AADSTS code, e.g. 7000215.
    pub aadsts: Option<u32>,
    /// The first line of `error_description`.
    pub description: Option<String>,
    /// Entra ID's trace id.
    pub trace_id: Option<String>,
    /// Entra ID's correlation id.
    pub correlation_id: Option<String>,
    /// What usually causes this answer, when known.
    pub hint: Option<&'static str>,
}

impl fmt::Display for AuthError {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let f = &mut String::new();
        write!(f, "sign-in with {} failed", self.credential)?;
        if let Some(status) = self.status {
            write!(f, ": HTTP {status}")?;
        }
        if let Some(error) = &self.error {
            write!(f, " {error}")?;
        }
        if let Some(description) = &self.description {
            write!(f, ": {}", one_line(description))?;
        } else if let Some(code) = self.aadsts {
            write!(f, ": AADSTS{code}")?;
        }
        if let Some(trace_id) = &self.trace_id {
            write!(f, " (trace {trace_id}")?;
            if let Some(correlation_id) = &self.correlation_id {
                write!(f, ", correlation {correlation_id}")?;
            }
            write!(f, ")")?;
        }
        if let Some(hint) = self.hint {
            write!(f, "; hint: {hint}")?;
        }
        redact::write(out, f)
    }
}

/// reqwest's error kept as an [`Error`]'s source: without its URL, so no signed URL or query
/// value can leave through `source()`.
pub fn source_of(error: reqwest::Error) -> Option<Box<reqwest::Error>> {
    Some(Box::new(error.without_url()))
}

/// A reqwest error's causes, without its Display (which names the URL).
pub fn cause_chain(error: &reqwest::Error) -> String {
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    if message.is_empty() {
        message = if error.is_connect() {
            "connection failed".to_owned()
        } else {
            "request failed".to_owned()
        };
    }
    if let Some(hint) = proxy_hint(&message) {
        message.push_str("; hint: ");
        message.push_str(hint);
    }
    message
}

/// What to do when the proxy refused the tunnel (hyper-util's `TunnelError` texts).
fn proxy_hint(causes: &str) -> Option<&'static str> {
    if causes.contains("proxy authorization required") {
        Some(
            "the proxy answered 407 Proxy Authentication Required: check the user name and password given to Proxy::basic_auth (or in the proxy URL or HTTPS_PROXY)",
        )
    } else if causes.contains("tunnel error: unsuccessful") {
        Some(
            "the proxy refused to open a tunnel to this host: ask its administrators to allow it, or list the host in NO_PROXY / Proxy::no_proxy",
        )
    } else {
        None
    }
}

/// The first line, trimmed, so `Display` stays one line.
fn one_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// A hint for the Entra ID codes users hit most.
pub(crate) fn aadsts_hint(code: u32) -> Option<&'static str> {
    Some(match code {
        7000215 => {
            "the client secret is wrong: paste the secret's Value from the app registration, not its Secret ID"
        }
        7000222 => "the client secret has expired: create a new one in the app registration",
        700016 => {
            "the application (client) id is not found in this tenant: check the client id and the tenant id"
        }
        90002 => "the tenant is not found: check the tenant id or domain (and the cloud)",
        50126 => "the user name or password is wrong",
        50076 | 50079 => {
            "the account needs multi-factor authentication, which the password grant cannot do: use a service principal or device code"
        }
        7000218 => {
            "the app is a confidential client: either send a client secret, or enable 'Allow public client flows' for the password grant"
        }
        700025 => "the app is a public client: do not send a client secret with the password grant",
        9001023 => "the password grant needs a tenant id or domain, not /common",
        65001 => "the delegated permissions have not been consented for this app",
        53003 => {
            "a Conditional Access policy blocked the sign-in: ask the tenant admin, or use a service principal"
        }
        50034 => {
            "the user account does not exist in this tenant: check the user name and the tenant"
        }
        50053 => {
            "the account is locked (too many failed sign-ins): wait, or ask an admin to unlock it"
        }
        50055 => "the user's password has expired: change it in a browser first",
        50057 => "the user account is disabled",
        7000216 | 90014 | 900144 => "a required field is missing from the token request",
        700027 | 50012 => {
            "the client assertion was refused: check that the certificate (its thumbprint) is uploaded to the app registration and not expired, and that the system clock is right"
        }
        70021 => {
            "no federated credential of the app matches the token's issuer, subject and audience (api://AzureADTokenExchange)"
        }
        700024 => "the federated token or client assertion has expired or is not yet valid",
        7000112 => "the application is disabled in this tenant",
        500011 => {
            "the Power BI resource is unknown in this tenant (or the cloud is wrong): check the cloud and that Power BI is provisioned"
        }
        70011 | 28002 => {
            "the scope is invalid: client credentials need the resource with /.default"
        }
        700022 => "the scope names more than one resource: ask for Power BI scopes only",
        901002 => "the v2 endpoint takes `scope`, not `resource`",
        50194 => "a single-tenant app cannot sign in on /common: use the tenant id or domain",
        90038 => "the tenant belongs to another national cloud: pick the matching Cloud",
        50196 => {
            "too many identical token requests (loop detected): reuse tokens instead of signing in per call"
        }
        90055 => "the tenant's sign-ins are being throttled: retry later",
        _ => return None,
    })
}
