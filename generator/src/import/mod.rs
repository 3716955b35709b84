//! `powerbi-codegen import`: drafts a category file of the spec from Microsoft's Swagger 2.0
//! description, one tag of a file (Power BI) or one area folder (Fabric: `swagger.json`,
//! `definitions.json`, examples, `$ref`s into `../common/`). The draft carries docs, scopes,
//! service-principal support, paging, long-running kind, models, open enums and links to
//! the examples; a maintainer then curates it (names, merged twins, prose).
//!
//! The description is not trusted: a missing key, an odd type or a dangling `$ref` is an
//! error naming the file (or a `# CHECK:` comment in the draft), never a panic.

mod document;
pub mod draft;
mod emit;
mod operation;
mod prose;
mod schema;
pub mod split;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use heck::ToSnakeCase;
use serde_json::Value;

use crate::Error;
use crate::api::ApiDescription;
pub use draft::Draft;
pub use emit::yaml;
use operation::Located;
use schema::Schemas;

/// Where Microsoft's description is.
#[derive(Debug, Clone)]
pub enum Source {
    /// One Swagger 2.0 file (Power BI's `swagger.json`).
    Swagger(PathBuf),
    /// One area folder of Fabric's layout (`platform/`, `notebook/`): its `swagger.json` and
    /// the files it references.
    Area(PathBuf),
    /// Every area folder under a root (Fabric's whole description), for `drift` and `coverage`.
    Areas(PathBuf),
}

impl Source {
    /// A folder of Fabric's layout: one area (it holds a `swagger.json`) or a root of areas.
    pub fn folder(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        if dir.join("swagger.json").is_file() {
            Source::Area(dir)
        } else {
            Source::Areas(dir)
        }
    }

    /// An API's default reference (`reference` in api.yaml, relative to its spec folder): a
    /// Swagger file when it names a `.json`, else a folder.
    pub fn reference(spec_folder: &Path, reference: &str) -> Self {
        let joined = spec_folder.join(reference);
        let mut path = document::normalize(&joined);
        if !path.exists() {
            // A spec folder reached through a symlink (the package's `spec/`): `..` is the
            // link target's parent, which only the filesystem knows.
            path = std::fs::canonicalize(&joined).unwrap_or(path);
        }
        if reference.ends_with(".json") {
            Source::Swagger(path)
        } else {
            Source::folder(path)
        }
    }
    /// The Swagger files it holds, with the area name of each (none for a single file).
    fn files(&self) -> Result<Vec<(PathBuf, Option<String>)>, Error> {
        let area = |dir: &Path| {
            dir.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        };
        match self {
            Source::Swagger(file) => Ok(vec![(file.clone(), None)]),
            Source::Area(dir) => Ok(vec![(dir.join("swagger.json"), area(dir))]),
            Source::Areas(root) => {
                let entries = std::fs::read_dir(root).map_err(|error| Error::io(root, &error))?;
                let mut files = Vec::new();
                for entry in entries {
                    let dir = entry.map_err(|error| Error::io(root, &error))?.path();
                    if dir.join("swagger.json").is_file() {
                        files.push((dir.join("swagger.json"), area(&dir)));
                    }
                }
                files.sort();
                if files.is_empty() {
                    return Err(Error::Config(format!(
                        "{}: no area folder with a swagger.json",
                        root.display()
                    )));
                }
                Ok(files)
            }
        }
    }

    /// How the draft's first comment names it.
    pub fn describe(&self) -> String {
        match self {
            Source::Swagger(file) => file.display().to_string(),
            Source::Area(dir) | Source::Areas(dir) => format!("{}/", dir.display()),
        }
    }
}

/// Which operations to draft and how to name the category.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only operations with this tag (case-insensitive); every operation when `None`.
    pub tag: Option<String>,
    /// The category name; by default the tag's or the area's, in snake_case.
    pub category: Option<String>,
}

/// Drafts a category from the description: the selected operations and every model and enum
/// they reach, each parameter with one type across the draft (the spec's rule; where
/// Microsoft's operations disagree, the first declaration wins and a `# CHECK:` says so).
/// `api` gives the base path, the known scopes, the docs URL and the kinds the API uses.
pub fn import(
    api: &ApiDescription,
    source: &Source,
    selection: &Selection,
) -> Result<Draft, Error> {
    let mut draft = describe(api, source, selection)?;
    one_type_per_parameter(&mut draft.operations, &mut draft.warnings);
    Ok(draft)
}

/// The description as it is, in the spec's terms (what [`import`] drafts before it makes
/// each parameter's type one): what `drift` compares the spec with.
pub fn describe(
    api: &ApiDescription,
    source: &Source,
    selection: &Selection,
) -> Result<Draft, Error> {
    let mut schemas = Schemas::default();
    let mut operations = Vec::new();
    let mut area_name = None;
    for (file, area) in source.files()? {
        let document = schemas.documents.file(&file)?.clone();
        // Fabric's admin area declares `basePath: /v1/admin` where the API's is `/v1`.
        let base_path = document
            .get("basePath")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(paths) = document.get("paths").and_then(Value::as_object) else {
            return Err(Error::Config(format!(
                "{}: no `paths` object",
                file.display()
            )));
        };
        for (path, item) in paths {
            let path_parameters = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let Some(methods) = item.as_object() else {
                continue;
            };
            for (method, operation) in methods {
                if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete")
                    || !selected(operation, selection)
                {
                    continue;
                }
                let located = Located {
                    file: &file,
                    base_path: &base_path,
                    path,
                    method,
                    operation,
                    path_parameters: &path_parameters,
                    area: area.as_deref(),
                };
                operations.push(operation::draft(api, &mut schemas, &located)?);
            }
        }
        area_name = area_name.or(area);
    }
    if operations.is_empty() {
        let what = selection
            .tag
            .as_deref()
            .map_or("any".to_owned(), |tag| format!("tag '{tag}'"));
        return Err(Error::Config(format!(
            "{}: no operation of {what}",
            source.describe()
        )));
    }
    let title = selection
        .tag
        .clone()
        .or(area_name)
        .unwrap_or_else(|| "Imported".to_owned());
    let category = selection
        .category
        .clone()
        .unwrap_or_else(|| title.to_snake_case());
    let mut draft = Draft {
        category,
        title,
        ..Draft::default()
    };
    finish(api, &mut draft, operations, schemas);
    Ok(draft)
}

/// Whether `operation` is in the selection.
fn selected(operation: &Value, selection: &Selection) -> bool {
    let Some(tag) = &selection.tag else {
        return operation.get("operationId").is_some();
    };
    operation
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .is_some_and(|first| first.eq_ignore_ascii_case(tag))
        && operation.get("operationId").is_some()
}

/// Unique method names, kinds the API declares, the category's permissions, the warnings.
fn finish(
    api: &ApiDescription,
    draft: &mut Draft,
    mut operations: Vec<draft::DraftOperation>,
    schemas: Schemas,
) {
    let mut warnings: Vec<String> = schemas.warnings.iter().cloned().collect();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for operation in &mut operations {
        let seen = names.entry(operation.name.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            operation.name = format!("{}_{}", operation.name, seen);
        }
        let paging_known = api
            .paging
            .iter()
            .any(|kind| crate::validate::paging_word(*kind) == operation.paging);
        if operation.paging != "none" && !paging_known {
            warnings.push(format!(
                "{}: paging `{}` is not a kind of this API; drafted as none",
                operation.operation_id, operation.paging
            ));
            operation.paging = "none";
        }
        let job_known = api
            .long_running
            .iter()
            .any(|kind| crate::validate::long_running_word(*kind) == operation.long_running);
        if operation.long_running != "none" && !job_known {
            warnings.push(format!(
                "{}: long-running kind `{}` is not one of this API; drafted as none",
                operation.operation_id, operation.long_running
            ));
            operation.long_running = "none";
        }
        for scope in operation.scopes.iter().flatten() {
            *counts.entry(scope.clone()).or_insert(0) += 1;
        }
    }
    let mut permissions: Vec<(String, usize)> = counts.into_iter().collect();
    permissions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    draft.permissions = permissions
        .into_iter()
        .take(4)
        .map(|(scope, _)| scope)
        .collect();
    draft.operations = operations;
    draft.common = schemas.common_names();
    draft.models = schemas.models;
    draft.enums = schemas.enums;
    draft.warnings = warnings;
}

/// Every operationId of a description (all of its files), in file order: what `coverage`
/// compares the spec with.
pub fn operation_ids(source: &Source) -> Result<Vec<String>, Error> {
    let mut documents = document::Documents::default();
    let mut ids = Vec::new();
    for (file, area) in source.files()? {
        let paths = documents
            .file(&file)?
            .get("paths")
            .and_then(Value::as_object);
        for operation in paths
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(Value::as_object)
            .flat_map(|methods| methods.values())
        {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                ids.push(qualified(area.as_deref(), id));
            }
        }
    }
    Ok(ids)
}

/// How the spec names an operation of the description: its operationId, qualified by its
/// area in Fabric's layout (`platform/Items_GetItem`, `admin/Items_GetItem`): Fabric's
/// operationIds repeat across areas (27 of 725 at commit 4a7d6e4), a Swagger file's do not.
pub fn qualified(area: Option<&str>, operation_id: &str) -> String {
    match area {
        Some(area) => format!("{area}/{operation_id}"),
        None => operation_id.to_owned(),
    }
}

/// One path or query parameter, one type (the spec's rule): Microsoft sometimes declares the
/// same id as a UUID in one operation and a string in another; the draft keeps the first
/// declaration's type and says where it changed one.
fn one_type_per_parameter(operations: &mut [draft::DraftOperation], warnings: &mut Vec<String>) {
    let mut first: BTreeMap<(&'static str, String), (String, String)> = BTreeMap::new();
    for operation in operations.iter_mut() {
        for parameter in &mut operation.parameters {
            if parameter.location == "header" {
                continue;
            }
            let key = (parameter.location, parameter.name.clone());
            match first.get(&key) {
                None => {
                    first.insert(key, (parameter.ty.clone(), operation.operation_id.clone()));
                }
                Some((ty, at)) if *ty != parameter.ty => {
                    warnings.push(format!(
                        "{}: {} parameter '{}' is `{}` in Microsoft's description but `{ty}` in {at}; drafted as `{ty}` (one parameter, one type)",
                        operation.operation_id, parameter.location, parameter.name, parameter.ty
                    ));
                    parameter.ty = ty.clone();
                }
                Some(_) => {}
            }
        }
    }
}
