//! Checks the raw spec and builds the validated [`Spec`]. Every problem is collected; nothing
//! stops at the first.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::naming;
use crate::spec::load::SourceFile;
use crate::spec::raw::{RawBody, RawEnum, RawModel, RawOperation, RawParameter, RawScope};

/// Every delegated scope of the Power BI service that an operation may name.
pub const KNOWN_SCOPES: &[&str] = &[
    "App.Read.All",
    "Capacity.Read.All",
    "Capacity.ReadWrite.All",
    "Content.Create",
    "Dashboard.Read.All",
    "Dashboard.ReadWrite.All",
    "Dataflow.Read.All",
    "Dataflow.ReadWrite.All",
    "Dataset.Read.All",
    "Dataset.ReadWrite.All",
    "Gateway.Read.All",
    "Gateway.ReadWrite.All",
    "Pipeline.Deploy",
    "Pipeline.Read.All",
    "Pipeline.ReadWrite.All",
    "Report.Read.All",
    "Report.ReadWrite.All",
    "StorageAccount.Read.All",
    "StorageAccount.ReadWrite.All",
    "Tenant.Read.All",
    "Tenant.ReadWrite.All",
    "UserState.ReadWrite.All",
    "Workspace.Read.All",
    "Workspace.ReadWrite.All",
];

/// Names the generated code itself uses next to the category modules.
const RESERVED_MODULES: &[&str] = &["models", "rt"];

/// Names the generated code itself uses for method arguments.
const RESERVED_ARGUMENTS: &[&str] = &["workspace", "workspace_id", "body", "file", "options"];

/// The name of the catch-all field of every model.
pub const UNKNOWN_FIELDS: &str = "unknown_fields";

/// The fallback variant of every open enum.
pub const UNRECOGNIZED_VARIANT: &str = "Unrecognized";

/// Where a named type is declared.
struct Declared<'a> {
    file: &'a SourceFile,
    node: String,
    is_model: bool,
}

/// Validates parsed files into a [`Spec`], appending every problem to `diagnostics`.
pub fn validate(files: &[SourceFile], hash: String, diagnostics: &mut Vec<Diagnostic>) -> Spec {
    let mut checker = Checker {
        diagnostics,
        types: BTreeMap::new(),
    };
    checker.declare_types(files);

    let mut categories = Vec::new();
    let mut category_names: HashMap<String, (&SourceFile, &str)> = HashMap::new();
    let mut models = Vec::new();
    let mut enums = Vec::new();
    for file in files {
        if let Some(category) = checker.category(file) {
            if let Some((first, _)) = category_names.get(&category.name) {
                let message = format!(
                    "category '{}' is already declared in {}; each category has one file",
                    category.name,
                    first.path.display()
                );
                checker.report(file, "category", "file", message);
            } else {
                category_names.insert(category.name.clone(), (file, "category"));
                if !category.operations.is_empty() {
                    categories.push(category);
                }
            }
        }
        for (name, model) in &file.raw.models {
            if let Some(model) = checker.model(file, name, model) {
                models.push(model);
            }
        }
        for (name, item) in &file.raw.enums {
            if let Some(item) = checker.enum_def(file, name, item) {
                enums.push(item);
            }
        }
    }
    checker.check_cycles(files, &models);
    checker.check_nullable(files, &categories, &models);
    models.sort_by(|a, b| a.name.cmp(&b.name));
    enums.sort_by(|a, b| a.name.cmp(&b.name));
    categories.sort_by(|a, b| a.name.cmp(&b.name));
    Spec {
        categories,
        models,
        enums,
        hash,
    }
}

struct Checker<'a, 'd> {
    diagnostics: &'d mut Vec<Diagnostic>,
    types: BTreeMap<String, Declared<'a>>,
}

impl<'a> Checker<'a, '_> {
    fn report(&mut self, file: &SourceFile, node: &str, item: &str, message: impl Into<String>) {
        self.diagnostics.push(file.diagnostic(node, item, message));
    }

    /// Registers every model and enum name, reporting duplicates and bad names.
    fn declare_types(&mut self, files: &'a [SourceFile]) {
        for file in files {
            let declared = file
                .raw
                .models
                .iter()
                .map(|(name, _)| (name, format!("models/{name}"), true))
                .chain(
                    file.raw
                        .enums
                        .iter()
                        .map(|(name, _)| (name, format!("enums/{name}"), false)),
                );
            for (name, node, is_model) in declared {
                let kind = if is_model { "model" } else { "enum" };
                let item = format!("{kind} '{name}'");
                if !naming::is_pascal_case(name) {
                    let message = format!(
                        "'{name}' is not a PascalCase name; write it as '{}'",
                        naming::pascal(&naming::member_name(name))
                    );
                    self.report(file, &node, &item, message);
                    continue;
                }
                if naming::SHADOWING_TYPE_NAMES.contains(&name.as_str()) || naming::is_keyword(name)
                {
                    let message = format!(
                        "'{name}' would shadow a Rust name the generated code uses; rename it (for example 'PowerBi{name}')"
                    );
                    self.report(file, &node, &item, message);
                    continue;
                }
                if let Some(first) = self.types.get(name) {
                    let message = format!(
                        "'{name}' is already declared at {}; model and enum names are global",
                        location_text(first.file, &first.node)
                    );
                    self.report(file, &node, &item, message);
                    continue;
                }
                self.types.insert(
                    name.clone(),
                    Declared {
                        file,
                        node,
                        is_model,
                    },
                );
            }
        }
    }

    fn category(&mut self, file: &SourceFile) -> Option<Category> {
        let raw = &file.raw;
        let mut ok = true;
        let name = match &raw.category {
            None => {
                self.report(file, "", "file", "missing required key `category` (the snake_case category name, e.g. `datasets`)");
                ok = false;
                String::new()
            }
            Some(name) if !naming::is_snake_case(name) || naming::is_keyword(name) => {
                let message = format!(
                    "category '{name}' must be a snake_case name that is not a Rust keyword"
                );
                self.report(file, "category", "file", message);
                ok = false;
                name.clone()
            }
            Some(name) if RESERVED_MODULES.contains(&name.as_str()) => {
                let message = format!(
                    "category '{name}' would clash with the generated module or alias '{name}'; choose another name"
                );
                self.report(file, "category", "file", message);
                ok = false;
                name.clone()
            }
            Some(name) => name.clone(),
        };
        let item = format!("category '{name}'");
        if raw.title.is_none() {
            self.report(
                file,
                "",
                &item,
                "missing required key `title` (Microsoft's name for the operation group)",
            );
            ok = false;
        }
        match &raw.permissions {
            None => {
                self.report(
                    file,
                    "",
                    &item,
                    "missing required key `permissions` (the scope family; `[]` for shared models)",
                );
                ok = false;
            }
            Some(permissions) => {
                for (index, scope) in permissions.iter().enumerate() {
                    ok &= self.known_scope(file, &format!("permissions/{index}"), &item, scope);
                }
            }
        }
        let mut operations = Vec::new();
        let mut names: HashMap<String, usize> = HashMap::new();
        for raw_operation in &raw.operations {
            let Some(operation) = self.operation(file, raw_operation) else {
                ok = false;
                continue;
            };
            if let Some(first) = names.get(&operation.name) {
                let message = format!(
                    "duplicate operation name; '{}' is already declared at {} (names are unique in a category)",
                    operation.name,
                    location_text(file, &format!("operations/{first}"))
                );
                let node = format!("operations/{}/name", raw_operation.index);
                let label = format!("operation '{}'", operation.name);
                self.report(file, &node, &label, message);
                ok = false;
                continue;
            }
            names.insert(operation.name.clone(), raw_operation.index);
            operations.push(operation);
        }
        ok.then(|| Category {
            name,
            title: raw.title.clone().unwrap_or_default(),
            doc: raw.doc.clone(),
            permissions: raw.permissions.clone().unwrap_or_default(),
            operations,
        })
    }

    fn known_scope(&mut self, file: &SourceFile, node: &str, item: &str, scope: &str) -> bool {
        if KNOWN_SCOPES.contains(&scope) {
            return true;
        }
        let suggestion = KNOWN_SCOPES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(scope) || closest(known, scope))
            .map(|known| format!("; did you mean '{known}'?"))
            .unwrap_or_else(|| "; see the known scopes in spec/README.md".to_owned());
        let message = format!("unknown scope '{scope}'{suggestion}");
        self.report(file, node, item, message);
        false
    }

    fn operation(&mut self, file: &SourceFile, raw: &RawOperation) -> Option<Operation> {
        let base = format!("operations/{}", raw.index);
        let item = match &raw.name {
            Some(name) => format!("operation '{name}'"),
            None => format!("operation #{}", raw.index + 1),
        };
        let mut ok = true;
        let mut missing = Vec::new();
        macro_rules! required {
            ($field:ident) => {
                match &raw.$field {
                    Some(value) => Some(value),
                    None => {
                        missing.push(stringify!($field));
                        None
                    }
                }
            };
        }
        let name = required!(name);
        let operation_ids = required!(operation_ids);
        let summary = required!(summary);
        let docs_url = required!(docs_url);
        let method = required!(method);
        let path = required!(path);
        let response = required!(response);
        let scopes = required!(scopes);
        let service_principal = required!(service_principal);
        if !missing.is_empty() {
            let keys: Vec<String> = missing.iter().map(|key| format!("`{key}`")).collect();
            let message = format!(
                "missing required key{} {} (see spec/README.md)",
                if keys.len() > 1 { "s" } else { "" },
                keys.join(", ")
            );
            self.report(file, &base, &item, message);
            ok = false;
        }

        if let Some(name) = name {
            if !naming::is_snake_case(name) {
                let message = format!(
                    "operation names are snake_case; write '{}'",
                    naming::member_name(name)
                );
                self.report(file, &format!("{base}/name"), &item, message);
                ok = false;
            } else if naming::is_keyword(name) {
                let message = format!(
                    "'{name}' is a Rust keyword and cannot name a method; choose another name (for example '{name}_item')"
                );
                self.report(file, &format!("{base}/name"), &item, message);
                ok = false;
            } else if name == "new" {
                let message = "'new' is the category client's constructor and cannot name an operation; choose another name (for example 'create')";
                self.report(file, &format!("{base}/name"), &item, message);
                ok = false;
            }
        }
        if let Some(ids) = operation_ids
            && ids.is_empty()
        {
            self.report(
                file,
                &format!("{base}/operation_ids"),
                &item,
                "`operation_ids` must name at least one Microsoft operationId",
            );
            ok = false;
        }
        if let Some(url) = docs_url
            && !url.starts_with("https://learn.microsoft.com/")
        {
            self.report(
                file,
                &format!("{base}/docs_url"),
                &item,
                format!("`docs_url` must be a https://learn.microsoft.com/ page, found '{url}'"),
            );
            ok = false;
        }
        let method = method.and_then(|method| {
            let parsed = match method.as_str() {
                "GET" => Some(Method::Get),
                "POST" => Some(Method::Post),
                "PUT" => Some(Method::Put),
                "PATCH" => Some(Method::Patch),
                "DELETE" => Some(Method::Delete),
                _ => None,
            };
            if parsed.is_none() {
                let message = format!("unknown HTTP method '{method}'; use GET, POST, PUT, PATCH or DELETE (upper case)");
                self.report(file, &format!("{base}/method"), &item, message);
            }
            parsed
        });
        ok &= method.is_some() || raw.method.is_none();

        let workspace = self.keyword(
            file,
            &format!("{base}/workspace"),
            &item,
            "workspace",
            raw.workspace.as_deref(),
            &[
                ("none", WorkspaceScope::None),
                ("my", WorkspaceScope::My),
                ("workspace", WorkspaceScope::Workspace),
                ("both", WorkspaceScope::Both),
            ],
            WorkspaceScope::None,
        );
        let paging = self.keyword(
            file,
            &format!("{base}/paging"),
            &item,
            "paging",
            raw.paging.as_deref(),
            &[
                ("none", Paging::None),
                ("top_skip", Paging::TopSkip),
                ("top", Paging::Top),
                ("continuation", Paging::Continuation),
                ("next_link", Paging::NextLink),
            ],
            Paging::None,
        );
        let long_running = self.keyword(
            file,
            &format!("{base}/long_running"),
            &item,
            "long_running",
            raw.long_running.as_deref(),
            &[
                ("none", LongRunning::None),
                ("refresh", LongRunning::Refresh),
                ("export", LongRunning::Export),
                ("import", LongRunning::Import),
                ("pipeline", LongRunning::Pipeline),
                ("scan", LongRunning::Scan),
                ("poll", LongRunning::Poll),
            ],
            LongRunning::None,
        );
        let service_principal = service_principal.and_then(|value| {
            self.keyword(
                file,
                &format!("{base}/service_principal"),
                &item,
                "service_principal",
                Some(value),
                &[
                    ("yes", Some(ServicePrincipal::Yes)),
                    ("no", Some(ServicePrincipal::No)),
                    ("unknown", Some(ServicePrincipal::Unknown)),
                ],
                None,
            )?
        });
        let retry_safe = self.keyword(
            file,
            &format!("{base}/retry"),
            &item,
            "retry",
            raw.retry.as_deref(),
            &[("safe", true), ("default", false)],
            false,
        );
        ok &= workspace.is_some()
            && paging.is_some()
            && long_running.is_some()
            && retry_safe.is_some();
        ok &= service_principal.is_some() || raw.service_principal.is_none();

        let parameters = self.parameters(file, &base, &item, raw);
        ok &= parameters.is_some();
        if let (Some(path), Some(parameters), Some(workspace)) = (path, &parameters, workspace) {
            ok &= self.path(file, &base, &item, path, parameters, workspace);
        }

        let body = raw.body.as_ref().and_then(|body| {
            let (model, required) = match body {
                RawBody::Model(model) => (model, true),
                RawBody::Detailed { model, required } => (model, *required),
            };
            if model == "file" {
                return Some(Body {
                    kind: BodyKind::File,
                    required,
                });
            }
            match self.types.get(model) {
                Some(declared) if declared.is_model => Some(Body {
                    kind: BodyKind::Json(model.clone()),
                    required,
                }),
                Some(_) => {
                    let message = format!("body '{model}' is an enum; a body must be a model");
                    self.report(file, &format!("{base}/body"), &item, message);
                    None
                }
                None => {
                    let message = format!(
                        "unknown body model '{model}'; declare it under `models:` in some spec file"
                    );
                    self.report(file, &format!("{base}/body"), &item, message);
                    None
                }
            }
        });
        ok &= body.is_some() == raw.body.is_some();

        let response = response.and_then(|text| self.response(file, &base, &item, text));
        ok &= response.is_some() || raw.response.is_none();

        let scopes = scopes.map(|scopes| {
            let mut sets = Vec::new();
            for (index, scope) in scopes.iter().enumerate() {
                let node = format!("{base}/scopes/{index}");
                let (set, all_of) = match scope {
                    RawScope::One(scope) => (vec![scope.clone()], false),
                    RawScope::AllOf(all) => (all.clone(), true),
                };
                for (inner, scope) in set.iter().enumerate() {
                    // A scope of an all-of list is reported at itself, not at the list.
                    let node = if all_of {
                        format!("{node}/{inner}")
                    } else {
                        node.clone()
                    };
                    ok &= self.known_scope(file, &node, &item, scope);
                }
                sets.push(set);
            }
            sets
        });

        if !ok {
            return None;
        }
        Some(Operation {
            name: name?.clone(),
            operation_ids: operation_ids?.clone(),
            summary: summary?.trim().to_owned(),
            docs_url: docs_url?.clone(),
            method: method?,
            path: path?.clone(),
            workspace: workspace?,
            parameters: parameters?,
            body,
            response: response?,
            scopes: scopes?,
            service_principal: service_principal?,
            paging: paging?,
            long_running: long_running?,
            retry_safe: retry_safe?,
            limits: raw.limits.clone(),
            notes: raw.notes.clone(),
        })
    }

    /// Reads an optional keyword key, reporting an unknown value.
    #[allow(clippy::too_many_arguments)]
    fn keyword<T: Copy>(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        key: &str,
        value: Option<&str>,
        allowed: &[(&str, T)],
        default: T,
    ) -> Option<T> {
        let Some(value) = value else {
            return Some(default);
        };
        if let Some((_, parsed)) = allowed.iter().find(|(word, _)| *word == value) {
            return Some(*parsed);
        }
        let words: Vec<&str> = allowed.iter().map(|(word, _)| *word).collect();
        let message = format!(
            "unknown `{key}` value '{value}'; expected one of: {}",
            words.join(", ")
        );
        self.report(file, node, item, message);
        None
    }

    fn parameters(
        &mut self,
        file: &SourceFile,
        base: &str,
        item: &str,
        raw: &RawOperation,
    ) -> Option<Vec<Parameter>> {
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
                    } else if RESERVED_ARGUMENTS.contains(&parameter.rust_name.as_str()) {
                        let message = format!(
                            "the Rust name '{}' is taken by the generated method's own argument; give the parameter a `rust_name`",
                            parameter.rust_name
                        );
                        self.report(file, &format!("{node}/name"), item, message);
                        ok = false;
                    } else {
                        rust_names.insert(parameter.rust_name.clone(), parameter.wire_name.clone());
                        parameters.push(parameter);
                    }
                }
                None => ok = false,
            }
        }
        ok.then_some(parameters)
    }

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
        if !matches!(
            ty,
            TypeRef::String
                | TypeRef::Bool
                | TypeRef::Integer
                | TypeRef::Int32
                | TypeRef::Number
                | TypeRef::Uuid
                | TypeRef::DateTime
                | TypeRef::Enum(_)
        ) {
            let message =
                format!("parameter '{wire_name}': a parameter's type must be a scalar or an enum");
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
        let rust_name = match &raw.rust_name {
            Some(name) if naming::is_snake_case(name) => naming::escape_member(name),
            Some(name) => {
                let message =
                    format!("parameter '{wire_name}': `rust_name` '{name}' must be snake_case");
                self.report(file, &format!("{node}/rust_name"), item, message);
                return None;
            }
            None if naming::member_name(&wire_name).is_empty() => {
                let message = format!(
                    "parameter '{wire_name}' has no letters or digits to make a Rust name from; give it a `rust_name`"
                );
                self.report(file, &format!("{node}/name"), item, message);
                return None;
            }
            None => naming::escape_member(&naming::member_name(&wire_name)),
        };
        Some(Parameter {
            required: location == ParameterLocation::Path || raw.required.unwrap_or(false),
            wire_name,
            rust_name,
            location,
            ty,
            doc: raw.doc.clone(),
        })
    }

    /// Checks the path template against the declared path parameters.
    fn path(
        &mut self,
        file: &SourceFile,
        base: &str,
        item: &str,
        path: &str,
        parameters: &[Parameter],
        workspace: WorkspaceScope,
    ) -> bool {
        let node = format!("{base}/path");
        if !path.starts_with('/') {
            self.report(
                file,
                &node,
                item,
                format!("path '{path}' must start with '/' (it is relative to /v1.0/myorg)"),
            );
            return false;
        }
        if path.starts_with("/v1.0/") {
            self.report(
                file,
                &node,
                item,
                "write the path relative to /v1.0/myorg (drop the '/v1.0/myorg' prefix)",
            );
            return false;
        }
        let placeholders = match placeholders(path) {
            Ok(placeholders) => placeholders,
            Err(message) => {
                self.report(file, &node, item, format!("path '{path}': {message}"));
                return false;
            }
        };
        let mut ok = true;
        if workspace != WorkspaceScope::None && path.starts_with("/groups/{") {
            self.report(file, &node, item, "with `workspace: my`, `workspace` or `both`, write the path without the '/groups/{groupId}' prefix: the generator adds it");
            ok = false;
        }
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

    fn response(
        &mut self,
        file: &SourceFile,
        base: &str,
        item: &str,
        text: &str,
    ) -> Option<Response> {
        let node = format!("{base}/response");
        match text {
            "none" => return Some(Response::None),
            "binary" => return Some(Response::Binary),
            _ => {}
        }
        for (prefix, make) in [
            ("list", Response::List as fn(TypeRef) -> Response),
            ("array", Response::Array),
        ] {
            if text == prefix || text.starts_with(&format!("{prefix}<")) {
                let inner = text
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_prefix('<'))
                    .and_then(|rest| rest.strip_suffix('>'))
                    .map(str::trim)
                    .unwrap_or("");
                if inner.is_empty() {
                    let message =
                        format!("response '{text}' has no item type; write `{prefix}<ModelName>`");
                    self.report(file, &node, item, message);
                    return None;
                }
                return self.type_expression(file, &node, item, inner).map(make);
            }
        }
        self.response_model(file, &node, item, text)
            .map(Response::Model)
    }

    fn response_model(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        name: &str,
    ) -> Option<String> {
        match self.types.get(name) {
            Some(declared) if declared.is_model => Some(name.to_owned()),
            Some(_) => {
                self.report(file, node, item, format!("response '{name}' is an enum; a response must be a model (or none, binary, list<Model>, array<Model>)"));
                None
            }
            None => {
                self.report(file, node, item, format!("unknown response model '{name}'; expected none, binary, a model, list<Model> or array<Model>"));
                None
            }
        }
    }

    /// Parses a type expression (`string`, `list<Tile>`, ...).
    fn type_expression(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        text: &str,
    ) -> Option<TypeRef> {
        let text = text.trim();
        let scalar = match text {
            "string" => Some(TypeRef::String),
            "bool" => Some(TypeRef::Bool),
            "integer" => Some(TypeRef::Integer),
            "int32" => Some(TypeRef::Int32),
            "number" => Some(TypeRef::Number),
            "uuid" => Some(TypeRef::Uuid),
            "date-time" => Some(TypeRef::DateTime),
            "json" => Some(TypeRef::Json),
            _ => None,
        };
        if scalar.is_some() {
            return scalar;
        }
        for (prefix, make) in [
            ("list<", TypeRef::List as fn(Box<TypeRef>) -> TypeRef),
            ("map<", TypeRef::Map),
        ] {
            if let Some(inner) = text.strip_prefix(prefix) {
                let Some(inner) = inner
                    .strip_suffix('>')
                    .filter(|inner| !inner.trim().is_empty())
                else {
                    self.report(
                        file,
                        node,
                        item,
                        format!("type '{text}' needs an item type, as in `{prefix}string>`"),
                    );
                    return None;
                };
                return self
                    .type_expression(file, node, item, inner)
                    .map(|inner| make(Box::new(inner)));
            }
        }
        match self.types.get(text) {
            Some(declared) if declared.is_model => Some(TypeRef::Model(text.to_owned())),
            Some(_) => Some(TypeRef::Enum(text.to_owned())),
            None => {
                let message = format!(
                    "unknown type '{text}'; expected string, bool, integer, int32, number, uuid, date-time, json, list<T>, map<T> or a declared model or enum"
                );
                self.report(file, node, item, message);
                None
            }
        }
    }

    fn model(&mut self, file: &SourceFile, name: &str, raw: &RawModel) -> Option<Model> {
        let item = format!("model '{name}'");
        // Skip models whose name was rejected (reported already).
        let declared_here = self
            .types
            .get(name)
            .is_some_and(|declared| std::ptr::eq(declared.file, file) && declared.is_model);
        let mut ok = declared_here;
        let mut fields = Vec::new();
        let mut rust_names: HashMap<String, String> = HashMap::new();
        for (wire_name, field) in &raw.fields {
            let node = format!("models/{name}/fields/{wire_name}");
            let Some(ty) = field.ty.as_deref() else {
                self.report(
                    file,
                    &node,
                    &item,
                    format!("field '{wire_name}' is missing required key `type`"),
                );
                ok = false;
                continue;
            };
            let Some(ty) = self.type_expression(file, &format!("{node}/type"), &item, ty) else {
                ok = false;
                continue;
            };
            if ty == TypeRef::Json && field.json_reason.is_none() {
                self.report(file, &format!("{node}/type"), &item, format!("field '{wire_name}' is free-form `json`; say why in `json_reason` (or give it a typed model)"));
                ok = false;
            }
            let rust_name = match &field.rust_name {
                Some(rust_name) if naming::is_snake_case(rust_name) => {
                    naming::escape_member(rust_name)
                }
                Some(rust_name) => {
                    self.report(
                        file,
                        &format!("{node}/rust_name"),
                        &item,
                        format!(
                            "field '{wire_name}': `rust_name` '{rust_name}' must be snake_case"
                        ),
                    );
                    ok = false;
                    continue;
                }
                None if naming::member_name(wire_name).is_empty() => {
                    self.report(file, &node, &item, format!("field '{wire_name}' has no letters or digits to make a Rust name from; give it a `rust_name`"));
                    ok = false;
                    continue;
                }
                None => naming::escape_member(&naming::member_name(wire_name)),
            };
            if rust_name == UNKNOWN_FIELDS {
                self.report(file, &node, &item, format!("field '{wire_name}' would take the name '{UNKNOWN_FIELDS}', which holds the fields the spec does not know; give it a `rust_name`"));
                ok = false;
                continue;
            }
            if let Some(first) = rust_names.get(&rust_name) {
                self.report(file, &node, &item, format!("fields '{first}' and '{wire_name}' both become the Rust field '{rust_name}'; give one a `rust_name`"));
                ok = false;
                continue;
            }
            rust_names.insert(rust_name.clone(), wire_name.clone());
            let aliases = field.aliases.clone().unwrap_or_default();
            for alias in &aliases {
                let clashes = alias == wire_name
                    || raw.fields.iter().any(|(other, _)| other == alias)
                    || raw
                        .fields
                        .iter()
                        .filter(|(other, _)| other != wire_name)
                        .any(|(_, other)| {
                            other.aliases.iter().flatten().any(|taken| taken == alias)
                        });
                if alias.is_empty() || clashes {
                    self.report(file, &format!("{node}/aliases"), &item, format!("field '{wire_name}': alias '{alias}' is empty, or already a field or another field's alias"));
                    ok = false;
                }
            }
            let required = field.required.unwrap_or(false);
            let nullable = field.nullable.unwrap_or(false);
            if nullable && required {
                self.report(file, &format!("{node}/nullable"), &item, format!("field '{wire_name}' is both required and nullable; a nullable field is optional (absent, null or a value): drop `required`"));
                ok = false;
            }
            fields.push(Field {
                wire_name: wire_name.clone(),
                rust_name,
                ty,
                required,
                nullable,
                doc: field.doc.clone(),
                aliases,
            });
        }
        ok.then(|| Model {
            name: name.to_owned(),
            doc: raw.doc.clone(),
            fields,
        })
    }

    fn enum_def(&mut self, file: &SourceFile, name: &str, raw: &RawEnum) -> Option<EnumDef> {
        let item = format!("enum '{name}'");
        let declared_here = self
            .types
            .get(name)
            .is_some_and(|declared| std::ptr::eq(declared.file, file) && !declared.is_model);
        let mut ok = declared_here;
        if raw.values.is_empty() {
            self.report(
                file,
                &format!("enums/{name}"),
                &item,
                "an enum needs at least one entry under `values`",
            );
            ok = false;
        }
        let mut values = Vec::new();
        let mut wires: HashMap<&str, usize> = HashMap::new();
        let mut variants: HashMap<String, String> = HashMap::new();
        for (index, value) in raw.values.iter().enumerate() {
            let node = format!("enums/{name}/values/{index}");
            let Some(wire) = value.value.as_deref() else {
                self.report(
                    file,
                    &node,
                    &item,
                    "a value is missing required key `value`",
                );
                ok = false;
                continue;
            };
            if let Some(first) = wires.get(wire) {
                self.report(
                    file,
                    &format!("{node}/value"),
                    &item,
                    format!(
                        "duplicate value '{wire}' (first at entry {}); each value appears once",
                        first + 1
                    ),
                );
                ok = false;
                continue;
            }
            wires.insert(wire, index);
            let variant = match value.name.as_deref() {
                Some(name) if !naming::is_pascal_case(name) || naming::is_keyword(name) => {
                    self.report(
                        file,
                        &format!("{node}/name"),
                        &item,
                        format!(
                            "value '{wire}': `name` '{name}' must be a PascalCase variant name"
                        ),
                    );
                    ok = false;
                    continue;
                }
                Some(name) => name.to_owned(),
                None => naming::variant_name(wire),
            };
            if variant.is_empty() || variant == UNRECOGNIZED_VARIANT {
                self.report(file, &format!("{node}/value"), &item, format!("value '{wire}' cannot be a variant name ('{UNRECOGNIZED_VARIANT}' is the fallback for unknown values)"));
                ok = false;
                continue;
            }
            if let Some(first) = variants.get(&variant) {
                self.report(
                    file,
                    &format!("{node}/value"),
                    &item,
                    format!("values '{first}' and '{wire}' both become the variant '{variant}'"),
                );
                ok = false;
                continue;
            }
            variants.insert(variant.clone(), wire.to_owned());
            values.push(EnumValue {
                wire: wire.to_owned(),
                variant,
                doc: value.doc.clone(),
            });
        }
        ok.then(|| EnumDef {
            name: name.to_owned(),
            doc: raw.doc.clone(),
            values,
        })
    }

    /// A model that contains itself through required, direct (not list or map) fields can
    /// never be built: report each such cycle once.
    fn check_cycles(&mut self, files: &[SourceFile], models: &[Model]) {
        let edges: BTreeMap<&str, Vec<(&str, &str)>> = models
            .iter()
            .map(|model| {
                let targets = model
                    .fields
                    .iter()
                    .filter(|field| field.required)
                    .filter_map(|field| match &field.ty {
                        TypeRef::Model(target) => Some((target.as_str(), field.wire_name.as_str())),
                        _ => None,
                    })
                    .collect();
                (model.name.as_str(), targets)
            })
            .collect();
        let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
        for start in edges.keys() {
            let mut path = vec![*start];
            if let Some(cycle) = find_cycle(&edges, start, &mut path) {
                // The cycle without its closing repetition of `start`, so that every rotation
                // of the same cycle gives the same key.
                let mut key = cycle[..cycle.len() - 1].to_vec();
                key.sort_unstable();
                if !reported.insert(key) {
                    continue;
                }
                let Some(declared) = self.types.get(*start) else {
                    continue;
                };
                let file = files.iter().find(|file| std::ptr::eq(*file, declared.file));
                if let Some(file) = file {
                    let message = format!(
                        "models contain themselves through required fields ({}); make one of those fields optional or a list",
                        cycle.join(" -> ")
                    );
                    self.diagnostics.push(file.diagnostic(
                        &declared.node,
                        format!("model '{start}'"),
                        message,
                    ));
                }
            }
        }
    }
}

impl Checker<'_, '_> {
    /// `nullable` says that an explicit `null` means something in a request: a field may be
    /// nullable only in a model that some operation sends (as its body, or inside it).
    fn check_nullable(&mut self, files: &[SourceFile], categories: &[Category], models: &[Model]) {
        let by_name: BTreeMap<&str, &Model> = models
            .iter()
            .map(|model| (model.name.as_str(), model))
            .collect();
        let mut sent: BTreeSet<&str> = BTreeSet::new();
        let mut pending: Vec<&str> = categories
            .iter()
            .flat_map(|category| &category.operations)
            .filter_map(
                |operation| match operation.body.as_ref().map(|body| &body.kind) {
                    Some(BodyKind::Json(model)) => Some(model.as_str()),
                    _ => None,
                },
            )
            .collect();
        while let Some(name) = pending.pop() {
            if !sent.insert(name) {
                continue;
            }
            for field in by_name.get(name).map_or(&[][..], |model| &model.fields) {
                let mut ty = &field.ty;
                while let TypeRef::List(item) | TypeRef::Map(item) = ty {
                    ty = item;
                }
                if let TypeRef::Model(target) = ty {
                    pending.push(target);
                }
            }
        }
        for model in models {
            if sent.contains(model.name.as_str()) {
                continue;
            }
            for field in model.fields.iter().filter(|field| field.nullable) {
                let Some(declared) = self.types.get(&model.name) else {
                    continue;
                };
                let Some(file) = files.iter().find(|file| std::ptr::eq(*file, declared.file))
                else {
                    continue;
                };
                let node = format!("{}/fields/{}/nullable", declared.node, field.wire_name);
                let message = format!(
                    "field '{}' is nullable, but no operation sends model '{}' in a request body; `nullable` is for request fields where `null` clears a property",
                    field.wire_name, model.name
                );
                self.diagnostics.push(file.diagnostic(
                    &node,
                    format!("model '{}'", model.name),
                    message,
                ));
            }
        }
    }
}

fn find_cycle<'m>(
    edges: &BTreeMap<&'m str, Vec<(&'m str, &'m str)>>,
    start: &'m str,
    path: &mut Vec<&'m str>,
) -> Option<Vec<&'m str>> {
    let current = *path.last()?;
    for (target, _) in edges.get(current)? {
        if *target == start {
            let mut cycle = path.clone();
            cycle.push(start);
            return Some(cycle);
        }
        if !path.contains(target) {
            path.push(target);
            if let Some(cycle) = find_cycle(edges, start, path) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}

/// The `{name}` placeholders of a path template, or why the braces do not balance.
pub fn placeholders(path: &str) -> Result<Vec<&str>, String> {
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

fn closest(known: &str, typed: &str) -> bool {
    // A cheap "did you mean": the same words, one letter added or missing (Reports/Report).
    let normalize = |s: &str| s.to_ascii_lowercase().replace('s', "");
    normalize(known) == normalize(typed)
}

fn location_text(file: &SourceFile, node: &str) -> String {
    let position = file.positions.find(node);
    format!(
        "{}:{}:{}",
        file.path.display(),
        position.line,
        position.column
    )
}
