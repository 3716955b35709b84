//! Checks the raw spec and builds the validated [`Api`]. Every problem is collected; nothing
//! stops at the first.
//!
//! One [`checker::Checker`] walks the files; its checks live by concern: names and type
//! expressions ([`types`]), categories ([`category`]), operations ([`operations`]) and their
//! keyword keys ([`keywords`]), parameters and paths ([`parameters`]), bodies and responses
//! ([`bodies`]), other body forms of an operation ([`forms`]), scopes ([`scopes`]), models and
//! enums ([`models`]), and the checks over the whole spec ([`whole`]: cycles, nullable fields).

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
use crate::spec::load::SourceFile;
use checker::Checker;

pub use scopes::KNOWN_SCOPES;

/// Validates parsed files into a [`Api`], appending every problem to `diagnostics`.
pub fn validate(files: &[SourceFile], hash: String, diagnostics: &mut Vec<Diagnostic>) -> Api {
    let mut checker = Checker {
        diagnostics,
        types: BTreeMap::new(),
        first_parameters: BTreeMap::new(),
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
        categories,
        models,
        enums,
        hash,
    }
}
