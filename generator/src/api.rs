//! The validated API: what code generation works from, built from the spec (the curated YAML)
//! by validation. Every name here is already checked, every type reference resolved.
//!
//! Words, one meaning each: the *spec* is the curated YAML; the *API* ([`Api`]) is what this
//! module holds; a *model* is a JSON object type ([`Model`], `models:` in the spec, the
//! generated `models` module); the *reference* is Microsoft's description of the service
//! (`spec/reference/powerbi-swagger.json`), which the spec is checked against.

/// The whole API, validated.
#[derive(Debug, Clone)]
pub struct Api {
    /// What holds for the whole API (`api.yaml`): name, clouds, token, errors, conventions.
    pub description: ApiDescription,
    /// The permission categories that have operations, in file-name order.
    pub categories: Vec<Category>,
    /// Every model, sorted by name.
    pub models: Vec<Model>,
    /// Every enum, sorted by name.
    pub enums: Vec<EnumDef>,
    /// SHA-256 of the spec files' names and bytes, hex.
    pub hash: String,
}

impl Api {
    /// For an operation answered with a model: that model's first `list<...>` field, where a
    /// continuation page's items are (`value`, `workspaces`, `activityEventEntities`, ...).
    pub fn first_list_field(&self, operation: &Operation) -> Option<&Field> {
        let Response::Model(model) = &operation.response else {
            return None;
        };
        let model = self
            .models
            .iter()
            .find(|candidate| &candidate.name == model)?;
        model
            .fields
            .iter()
            .find(|field| matches!(field.ty, TypeRef::List(_)))
    }
}

/// A permission category: one of Microsoft's operation groups.
#[derive(Debug, Clone)]
pub struct Category {
    /// snake_case name (module, accessor, cargo feature).
    pub name: String,
    /// Microsoft's name for the group.
    pub title: String,
    /// Module documentation.
    pub doc: Option<String>,
    /// The scope family it mostly needs.
    pub permissions: Vec<String>,
    /// Its operations, in spec order.
    pub operations: Vec<Operation>,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
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

/// Which workspaces an operation addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceScope {
    /// The path is used as written.
    None,
    /// The caller's "My workspace" only.
    My,
    /// A workspace only (the `/groups/{groupId}` prefix is added).
    Workspace,
    /// Either: the method takes a `Workspace`.
    Both,
}

/// Service-principal support as Microsoft documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServicePrincipal {
    /// Supported.
    Yes,
    /// Not supported.
    No,
    /// Not documented.
    Unknown,
}

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// One response holds everything.
    None,
    /// `$top` and `$skip`.
    TopSkip,
    /// `$top` only.
    Top,
    /// Continuation token or URI (Power BI's activity log and admin listings: the quoted
    /// token, `lastResultSet`).
    Continuation,
    /// `@odata.nextLink`.
    NextLink,
    /// Fabric's lists: `continuationToken` and `continuationUri` next to `value`, absent on the
    /// last page.
    ContinuationUri,
}

/// Whether and how an operation runs long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongRunning {
    /// Completes in the response.
    None,
    /// Dataset refresh.
    Refresh,
    /// Export to file.
    Export,
    /// Import.
    Import,
    /// Deployment pipeline operation.
    Pipeline,
    /// Scanner.
    Scan,
    /// Another polled 202.
    Poll,
    /// Fabric's long-running operations: 202 with `Location`, `x-ms-operation-id` and
    /// `Retry-After`; the state at `/operations/{id}`, the result at `/operations/{id}/result`.
    FabricOperation,
    /// Fabric's job scheduler: run on demand (202 with `Location` of the job instance), poll the
    /// instance, cancel it.
    JobInstance,
}

/// A validated operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// snake_case method name.
    pub name: String,
    /// Microsoft operationIds covered (a body form's are those of the operation it is a form of).
    pub operation_ids: Vec<String>,
    /// `body_form_of`: the operation of the same category whose Microsoft operations this one
    /// sends with another request body (same method, path and workspace). Coverage counts the
    /// operationIds once, for that operation.
    pub body_form_of: Option<String>,
    /// The operations that are other body forms of this one (`body_form_of` naming it), in
    /// spec order.
    pub body_forms: Vec<String>,
    /// One-sentence summary.
    pub summary: String,
    /// learn.microsoft.com page.
    pub docs_url: String,
    /// HTTP method.
    pub method: Method,
    /// Path template relative to `/v1.0/myorg` (without the workspace prefix).
    pub path: String,
    /// Workspace scoping.
    pub workspace: WorkspaceScope,
    /// Parameters in method order.
    pub parameters: Vec<Parameter>,
    /// Request body.
    pub body: Option<Body>,
    /// Response shape.
    pub response: Response,
    /// Alternatives of scope sets (any one set suffices; all scopes of a set are needed).
    pub scopes: Vec<Vec<String>>,
    /// Service-principal support.
    pub service_principal: ServicePrincipal,
    /// Paging strategy.
    pub paging: Paging,
    /// Long-running marker.
    pub long_running: LongRunning,
    /// `retry: safe`: a retry cannot duplicate a side effect even though the method is not
    /// idempotent (a POST that only reads, such as executeQueries).
    pub retry_safe: bool,
    /// Published rate limits.
    pub limits: Option<String>,
    /// More documentation.
    pub notes: Option<String>,
    /// Where the spec declares it (its list item), for reports that point back at the spec.
    pub declared_at: crate::diagnostic::Location,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    /// A path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// A validated parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The wire name.
    pub wire_name: String,
    /// The Rust name.
    pub rust_name: String,
    /// Where it goes.
    pub location: ParameterLocation,
    /// Its type (a scalar or an enum; `list<...>` of one for a repeated query parameter).
    pub ty: TypeRef,
    /// Required parameters are positional.
    pub required: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// `quoted: true` (date-time only): sent in single quotes, UTC, whole seconds
    /// (`'2019-08-31T00:00:00'`), as the activity log wants; the caller passes a date-time.
    pub quoted: bool,
}

/// A request body.
#[derive(Debug, Clone)]
pub struct Body {
    /// What is sent.
    pub kind: BodyKind,
    /// Whether the caller must send it.
    pub required: bool,
}

/// What a request body carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// A JSON model, by name.
    Json(String),
    /// A file uploaded as `multipart/form-data`.
    File,
    /// A file sent as the raw request body (`body: bytes`), with this `Content-Type`.
    Bytes {
        /// The `Content-Type` (`application/octet-stream` unless the spec says otherwise).
        content_type: String,
    },
    /// A bare JSON array of this item type (`body: array<T>`).
    Array(TypeRef),
}

/// The response of an operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// No content.
    None,
    /// A file.
    Binary,
    /// A JSON model.
    Model(String),
    /// An OData `value` list.
    List(TypeRef),
    /// A bare JSON array.
    Array(TypeRef),
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `string`
    String,
    /// `bool`
    Bool,
    /// `integer`
    Integer,
    /// `int32`
    Int32,
    /// `number`
    Number,
    /// `uuid`
    Uuid,
    /// `date-time`
    DateTime,
    /// `json`
    Json,
    /// `list<T>`
    List(Box<TypeRef>),
    /// `map<T>`
    Map(Box<TypeRef>),
    /// A model by name.
    Model(String),
    /// An enum by name.
    Enum(String),
}

/// The scalar types by their spelling in the spec: the one table that reads (`type:` keys)
/// and writes (diagnostics) them.
pub const SCALAR_TYPES: &[(&str, TypeRef)] = &[
    ("string", TypeRef::String),
    ("bool", TypeRef::Bool),
    ("integer", TypeRef::Integer),
    ("int32", TypeRef::Int32),
    ("number", TypeRef::Number),
    ("uuid", TypeRef::Uuid),
    ("date-time", TypeRef::DateTime),
    ("json", TypeRef::Json),
];

/// A type as the spec spells it (`int32`, `list<Tile>`, a model or enum by name).
impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::List(item) => write!(f, "list<{item}>"),
            TypeRef::Map(item) => write!(f, "map<{item}>"),
            TypeRef::Model(name) | TypeRef::Enum(name) => f.write_str(name),
            scalar => {
                let name = SCALAR_TYPES
                    .iter()
                    .find(|(_, ty)| ty == scalar)
                    .map_or("?", |(name, _)| name);
                f.write_str(name)
            }
        }
    }
}

/// A validated model: a JSON object type.
#[derive(Debug, Clone)]
pub struct Model {
    /// PascalCase name.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Fields in wire order.
    pub fields: Vec<Field>,
    /// Where the spec declares it.
    pub declared_at: crate::diagnostic::Location,
}

/// A validated model field.
#[derive(Debug, Clone)]
pub struct Field {
    /// JSON key.
    pub wire_name: String,
    /// Rust field name, as spelled (`type`; codegen writes a keyword as `r#type`).
    pub rust_name: String,
    /// Type.
    pub ty: TypeRef,
    /// Required fields are not wrapped in `Option`.
    pub required: bool,
    /// `nullable: true`: an explicit `null` means something in a request (it clears the
    /// property), so the field is `rt::Nullable<T>` (absent, null or a value), not `Option<T>`.
    /// Only on optional fields.
    pub nullable: bool,
    /// `secret: true`: a password, key, token or signed URL; the model's `Debug` prints
    /// `REDACTED` in place of its value. Only on `string`, `json` and lists or maps of them.
    pub secret: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// Other JSON keys decoded into this field (encoding always writes `wire_name`).
    pub aliases: Vec<String>,
}

/// A validated open enum.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// PascalCase name.
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Known values.
    pub values: Vec<EnumValue>,
    /// Where the spec declares it.
    pub declared_at: crate::diagnostic::Location,
}

/// One known enum value.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// The wire value.
    pub wire: String,
    /// The variant name.
    pub variant: String,
    /// Documentation.
    pub doc: Option<String>,
}

/// What holds for every operation of one API: `api.yaml` of its spec folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiDescription {
    /// snake_case name (`powerbi`, `fabric`).
    pub name: String,
    /// Microsoft's name for the API.
    pub title: String,
    /// Documentation (markdown).
    pub doc: Option<String>,
    /// The prefix every operation's `docs_url` starts with.
    pub docs_url: String,
    /// The path every operation path is relative to (`/v1.0/myorg`, `/v1`).
    pub base_path: String,
    /// The path prefix `workspace: workspace | both` operations get (`/groups/{groupId}`), if
    /// the API has workspace-scoped twins.
    pub workspace_prefix: Option<String>,
    /// Where the API is served, per cloud; the public cloud first.
    pub clouds: Vec<Cloud>,
    /// The token the API wants.
    pub token: Token,
    /// Every delegated scope an operation may name.
    pub known_scopes: Vec<String>,
    /// The shape of its error bodies.
    pub errors: ErrorShape,
    /// The paging kinds its operations use.
    pub paging: Vec<Paging>,
    /// The long-running protocols its operations use.
    pub long_running: Vec<LongRunning>,
    /// How it throttles.
    pub throttling: Throttling,
    /// Microsoft's description of the API (a Swagger file or a folder of areas), relative to
    /// the spec folder: what `coverage` and `drift` compare with by default.
    pub reference: Option<String>,
}

/// One cloud an API is served in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// `public`, `us_gov`, `us_gov_high`, `us_gov_dod` or `china`.
    pub name: String,
    /// The REST API host, without the base path (`https://api.powerbi.com`).
    pub base_url: String,
    /// The Entra ID authority host that issues its tokens.
    pub authority: String,
    /// The token audience (resource) in that cloud.
    pub audience: String,
}

/// The token an API wants (public cloud).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The audience (resource) tokens are issued for.
    pub audience: String,
    /// The scope a client-credentials request asks for (`<audience>/.default`).
    pub scope: String,
    /// Other audiences the service accepts for the same calls.
    pub also_accepted: Vec<String>,
}

/// The shape of an API's error bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{"error": {"code", "message", "pbi.error": {...}}}`, `X-PowerBI-Error-Info`, `RequestId`.
    PowerBi,
    /// `{"errorCode", "message", "requestId", "moreDetails", "relatedResource", "isRetriable"}`.
    Fabric,
}

/// How an API throttles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttling {
    /// The status of a throttled answer (429).
    pub status: u16,
    /// How `Retry-After` is written.
    pub retry_after: RetryAfter,
    /// What else is known (per-user limits, published limits).
    pub doc: Option<String>,
}

/// How `Retry-After` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Whole seconds.
    Seconds,
    /// Seconds or an HTTP date.
    SecondsOrDate,
}
