//! The state every check shares: the diagnostics found so far and the declared type names.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::spec::load::SourceFile;

/// Where a named type is declared.
pub(super) struct Declared<'a> {
    pub(super) file: &'a SourceFile,
    pub(super) node: String,
    pub(super) is_model: bool,
}

/// Walks the files and collects every problem.
pub(super) struct Checker<'a, 'd> {
    pub(super) diagnostics: &'d mut Vec<Diagnostic>,
    /// Every model and enum name, where it is declared.
    pub(super) types: BTreeMap<String, Declared<'a>>,
    /// Each path and query parameter (keyed by location and wire name) as first declared: its
    /// type, Rust name and where, so that it has one type and one name in every operation.
    pub(super) first_parameters: BTreeMap<String, FirstParameter>,
    /// The API's own facts (`api.yaml`), when it read without problems: the checks that need
    /// them (known scopes, paging kinds, the base path) are skipped without.
    pub(super) description: Option<crate::api::ApiDescription>,
}

/// A path or query parameter as first declared (see [`Checker::first_parameters`]).
pub(super) struct FirstParameter {
    pub(super) ty: crate::api::TypeRef,
    pub(super) rust_name: String,
    pub(super) at: String,
}

impl Checker<'_, '_> {
    /// The path operations are relative to, as messages name it.
    pub(super) fn base_path(&self) -> &str {
        self.description
            .as_ref()
            .map_or("the API's base path", |api| api.base_path.as_str())
    }

    /// Reports a problem at `node` of `file`, about `item`.
    pub(super) fn report(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(file.diagnostic(node, item, message));
    }
}

/// `file:line:column` of a node, for messages that point at a first declaration.
pub(super) fn location_text(file: &SourceFile, node: &str) -> String {
    let position = file.positions.find(node);
    format!(
        "{}:{}:{}",
        file.path.display(),
        position.line,
        position.column
    )
}
