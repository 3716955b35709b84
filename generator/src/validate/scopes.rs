//! OAuth scopes: the known list, and the check of every scope a spec names.

use crate::spec::load::SourceFile;
use crate::spec::raw::RawScope;

use super::checker::Checker;

/// Every delegated scope of the Power BI service that an operation may name: the one source of
/// the list. `spec/powerbi/api.yaml` (`known_scopes`, what validation reads), the sandbox's
/// catalogue (`tests/sandbox/src/scopes.rs`) and `spec/README.md` copy it; tests fail when a
/// copy differs (`tests/e2e` `known_scopes.rs`, the generator's `real_spec.rs`).
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

impl Checker<'_, '_> {
    /// An operation's `scopes`: alternatives, each a scope or a list of scopes all needed.
    /// Returns the sets, and whether every scope is known.
    pub(super) fn operation_scopes(
        &mut self,
        file: &SourceFile,
        (base, item): (&str, &str),
        scopes: &[RawScope],
    ) -> (Vec<Vec<String>>, bool) {
        let mut ok = true;
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
                ok &= self.known_scope(file, &node, item, scope);
            }
            sets.push(set);
        }
        (sets, ok)
    }

    pub(super) fn known_scope(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        scope: &str,
    ) -> bool {
        let Some(description) = &self.description else {
            return true;
        };
        let known_scopes = &description.known_scopes;
        if known_scopes.iter().any(|known| known == scope) {
            return true;
        }
        let suggestion = known_scopes
            .iter()
            .find(|known| known.eq_ignore_ascii_case(scope) || closest(known, scope))
            .map(|known| format!("; did you mean '{known}'?"))
            .unwrap_or_else(|| "; see `known_scopes` in the API's api.yaml".to_owned());
        let message = format!("unknown scope '{scope}'{suggestion}");
        self.report(file, node, item, message);
        false
    }
}

fn closest(known: &str, typed: &str) -> bool {
    // A cheap "did you mean": the same words, one letter added or missing (Reports/Report).
    let normalize = |s: &str| s.to_ascii_lowercase().replace('s', "");
    normalize(known) == normalize(typed)
}
