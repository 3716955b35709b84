//! Parameters (path, query, header) and the path template they fill.

use std::collections::HashMap;

use crate::api::{Parameter, ParameterLocation, TypeRef, WorkspaceScope};
use crate::naming;
use crate::spec::load::SourceFile;
use crate::spec::raw::{RawOperation, RawParameter};

use super::checker::Checker;

/// Names the generated code itself uses for method arguments (`workspace` and
/// `workspace_id` only where the operation's scope adds them).
const RESERVED_ARGUMENTS: &[&str] = &["body", "file", "options"];

/// A type a parameter's value can be written from.
fn is_scalar_or_enum(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::String
            | TypeRef::Bool
            | TypeRef::Integer
            | TypeRef::Int32
            | TypeRef::Number
            | TypeRef::Uuid
            | TypeRef::DateTime
            | TypeRef::Enum(_)
    )
}

/// The Rust name every workspace id takes, whatever its path calls it: the one the scoped
/// methods' own argument has.
const WORKSPACE_ID: (&str, &str) = ("groupId", "workspace_id");

impl Checker<'_, '_> {
    pub(super) fn parameters(
        &mut self,
        file: &SourceFile,
        base: &str,
        item: &str,
        raw: &RawOperation,
        scope: Option<WorkspaceScope>,
    ) -> Option<Vec<Parameter>> {
        let reserved: &[&str] = match scope {
            Some(WorkspaceScope::Workspace) => &["workspace_id"],
            Some(WorkspaceScope::Both) => &["workspace"],
            _ => &[],
        };
        let mut ok = true;
        let mut parameters = Vec::new();
        let mut rust_names: HashMap<String, String> = HashMap::new();
        for (index, parameter) in raw.parameters.iter().enumerate() {
            let node = format!("{base}/parameters/{index}");
            match self.parameter(file, &node, item, parameter) {
                Some(parameter) => {
                    if let Some(first) = rust_names.get(&parameter.rust_name) {
                        let message = format!(
                            "parameters '{first}' and '{}' both become the Rust name '{}'; give one a `rust_name`",
                            parameter.wire_name, parameter.rust_name
                        );
                        self.report(file, &format!("{node}/name"), item, message);
                        ok = false;
                    } else if RESERVED_ARGUMENTS.contains(&parameter.rust_name.as_str())
                        || reserved.contains(&parameter.rust_name.as_str())
                    {
                        let message = format!(
                            "the Rust name '{}' is taken by the generated method's own argument; give the parameter a `rust_name`",
                            parameter.rust_name
                        );
                        self.report(file, &format!("{node}/name"), item, message);
                        ok = false;
                    } else {
                        ok &= self.same_id_everywhere(file, &node, item, &parameter);
                        rust_names.insert(parameter.rust_name.clone(), parameter.wire_name.clone());
                        parameters.push(parameter);
                    }
                }
                None => ok = false,
            }
        }
        ok.then_some(parameters)
    }

    /// The rule of one parameter, one type, one name: a path id (`datasetId`) or a query
    /// parameter (`$top`) has the type and Rust name it has in every other operation, and a
    /// workspace id (`groupId`) is `workspace_id`, so an id read from one answer passes to every
    /// method that takes it and `$top` is the same integer everywhere.
    fn same_id_everywhere(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        parameter: &Parameter,
    ) -> bool {
        if parameter.location == ParameterLocation::Header {
            return true;
        }
        let (workspace_wire, workspace_name) = WORKSPACE_ID;
        if parameter.wire_name == workspace_wire && parameter.rust_name != workspace_name {
            let message = format!(
                "a workspace id is `{workspace_name}` in every method; give '{workspace_wire}' `rust_name: {workspace_name}`"
            );
            self.report(file, &format!("{node}/name"), item, message);
            return false;
        }
        let key = format!("{:?} {}", parameter.location, parameter.wire_name);
        match self.first_parameters.get(&key) {
            Some(first) if first.ty != parameter.ty || first.rust_name != parameter.rust_name => {
                let message = format!(
                    "{} '{}' is {} named `{}` here but {} named `{}` at {}: the same parameter has one type and one name everywhere",
                    if parameter.location == ParameterLocation::Path {
                        "path id"
                    } else {
                        "query parameter"
                    },
                    parameter.wire_name,
                    with_article(&parameter.ty.to_string()),
                    parameter.rust_name,
                    with_article(&first.ty.to_string()),
                    first.rust_name,
                    first.at
                );
                self.report(file, &format!("{node}/type"), item, message);
                false
            }
            Some(_) => true,
            None => {
                let first = super::checker::FirstParameter {
                    ty: parameter.ty.clone(),
                    rust_name: parameter.rust_name.clone(),
                    at: super::checker::location_text(file, node),
                };
                self.first_parameters.insert(key, first);
                true
            }
        }
    }

    /// One parameter, or `None` once its problem is reported.
    fn parameter(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        raw: &RawParameter,
    ) -> Option<Parameter> {
        let mut missing = Vec::new();
        if raw.name.is_none() {
            missing.push("`name`");
        }
        if raw.location.is_none() {
            missing.push("`in`");
        }
        if raw.ty.is_none() {
            missing.push("`type`");
        }
        if !missing.is_empty() {
            let message = format!(
                "parameter is missing required key(s) {}",
                missing.join(", ")
            );
            self.report(file, node, item, message);
            return None;
        }
        let wire_name = raw.name.clone()?;
        let location = match raw.location.as_deref()? {
            "path" => ParameterLocation::Path,
            "query" => ParameterLocation::Query,
            "header" => ParameterLocation::Header,
            other => {
                let message = format!(
                    "parameter '{wire_name}': unknown `in` value '{other}'; expected path, query or header"
                );
                self.report(file, &format!("{node}/in"), item, message);
                return None;
            }
        };
        let ty = self.type_expression(file, &format!("{node}/type"), item, raw.ty.as_deref()?)?;
        // A query parameter may repeat (`parent=A&parent=B`): `list<T>` of a scalar or an enum.
        let (repeated, single) = match &ty {
            TypeRef::List(item) => (true, item.as_ref()),
            other => (false, other),
        };
        if !is_scalar_or_enum(single) {
            let message = format!(
                "parameter '{wire_name}': a parameter's type must be a scalar or an enum (or, in the query, `list<T>` of one)"
            );
            self.report(file, &format!("{node}/type"), item, message);
            return None;
        }
        if repeated && location != ParameterLocation::Query {
            let message = format!(
                "parameter '{wire_name}': only a query parameter may be a `list<...>` (sent once per value); a {} parameter takes one value",
                raw.location.as_deref().unwrap_or_default()
            );
            self.report(file, &format!("{node}/type"), item, message);
            return None;
        }
        if location == ParameterLocation::Path && raw.required == Some(false) {
            let message = format!(
                "parameter '{wire_name}': path parameters are always required; remove `required: false`"
            );
            self.report(file, &format!("{node}/required"), item, message);
            return None;
        }
        let rust_name = self.parameter_rust_name(file, node, item, &wire_name, raw)?;
        let quoted = raw.quoted.unwrap_or(false);
        if quoted && ty != TypeRef::DateTime {
            let message = format!(
                "parameter '{wire_name}': `quoted` formats a date-time; give it `type: date-time` or remove `quoted`"
            );
            self.report(file, &format!("{node}/quoted"), item, message);
            return None;
        }
        Some(Parameter {
            quoted,
            required: location == ParameterLocation::Path || raw.required.unwrap_or(false),
            wire_name,
            rust_name,
            location,
            ty,
            doc: raw.doc.clone(),
        })
    }

    /// The parameter's Rust name (`self` made `self_`; keywords stay as spelled): its `rust_name`, or one made from the wire name.
    fn parameter_rust_name(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        wire_name: &str,
        raw: &RawParameter,
    ) -> Option<String> {
        let rust_name = match &raw.rust_name {
            Some(name) if naming::is_snake_case(name) => naming::escape_member(name),
            Some(name) => {
                let message =
                    format!("parameter '{wire_name}': `rust_name` '{name}' must be snake_case");
                self.report(file, &format!("{node}/rust_name"), item, message);
                return None;
            }
            None if naming::member_name(wire_name).is_empty() => {
                let message = format!(
                    "parameter '{wire_name}' has no letters or digits to make a Rust name from; give it a `rust_name`"
                );
                self.report(file, &format!("{node}/name"), item, message);
                return None;
            }
            None => naming::escape_member(&naming::member_name(wire_name)),
        };
        Some(rust_name)
    }

    /// Checks the path template against the declared path parameters.
    pub(super) fn path(
        &mut self,
        file: &SourceFile,
        base: &str,
        item: &str,
        path: &str,
        parameters: &[Parameter],
        workspace: WorkspaceScope,
    ) -> bool {
        let node = format!("{base}/path");
        let base_path = self.base_path().to_owned();
        if !path.starts_with('/') {
            let message =
                format!("path '{path}' must start with '/' (it is relative to {base_path})");
            self.report(file, &node, item, message);
            return false;
        }
        if path.starts_with(&format!("{base_path}/")) {
            let message =
                format!("write the path relative to {base_path} (drop the '{base_path}' prefix)");
            self.report(file, &node, item, message);
            return false;
        }
        let placeholders = match placeholders(path) {
            Ok(placeholders) => placeholders,
            Err(message) => {
                self.report(file, &node, item, format!("path '{path}': {message}"));
                return false;
            }
        };
        let mut ok = self.workspace_path(file, &node, item, path, workspace);
        for placeholder in &placeholders {
            let declared = parameters.iter().any(|parameter| {
                parameter.location == ParameterLocation::Path && parameter.wire_name == *placeholder
            });
            if !declared {
                let message = format!(
                    "path placeholder '{{{placeholder}}}' is not declared; add a parameter with `name: {placeholder}` and `in: path`"
                );
                self.report(file, &node, item, message);
                ok = false;
            }
        }
        for (index, parameter) in parameters.iter().enumerate() {
            if parameter.location == ParameterLocation::Path
                && !placeholders.contains(&parameter.wire_name.as_str())
            {
                let message = format!(
                    "path parameter '{}' does not appear in the path '{path}'; remove it or add '{{{}}}' to the path",
                    parameter.wire_name, parameter.wire_name
                );
                self.report(file, &format!("{base}/parameters/{index}"), item, message);
                ok = false;
            }
        }
        ok
    }
}

impl Checker<'_, '_> {
    /// A workspace-scoped operation's path leaves out the API's workspace prefix (the generator
    /// adds it), and only an API with such a prefix has workspace-scoped operations.
    fn workspace_path(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        path: &str,
        workspace: WorkspaceScope,
    ) -> bool {
        if workspace == WorkspaceScope::None {
            return true;
        }
        let Some(description) = &self.description else {
            return true;
        };
        let Some(prefix) = description.workspace_prefix.clone() else {
            let message = format!(
                "`workspace: my`, `workspace` or `both` needs the API's `workspace_prefix` (api.yaml), and API '{}' has none; write the full path with `workspace: none`",
                description.name
            );
            self.report(file, node, item, message);
            return false;
        };
        let stem = prefix.split('{').next().unwrap_or_default();
        if !stem.is_empty() && path.starts_with(&format!("{stem}{{")) {
            let message = format!(
                "with `workspace: my`, `workspace` or `both`, write the path without the '{prefix}' prefix: the generator adds it"
            );
            self.report(file, node, item, message);
            return false;
        }
        true
    }
}

/// The `{name}` placeholders of a path template, or why the braces do not balance.
fn placeholders(path: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("a '}' has no matching '{'".to_owned());
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("a '{' is never closed")?;
        let name = &after[..close];
        if name.is_empty() || name.contains(['{', '/']) {
            return Err(format!("'{{{name}}}' is not a valid placeholder"));
        }
        found.push(name);
        rest = &after[close + 1..];
    }
    Ok(found)
}

/// `a uuid`, `an integer`.
fn with_article(name: &str) -> String {
    // `uuid` is read "you-you-id": a, not an.
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}
