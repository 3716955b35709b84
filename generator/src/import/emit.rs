//! A draft written as a category file in the spec's format: the keys in the order
//! spec/README.md documents them, scalars quoted only where YAML needs it, long prose as
//! block scalars, and what the maintainer must check as comments.

use std::fmt::Write;

use super::draft::{Draft, DraftEnum, DraftField, DraftModel, DraftOperation, DraftParameter};

/// The YAML text of a draft; `source` names the description it came from (first comment).
pub fn yaml(draft: &Draft, source: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Drafted by `powerbi-codegen import` from {source}. Curate before use: method names,\n\
         # operations Microsoft splits in twins (merge them), prose, `service_principal` sources."
    );
    for warning in &draft.warnings {
        let _ = writeln!(out, "# CHECK: {}", one_line(warning));
    }
    let _ = writeln!(out, "category: {}", scalar(&draft.category));
    let _ = writeln!(out, "title: {}", scalar(&draft.title));
    let _ = writeln!(out, "permissions: {}", flow(&draft.permissions));
    if !draft.operations.is_empty() {
        out.push_str("\noperations:\n");
        for (index, operation) in draft.operations.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            write_operation(&mut out, operation);
        }
    }
    if !draft.models.is_empty() {
        out.push_str("\nmodels:\n");
        for (name, model) in &draft.models {
            write_model(&mut out, name, model);
        }
    }
    if !draft.enums.is_empty() {
        out.push_str("\nenums:\n");
        for (name, item) in &draft.enums {
            write_enum(&mut out, name, item);
        }
    }
    out
}

fn write_operation(out: &mut String, operation: &DraftOperation) {
    for example in &operation.examples {
        let _ = writeln!(out, "  # Microsoft's example: {}", one_line(example));
    }
    let _ = writeln!(out, "  - name: {}", scalar(&operation.name));
    let _ = writeln!(
        out,
        "    operation_ids: {}",
        flow(std::slice::from_ref(&operation.operation_id))
    );
    let _ = writeln!(out, "    summary: {}", scalar(&operation.summary));
    let _ = writeln!(out, "    docs_url: {}", scalar(&operation.docs_url));
    let _ = writeln!(out, "    method: {}", operation.method);
    let _ = writeln!(out, "    path: {}", scalar(&operation.path));
    if !operation.parameters.is_empty() {
        out.push_str("    parameters:\n");
        for parameter in &operation.parameters {
            write_parameter(out, parameter);
        }
    }
    match (&operation.body, &operation.body_content_type) {
        (Some((model, required)), Some(content_type)) => {
            let required = if *required { "" } else { ", required: false" };
            let _ = writeln!(
                out,
                "    body: {{model: {}, content_type: {}{required}}}",
                scalar(model),
                scalar(content_type)
            );
        }
        (Some((model, true)), None) => {
            let _ = writeln!(out, "    body: {}", scalar(model));
        }
        (Some((model, false)), None) => {
            let _ = writeln!(
                out,
                "    body: {{model: {}, required: false}}",
                scalar(model)
            );
        }
        (None, _) => {}
    }
    let _ = writeln!(out, "    response: {}", scalar(&operation.response));
    let sets: Vec<String> = operation
        .scopes
        .iter()
        .map(|set| match set.as_slice() {
            [one] => scalar(one),
            many => flow(many),
        })
        .collect();
    let _ = writeln!(out, "    scopes: [{}]", sets.join(", "));
    if !operation.unknown_scopes.is_empty() {
        let _ = writeln!(
            out,
            "    # CHECK: Microsoft also names {}, which api.yaml's known_scopes lacks",
            operation.unknown_scopes.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "    # Microsoft: {} (read from the description's identities table or permissions)",
        operation.docs_url
    );
    let _ = writeln!(
        out,
        "    service_principal: {}",
        operation.service_principal
    );
    if operation.paging != "none" {
        let _ = writeln!(out, "    paging: {}", operation.paging);
    }
    if operation.long_running != "none" {
        let _ = writeln!(out, "    long_running: {}", operation.long_running);
    }
    if let Some(limits) = &operation.limits {
        text(out, 4, "limits", limits);
    }
    if let Some(notes) = &operation.notes {
        text(out, 4, "notes", notes);
    }
}

fn write_parameter(out: &mut String, parameter: &DraftParameter) {
    let _ = writeln!(out, "      - name: {}", scalar(&parameter.name));
    let _ = writeln!(out, "        in: {}", parameter.location);
    let _ = writeln!(out, "        type: {}", scalar(&parameter.ty));
    if parameter.required && parameter.location != "path" {
        out.push_str("        required: true\n");
    }
    if let Some(rust_name) = &parameter.rust_name {
        let _ = writeln!(out, "        rust_name: {}", scalar(rust_name));
    }
    if let Some(doc) = &parameter.doc {
        text(out, 8, "doc", doc);
    }
}

fn write_model(out: &mut String, name: &str, model: &DraftModel) {
    let _ = writeln!(out, "  {}:", scalar(name));
    if let Some(doc) = &model.doc {
        text(out, 4, "doc", doc);
    }
    if model.fields.is_empty() {
        return;
    }
    out.push_str("    fields:\n");
    for field in &model.fields {
        write_field(out, field);
    }
}

fn write_field(out: &mut String, field: &DraftField) {
    let _ = writeln!(out, "      {}:", scalar(&field.wire_name));
    let _ = writeln!(out, "        type: {}", scalar(&field.ty));
    if field.required {
        out.push_str("        required: true\n");
    }
    if let Some(rust_name) = &field.rust_name {
        let _ = writeln!(out, "        rust_name: {}", scalar(rust_name));
    }
    if field.ty == "json" {
        out.push_str("        json_reason: Microsoft's description declares a free-form object here (CHECK)\n");
    }
    if let Some(doc) = &field.doc {
        text(out, 8, "doc", doc);
    }
}

fn write_enum(out: &mut String, name: &str, item: &DraftEnum) {
    let _ = writeln!(out, "  {}:", scalar(name));
    if let Some(doc) = &item.doc {
        text(out, 4, "doc", doc);
    }
    out.push_str("    values:\n");
    for value in &item.values {
        let _ = writeln!(
            out,
            "      - value: {}",
            quoted_if_needed(&value.value, true)
        );
        if let Some(name) = &value.name {
            let _ = writeln!(out, "        name: {}", scalar(name));
        }
        if let Some(doc) = &value.doc {
            text(out, 8, "doc", doc);
        }
    }
}

/// `key: value`, or `key: |` with the lines indented when the text has several.
fn text(out: &mut String, indent: usize, key: &str, value: &str) {
    let pad = " ".repeat(indent);
    if !value.contains('\n') {
        let _ = writeln!(out, "{pad}{key}: {}", scalar(value));
        return;
    }
    let _ = writeln!(out, "{pad}{key}: |");
    for line in value.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{pad}  {}", line.trim_end());
        }
    }
}

/// `[A, B]` with each item quoted where a flow sequence needs it.
fn flow(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|item| quoted_if_needed(item, true))
        .collect();
    format!("[{}]", items.join(", "))
}

/// A scalar in block context.
fn scalar(value: &str) -> String {
    quoted_if_needed(value, false)
}

/// `value` as written when YAML reads it back as the same string, else double-quoted (JSON
/// string syntax is YAML's double-quoted syntax).
fn quoted_if_needed(value: &str, in_flow: bool) -> String {
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "~"];
    let looks_like_number = value.parse::<f64>().is_ok()
        || value.starts_with("0x")
        || value.starts_with("0o")
        || value.starts_with('.');
    let first_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '$' | '(' | '<'));
    let flow_special = in_flow && value.contains(['[', ']', '{', '}', ',']);
    let plain = !value.is_empty()
        && first_ok
        && !looks_like_number
        && !reserved.contains(&value.to_ascii_lowercase().as_str())
        && value == value.trim()
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !flow_special
        && value
            .chars()
            .all(|c| !c.is_control() && c != '"' && c != '\'' && c != '`');
    if plain {
        value.to_owned()
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
    }
}

/// A comment's text on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_where_yaml_needs_it() {
        assert_eq!(
            scalar("/dashboards/{dashboardId}"),
            "/dashboards/{dashboardId}"
        );
        assert_eq!(scalar("list<Tile>"), "list<Tile>");
        assert_eq!(scalar("@odata.context"), "\"@odata.context\"");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("0"), "\"0\"");
        assert_eq!(scalar("Note: this"), "\"Note: this\"");
        assert_eq!(
            flow(&["A_(beta)".to_owned(), "a,b".to_owned()]),
            "[A_(beta), \"a,b\"]"
        );
    }
}
