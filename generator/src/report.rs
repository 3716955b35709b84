//! The permissions report: categories → scopes → operations.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::api::{Api, ServicePrincipal};

/// For each category, each scope alternative and the operations that accept it, with their
/// service-principal support. What `powerbi-codegen scopes` prints.
pub fn scopes_report(api: &Api) -> String {
    let mut out = String::new();
    for category in &api.categories {
        let _ = writeln!(out, "{} ({})", category.name, category.title);
        let mut by_scope: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for operation in &category.operations {
            let sp = match operation.service_principal {
                ServicePrincipal::Yes => "service principal: yes",
                ServicePrincipal::No => "service principal: no",
                ServicePrincipal::Unknown => "service principal: unknown",
            };
            let entry = format!("{} ({sp})", operation.name);
            if operation.scopes.is_empty() {
                by_scope
                    .entry("(none documented)".to_owned())
                    .or_default()
                    .push(entry);
                continue;
            }
            for set in &operation.scopes {
                by_scope
                    .entry(set.join(" + "))
                    .or_default()
                    .push(entry.clone());
            }
        }
        for (scope, operations) in by_scope {
            let _ = writeln!(out, "  {scope}");
            for operation in operations {
                let _ = writeln!(out, "    {operation}");
            }
        }
    }
    out
}
