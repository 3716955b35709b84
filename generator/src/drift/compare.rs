//! One covered operation of the spec against its drafted twin from the description:
//! parameters by wire name, then the body and the response walked in parallel, models by
//! their fields, enums by their values, each pair of models or enums compared once.

use std::collections::BTreeSet;

use super::{Change, Finding, Group};
use crate::api::{Api, BodyKind, Category, Operation, Response, TypeRef, WorkspaceScope};
use crate::diagnostic::Location;
use crate::import::Draft;
use crate::import::draft::DraftOperation;

/// A drafted type, read back from the spec syntax the importer writes.
enum Drafted<'d> {
    Json,
    List(&'d str),
    Map(&'d str),
    Model(&'d str),
    Enum(&'d str),
    Scalar(&'d str),
}

fn drafted<'d>(ty: &'d str, draft: &Draft) -> Drafted<'d> {
    let ty = ty.trim();
    if let Some(item) = ty
        .strip_prefix("list<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return Drafted::List(item);
    }
    if let Some(item) = ty
        .strip_prefix("map<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return Drafted::Map(item);
    }
    if ty == "json" {
        Drafted::Json
    } else if draft.models.contains_key(ty) {
        Drafted::Model(ty)
    } else if draft.enums.contains_key(ty) {
        Drafted::Enum(ty)
    } else {
        Drafted::Scalar(ty)
    }
}

/// The walk over the covered operations, and what it found.
pub(super) struct Walk<'a> {
    api: &'a Api,
    draft: &'a Draft,
    /// Model and enum pairs (spec name, drafted name) already compared.
    seen: BTreeSet<(String, String)>,
    pub(super) findings: Vec<Finding>,
}

impl<'a> Walk<'a> {
    pub(super) fn new(api: &'a Api, draft: &'a Draft) -> Self {
        Walk {
            api,
            draft,
            seen: BTreeSet::new(),
            findings: Vec::new(),
        }
    }

    /// One operationId the spec covers with `operation`.
    pub(super) fn operation(
        &mut self,
        category: &Category,
        operation: &Operation,
        twin: &DraftOperation,
    ) {
        let at = &operation.declared_at;
        let subject = twin.operation_id.as_str();
        let label = format!("{}::{}", category.name, operation.name);
        self.parameters(operation, twin, &label);
        match (&operation.body, &twin.body) {
            (Some(body), Some((model, _))) => {
                if let BodyKind::Json(name) = &body.kind {
                    self.types(
                        &TypeRef::Model(name.clone()),
                        model,
                        &format!("{subject} body"),
                        at,
                    );
                }
            }
            (None, Some((model, _))) => self.push(
                Group::Operations,
                Change::Changed,
                subject,
                format!("the description now takes a body ({model}); {label} sends none"),
                at,
            ),
            (Some(_), None) => self.push(
                Group::Operations,
                Change::Changed,
                subject,
                format!("the description no longer takes a body; {label} sends one"),
                at,
            ),
            (None, None) => {}
        }
        self.response(operation, twin, &label, at);
    }

    fn parameters(&mut self, operation: &Operation, twin: &DraftOperation, label: &str) {
        let at = &operation.declared_at;
        let subject = twin.operation_id.as_str();
        let prefix_id = operation.workspace != WorkspaceScope::None;
        for parameter in &twin.parameters {
            if prefix_id && parameter.name == "groupId" {
                continue;
            }
            match operation
                .parameters
                .iter()
                .find(|known| known.wire_name == parameter.name)
            {
                None => self.push(
                    Group::Parameters,
                    Change::Added,
                    subject,
                    format!(
                        "{} parameter '{}' ({}) is new; {label} does not send it",
                        parameter.location, parameter.name, parameter.ty
                    ),
                    at,
                ),
                Some(known) => self.types(
                    &known.ty,
                    &parameter.ty,
                    &format!("{subject} parameter '{}'", parameter.name),
                    at,
                ),
            }
        }
        for known in &operation.parameters {
            if !twin
                .parameters
                .iter()
                .any(|parameter| parameter.name == known.wire_name)
            {
                self.push(
                    Group::Parameters,
                    Change::Removed,
                    subject,
                    format!(
                        "parameter '{}' is gone from the description; {label} still sends it",
                        known.wire_name
                    ),
                    at,
                );
            }
        }
    }

    fn response(
        &mut self,
        operation: &Operation,
        twin: &DraftOperation,
        label: &str,
        at: &Location,
    ) {
        let subject = format!("{} response", twin.operation_id);
        let (curated, drafted_ty): (Option<TypeRef>, &str) =
            match (&operation.response, twin.response.as_str()) {
                (Response::None, "none") | (Response::Binary, "binary") => return,
                (Response::Model(name), ty) => (Some(TypeRef::Model(name.clone())), ty),
                (Response::List(item), ty) => match ty
                    .strip_prefix("list<")
                    .and_then(|rest| rest.strip_suffix('>'))
                {
                    Some(inner) => (Some(item.clone()), inner),
                    None => (None, ty),
                },
                (Response::Array(item), ty) => match ty
                    .strip_prefix("array<")
                    .and_then(|rest| rest.strip_suffix('>'))
                {
                    Some(inner) => (Some(item.clone()), inner),
                    None => (None, ty),
                },
                (_, ty) => (None, ty),
            };
        match curated {
            Some(curated) => self.types(&curated, drafted_ty, &subject, at),
            None => self.push(
                Group::Operations,
                Change::Changed,
                &twin.operation_id,
                format!(
                    "the description answers `{drafted_ty}`; {label} reads `{}`",
                    response_text(&operation.response)
                ),
                at,
            ),
        }
    }

    /// A spec type against a drafted one.
    fn types(&mut self, curated: &TypeRef, drafted_ty: &str, subject: &str, at: &Location) {
        let draft = self.draft;
        match (curated, drafted(drafted_ty, draft)) {
            (TypeRef::Json, _) | (_, Drafted::Json) => {}
            (TypeRef::List(item), Drafted::List(inner))
            | (TypeRef::Map(item), Drafted::Map(inner)) => {
                self.types(item.as_ref(), inner, subject, at);
            }
            (TypeRef::Model(name), Drafted::Model(twin)) => self.model(name, twin),
            (TypeRef::Enum(name), Drafted::Enum(twin)) => self.enumeration(name, twin),
            // The spec names values the description leaves a plain string: curation.
            (TypeRef::Enum(_), Drafted::Scalar("string")) => {}
            (curated, Drafted::Scalar(scalar)) if curated.to_string() == scalar => {}
            (curated, _) => {
                let message = format!("the spec says `{curated}`, the description `{drafted_ty}`");
                let group = if subject.contains(" parameter ") {
                    Group::Parameters
                } else if subject.ends_with(" response") || subject.ends_with(" body") {
                    Group::Operations
                } else {
                    Group::Fields
                };
                self.push(group, Change::Changed, subject, message, at);
            }
        }
    }

    fn model(&mut self, name: &str, twin: &str) {
        if !self.seen.insert((name.to_owned(), twin.to_owned())) {
            return;
        }
        let (Some(model), Some(drafted_model)) = (
            self.api.models.iter().find(|model| model.name == name),
            self.draft.models.get(twin),
        ) else {
            return;
        };
        let at = model.declared_at.clone();
        let mut matched = BTreeSet::new();
        for field in &drafted_model.fields {
            let known = model
                .fields
                .iter()
                .find(|known| {
                    same_key(&known.wire_name, &field.wire_name)
                        || known
                            .aliases
                            .iter()
                            .any(|alias| same_key(alias, &field.wire_name))
                })
                .or_else(|| {
                    model
                        .fields
                        .iter()
                        .find(|known| known.wire_name.eq_ignore_ascii_case(&field.wire_name))
                });
            let subject = format!("{name}.{}", field.wire_name);
            match known {
                None => self.push(
                    Group::Fields,
                    Change::Added,
                    &subject,
                    format!("new in the description ({})", field.ty),
                    &at,
                ),
                Some(known) => {
                    matched.insert(known.wire_name.clone());
                    self.types(&known.ty, &field.ty, &subject, &at);
                }
            }
        }
        for known in model
            .fields
            .iter()
            .filter(|known| !matched.contains(&known.wire_name))
        {
            self.push(
                Group::Fields,
                Change::Removed,
                &format!("{name}.{}", known.wire_name),
                "the description does not declare it".to_owned(),
                &at,
            );
        }
    }

    fn enumeration(&mut self, name: &str, twin: &str) {
        if !self.seen.insert((name.to_owned(), twin.to_owned())) {
            return;
        }
        let (Some(item), Some(drafted_enum)) = (
            self.api.enums.iter().find(|item| item.name == name),
            self.draft.enums.get(twin),
        ) else {
            return;
        };
        let at = item.declared_at.clone();
        for value in &drafted_enum.values {
            if !item.values.iter().any(|known| known.wire == value.value) {
                self.push(
                    Group::EnumValues,
                    Change::Added,
                    name,
                    format!("'{}' is new in the description", value.value),
                    &at,
                );
            }
        }
        for known in &item.values {
            if !drafted_enum
                .values
                .iter()
                .any(|value| value.value == known.wire)
            {
                self.push(
                    Group::EnumValues,
                    Change::Removed,
                    name,
                    format!("'{}' is gone from the description", known.wire),
                    &at,
                );
            }
        }
    }

    fn push(&mut self, group: Group, change: Change, subject: &str, detail: String, at: &Location) {
        self.findings.push(Finding {
            group,
            change,
            subject: subject.to_owned(),
            detail,
            at: Some(at.clone()),
        });
    }
}

/// A response as the spec writes it.
fn response_text(response: &Response) -> String {
    match response {
        Response::None => "none".to_owned(),
        Response::Binary => "binary".to_owned(),
        Response::Model(name) => name.clone(),
        Response::List(item) => format!("list<{item}>"),
        Response::Array(item) => format!("array<{item}>"),
    }
}

/// Two JSON keys that name the same field: equal, or equal but for OData's `@` (Microsoft's
/// description writes `odata.context` for the wire's `@odata.context`).
fn same_key(spec: &str, described: &str) -> bool {
    spec == described || spec.trim_start_matches('@') == described.trim_start_matches('@')
}
