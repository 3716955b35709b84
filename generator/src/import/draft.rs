//! A drafted permission category: what the importer read from Microsoft's description, in the
//! spec's own terms (types spelled as the spec spells them), before it is written as YAML.

use std::collections::{BTreeMap, BTreeSet};

/// One drafted category file.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// snake_case category name.
    pub category: String,
    /// Microsoft's name for the group (the tag or the area).
    pub title: String,
    /// The scopes the operations name, most used first.
    pub permissions: Vec<String>,
    /// The operations, in the description's order.
    pub operations: Vec<DraftOperation>,
    /// Every model the operations reach, by spec name.
    pub models: BTreeMap<String, DraftModel>,
    /// Every enum the operations reach, by spec name.
    pub enums: BTreeMap<String, DraftEnum>,
    /// What the maintainer must look at (written as comments at the top of the file).
    pub warnings: Vec<String>,
    /// The models and enums drafted from Fabric's `common/` folder (the same in every area).
    pub common: BTreeSet<String>,
}

/// One drafted operation.
#[derive(Debug, Clone, Default)]
pub struct DraftOperation {
    /// snake_case method name, from the operationId.
    pub name: String,
    /// Microsoft's operationId.
    pub operation_id: String,
    /// Microsoft's tag.
    pub tag: String,
    /// One sentence.
    pub summary: String,
    /// The learn.microsoft.com page.
    pub docs_url: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// Relative to the API's base path; a fixed query (`?beta=true`) is left out.
    pub path: String,
    /// The fixed query Microsoft's path carries, if any (`beta=true`).
    pub fixed_query: Option<String>,
    /// Path, query and header parameters.
    pub parameters: Vec<DraftParameter>,
    /// The body as the spec writes it (a model, `file`, `bytes`, `array<T>`) and whether it
    /// is required.
    pub body: Option<(String, bool)>,
    /// The `Content-Type` of a `bytes` body other than `application/octet-stream`.
    pub body_content_type: Option<String>,
    /// The response, as the spec writes it (`none`, `binary`, `Model`, `list<T>`, `array<T>`).
    pub response: String,
    /// Alternatives of scope sets.
    pub scopes: Vec<Vec<String>>,
    /// Scopes the description names that the API's `known_scopes` lacks (left out).
    pub unknown_scopes: Vec<String>,
    /// `yes`, `no` or `unknown`.
    pub service_principal: &'static str,
    /// A paging word of the spec.
    pub paging: &'static str,
    /// A long-running word of the spec.
    pub long_running: &'static str,
    /// Published rate limits.
    pub limits: Option<String>,
    /// The rest of the description.
    pub notes: Option<String>,
    /// Where Microsoft's examples are: files relative to the description, or inline names.
    pub examples: Vec<String>,
}

/// One drafted parameter.
#[derive(Debug, Clone, Default)]
pub struct DraftParameter {
    /// The wire name.
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: &'static str,
    /// A scalar type or an enum name.
    pub ty: String,
    /// Whether the service requires it.
    pub required: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// A Rust name, where the derived one would break a rule (`groupId` → `workspace_id`).
    pub rust_name: Option<String>,
}

/// One drafted model.
#[derive(Debug, Clone, Default)]
pub struct DraftModel {
    /// Documentation.
    pub doc: Option<String>,
    /// Fields in wire order (inherited ones first).
    pub fields: Vec<DraftField>,
}

/// One drafted field.
#[derive(Debug, Clone, Default)]
pub struct DraftField {
    /// The JSON key.
    pub wire_name: String,
    /// The type as the spec spells it.
    pub ty: String,
    /// Whether the description lists it as required.
    pub required: bool,
    /// Documentation.
    pub doc: Option<String>,
    /// A Rust name where the derived one clashes.
    pub rust_name: Option<String>,
}

/// One drafted enum.
#[derive(Debug, Clone, Default)]
pub struct DraftEnum {
    /// Documentation.
    pub doc: Option<String>,
    /// Values with their variant name (when the value makes none) and documentation.
    pub values: Vec<DraftEnumValue>,
}

/// One drafted enum value.
#[derive(Debug, Clone, Default)]
pub struct DraftEnumValue {
    /// The wire value.
    pub value: String,
    /// A variant name, where the value makes no usable one.
    pub name: Option<String>,
    /// Documentation.
    pub doc: Option<String>,
}
