//! A category file's own keys: `category`, `title`, `permissions`, and its operations' names.

use std::collections::HashMap;

use crate::api::Category;
use crate::naming;
use crate::spec::load::SourceFile;

use super::checker::{Checker, location_text};

/// Names the generated code itself uses next to the category modules.
const RESERVED_MODULES: &[&str] = &["models", "rt"];

impl Checker<'_, '_> {
    /// The file's category with its operations, or `None` once its problems are reported.
    pub(super) fn category(&mut self, file: &SourceFile) -> Option<Category> {
        let raw = &file.raw;
        let (name, named) = self.category_name(file);
        let mut ok = named;
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
        ok &= self.body_forms(file, &names, &mut operations);
        ok.then(|| Category {
            name,
            title: raw.title.clone().unwrap_or_default(),
            doc: raw.doc.clone(),
            permissions: raw.permissions.clone().unwrap_or_default(),
            operations,
        })
    }

    /// The `category` key, and whether it is a usable name.
    fn category_name(&mut self, file: &SourceFile) -> (String, bool) {
        let mut ok = true;
        let name = match &file.raw.category {
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
        (name, ok)
    }
}
