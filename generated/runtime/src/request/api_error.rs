//! Turning an error answer into [`ApiError`]: every body shape Power BI sends, the headers
//! that carry the code and RequestId, and the hint for known setup problems.

use std::time::SystemTime;

use super::super::Operation;
use super::super::auth::IdentityKind;
use super::super::error::ApiError;
use super::fabric_error::{FabricFields, fabric_fields, fabric_hint};

pub(crate) fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The `RequestId` header of an answer, capped as in errors (the server chooses it).
pub(crate) fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    header(headers, "RequestId").map(|id| capped(&id, REQUEST_ID_CHARS))
}

/// Whether the API said the token expired (403 `TokenExpired`) or is invalid (403 with an
/// empty body and `X-PowerBI-Error-Info: InvalidToken`), so a fresh one may help. Other 401
/// and 403 answers are errors, not renewals.
pub(super) fn is_expired_token(error: &ApiError) -> bool {
    match (error.status, error.code.as_deref()) {
        // Fabric says 401 TokenExpired.
        (401 | 403, Some("TokenExpired")) => true,
        (403, Some("InvalidToken")) => error.body_snippet.trim().is_empty(),
        _ => false,
    }
}

/// Reads every error shape Power BI sends, `now` being the time a `Retry-After` date is
/// measured from; the hint is addressed to the caller's `identity` (service principal or user).
#[allow(clippy::too_many_arguments)]
pub(super) fn api_error_at(
    operation: &'static str,
    method: &reqwest::Method,
    url: &url::Url,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    record: Option<&'static Operation>,
    identity: IdentityKind,
    now: SystemTime,
) -> ApiError {
    let parsed = parse(status, headers, body, now);
    let hint = hint(
        status,
        parsed.code.as_deref(),
        parsed.message.as_deref(),
        record,
        identity,
    );
    ApiError {
        operation,
        request: format!("{method} {}", url.path()),
        hint,
        ..parsed
    }
}

// `ApiError::parse` lives beside the parser, so that the error type does not depend on the
// request pipeline that depends on it (no import circle).
impl ApiError {
    /// Reads an error answer of the Power BI or Fabric REST API: every body shape the services
    /// send (`{"error":{"code","message"}}`, the `pbi.error` variant with its details,
    /// `{"Message":…}`, `{"message":…}`, Fabric's `{"errorCode","message","requestId",
    /// "moreDetails","relatedResource","isRetriable"}`, plain text, an empty body), the
    /// `X-PowerBI-Error-Details` and `X-PowerBI-Error-Info` headers, `RequestId` and
    /// `Retry-After` (seconds or an HTTP date). Never panics. Useful with responses obtained
    /// outside this client; `operation` is `raw request` and `request` empty.
    pub fn parse(status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> ApiError {
        parse(status, headers, body, std::time::SystemTime::now())
    }
}

/// The largest body snippet kept, in characters.
const SNIPPET_CHARS: usize = 1024;

/// The longest message kept, in characters: a service message is a sentence or two; what is
/// longer is an HTML page or a dump, of which the start says enough.
const MESSAGE_CHARS: usize = 2048;

/// The longest `RequestId` kept (a GUID is 36 characters).
const REQUEST_ID_CHARS: usize = 128;

/// `text` cut to `limit` characters, marked with `…` when cut.
fn capped(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The code and message of one JSON error document, in whichever shape it came.
fn from_json(json: &serde_json::Value) -> (Option<String>, Option<String>) {
    let text = |value: Option<&serde_json::Value>| {
        value
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned)
    };
    let error = json.get("error").filter(|error| error.is_object());
    let pbi = error.and_then(|error| error.get("pbi.error"));
    let code = text(error.and_then(|error| error.get("code")))
        .or_else(|| text(pbi.and_then(|pbi| pbi.get("code"))))
        .or_else(|| text(json.get("code")))
        .or_else(|| text(json.get("errorCode")));
    let message = text(error.and_then(|error| error.get("message")))
        .or_else(|| text(json.get("Message")))
        .or_else(|| text(json.get("message")))
        .or_else(|| {
            let details = pbi?.get("details")?.as_array()?;
            let values: Vec<&str> = details
                .iter()
                .filter_map(|detail| detail.get("detail")?.get("value")?.as_str())
                .collect();
            (!values.is_empty()).then(|| values.join("; "))
        })
        .or_else(|| text(json.get("error").filter(|error| error.is_string())));
    (code, message)
}

/// An error a successful answer reports inside it (a Fabric operation's `error`, a job
/// instance's `failureReason`): the document read like an error answer's body, with the
/// answer's `status` and `request_id` and the hint for its code.
#[inline] // opt-in: compiled only in the programs that use it (lib.rs)
pub(crate) fn api_error_in_answer(
    operation: &'static str,
    request: String,
    status: u16,
    document: &serde_json::Value,
    request_id: Option<String>,
    identity: IdentityKind,
) -> ApiError {
    let (code, message) = from_json(document);
    let fabric = fabric_fields(document);
    let code = code.map(|code| capped(&code, SNIPPET_CHARS));
    let hint = hint(status, code.as_deref(), message.as_deref(), None, identity);
    ApiError {
        operation,
        request,
        status,
        code,
        message: message.map(|message| capped(&message, MESSAGE_CHARS)),
        request_id: request_id
            .or(fabric.request_id)
            .map(|id| capped(&id, REQUEST_ID_CHARS)),
        retry_after: None,
        body_snippet: String::new(),
        hint,
        more_details: fabric.more_details,
        related_resource: fabric.related_resource,
        is_retriable: fabric.is_retriable,
    }
}

/// Parses an error answer (status, headers, body) into an [`ApiError`] with no operation
/// attached. Never panics, whatever the bytes.
pub(crate) fn parse(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> ApiError {
    let text = String::from_utf8_lossy(body);
    let mut code = None;
    let mut message = None;
    let mut fabric = FabricFields::default();
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        (code, message) = from_json(&json);
        fabric = fabric_fields(&json);
    } else if !text.trim().is_empty() {
        message = Some(text.trim().to_owned());
    }
    // The same document may come in a header instead of (or besides) the body.
    if (code.is_none() || message.is_none())
        && let Some(details) = header(headers, "X-PowerBI-Error-Details")
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(&details)
    {
        let (header_code, header_message) = from_json(&json);
        code = code.or(header_code);
        message = message.or(header_message);
    }
    if code.is_none() {
        code = header(headers, "X-PowerBI-Error-Info")
            .map(|info| info.trim().to_owned())
            .filter(|info| !info.is_empty());
    }
    let retry_after = header(headers, "Retry-After")
        .and_then(|value| super::super::time::parse_retry_after(&value, now));
    let message = message.map(|message| capped(&message, MESSAGE_CHARS));
    let code = code.map(|code| capped(&code, SNIPPET_CHARS));
    let snippet = capped(&text, SNIPPET_CHARS);
    ApiError {
        operation: "raw request",
        request: String::new(),
        status,
        code,
        message,
        request_id: header(headers, "RequestId")
            .or(fabric.request_id)
            .map(|id| capped(&id, REQUEST_ID_CHARS)),
        retry_after,
        body_snippet: snippet,
        hint: None,
        more_details: fabric.more_details,
        related_resource: fabric.related_resource,
        is_retriable: fabric.is_retriable,
    }
}

/// The usual causes of a 401 for a service principal.
const SERVICE_PRINCIPAL_401: &str = "a service principal needs the tenant setting 'Service principals can use Fabric APIs' enabled for it (or a security group it is in), a role in the workspace, and, for admin APIs, 'Service principals can access read-only admin APIs' and no Power BI admin-consent permissions (such as Tenant.Read.All) on the app";

/// What usually causes an answer, for the setup problems users hit most, addressed to a
/// service principal or a user when the credential says which it is.
pub(super) fn hint(
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
    record: Option<&'static Operation>,
    identity: IdentityKind,
) -> Option<String> {
    if let Some(hint) = code.and_then(|code| fabric_hint(code, identity)) {
        return Some(hint);
    }
    if message.is_some_and(|message| message.contains("not accessible for application")) {
        return Some("a service principal called a \"My workspace\" route; pass a workspace id instead of Workspace::My".to_owned());
    }
    let scopes = record
        .filter(|operation| !operation.scopes.is_empty())
        .map(|operation| {
            operation
                .scopes
                .iter()
                .map(|set| set.join(" and "))
                .collect::<Vec<_>>()
                .join(" or ")
        });
    let scope_text = scopes.as_deref().unwrap_or("the operation documents");
    match (status, code) {
        (401, Some("ServicePrincipalIsNotAllowedByTenantAdminSwitch")) => Some("the tenant setting 'Service principals can use Fabric APIs' does not cover this service principal: enable it for the organization or add the app to the security group it names (changes can take 15 minutes)".to_owned()),
        (401, _) => Some(match identity {
            IdentityKind::ServicePrincipal => SERVICE_PRINCIPAL_401.to_owned(),
            IdentityKind::User => format!(
                "the user's token lacks the delegated scope {scope_text} (consent it for the app), or the user has no role in the workspace"
            ),
            _ => format!("{SERVICE_PRINCIPAL_401}; a user needs the delegated scope {scope_text}"),
        }),
        (403, Some("TokenExpired" | "InvalidToken")) => Some("the token was refused even after renewal: check the system clock and that the token is for the Power BI resource".to_owned()),
        (403, _) => match identity {
            IdentityKind::ServicePrincipal => Some("the service principal lacks rights on the item: give it (or its security group) a higher workspace role".to_owned()),
            _ => scopes.map(|scopes| format!("the caller lacks rights on the item, or the delegated scope {scopes}")),
        },
        (404, _) => Some(match identity {
            IdentityKind::ServicePrincipal => "the item does not exist, or the service principal cannot see it: add it to the workspace (its object id, principalType App) as Member or Admin".to_owned(),
            IdentityKind::User => "the item does not exist, or the user cannot see it (no role in its workspace)".to_owned(),
            _ => "the item does not exist, or the caller cannot see it (a service principal must be a member of the workspace)".to_owned(),
        }),
        (429, _) => Some("throttled: wait for Retry-After before calling again".to_owned()),
        _ => None,
    }
}
