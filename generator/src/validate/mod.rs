//! Checks the raw spec and builds the validated [`Api`]. Every problem is collected; nothing
//! stops at the first.
//!
//! One [`checker::Checker`] walks the files; its checks live by concern: names and type
//! expressions ([`types`]), categories ([`category`]), operations ([`operations`]) and their
//! keyword keys ([`keywords`]), parameters and paths ([`parameters`]), bodies and responses
//! ([`bodies`]), other body forms of an operation ([`forms`]), scopes ([`scopes`]), models and
//! enums ([`models`]), and the checks over the whole spec ([`whole`]: cycles, nullable fields).

mod api_file;
mod bodies;
mod category;
mod checker;
mod forms;
mod keywords;
mod models;
mod operations;
mod parameters;
mod scopes;
mod types;
mod whole;

use std::collections::{BTreeMap, HashMap};

use crate::api::Api;
use crate::diagnostic::Diagnostic;
use crate::spec::api_file::ApiSourceFile;
use crate::spec::load::SourceFile;
use checker::Checker;

pub use scopes::KNOWN_SCOPES;

/// Validates parsed files into a [`Api`], appending every problem to `diagnostics`. `api_file`
/// is the API's `api.yaml` (`None` when it is missing or did not parse: the problem is
/// reported already, and the checks that need its facts are skipped).
pub fn validate(
    api_file: Option<&ApiSourceFile>,
    files: &[SourceFile],
    hash: String,
    diagnostics: &mut Vec<Diagnostic>,
) -> Api {
    let description = api_file.and_then(|file| api_file::describe(file, diagnostics));
    let mut checker = Checker {
        diagnostics,
        types: BTreeMap::new(),
        first_parameters: BTreeMap::new(),
        description,
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
    Api {
        description: checker.description.unwrap_or_else(api_file::placeholder),
        categories,
        models,
        enums,
        hash,
    }
}

/// Checks a parsed `api.yaml` on its own: the description, or `None` once its problems are
/// in `diagnostics`.
pub fn describe_api(
    file: &ApiSourceFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<crate::api::ApiDescription> {
    api_file::describe(file, diagnostics)
}

/// The spec's word for a paging kind (`top_skip`, `continuation_uri`).
pub fn paging_word(kind: crate::api::Paging) -> &'static str {
    spelled(keywords::PAGING.words, kind)
}

/// The spec's word for a long-running kind (`refresh`, `fabric_operation`).
pub fn long_running_word(kind: crate::api::LongRunning) -> &'static str {
    spelled(keywords::LONG_RUNNING.words, kind)
}

fn spelled<T: PartialEq>(words: &[(&'static str, T)], value: T) -> &'static str {
    words
        .iter()
        .find(|(_, known)| *known == value)
        .map_or("?", |(word, _)| word)
}
