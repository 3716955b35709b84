//! What a maintainer changed between a draft of the description and the curated spec: the
//! summary the importer's proof pins (operations renamed, twins merged, prose edited, facts
//! decided where Microsoft is silent), beside the structural drift.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::api::{Api, Operation, ServicePrincipal, WorkspaceScope};
use crate::import::Draft;
use crate::import::draft::DraftOperation;

/// Counts per kind of curation between `draft` (the importer's output for the whole
/// description) and the curated `api`, one `kind: count` line each, then the structural
/// drift's counts: a stable text for a golden file.
pub fn summary(api: &Api, draft: &Draft, drift: &super::Report) -> String {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let drafted: BTreeMap<&str, &DraftOperation> = draft
        .operations
        .iter()
        .map(|operation| (operation.operation_id.as_str(), operation))
        .collect();
    for operation in api
        .categories
        .iter()
        .flat_map(|category| &category.operations)
        .filter(|operation| operation.body_form_of.is_none())
    {
        bump(&mut counts, "spec operations");
        if operation.operation_ids.len() > 1 {
            bump(&mut counts, "spec operations merging Microsoft's twins");
        }
        for id in &operation.operation_ids {
            match drafted.get(id.as_str()) {
                Some(twin) => compare(operation, twin, &mut counts),
                None => bump(&mut counts, "operationIds the draft lacks"),
            }
        }
    }
    let mut out = String::new();
    for (kind, count) in &counts {
        let _ = writeln!(out, "{kind}: {count}");
    }
    let _ = writeln!(out, "draft operations: {}", draft.operations.len());
    for ((group, change), count) in drift.counts() {
        let _ = writeln!(out, "drift {} {}: {count}", group.title(), change.word());
    }
    out
}

fn bump(counts: &mut BTreeMap<&'static str, usize>, kind: &'static str) {
    *counts.entry(kind).or_insert(0) += 1;
}

/// One operationId of the spec against its draft: each fact that differs is counted.
fn compare(
    operation: &Operation,
    twin: &DraftOperation,
    counts: &mut BTreeMap<&'static str, usize>,
) {
    bump(counts, "operationIds compared");
    let checks = [
        (twin.name == operation.name, "renamed (method name)"),
        (
            same_text(&twin.summary, &operation.summary),
            "summary edited",
        ),
        (
            same_text(
                twin.notes.as_deref().unwrap_or(""),
                operation.notes.as_deref().unwrap_or(""),
            ),
            "notes edited",
        ),
        (
            twin.docs_url == operation.docs_url,
            "docs_url chosen (the other twin's page, or another)",
        ),
        (twin.scopes == operation.scopes, "scopes edited"),
        (
            twin.method == method_word(operation.method),
            "method differs",
        ),
        (
            same_path(&twin.path, operation),
            "path differs (beyond the workspace prefix)",
        ),
        (
            twin.paging == crate::validate::paging_word(operation.paging),
            "paging decided differently",
        ),
        (
            twin.long_running == crate::validate::long_running_word(operation.long_running),
            "long_running decided differently",
        ),
    ];
    for (same, kind) in checks {
        if !same {
            bump(counts, kind);
        }
    }
    let curated = match operation.service_principal {
        ServicePrincipal::Yes => "yes",
        ServicePrincipal::No => "no",
        ServicePrincipal::Unknown => "unknown",
    };
    if twin.service_principal == "unknown" && curated != "unknown" {
        bump(
            counts,
            "service_principal decided where the description is silent",
        );
    } else if twin.service_principal != curated {
        bump(counts, "service_principal differs from the description");
    }
}

/// Equal once whitespace and markdown line breaks are set aside.
fn same_text(a: &str, b: &str) -> bool {
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    words(a) == words(b)
}

/// The drafted path (written in full) against the spec's (without the workspace prefix when
/// the operation is workspace-scoped).
fn same_path(drafted: &str, operation: &Operation) -> bool {
    if drafted == operation.path {
        return true;
    }
    operation.workspace != WorkspaceScope::None
        && drafted
            .strip_prefix("/groups/{groupId}")
            .is_some_and(|rest| rest == operation.path)
}

fn method_word(method: crate::api::Method) -> &'static str {
    use crate::api::Method;
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    }
}
