//! Model and enum names (declared once, PascalCase, shadowing nothing) and type expressions
//! (`string`, `list<Tile>`, a declared model or enum).

use crate::api::{SCALAR_TYPES, TypeRef};
use crate::naming;
use crate::spec::load::SourceFile;

use super::checker::{Checker, Declared, location_text};

impl<'a> Checker<'a, '_> {
    /// Registers every model and enum name, reporting duplicates and bad names.
    pub(super) fn declare_types(&mut self, files: &'a [SourceFile]) {
        for file in files {
            let declared = file
                .raw
                .models
                .iter()
                .map(|(name, _)| (name, format!("models/{name}"), true))
                .chain(
                    file.raw
                        .enums
                        .iter()
                        .map(|(name, _)| (name, format!("enums/{name}"), false)),
                );
            for (name, node, is_model) in declared {
                let kind = if is_model { "model" } else { "enum" };
                let item = format!("{kind} '{name}'");
                if !naming::is_pascal_case(name) {
                    let message = format!(
                        "'{name}' is not a PascalCase name; write it as '{}'",
                        naming::pascal(&naming::member_name(name))
                    );
                    self.report(file, &node, &item, message);
                    continue;
                }
                if naming::SHADOWING_TYPE_NAMES.contains(&name.as_str()) || naming::is_keyword(name)
                {
                    let message = format!(
                        "'{name}' would shadow a Rust name the generated code uses; rename it (for example 'PowerBi{name}')"
                    );
                    self.report(file, &node, &item, message);
                    continue;
                }
                if let Some(first) = self.types.get(name) {
                    let message = format!(
                        "'{name}' is already declared at {}; model and enum names are global",
                        location_text(first.file, &first.node)
                    );
                    self.report(file, &node, &item, message);
                    continue;
                }
                self.types.insert(
                    name.clone(),
                    Declared {
                        file,
                        node,
                        is_model,
                    },
                );
            }
        }
    }
}

impl Checker<'_, '_> {
    /// Parses a type expression (`string`, `list<Tile>`, ...).
    pub(super) fn type_expression(
        &mut self,
        file: &SourceFile,
        node: &str,
        item: &str,
        text: &str,
    ) -> Option<TypeRef> {
        let text = text.trim();
        if let Some((_, scalar)) = SCALAR_TYPES.iter().find(|(name, _)| *name == text) {
            return Some(scalar.clone());
        }
        for (prefix, make) in [
            ("list<", TypeRef::List as fn(Box<TypeRef>) -> TypeRef),
            ("map<", TypeRef::Map),
        ] {
            if let Some(inner) = text.strip_prefix(prefix) {
                let Some(inner) = inner
                    .strip_suffix('>')
                    .filter(|inner| !inner.trim().is_empty())
                else {
                    self.report(
                        file,
                        node,
                        item,
                        format!("type '{text}' needs an item type, as in `{prefix}string>`"),
                    );
                    return None;
                };
                return self
                    .type_expression(file, node, item, inner)
                    .map(|inner| make(Box::new(inner)));
            }
        }
        match self.types.get(text) {
            Some(declared) if declared.is_model => Some(TypeRef::Model(text.to_owned())),
            Some(_) => Some(TypeRef::Enum(text.to_owned())),
            None => {
                let message = format!(
                    "unknown type '{text}'; expected string, bool, integer, int32, number, uuid, date-time, json, list<T>, map<T> or a declared model or enum"
                );
                self.report(file, node, item, message);
                None
            }
        }
    }
}
