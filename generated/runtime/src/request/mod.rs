//! Building one request (path, query, headers, body) and the single send path every
//! generated method and raw call goes through.

pub(crate) mod api_error;
mod call;
pub(crate) use call::Sending;
pub use call::{Answer, BoxedCall, Call, Json, ODataItems};
pub(crate) use send::Response;
mod fabric_error;
mod odata_list;
mod send;

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::operation::Api;
use super::{DateTime, Error, HttpMethod, Operation, Result, ToParam, Workspace, WorkspaceScope};

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

/// A date-time sent in single quotes, in UTC, to the second (`'2019-08-31T00:00:00'`): the form
/// the activity log's `startDateTime` and `endDateTime` want (spec key `quoted: true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedUtc(pub DateTime);

impl ToParam for QuotedUtc {
    fn to_param(&self) -> String {
        self.0
            .quoted_utc()
            .unwrap_or_else(|| format!("'{}'", self.0))
    }
}

// The constructors live here, not in `client.rs`, so that the client does not depend on the
// request pipeline that depends on it (no import circle).
impl Client {
    /// A request for a generated operation (what generated methods call).
    pub fn request(&self, operation: &'static Operation) -> RequestBuilder {
        RequestBuilder::for_operation(self, operation)
    }

    /// Any call the spec does not cover yet, with the same sign-in and errors: `path` is
    /// relative to `/v1.0/myorg` (`"/groups"`), and may not contain `{placeholders}`.
    pub fn raw(&self, method: HttpMethod, path: &str) -> RequestBuilder {
        let escaped = path.replace('{', "%7B").replace('}', "%7D");
        RequestBuilder::raw(self, method.to_reqwest(), escaped)
    }
}

/// One request on its way: filled in by a generated method (or by [`Client::raw`]),
/// then sent with one of the `send_*` methods.
///
/// It holds its own handle on the client (a reference count), so it, and the paginators and
/// jobs made of it, can be moved into spawned tasks.
#[must_use = "a request does nothing until one of its send methods is awaited"]
#[derive(Clone)]
pub struct RequestBuilder {
    client: Client,
    /// The API the request goes to (base URL, token, the hosts that token may go to).
    api: Api,
    operation: Option<&'static Operation>,
    method: reqwest::Method,
    template: Cow<'static, str>,
    workspace: Option<Workspace>,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(Cow<'static, str>, String)>,
    headers: Vec<(Cow<'static, str>, String)>,
    /// The JSON body, encoded once (cheap to re-send on every attempt), or why it could not be.
    body: Option<std::result::Result<bytes::Bytes, String>>,
    /// This call's response size limit, instead of the client's.
    max_response_bytes: Option<u64>,
    file: Option<super::upload::FileBody>,
    /// An absolute URL to send to instead of the rendered template (continuation links).
    absolute: Option<url::Url>,
    /// This call's retry policy, instead of the client's.
    retry: Option<super::RetryPolicy>,
    /// A large transfer: the idle timeout instead of a total one.
    large_transfer: bool,
}

impl std::fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("operation", &self.operation_name())
            .field("method", &self.method)
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl RequestBuilder {
    pub(crate) fn for_operation(client: &Client, operation: &'static Operation) -> Self {
        Self::new(
            client,
            Some(operation),
            operation.method.to_reqwest(),
            Cow::Borrowed(operation.path),
        )
    }

    pub(crate) fn raw(client: &Client, method: reqwest::Method, path: String) -> Self {
        Self::new(client, None, method, Cow::Owned(path))
    }

    fn new(
        client: &Client,
        operation: Option<&'static Operation>,
        method: reqwest::Method,
        template: Cow<'static, str>,
    ) -> Self {
        RequestBuilder {
            client: client.clone(),
            // A record knows its API; a raw request is Power BI's until `for_fabric`.
            api: operation.map_or(Api::PowerBi, |operation| operation.api),
            operation,
            method,
            template,
            workspace: None,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            file: None,
            absolute: None,
            retry: None,
            large_transfer: false,
            max_response_bytes: None,
        }
    }

    /// The same request sent to Fabric: `{fabric_api_base}/v1` + the path, with a token for
    /// Fabric's scope.
    pub(crate) fn for_fabric(mut self) -> Self {
        self.api = Api::Fabric;
        self
    }

    /// Whether this request's token may be sent to `url` (where links and `Location`s the
    /// service returns may be followed).
    pub(crate) fn sees_token(&self, url: &url::Url) -> bool {
        self.client
            .transport_rules()
            .may_see_token_for(self.api, url)
    }

    /// The base links the service returns are relative to (`None`: Fabric without a base).
    pub(crate) fn link_base(&self) -> Option<&url::Url> {
        match self.api {
            Api::PowerBi => Some(self.client.api_base()),
            Api::Fabric => self.client.fabric_api_base(),
        }
    }

    /// A request for `url` as given (a poll, a result, a cancel), signed in for the same API.
    pub(crate) fn follow(&self, method: reqwest::Method, url: url::Url) -> RequestBuilder {
        let mut request = RequestBuilder::raw(&self.client, method, String::new());
        request.api = self.api;
        request.operation = self.operation;
        request.max_response_bytes = self.max_response_bytes;
        request.absolute_url(url)
    }

    /// Adds query parameter `name` once per value, in order (`parent=A&parent=B`); none for
    /// an empty slice.
    pub fn query_each(mut self, name: &'static str, values: &[impl ToParam]) -> Self {
        for value in values {
            self.query.push((Cow::Borrowed(name), value.to_param()));
        }
        self
    }

    /// Sets query parameter `name` to `value`, replacing any earlier value (pages, polls).
    pub(crate) fn set_query(mut self, name: &'static str, value: String) -> Self {
        self.query.retain(|(existing, _)| existing != name);
        self.query.push((Cow::Borrowed(name), value));
        self
    }

    /// The JSON body, when one was set and encoded (long-running jobs read it).
    pub(crate) fn json_body_bytes(&self) -> Option<&[u8]> {
        match &self.body {
            Some(Ok(body)) => Some(body),
            _ => None,
        }
    }

    /// Whether the request is a GET (long-running polls repeat only those).
    pub(crate) fn is_get(&self) -> bool {
        self.method == reqwest::Method::GET
    }

    /// The client the request is sent with.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Sends to `url` as given (a continuation link the service returned) instead of the
    /// operation's path; everything else (auth, headers, errors) stays the operation's.
    pub(crate) fn absolute_url(mut self, url: url::Url) -> Self {
        self.absolute = Some(url);
        self
    }

    /// Microsoft's operationId of this call: of twin operations, the workspace one when the
    /// call addresses a workspace. `None` for a raw request.
    pub(crate) fn operation_id(&self) -> Option<&'static str> {
        let ids = self.operation?.operation_ids;
        let twin = matches!(self.workspace, Some(Workspace::Id(_)))
            && self
                .operation
                .is_some_and(|operation| operation.workspace == WorkspaceScope::Both);
        match (twin, ids) {
            (true, [_, workspace, ..]) => Some(workspace),
            (_, [first, ..]) => Some(first),
            (_, []) => None,
        }
    }

    pub(crate) fn operation_name(&self) -> &'static str {
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
    pub fn json_body(self, body: &impl Serialize) -> Self {
        // Only the encoding is generic: it is compiled once per body type, in every crate
        // that sends one (issue 13), so what follows it is not.
        self.encoded_json_body(serde_json::to_vec(body))
    }

    /// Keeps an encoded JSON body, or why it could not be encoded (sending then fails).
    fn encoded_json_body(mut self, encoded: serde_json::Result<Vec<u8>>) -> Self {
        self.body = Some(
            encoded
                .map(bytes::Bytes::from)
                .map_err(|error| error.to_string()),
        );
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
    // `#[inline]` here, in `stream_body` and in `bytes_body_opt` (`bytes_body` is generic,
    // which does the same): the code that sends a file is compiled only in the programs that
    // call one of them (`upload::FileBody`).
    #[inline]
    pub fn file_body(mut self, file: super::Upload) -> Self {
        self.file = Some(super::upload::FileBody::multipart(file));
        self
    }

    /// Sends `body`'s bytes as the request body with this `Content-Type` and its length as
    /// `Content-Length`: streamed, never gathered in memory, and re-opened for every attempt
    /// (a retry or a redirect sends it again), so large JSON bodies can be produced on the fly.
    #[inline]
    pub fn stream_body(mut self, content_type: &'static str, body: super::Upload) -> Self {
        self.file = Some(super::upload::FileBody::raw(
            body,
            Cow::Borrowed(content_type),
        ));
        self
    }

    /// Sends `file` as the raw request body with `content_type` (`application/octet-stream`,
    /// `text/plain`): streamed on every attempt (a path is reopened, never read whole into
    /// memory), `Content-Length` set to the file's size, as a large transfer.
    pub fn bytes_body(
        mut self,
        file: super::Upload,
        content_type: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.file = Some(super::upload::FileBody::raw(file, content_type.into()));
        self.large_transfer()
    }

    /// Sends `file` as the raw request body when there is one (see [`bytes_body`](Self::bytes_body)).
    #[inline]
    pub fn bytes_body_opt(self, file: Option<super::Upload>, content_type: &'static str) -> Self {
        match file {
            Some(file) => self.bytes_body(file, content_type),
            None => self,
        }
    }

    /// Retries this call with `policy` instead of the client's (reading the client's clock
    /// unless the policy has its own).
    pub fn retry_policy(mut self, policy: super::RetryPolicy) -> Self {
        self.retry = Some(policy.or_time(self.client.time()));
        self
    }

    /// Marks a large transfer (a file download or upload): no total time limit per request,
    /// only the client's idle timeout (no progress for that long fails the request), so a
    /// slow but moving transfer is never cut short.
    pub fn large_transfer(mut self) -> Self {
        self.large_transfer = true;
        self
    }

    /// Reads at most `bytes` of this call's JSON answer instead of the client's limit
    /// ([`PowerBiClientBuilder::max_response_size`](crate::PowerBiClientBuilder::max_response_size)).
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// The most bytes this call reads of a whole answer: its own
    /// [`max_response_size`](Self::max_response_size), else the client's.
    pub fn response_size_limit(&self) -> u64 {
        self.max_response_bytes
            .unwrap_or_else(|| self.client.max_response_bytes())
    }

    /// Sends and decodes a JSON response.
    pub fn send_json<T: DeserializeOwned>(self) -> Call<Json<T>> {
        self.call()
    }

    /// Sends and decodes an OData list, returning its `value` items.
    pub fn send_list<T: DeserializeOwned>(self) -> Call<ODataItems<T>> {
        self.call()
    }

    /// Sends and decodes a bare JSON array.
    pub fn send_array<T: DeserializeOwned>(self) -> Call<Json<Vec<T>>> {
        self.call()
    }

    /// The call, decoded as `A` says when it completes (see [`Call`] for why it is not an
    /// `async fn`).
    fn call<A>(self) -> Call<A> {
        let operation = self.operation_name();
        Call::new(self.sending(), operation)
    }

    /// This request's sending as one boxed future: not generic, so compiled once for every
    /// call (an `async` block in the generic [`Self::call`] would be one per answer type).
    fn sending(self) -> call::Sending {
        Box::pin(async move { self.send_unboxed().await })
    }

    /// Sends and ignores any response body.
    pub fn send_empty(self) -> BoxedCall<()> {
        BoxedCall::new(async move { self.send_unboxed().await.map(drop) })
    }

    /// Sends and returns the response body's bytes.
    pub fn send_bytes(self) -> BoxedCall<Vec<u8>> {
        BoxedCall::new(async move {
            self.send_unboxed()
                .await
                .map(|response| response.body.to_vec())
        })
    }

    /// The full URL, with every parameter encoded.
    pub fn url(&self) -> Result<url::Url> {
        if let Some(url) = &self.absolute {
            return Ok(url.clone());
        }
        // One buffer for base, path and query: a call should not pay for several strings.
        let (base, prefix) = match self.api {
            Api::PowerBi => (self.client.api_base(), "/v1.0/myorg"),
            Api::Fabric => (
                self.client.fabric_api_base().ok_or_else(no_fabric_host)?,
                "/v1",
            ),
        };
        let base = base.as_str().trim_end_matches('/');
        let mut text = String::with_capacity(base.len() + 64 + self.template.len());
        text.push_str(base);
        text.push_str(prefix);
        let scope = self
            .operation
            .map_or(WorkspaceScope::None, |operation| operation.workspace);
        match (scope, self.workspace) {
            (WorkspaceScope::Both | WorkspaceScope::Workspace, Some(Workspace::Id(id))) => {
                text.push_str("/groups/");
                text.push_str(
                    id.hyphenated()
                        .encode_lower(&mut uuid::Uuid::encode_buffer()),
                );
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
        self.render_template(&mut text)?;
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
}

/// The error of a Fabric call on a cloud without a Fabric host.
fn no_fabric_host() -> Error {
    Error::Config(
        "Microsoft documents no Fabric REST API host for this cloud: set one with PowerBiClientBuilder::fabric_api_base (or Cloud::with_fabric_api_base) if your tenant has one".to_owned(),
    )
}
