//! The spec as written in YAML, before validation. Every key a person may forget is optional
//! here, so that validation can report all missing keys at once instead of serde stopping at
//! the first.

use serde::Deserialize;
use serde::de::IgnoredAny;

/// One spec file: a permission category, or `shared.yaml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub category: Option<String>,
    pub title: Option<String>,
    pub doc: Option<String>,
    pub permissions: Option<Vec<String>>,
    // `operations`, `models` and `enums` are read item by item by the loader (so one bad
    // item does not hide the others), not by serde: serde only knows the keys exist.
    #[serde(skip)]
    pub operations: Vec<RawOperation>,
    #[serde(skip)]
    pub models: Vec<(String, RawModel)>,
    #[serde(skip)]
    pub enums: Vec<(String, RawEnum)>,
    #[serde(rename = "operations", default)]
    _operations: Option<IgnoredAny>,
    #[serde(rename = "models", default)]
    _models: Option<IgnoredAny>,
    #[serde(rename = "enums", default)]
    _enums: Option<IgnoredAny>,
}

/// An operation as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperation {
    pub name: Option<String>,
    /// `body_form_of: other`: this entry is another request body of `other`'s operationIds.
    pub body_form_of: Option<String>,
    pub operation_ids: Option<Vec<String>>,
    pub summary: Option<String>,
    pub docs_url: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub workspace: Option<String>,
    #[serde(default)]
    pub parameters: Vec<RawParameter>,
    pub body: Option<RawBody>,
    pub response: Option<String>,
    pub scopes: Option<Vec<RawScope>>,
    pub service_principal: Option<String>,
    pub paging: Option<String>,
    pub long_running: Option<String>,
    pub retry: Option<String>,
    pub limits: Option<String>,
    pub notes: Option<String>,
    /// The 0-based index in the file's `operations` list (set by the loader).
    #[serde(skip)]
    pub index: usize,
}

/// A path, query or header parameter as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParameter {
    pub name: Option<String>,
    #[serde(rename = "in")]
    pub location: Option<String>,
    #[serde(rename = "type")]
    pub ty: Option<String>,
    pub required: Option<bool>,
    pub doc: Option<String>,
    pub rust_name: Option<String>,
    pub quoted: Option<bool>,
}

/// `body: Model` or `body: {model: Model, required: false}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawBody {
    Model(String),
    Detailed {
        model: String,
        #[serde(default = "yes")]
        required: bool,
        /// `body: {model: bytes, content_type: text/plain}`.
        #[serde(default)]
        content_type: Option<String>,
    },
}

fn yes() -> bool {
    true
}

/// One alternative of `scopes`: a scope, or a list of scopes all required together.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawScope {
    One(String),
    AllOf(Vec<String>),
}

/// A model as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub doc: Option<String>,
    /// Read field by field by the loader, not by serde (which only knows the key exists).
    #[serde(skip)]
    pub fields: Vec<(String, RawField)>,
    #[serde(rename = "fields", default)]
    _fields: Option<IgnoredAny>,
}

/// A model field as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    #[serde(rename = "type")]
    pub ty: Option<String>,
    pub required: Option<bool>,
    pub doc: Option<String>,
    pub rust_name: Option<String>,
    pub json_reason: Option<String>,
    pub aliases: Option<Vec<String>>,
    pub nullable: Option<bool>,
    pub secret: Option<bool>,
}

/// An enum as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnum {
    pub doc: Option<String>,
    #[serde(default)]
    pub values: Vec<RawEnumValue>,
}

/// One enum value as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnumValue {
    pub value: Option<String>,
    pub name: Option<String>,
    pub doc: Option<String>,
}
