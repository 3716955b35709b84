//! One Swagger operation to a drafted operation: name, docs, path, parameters, body,
//! response, scopes, service-principal support, paging and long-running kind, examples.

use std::path::Path;

use heck::{ToKebabCase, ToSnakeCase};
use serde_json::Value;

use super::draft::{DraftOperation, DraftParameter};
use super::prose::{self, Sections};
use super::schema::Schemas;
use crate::Error;
use crate::api::ApiDescription;
use crate::naming;

/// Where an operation sits in the description.
pub struct Located<'a> {
    /// The file that declares it.
    pub file: &'a Path,
    /// The document's `basePath` (`/v1/admin`), empty when it has none.
    pub base_path: &'a str,
    /// The path key as written (`/v1.0/myorg/groups/{groupId}/dashboards`).
    pub path: &'a str,
    /// `get`, `post`, ...
    pub method: &'a str,
    /// The operation object.
    pub operation: &'a Value,
    /// Parameters declared on the path item, shared by its operations.
    pub path_parameters: &'a [Value],
    /// The area folder's name (Fabric), for the docs URL and example links.
    pub area: Option<&'a str>,
}

/// Drafts one operation.
pub fn draft(
    api: &ApiDescription,
    schemas: &mut Schemas,
    at: &Located<'_>,
) -> Result<DraftOperation, Error> {
    let operation = at.operation;
    let operation_id = text(operation, "operationId")
        .unwrap_or_default()
        .to_owned();
    let tag = operation
        .pointer("/tags/0")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let description = text(operation, "description").unwrap_or_default();
    let sections = Sections::of(description);
    let (path, fixed_query) = relative_path(api, at.base_path, at.path);
    let parameters = parameters(schemas, at, &operation_id)?;
    let scope_section = sections.section(&["Required Scope", "Required Delegated Scope"]);
    let all_scopes = scope_section.map(prose::scopes).unwrap_or_default();
    let (scopes, unknown_scopes) = known_only(api, all_scopes);
    let response = response(schemas, at.file, operation, &operation_id)?;
    let mut paging = paging(operation, &parameters);
    if paging == "none" || paging == "top" {
        // Power BI pages a few lists by `@odata.nextLink` in the answer's wrapper.
        if response_has_next_link(schemas, operation) {
            paging = "next_link";
        }
    }
    let mut drafted = DraftOperation {
        name: method_name(&operation_id),
        summary: summary(operation, &sections),
        docs_url: docs_url(api, at.area, &tag, &operation_id),
        method: at.method.to_ascii_uppercase(),
        body: body(schemas, at, &operation_id)?,
        body_content_type: raw_content_type(at).filter(|kind| kind != "application/octet-stream"),
        response,
        scopes,
        unknown_scopes,
        service_principal: prose::service_principal(&sections),
        paging,
        long_running: long_running(operation, at.method, &path),
        limits: prose::limits(&sections),
        notes: prose::notes(&sections),
        examples: examples(operation, at.area),
        operation_id: super::qualified(at.area, &operation_id),
        tag,
        path,
        fixed_query,
        parameters,
    };
    if let Some(query) = &drafted.fixed_query {
        let note = format!("Microsoft's path carries the fixed query `?{query}`.");
        drafted.notes = Some(match drafted.notes.take() {
            Some(notes) => format!("{note}\n\n{notes}"),
            None => note,
        });
    }
    Ok(drafted)
}

/// A string member of a JSON object.
fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The method name: the operationId after its group (`Dashboards_GetTileInGroup` →
/// `get_tile_in_group`), made a usable snake_case name.
pub fn method_name(operation_id: &str) -> String {
    let stem = operation_id
        .split_once('_')
        .map_or(operation_id, |(_, rest)| rest);
    let cleaned: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = cleaned.to_snake_case();
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name = format!("operation_{name}");
    }
    if naming::is_keyword(&name) || name == "new" {
        name.push_str("_item");
    }
    name
}

/// The learn.microsoft.com page: `{api docs}{area/}{tag}/{operation}` in kebab case, the
/// operationId's group dropped when it is the tag (`dashboards/get-tile-in-group`, but
/// `admin/groups-get-groups-as-admin`).
fn docs_url(api: &ApiDescription, area: Option<&str>, tag: &str, operation_id: &str) -> String {
    let (group, stem) = operation_id.split_once('_').unwrap_or(("", operation_id));
    let page = if group.eq_ignore_ascii_case(tag) || group.is_empty() {
        stem.to_kebab_case()
    } else {
        format!("{}-{}", group.to_kebab_case(), stem.to_kebab_case())
    };
    // Fabric's `platform` area is documented as "Core" (`.../fabric/core/workspaces/...`), and
    // its product name OneLake is one word there (`core/onelake-shortcuts/...`).
    let area = area
        .map(|area| match area.to_ascii_lowercase().as_str() {
            "platform" => "core/".to_owned(),
            other => format!("{other}/"),
        })
        .unwrap_or_default();
    let tag = tag.replace("OneLake", "Onelake").to_kebab_case();
    format!("{}{area}{tag}/{page}", api.docs_url)
}

/// The summary: Microsoft's, else the description's first sentence; one line.
fn summary(operation: &Value, sections: &Sections) -> String {
    let text = text(operation, "summary")
        .map(str::to_owned)
        .unwrap_or_else(|| prose::clean(&sections.intro));
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        "TODO: one sentence.".to_owned()
    } else {
        line
    }
}

/// The path relative to the API's base path, and the fixed query it carries. A document
/// whose own `basePath` goes deeper than the API's (Fabric's admin area, `/v1/admin`) keeps
/// the difference (`/admin/items`); a path key that already starts with the API's base path
/// (Power BI's, with an empty `basePath`) loses it.
fn relative_path(api: &ApiDescription, base_path: &str, path: &str) -> (String, Option<String>) {
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (path, None),
    };
    let full = format!("{}{path}", base_path.trim_end_matches('/'));
    let relative = full
        .strip_prefix(api.base_path.as_str())
        .filter(|rest| rest.starts_with('/'))
        .unwrap_or(&full);
    (relative.to_owned(), query)
}

/// Path, query and header parameters (the body and form data are the body).
fn parameters(
    schemas: &mut Schemas,
    at: &Located<'_>,
    operation_id: &str,
) -> Result<Vec<DraftParameter>, Error> {
    let own = at.operation.get("parameters").and_then(Value::as_array);
    let mut drafted: Vec<DraftParameter> = Vec::new();
    for parameter in at.path_parameters.iter().chain(own.into_iter().flatten()) {
        let parameter = match parameter.get("$ref").and_then(Value::as_str) {
            Some(reference) => schemas.documents.resolve(at.file, reference)?.1,
            None => parameter.clone(),
        };
        let location = match text(&parameter, "in") {
            Some("path") => "path",
            Some("query") => "query",
            Some("header") => "header",
            _ => continue,
        };
        let name = text(&parameter, "name").unwrap_or_default().to_owned();
        if name.is_empty() || drafted.iter().any(|known| known.name == name) {
            continue;
        }
        let context = format!(
            "{}{}",
            super::schema::pascal_name(operation_id),
            super::schema::pascal_name(&name)
        );
        let mut ty = schemas.type_of(at.file, &parameter, &context)?;
        // `collectionFormat: multi`: the query parameter once per value, `list<T>` in the spec.
        let repeated = location == "query"
            && text(&parameter, "collectionFormat") == Some("multi")
            && ty
                .strip_prefix("list<")
                .is_some_and(|inner| !inner.contains('<'));
        if !repeated
            && (ty.starts_with("list<") || ty.starts_with("map<") || ty == "json" || ty == "binary")
        {
            schemas.warnings.insert(format!(
                "{operation_id}: parameter '{name}' is declared `{ty}`; a parameter is a scalar or an enum, so the draft says `string`"
            ));
            ty = "string".to_owned();
        }
        let rust_name = (name == "groupId").then(|| "workspace_id".to_owned());
        drafted.push(DraftParameter {
            required: location == "path"
                || parameter.get("required").and_then(Value::as_bool) == Some(true),
            doc: super::schema::description(&parameter),
            name,
            location,
            ty,
            rust_name,
        });
    }
    Ok(drafted)
}

/// The media type the operation takes when it is not JSON nor a form (`consumes`:
/// `application/octet-stream`, `text/plain`): the body is then the raw file, `bytes`.
fn raw_content_type(at: &Located<'_>) -> Option<String> {
    let consumes = at.operation.get("consumes")?.as_array()?;
    let kinds: Vec<&str> = consumes.iter().filter_map(Value::as_str).collect();
    let json_or_form = |kind: &&str| kind.contains("json") || kind.starts_with("multipart/");
    if kinds.is_empty() || kinds.iter().any(json_or_form) {
        return None;
    }
    kinds.first().map(|kind| (*kind).to_owned())
}

/// The body: a JSON model, `array<T>` for a bare JSON array, `file` for form data, or `bytes`
/// when the operation consumes a raw file (`application/octet-stream`, `text/plain`; Fabric's
/// environment uploads declare no body parameter at all).
fn body(
    schemas: &mut Schemas,
    at: &Located<'_>,
    operation_id: &str,
) -> Result<Option<(String, bool)>, Error> {
    let own = at.operation.get("parameters").and_then(Value::as_array);
    if raw_content_type(at).is_some() {
        let required = own
            .into_iter()
            .flatten()
            .find(|parameter| text(parameter, "in") == Some("body"))
            .is_none_or(|parameter| {
                parameter.get("required").and_then(Value::as_bool) == Some(true)
            });
        return Ok(Some(("bytes".to_owned(), required)));
    }
    for parameter in own.into_iter().flatten() {
        let required = parameter
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        match text(parameter, "in") {
            Some("formData") => return Ok(Some(("file".to_owned(), true))),
            Some("body") => {
                let schema = parameter.get("schema").unwrap_or(&Value::Null);
                let context = format!("{}Request", super::schema::pascal_name(operation_id));
                let ty = schemas.type_of(at.file, schema, &context)?;
                if schemas.models.contains_key(&ty) {
                    return Ok(Some((ty, required)));
                }
                if let Some(item) = ty.strip_prefix("list<").filter(|item| !item.contains('<')) {
                    return Ok(Some((format!("array<{item}"), required)));
                }
                schemas.warnings.insert(format!(
                    "{operation_id}: the body is `{ty}`, not a model nor an array of one; the draft leaves it out"
                ));
                return Ok(None);
            }
            _ => {}
        }
    }
    Ok(None)
}

/// The response as the spec writes it: the first success answer's schema; an OData wrapper
/// (`value` and metadata only) becomes `list<T>`.
fn response(
    schemas: &mut Schemas,
    file: &Path,
    operation: &Value,
    operation_id: &str,
) -> Result<String, Error> {
    let responses = operation.get("responses");
    let schema = ["200", "201", "202", "204"]
        .iter()
        .filter_map(|code| responses.and_then(|responses| responses.get(*code)))
        .find_map(|answer| answer.get("schema"));
    let Some(schema) = schema else {
        return Ok("none".to_owned());
    };
    let context = format!("{}Response", super::schema::pascal_name(operation_id));
    let ty = schemas.type_of(file, schema, &context)?;
    if ty == "binary" {
        return Ok(ty);
    }
    if let Some(item) = ty
        .strip_prefix("list<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return Ok(format!("array<{item}>"));
    }
    if let Some(model) = schemas.models.get(&ty) {
        let metadata = |name: &str| name.trim_start_matches('@').starts_with("odata.");
        let others: Vec<&str> = model
            .fields
            .iter()
            .map(|field| field.wire_name.as_str())
            .filter(|name| !metadata(name))
            .collect();
        let value = model.fields.iter().find(|field| field.wire_name == "value");
        if others == ["value"]
            && let Some(item) = value
                .and_then(|field| field.ty.strip_prefix("list<"))
                .and_then(|rest| rest.strip_suffix('>'))
        {
            return Ok(format!("list<{item}>"));
        }
        return Ok(ty);
    }
    if ty == "json" || ty.starts_with("map<") {
        schemas.warnings.insert(format!(
            "{operation_id}: the response is free-form (`{ty}`); the draft says `none`: give it a model"
        ));
        return Ok("none".to_owned());
    }
    // A bare scalar or enum (a text file, an id): the spec answers models, lists or bytes.
    schemas.warnings.insert(format!(
        "{operation_id}: the response is a bare `{ty}`; the draft reads it as `binary`"
    ));
    Ok("binary".to_owned())
}

/// Whether the first success answer's model declares `@odata.nextLink` (read after
/// [`response`] drafted it, so the model is known by its definition's name).
fn response_has_next_link(schemas: &Schemas, operation: &Value) -> bool {
    let reference = ["200", "201"]
        .iter()
        .find_map(|code| operation.pointer(&format!("/responses/{code}/schema/$ref")))
        .and_then(Value::as_str);
    let Some(name) = reference.map(super::document::reference_name) else {
        return false;
    };
    schemas
        .models
        .get(&super::schema::pascal_name(name))
        .is_some_and(|model| {
            model
                .fields
                .iter()
                .any(|field| field.wire_name.trim_start_matches('@') == "odata.nextLink")
        })
}

/// The scopes the API knows, and those it does not (left out of the draft, listed for the
/// maintainer).
fn known_only(
    api: &ApiDescription,
    alternatives: Vec<Vec<String>>,
) -> (Vec<Vec<String>>, Vec<String>) {
    let mut unknown = Vec::new();
    let mut known = Vec::new();
    for set in alternatives {
        let (kept, dropped): (Vec<String>, Vec<String>) = set
            .into_iter()
            .partition(|scope| api.known_scopes.contains(scope));
        unknown.extend(dropped);
        if !kept.is_empty() && !known.contains(&kept) {
            known.push(kept);
        }
    }
    (known, unknown)
}

/// The paging kind: Fabric's `x-ms-pageable` with `continuationUri`, Power BI's `$top`/`$skip`,
/// continuation token or `@odata.nextLink`.
fn paging(operation: &Value, parameters: &[DraftParameter]) -> &'static str {
    let has = |name: &str| parameters.iter().any(|parameter| parameter.name == name);
    let next_link = operation
        .pointer("/x-ms-pageable/nextLinkName")
        .and_then(Value::as_str);
    match next_link {
        Some("continuationUri") => "continuation_uri",
        Some(_) => "next_link",
        None if has("continuationToken") => "continuation",
        None if has("$skip") => "top_skip",
        None if has("$top") => "top",
        None => "none",
    }
}

/// The long-running kind: Fabric's extension and job instances; Power BI's by what the path
/// starts (refresh, export, import, deployment, scan), else any other 202.
fn long_running(operation: &Value, method: &str, path: &str) -> &'static str {
    let accepted = operation.pointer("/responses/202").is_some();
    let fabric = operation
        .get("x-ms-fabric-sdk-long-running-operation")
        .and_then(Value::as_bool)
        == Some(true);
    let post = method.eq_ignore_ascii_case("post");
    if fabric {
        return "fabric_operation";
    }
    if post && accepted && path.contains("/jobs/") && path.ends_with("/instances") {
        return "job_instance";
    }
    if !post || !accepted {
        return "none";
    }
    let lower = path.to_ascii_lowercase();
    if lower.ends_with("/refreshes") {
        "refresh"
    } else if lower.ends_with("/exportto") {
        "export"
    } else if lower.ends_with("/imports") {
        "import"
    } else if lower.ends_with("/deploy") || lower.ends_with("/deployall") {
        "pipeline"
    } else if lower.ends_with("/workspaces/getinfo") {
        "scan"
    } else {
        "poll"
    }
}

/// Where the examples are: Fabric's files (relative to the description's root folder), or
/// the names of Power BI's inline examples.
fn examples(operation: &Value, area: Option<&str>) -> Vec<String> {
    let Some(examples) = operation.get("x-ms-examples").and_then(Value::as_object) else {
        return Vec::new();
    };
    examples
        .iter()
        .map(
            |(name, example)| match example.get("$ref").and_then(Value::as_str) {
                Some(file) => {
                    let file = file.trim_start_matches("./");
                    match area {
                        Some(area) => format!("{area}/{file}"),
                        None => file.to_owned(),
                    }
                }
                None => format!("\"{name}\" (inline in the description)"),
            },
        )
        .collect()
}
