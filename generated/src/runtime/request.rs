//! Building one request (path, query, headers, body) and the single send path every
//! generated method and raw call goes through.

use std::borrow::Cow;
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::IdentityKind;
use super::client::PowerBiClient;
use super::error::ApiError;
use super::{DateTime, Error, Operation, Result, Workspace, WorkspaceScope};

/// Everything but RFC 3986's unreserved characters is encoded in a path segment, so a value
/// can never add a segment, a query or a fragment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Query values keep the characters OData expressions use and Power BI expects literally.
const QUERY: &AsciiSet = &SEGMENT
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b',')
    .remove(b':')
    .remove(b'/')
    .remove(b'@')
    .remove(b'!')
    .remove(b'*')
    .remove(b';');

/// A value that can be a path, query or header parameter.
pub trait ToParam {
    /// The parameter's text, before encoding.
    fn to_param(&self) -> String;
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> String {
        (**self).to_param()
    }
}

impl ToParam for str {
    fn to_param(&self) -> String {
        self.to_owned()
    }
}

impl ToParam for String {
    fn to_param(&self) -> String {
        self.clone()
    }
}

impl ToParam for DateTime {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

macro_rules! display_params {
    ($($ty:ty),*) => {$(
        impl ToParam for $ty {
            fn to_param(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
display_params!(uuid::Uuid, bool, i32, i64, u32, u64, f64);

/// One request on its way: filled in by a generated method (or by [`PowerBiClient::raw`]),
/// then sent with one of the `send_*` methods.
#[must_use = "a request does nothing until one of its send methods is awaited"]
pub struct RequestBuilder<'c> {
    client: &'c PowerBiClient,
    operation: Option<&'static Operation>,
    method: reqwest::Method,
    template: Cow<'static, str>,
    workspace: Option<Workspace>,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(Cow<'static, str>, String)>,
    headers: Vec<(Cow<'static, str>, String)>,
    body: Option<std::result::Result<Vec<u8>, String>>,
    file: Option<super::Upload>,
}

impl std::fmt::Debug for RequestBuilder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("operation", &self.operation_name())
            .field("method", &self.method)
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl<'c> RequestBuilder<'c> {
    pub(crate) fn for_operation(client: &'c PowerBiClient, operation: &'static Operation) -> Self {
        Self::new(
            client,
            Some(operation),
            operation.method.to_reqwest(),
            Cow::Borrowed(operation.path),
        )
    }

    pub(crate) fn raw(client: &'c PowerBiClient, method: reqwest::Method, path: String) -> Self {
        Self::new(client, None, method, Cow::Owned(path))
    }

    fn new(
        client: &'c PowerBiClient,
        operation: Option<&'static Operation>,
        method: reqwest::Method,
        template: Cow<'static, str>,
    ) -> Self {
        RequestBuilder {
            client,
            operation,
            method,
            template,
            workspace: None,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            file: None,
        }
    }

    fn operation_name(&self) -> &'static str {
        self.operation
            .map_or("raw request", |operation| operation.name)
    }

    /// The workspace the request addresses ("My workspace" or `/groups/{id}`).
    pub fn workspace(mut self, workspace: Workspace) -> Self {
        self.workspace = Some(workspace);
        self
    }

    /// Fills the path placeholder `{name}`; the value is encoded as exactly one segment.
    pub fn path_param(mut self, name: &'static str, value: &impl ToParam) -> Self {
        self.path_params.push((name, value.to_param()));
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<Cow<'static, str>>, value: &impl ToParam) -> Self {
        self.query.push((name.into(), value.to_param()));
        self
    }

    /// Adds a query parameter when it has a value.
    pub fn query_opt(self, name: &'static str, value: Option<&impl ToParam>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Adds a request header.
    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: &impl ToParam) -> Self {
        self.headers.push((name.into(), value.to_param()));
        self
    }

    /// Adds a request header when it has a value.
    pub fn header_opt(self, name: &'static str, value: Option<&impl ToParam>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }

    /// Sends `body` as JSON.
    pub fn json_body(mut self, body: &impl Serialize) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|error| error.to_string()));
        self
    }

    /// Sends `body` as JSON when there is one.
    pub fn json_body_opt(self, body: Option<&impl Serialize>) -> Self {
        match body {
            Some(body) => self.json_body(body),
            None => self,
        }
    }

    /// Sends `file` as `multipart/form-data`.
    pub fn file_body(mut self, file: super::Upload) -> Self {
        self.file = Some(file);
        self
    }

    /// Sends and decodes a JSON response.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        let operation = self.operation_name();
        let response = self.send().await?;
        response.decode(operation)
    }

    /// Sends and decodes an OData list, returning its `value` items.
    pub async fn send_list<T: DeserializeOwned>(self) -> Result<Vec<T>> {
        #[derive(serde::Deserialize)]
        struct ODataList<T> {
            value: Vec<T>,
        }
        let operation = self.operation_name();
        let response = self.send().await?;
        response
            .decode::<ODataList<T>>(operation)
            .map(|list| list.value)
    }

    /// Sends and decodes a bare JSON array.
    pub async fn send_array<T: DeserializeOwned>(self) -> Result<Vec<T>> {
        self.send_json().await
    }

    /// Sends and ignores any response body.
    pub async fn send_empty(self) -> Result<()> {
        self.send().await.map(drop)
    }

    /// Sends and returns the response body's bytes.
    pub async fn send_bytes(self) -> Result<Vec<u8>> {
        self.send().await.map(|response| response.body.to_vec())
    }

    /// The full URL, with every parameter encoded.
    pub fn url(&self) -> Result<url::Url> {
        let mut path = String::from("/v1.0/myorg");
        let scope = self
            .operation
            .map_or(WorkspaceScope::None, |operation| operation.workspace);
        match (scope, self.workspace) {
            (WorkspaceScope::Both | WorkspaceScope::Workspace, Some(Workspace::Id(id))) => {
                path.push_str("/groups/");
                path.push_str(&id.to_string());
            }
            (WorkspaceScope::Both, Some(Workspace::My))
            | (WorkspaceScope::None | WorkspaceScope::My, None) => {}
            (WorkspaceScope::Workspace, _) => {
                return Err(Error::InvalidRequest(format!(
                    "{} needs a workspace id; it has no \"My workspace\" form",
                    self.operation_name()
                )));
            }
            (_, workspace) => {
                return Err(Error::InvalidRequest(format!(
                    "{}: unexpected workspace {workspace:?}",
                    self.operation_name()
                )));
            }
        }
        self.render_template(&mut path)?;
        let base = self.client.api_base().as_str().trim_end_matches('/');
        let mut text = format!("{base}{path}");
        for (index, (name, value)) in self.query.iter().enumerate() {
            text.push(if index == 0 { '?' } else { '&' });
            text.extend(utf8_percent_encode(name, QUERY));
            text.push('=');
            text.extend(utf8_percent_encode(value, QUERY));
        }
        url::Url::parse(&text).map_err(|error| {
            Error::InvalidRequest(format!(
                "{}: bad URL {text}: {error}",
                self.operation_name()
            ))
        })
    }

    /// Appends the path template with its placeholders filled.
    fn render_template(&self, path: &mut String) -> Result<()> {
        let mut rest: &str = &self.template;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or_else(|| {
                Error::InvalidRequest(format!("unbalanced path template {}", self.template))
            })?;
            let name = &after[..close];
            let value = self
                .path_params
                .iter()
                .find(|(param, _)| *param == name)
                .map(|(_, value)| value.as_str())
                .ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "{}: no value for path parameter {name}",
                        self.operation_name()
                    ))
                })?;
            if value.is_empty() || value == "." || value == ".." {
                return Err(Error::InvalidRequest(format!(
                    "{}: '{value}' is not a valid value for {name}",
                    self.operation_name()
                )));
            }
            // Inside an OData key (`'{x}'`) a quote is doubled, as OData string literals require.
            let quoted = path.ends_with('\'');
            let value: Cow<'_, str> = if quoted {
                Cow::Owned(value.replace('\'', "''"))
            } else {
                Cow::Borrowed(value)
            };
            path.extend(utf8_percent_encode(&value, SEGMENT));
            rest = &after[close + 1..];
        }
        path.push_str(rest);
        Ok(())
    }

    /// The one send path: sign in, send, renew an expired token once, turn errors into
    /// [`Error`].
    async fn send(self) -> Result<Response> {
        let operation = self.operation_name();
        let url = self.url()?;
        let body = match self.body {
            Some(Ok(body)) => Some(body),
            Some(Err(message)) => {
                return Err(Error::InvalidRequest(format!(
                    "{operation}: the body cannot be encoded: {message}"
                )));
            }
            None => None,
        };
        let client = self.client;
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut renewed = false;
        loop {
            let token = client.token().await?;
            let mut request = client
                .http()
                .request(self.method.clone(), url.clone())
                .bearer_auth(token.expose());
            if let Some(profile) = client.profile() {
                request = request.header("X-PowerBI-Profile-Id", profile.to_string());
            }
            for (name, value) in &self.headers {
                request = request.header(name.as_ref(), value);
            }
            if let Some(body) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            if let Some(file) = &self.file {
                request = request.multipart(file.form().await?);
            }
            tracing::debug!(operation, method = %self.method, path = url.path(), "sending");
            let response = request
                .send()
                .await
                .map_err(|error| transport(operation, &host, client.timeout(), error))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|error| transport(operation, &host, client.timeout(), error))?;
            let request_id = header(&headers, "RequestId");
            tracing::debug!(
                operation,
                status = status.as_u16(),
                request_id = request_id.as_deref().unwrap_or("-"),
                "answered"
            );
            if status.is_success() {
                return Ok(Response { headers, body });
            }
            let error = api_error(
                operation,
                &self.method,
                &url,
                status.as_u16(),
                &headers,
                &body,
                self.operation,
            );
            // Address the hint to a service principal or a user when the credential says.
            let mut error = error;
            error.hint = hint(
                error.status,
                error.code.as_deref(),
                error.message.as_deref(),
                self.operation,
                client.identity_kind(),
            );
            if !renewed && is_expired_token(&error) {
                // The token expired early (or was revoked): forget it and try once more.
                client.invalidate_token(&token);
                renewed = true;
                continue;
            }
            return Err(Error::Api(Box::new(error)));
        }
    }
}

/// A successful response.
struct Response {
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

impl Response {
    fn decode<T: DeserializeOwned>(&self, operation: &'static str) -> Result<T> {
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| Error::Decode {
            operation,
            path: error.path().to_string(),
            message: error.inner().to_string(),
            request_id: header(&self.headers, "RequestId").unwrap_or_else(|| "-".to_owned()),
        })
    }
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn transport(
    operation: &'static str,
    host: &str,
    timeout: Duration,
    error: reqwest::Error,
) -> Error {
    if error.is_timeout() {
        return Error::Timeout {
            operation,
            host: host.to_owned(),
            after: timeout,
        };
    }
    // reqwest's Display names the URL, whose query may carry filters; keep the cause chain.
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&error);
    while let Some(cause) = source {
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    if message.is_empty() {
        message = "connection failed".to_owned();
    }
    Error::Transport {
        operation,
        host: host.to_owned(),
        message,
    }
}

/// Whether the API said the token expired (403 `TokenExpired`) or is invalid (403 with an
/// empty body and `X-PowerBI-Error-Info: InvalidToken`), so a fresh one may help. Other 401
/// and 403 answers are errors, not renewals.
fn is_expired_token(error: &ApiError) -> bool {
    error.status == 403
        && match error.code.as_deref() {
            Some("TokenExpired") => true,
            Some("InvalidToken") => error.body_snippet.trim().is_empty(),
            _ => false,
        }
}

/// Reads every error shape Power BI sends.
fn api_error(
    operation: &'static str,
    method: &reqwest::Method,
    url: &url::Url,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    spec: Option<&'static Operation>,
) -> ApiError {
    let text = String::from_utf8_lossy(body);
    let mut code = None;
    let mut message = None;
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let error = json.get("error");
        code = error
            .and_then(|error| error.get("code"))
            .and_then(|code| code.as_str())
            .map(str::to_owned);
        message = error
            .and_then(|error| error.get("message"))
            .or_else(|| json.get("Message"))
            .or_else(|| json.get("message"))
            .and_then(|message| message.as_str())
            .map(str::to_owned)
            .or_else(|| {
                let details = error?.get("pbi.error")?.get("details")?.as_array()?;
                let values: Vec<&str> = details
                    .iter()
                    .filter_map(|detail| detail.get("detail")?.get("value")?.as_str())
                    .collect();
                (!values.is_empty()).then(|| values.join("; "))
            });
    } else if !text.trim().is_empty() {
        message = Some(text.trim().to_owned());
    }
    if code.is_none() {
        code = header(headers, "X-PowerBI-Error-Info");
    }
    let retry_after = header(headers, "Retry-After")
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut snippet: String = text.chars().take(1024).collect();
    if snippet.len() < text.len() {
        snippet.push('…');
    }
    let hint = hint(
        status,
        code.as_deref(),
        message.as_deref(),
        spec,
        IdentityKind::Unknown,
    );
    ApiError {
        operation,
        request: format!("{method} {}", url.path()),
        status,
        code,
        message,
        request_id: header(headers, "RequestId"),
        retry_after,
        body_snippet: snippet,
        hint,
    }
}

/// The usual causes of a 401 for a service principal.
const SERVICE_PRINCIPAL_401: &str = "a service principal needs the tenant setting 'Service principals can use Fabric APIs' enabled for it (or a security group it is in), a role in the workspace, and, for admin APIs, 'Service principals can access read-only admin APIs' and no Power BI admin-consent permissions (such as Tenant.Read.All) on the app";

/// What usually causes an answer, for the setup problems users hit most, addressed to a
/// service principal or a user when the credential says which it is.
fn hint(
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
    spec: Option<&'static Operation>,
    identity: IdentityKind,
) -> Option<String> {
    if message.is_some_and(|message| message.contains("not accessible for application")) {
        return Some("a service principal called a \"My workspace\" route; pass a workspace id instead of Workspace::My".to_owned());
    }
    let scopes = spec
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
