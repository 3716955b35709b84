//! What the service documents about each operation, as a public table.

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        })
    }
}

impl HttpMethod {
    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        }
    }
}

/// Which workspaces an operation addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkspaceScope {
    /// The path is used as written.
    None,
    /// The caller's "My workspace" only.
    My,
    /// A workspace only: `/groups/{groupId}` precedes the path.
    Workspace,
    /// Either "My workspace" or a workspace (Microsoft's two twin operations, one method here).
    Both,
}

/// Whether a service principal may call an operation, as Microsoft documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServicePrincipalSupport {
    /// Supported.
    Yes,
    /// Not supported.
    No,
    /// Microsoft's documentation does not say.
    Unknown,
}

/// How an operation pages through long results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Paging {
    /// One response holds everything.
    None,
    /// `$top` and `$skip`.
    TopSkip,
    /// `$top` only.
    Top,
    /// A continuation token or URI.
    Continuation,
    /// `@odata.nextLink`.
    NextLink,
    /// Fabric's `continuationUri` (followed on the Fabric host only) and `continuationToken`
    /// (sent as is in the query otherwise).
    ContinuationUri,
}

/// Whether an operation starts a job that runs on after the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LongRunning {
    /// Completes in the response.
    None,
    /// A dataset refresh.
    Refresh,
    /// An export to file.
    Export,
    /// An import.
    Import,
    /// A deployment pipeline operation.
    Pipeline,
    /// A scanner (workspace info) scan.
    Scan,
    /// Another job answered with 202 and polled.
    Poll,
    /// A Fabric long-running operation: 202 with `x-ms-operation-id` and `Location`, polled at
    /// `/v1/operations/{id}`, its result (where it has one) at `/v1/operations/{id}/result`.
    FabricOperation,
    /// A Fabric job scheduler run: 202 with the `Location` of the job instance, polled there
    /// until `Completed`, `Failed`, `Cancelled` or `Deduped`; cancellable.
    JobInstance,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterLocation {
    /// A `{placeholder}` of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// One path, query or header parameter of an operation, as the spec describes it (what a
/// command line or another dynamic caller needs to fill it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parameter {
    /// The wire name (`datasetId`, `$top`).
    pub name: &'static str,
    /// Where it goes.
    pub location: ParameterLocation,
    /// Its type as the spec spells it: `string`, `bool`, `integer`, `int32`, `number`,
    /// `uuid`, `date-time`, or an enum's name; `list<...>` of one for a query parameter sent
    /// once per value ([`Parameter::is_repeated`]).
    pub ty: &'static str,
    /// Whether the caller must give it.
    pub required: bool,
    /// A date-time sent in single quotes, in UTC, to the second (see [`QuotedUtc`](super::QuotedUtc)).
    pub quoted: bool,
    /// Its documentation (empty when the spec has none).
    pub doc: &'static str,
}

impl Parameter {
    /// Whether the parameter repeats, once per value (`parent=A&parent=B`): its type is
    /// `list<...>` (see [`RequestBuilder::query_each`](super::RequestBuilder::query_each)).
    pub fn is_repeated(&self) -> bool {
        self.ty.starts_with("list<")
    }

    /// The type of one value: the item type of a repeated parameter, else [`ty`](Self::ty).
    pub fn item_type(&self) -> &'static str {
        self.ty
            .strip_prefix("list<")
            .and_then(|rest| rest.strip_suffix('>'))
            .unwrap_or(self.ty)
    }
}

/// The request body an operation sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestBody {
    /// None.
    None,
    /// A JSON object of the named model.
    Json {
        /// The model's name.
        model: &'static str,
        /// Whether the caller must send it.
        required: bool,
    },
    /// A file, sent as `multipart/form-data`.
    File,
    /// A file sent as the raw request body (not multipart), streamed
    /// ([`RequestBuilder::bytes_body`](super::RequestBuilder::bytes_body)).
    Bytes {
        /// The `Content-Type` it goes with (`application/octet-stream`, `text/plain`).
        content_type: &'static str,
        /// Whether the caller must send it.
        required: bool,
    },
    /// A bare JSON array (`["A", "B"]`).
    Array {
        /// The items' type as the spec spells it: `string`, another scalar, an enum's or a
        /// model's name.
        item: &'static str,
        /// Whether the caller must send it.
        required: bool,
    },
}

/// One operation of the Power BI or the Fabric REST API, as the spec describes it. The
/// generated `OPERATIONS` tables list them all: Power BI's at the crate's root, Fabric's in
/// `fabric::OPERATIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The REST API it belongs to: where it is sent and which token it carries.
    pub api: Api,
    /// The method's name, unique within its category.
    pub name: &'static str,
    /// The permission category (module) it belongs to.
    pub category: &'static str,
    /// Microsoft's operationIds it covers (two when "My workspace" and workspace twins merge).
    pub operation_ids: &'static [&'static str],
    /// For another body form of an operation (`body_form_of` in the spec, such as
    /// `post_import_from_one_drive`, the JSON form of `post_import`): the name of that
    /// operation, in the same category. Both list the same `operation_ids`; count a Microsoft
    /// operation once by skipping the records where this is `Some`.
    pub body_form_of: Option<&'static str>,
    /// One-sentence summary.
    pub summary: &'static str,
    /// Microsoft's documentation page.
    pub docs_url: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path template relative to the API's base path (`/v1.0/myorg` for Power BI, without the
    /// `/groups/{groupId}` prefix; `/v1` for Fabric).
    pub path: &'static str,
    /// Which workspaces it addresses.
    pub workspace: WorkspaceScope,
    /// Delegated scopes: any one inner list suffices, and all scopes of that list are needed.
    pub scopes: &'static [&'static [&'static str]],
    /// Service-principal support.
    pub service_principal: ServicePrincipalSupport,
    /// Paging strategy.
    pub paging: Paging,
    /// Long-running marker.
    pub long_running: LongRunning,
    /// Whether the spec marks the operation safe to retry although its method is not
    /// idempotent (a POST that only reads, such as a DAX query): a retry cannot duplicate a
    /// side effect. GET, PUT and DELETE are retried by their method anyway.
    pub retry_safe: bool,
    /// Path, query and header parameters, in the spec's order (the workspace excluded).
    pub parameters: &'static [Parameter],
    /// The request body.
    pub body: RequestBody,
    /// What a success answers, as the spec spells it: `none`, `binary`, a model's name, or
    /// `list<Model>` (an OData `value` list) / `array<Model>` (a bare JSON array). For a
    /// Fabric long-running operation, what its result is.
    pub response: &'static str,
    /// For an operation paged by continuation (Power BI's or Fabric's): the answer's field
    /// holding the items.
    pub items_field: Option<&'static str>,
    /// Published rate limits, when Microsoft documents them.
    pub limits: Option<&'static str>,
}

impl Operation {
    /// The full path templates (relative to the API host) this operation serves: one, or
    /// two for an operation with "My workspace" and workspace twins.
    #[inline] // opt-in: compiled only in the programs that use it (lib.rs)
    pub fn path_templates(&self) -> Vec<String> {
        if self.api == Api::Fabric {
            return vec![format!("/v1{}", self.path)];
        }
        let my = format!("/v1.0/myorg{}", self.path);
        let group = format!("/v1.0/myorg/groups/{{groupId}}{}", self.path);
        match self.workspace {
            WorkspaceScope::None | WorkspaceScope::My => vec![my],
            WorkspaceScope::Workspace => vec![group],
            WorkspaceScope::Both => vec![my, group],
        }
    }

    /// Whether sending this operation twice cannot duplicate a side effect: GET, PUT and
    /// DELETE by their method, and the operations the spec marks `retry: safe`.
    pub fn is_idempotent(&self) -> bool {
        self.retry_safe || !matches!(self.method, HttpMethod::Post | HttpMethod::Patch)
    }

    /// Whether a delegated token with `granted` scopes may call this operation.
    pub fn is_allowed_by(&self, granted: &[&str]) -> bool {
        self.scopes.is_empty()
            || self
                .scopes
                .iter()
                .any(|set| set.iter().all(|scope| granted.contains(scope)))
    }
}

/// Which REST API an operation or request belongs to: the base URL it is built on, the token
/// it carries and the hosts that token may go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// Power BI: `{api_base}/v1.0/myorg`, the cloud's Power BI token.
    PowerBi,
    /// Microsoft Fabric: `{fabric_api_base}/v1`, a token for Fabric's scope.
    Fabric,
}
