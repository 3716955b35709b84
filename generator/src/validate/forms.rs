//! Body forms: `body_form_of: other` declares an operation that sends the same Microsoft
//! operations as `other` (same method, path and workspace) with another request body, such as
//! Post Import's JSON `ImportInfo` beside its multipart file. The form takes `other`'s
//! `operation_ids`; `other` learns its forms (`body_forms`), so the docs of each point to the
//! other and coverage counts the operationIds once.

use std::collections::HashMap;

use crate::api::{Body, BodyKind, Operation};
use crate::spec::load::SourceFile;

use super::checker::{Checker, location_text};

impl Checker<'_, '_> {
    /// Checks every body form of a category against the operation it names and links the two.
    /// `indices` maps each validated operation's name to its index in the file's `operations`.
    pub(super) fn body_forms(
        &mut self,
        file: &SourceFile,
        indices: &HashMap<String, usize>,
        operations: &mut [Operation],
    ) -> bool {
        let mut ok = true;
        let mut links = Vec::new();
        for (form, operation) in operations.iter().enumerate() {
            let Some(target) = &operation.body_form_of else {
                continue;
            };
            let index = indices.get(&operation.name).copied().unwrap_or_default();
            let at = Site {
                base: format!("operations/{index}"),
                item: format!("operation '{}'", operation.name),
            };
            match self.body_form(file, &at, operation, target, operations, indices) {
                Some(Some(primary)) => links.push((form, primary)),
                Some(None) => {}
                None => ok = false,
            }
        }
        for (form, primary) in links {
            operations[form].operation_ids = operations[primary].operation_ids.clone();
            let name = operations[form].name.clone();
            operations[primary].body_forms.push(name);
        }
        ok
    }

    /// One body form: the index of the operation it is a form of, `Some(None)` when that
    /// operation has problems of its own (reported where it is), `None` once this form's
    /// problems are reported.
    fn body_form(
        &mut self,
        file: &SourceFile,
        at: &Site,
        operation: &Operation,
        target: &str,
        operations: &[Operation],
        indices: &HashMap<String, usize>,
    ) -> Option<Option<usize>> {
        let raw = file
            .raw
            .operations
            .iter()
            .find(|raw| raw.name.as_deref() == Some(operation.name.as_str()));
        let mut ok = true;
        if raw.is_some_and(|raw| raw.operation_ids.is_some()) {
            let message = format!(
                "a body form takes its `operation_ids` from '{target}' (`body_form_of`); remove this key"
            );
            self.report(file, &at.node("operation_ids"), &at.item, message);
            ok = false;
        }
        if target == operation.name {
            let message = "an operation cannot be a body form of itself; `body_form_of` names the operation whose other request body this is";
            self.report(file, &at.node("body_form_of"), &at.item, message);
            return None;
        }
        let Some(primary) = operations.iter().position(|other| other.name == target) else {
            if (file.raw.operations.iter()).any(|raw| raw.name.as_deref() == Some(target)) {
                // It failed validation; its own diagnostics say why.
                return ok.then_some(None);
            }
            let message = format!(
                "`body_form_of` names '{target}', which is not an operation of this category; a body form and the operation it is a form of are in the same file"
            );
            self.report(file, &at.node("body_form_of"), &at.item, message);
            return None;
        };
        let first = &operations[primary];
        let first_index = indices.get(target).copied().unwrap_or_default();
        let first_at = location_text(file, &format!("operations/{first_index}"));
        if let Some(grand) = &first.body_form_of {
            let message = format!(
                "'{target}' is itself a body form of '{grand}'; name '{grand}' in `body_form_of`"
            );
            self.report(file, &at.node("body_form_of"), &at.item, message);
            return None;
        }
        ok &= self.same_request(file, at, (target, first, &first_at), operation);
        ok.then_some(Some(primary))
    }

    /// A form sends what its primary sends (method, path, workspace) with another body.
    fn same_request(
        &mut self,
        file: &SourceFile,
        at: &Site,
        (target, first, first_at): (&str, &Operation, &str),
        operation: &Operation,
    ) -> bool {
        let mut ok = true;
        let differences = [
            (
                "method",
                first.method != operation.method,
                format!("{:?}", first.method).to_uppercase(),
                format!("{:?}", operation.method).to_uppercase(),
            ),
            (
                "path",
                first.path != operation.path,
                first.path.clone(),
                operation.path.clone(),
            ),
            (
                "workspace",
                first.workspace != operation.workspace,
                format!("{:?}", first.workspace).to_lowercase(),
                format!("{:?}", operation.workspace).to_lowercase(),
            ),
        ];
        for (key, differs, expected, found) in differences {
            if differs {
                let message = format!(
                    "a body form has the {key} of '{target}' ({first_at}): `{expected}`, found `{found}`; both send the same Microsoft operation"
                );
                self.report(file, &at.node(key), &at.item, message);
                ok = false;
            }
        }
        if same_body(first.body.as_ref(), operation.body.as_ref()) {
            let message = format!(
                "a body form sends another body than '{target}' ({first_at}), found the same ({}); without a different body it is the same operation",
                body_text(operation.body.as_ref())
            );
            self.report(file, &at.node("body"), &at.item, message);
            ok = false;
        }
        ok
    }
}

/// Where a form's diagnostics go: its node and its label.
struct Site {
    base: String,
    item: String,
}

impl Site {
    fn node(&self, key: &str) -> String {
        format!("{}/{key}", self.base)
    }
}

fn same_body(a: Option<&Body>, b: Option<&Body>) -> bool {
    a.map(|body| &body.kind) == b.map(|body| &body.kind)
}

fn body_text(body: Option<&Body>) -> String {
    match body.map(|body| &body.kind) {
        None => "no body".to_owned(),
        Some(BodyKind::File) => "`file`".to_owned(),
        Some(BodyKind::Json(model)) => format!("`{model}`"),
        Some(BodyKind::Bytes { content_type }) => format!("`bytes` ({content_type})"),
        Some(BodyKind::Array(item)) => format!("`array<{item}>`"),
    }
}
