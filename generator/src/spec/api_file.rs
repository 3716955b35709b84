//! `api.yaml`: what holds for a whole API, read key by key so that every problem is reported
//! with its position (a wrong key does not hide the others).

use std::path::PathBuf;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::load::SourceText;
use super::positions::Positions;
use super::yaml::{self, Node, Value};
use crate::diagnostic::{Diagnostic, Location};

/// The file name of an API's description in its spec folder.
pub const API_FILE: &str = "api.yaml";

/// `api.yaml` as written.
#[derive(Debug, Default)]
pub struct RawApi {
    pub api: Option<String>,
    pub title: Option<String>,
    pub doc: Option<String>,
    pub docs_url: Option<String>,
    pub base_path: Option<String>,
    pub workspace_prefix: Option<String>,
    /// Cloud name → cloud, in file order.
    pub clouds: Option<Vec<(String, RawCloud)>>,
    pub token: Option<RawToken>,
    pub known_scopes: Option<Vec<String>>,
    pub errors: Option<String>,
    pub paging: Option<Vec<String>>,
    pub long_running: Option<Vec<String>>,
    pub throttling: Option<RawThrottling>,
    pub reference: Option<String>,
}

/// One cloud as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCloud {
    pub base_url: Option<String>,
    pub authority: Option<String>,
    pub audience: Option<String>,
}

/// `token:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawToken {
    pub audience: Option<String>,
    pub scope: Option<String>,
    #[serde(default)]
    pub also_accepted: Vec<String>,
}

/// `throttling:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThrottling {
    pub status: Option<u16>,
    pub retry_after: Option<String>,
    pub doc: Option<String>,
}

/// Every top-level key of `api.yaml`, in the order the format documents them.
pub const API_KEYS: &[&str] = &[
    "api",
    "title",
    "doc",
    "docs_url",
    "base_path",
    "workspace_prefix",
    "clouds",
    "token",
    "known_scopes",
    "errors",
    "paging",
    "long_running",
    "throttling",
    "reference",
];

/// A parsed `api.yaml` with the positions of its nodes.
#[derive(Debug)]
pub struct ApiSourceFile {
    /// The path shown in diagnostics.
    pub path: PathBuf,
    pub(crate) positions: Positions,
    pub(crate) raw: RawApi,
}

impl ApiSourceFile {
    /// A diagnostic at `node` (a path such as `clouds/public/base_url`).
    pub(crate) fn diagnostic(&self, node: &str, message: impl Into<String>) -> Diagnostic {
        let position = self.positions.find(node);
        Diagnostic {
            location: Location {
                file: self.path.clone(),
                line: position.line,
                column: position.column,
            },
            item: "api".to_owned(),
            message: message.into(),
        }
    }
}

/// Parses `api.yaml`: broken YAML yields only its syntax error; otherwise each key is read on
/// its own and every key of the wrong shape is reported.
pub fn parse_api(source: &SourceText, diagnostics: &mut Vec<Diagnostic>) -> Option<ApiSourceFile> {
    let root = match yaml::parse(&source.text) {
        Ok(root) => root,
        Err(error) => {
            diagnostics.push(Diagnostic {
                location: Location {
                    file: source.path.clone(),
                    line: error.position.line,
                    column: error.position.column,
                },
                item: "api".to_owned(),
                message: format!("invalid YAML: {}", error.message),
            });
            return None;
        }
    };
    let mut file = ApiSourceFile {
        path: source.path.clone(),
        positions: Positions::of(&root),
        raw: RawApi::default(),
    };
    let Value::Mapping(entries) = &root.value else {
        diagnostics.push(file.diagnostic(
            "",
            "api.yaml must be a mapping of keys (`api`, `title`, `base_path`, `clouds`, ...; see spec/README.md)",
        ));
        return None;
    };
    let mut raw = RawApi::default();
    for (key, value) in entries {
        let Some(key) = key.as_str() else {
            diagnostics.push(file.diagnostic("", "the keys of api.yaml must be names"));
            continue;
        };
        read_key(&file, &mut raw, key, value, diagnostics);
    }
    file.raw = raw;
    Some(file)
}

/// Reads one top-level key into `raw`, or reports why it cannot.
fn read_key(
    file: &ApiSourceFile,
    raw: &mut RawApi,
    key: &str,
    value: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match key {
        "api" => raw.api = read_as(file, key, value, diagnostics),
        "title" => raw.title = read_as(file, key, value, diagnostics),
        "doc" => raw.doc = read_as(file, key, value, diagnostics),
        "docs_url" => raw.docs_url = read_as(file, key, value, diagnostics),
        "base_path" => raw.base_path = read_as(file, key, value, diagnostics),
        "workspace_prefix" => raw.workspace_prefix = read_as(file, key, value, diagnostics),
        "errors" => raw.errors = read_as(file, key, value, diagnostics),
        "reference" => raw.reference = read_as(file, key, value, diagnostics),
        "known_scopes" => raw.known_scopes = read_as(file, key, value, diagnostics),
        "paging" => raw.paging = read_as(file, key, value, diagnostics),
        "long_running" => raw.long_running = read_as(file, key, value, diagnostics),
        "token" => raw.token = read_as(file, key, value, diagnostics),
        "throttling" => raw.throttling = read_as(file, key, value, diagnostics),
        "clouds" => raw.clouds = read_clouds(file, value, diagnostics),
        other => diagnostics.push(file.diagnostic(
            other,
            format!(
                "unknown key `{other}`; api.yaml has: {} (see spec/README.md)",
                API_KEYS.join(", ")
            ),
        )),
    }
}

/// `clouds:` entry by entry, so that one wrong cloud does not hide another.
fn read_clouds(
    file: &ApiSourceFile,
    value: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<(String, RawCloud)>> {
    let Value::Mapping(entries) = &value.value else {
        diagnostics.push(file.diagnostic(
            "clouds",
            "`clouds` must map cloud names (`public`, `us_gov`, ...) to `{base_url, authority, audience}`",
        ));
        return None;
    };
    let mut clouds = Vec::new();
    for (name, cloud) in entries {
        let Some(name) = name.as_str() else {
            diagnostics.push(file.diagnostic("clouds", "cloud names must be names"));
            continue;
        };
        let node = format!("clouds/{name}");
        if let Some(cloud) = read_as::<RawCloud>(file, &node, cloud, diagnostics) {
            clouds.push((name.to_owned(), cloud));
        }
    }
    Some(clouds)
}

/// Deserializes one node, turning serde's complaint into a diagnostic at it.
fn read_as<T: DeserializeOwned>(
    file: &ApiSourceFile,
    node: &str,
    value: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<T> {
    match yaml::from_node::<T>(value) {
        Ok(item) => Some(item),
        Err(error) => {
            let mut message = error.to_string();
            // serde names the Rust type it wanted; the reader wants the YAML shape.
            if let Some(cut) = message.find("expected struct ") {
                message.truncate(cut);
                message.push_str("expected a mapping (see spec/README.md)");
            }
            let key = node.replace('/', ".");
            diagnostics.push(file.diagnostic(node, format!("`{key}`: {message}")));
            None
        }
    }
}
