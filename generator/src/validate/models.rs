//! Models and their fields, enums and their values.

use std::collections::HashMap;

use crate::api::{EnumDef, EnumValue, Field, Model, TypeRef};
use crate::naming;
use crate::spec::load::SourceFile;
use crate::spec::raw::{RawEnum, RawEnumValue, RawField, RawModel};

use super::checker::Checker;

/// The name of the catch-all field of every model.
const UNKNOWN_FIELDS: &str = "unknown_fields";

/// The fallback variant of every open enum.
const UNRECOGNIZED_VARIANT: &str = "Unrecognized";

/// Where a field or enum value is checked: its file, its node path and the item it belongs to.
struct At<'f> {
    file: &'f SourceFile,
    node: String,
    item: &'f str,
}

/// Whether a field of type `ty` may be `secret`: text (a password, key, token, connection
/// string or signed URL), free-form JSON (credentials whose shape varies) and collections of
/// them. Numbers, flags, IDs, times and enums carry no secret; a model's own fields say which
/// of them are secret, so its other fields stay visible in `Debug`.
fn can_be_secret(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String | TypeRef::Json => true,
        TypeRef::List(item) | TypeRef::Map(item) => can_be_secret(item),
        _ => false,
    }
}

impl Checker<'_, '_> {
    /// The validated model, or `None` once its problems are reported.
    pub(super) fn model(&mut self, file: &SourceFile, name: &str, raw: &RawModel) -> Option<Model> {
        let item = format!("model '{name}'");
        // Skip models whose name was rejected (reported already).
        let declared_here = self
            .types
            .get(name)
            .is_some_and(|declared| std::ptr::eq(declared.file, file) && declared.is_model);
        let mut ok = declared_here;
        let mut fields = Vec::new();
        let mut rust_names: HashMap<String, String> = HashMap::new();
        for (wire_name, field) in &raw.fields {
            let at = At {
                file,
                node: format!("models/{name}/fields/{wire_name}"),
                item: &item,
            };
            match self.field(&at, raw, (wire_name, field), &mut rust_names) {
                (Some(field), true) => fields.push(field),
                _ => ok = false,
            }
        }
        ok.then(|| Model {
            name: name.to_owned(),
            doc: raw.doc.clone(),
            fields,
            declared_at: file.location(&format!("models/{name}")),
        })
    }

    /// One field; `rust_names` maps the Rust names taken so far to their wire names. The
    /// field comes back unless it cannot be built, with whether it has no problem.
    fn field(
        &mut self,
        at: &At,
        model: &RawModel,
        (wire_name, field): (&String, &RawField),
        rust_names: &mut HashMap<String, String>,
    ) -> (Option<Field>, bool) {
        let (file, node, item) = (at.file, at.node.as_str(), at.item);
        let Some(ty) = field.ty.as_deref() else {
            let message = format!("field '{wire_name}' is missing required key `type`");
            self.report(file, node, item, message);
            return (None, false);
        };
        let Some(ty) = self.type_expression(file, &format!("{node}/type"), item, ty) else {
            return (None, false);
        };
        let mut ok = true;
        if ty == TypeRef::Json && field.json_reason.is_none() {
            self.report(file, &format!("{node}/type"), item, format!("field '{wire_name}' is free-form `json`; say why in `json_reason` (or give it a typed model)"));
            ok = false;
        }
        let Some(rust_name) = self.field_rust_name(at, wire_name, field) else {
            return (None, false);
        };
        if let Some(first) = rust_names.get(&rust_name) {
            self.report(file, node, item, format!("fields '{first}' and '{wire_name}' both become the Rust field '{rust_name}'; give one a `rust_name`"));
            return (None, false);
        }
        rust_names.insert(rust_name.clone(), wire_name.clone());
        let aliases = field.aliases.clone().unwrap_or_default();
        ok &= self.aliases(at, model, wire_name, &aliases);
        let required = field.required.unwrap_or(false);
        let nullable = field.nullable.unwrap_or(false);
        if nullable && required {
            self.report(file, &format!("{node}/nullable"), item, format!("field '{wire_name}' is both required and nullable; a nullable field is optional (absent, null or a value): drop `required`"));
            ok = false;
        }
        let secret = field.secret.unwrap_or(false);
        if secret && !can_be_secret(&ty) {
            self.report(file, &format!("{node}/secret"), item, format!("field '{wire_name}' is `secret` but its type `{ty}` cannot hold a secret; only `string`, `json` and lists or maps of them can (a model: mark its secret fields instead)"));
            ok = false;
        }
        let field = Field {
            wire_name: wire_name.clone(),
            rust_name,
            ty,
            required,
            nullable,
            secret,
            doc: field.doc.clone(),
            aliases,
        };
        (Some(field), ok)
    }

    /// The field's Rust name (`self` made `self_`; keywords stay as spelled): its `rust_name`, or one made from the wire name.
    fn field_rust_name(&mut self, at: &At, wire_name: &str, field: &RawField) -> Option<String> {
        let (file, node, item) = (at.file, at.node.as_str(), at.item);
        let rust_name = match &field.rust_name {
            Some(rust_name) if naming::is_snake_case(rust_name) => naming::escape_member(rust_name),
            Some(rust_name) => {
                self.report(
                    file,
                    &format!("{node}/rust_name"),
                    item,
                    format!("field '{wire_name}': `rust_name` '{rust_name}' must be snake_case"),
                );
                return None;
            }
            None if naming::member_name(wire_name).is_empty() => {
                self.report(file, node, item, format!("field '{wire_name}' has no letters or digits to make a Rust name from; give it a `rust_name`"));
                return None;
            }
            None => naming::escape_member(&naming::member_name(wire_name)),
        };
        if rust_name == UNKNOWN_FIELDS {
            self.report(file, node, item, format!("field '{wire_name}' would take the name '{UNKNOWN_FIELDS}', which holds the fields the spec does not know; give it a `rust_name`"));
            return None;
        }
        Some(rust_name)
    }

    /// Each alias is a key no other field or alias of the model takes.
    fn aliases(&mut self, at: &At, model: &RawModel, wire_name: &str, aliases: &[String]) -> bool {
        let mut ok = true;
        for alias in aliases {
            let clashes = alias == wire_name
                || model.fields.iter().any(|(other, _)| other == alias)
                || model
                    .fields
                    .iter()
                    .filter(|(other, _)| other != wire_name)
                    .any(|(_, other)| other.aliases.iter().flatten().any(|taken| taken == alias));
            if alias.is_empty() || clashes {
                self.report(at.file, &format!("{}/aliases", at.node), at.item, format!("field '{wire_name}': alias '{alias}' is empty, or already a field or another field's alias"));
                ok = false;
            }
        }
        ok
    }

    /// The validated enum, or `None` once its problems are reported.
    pub(super) fn enum_def(
        &mut self,
        file: &SourceFile,
        name: &str,
        raw: &RawEnum,
    ) -> Option<EnumDef> {
        let item = format!("enum '{name}'");
        let declared_here = self
            .types
            .get(name)
            .is_some_and(|declared| std::ptr::eq(declared.file, file) && !declared.is_model);
        let mut ok = declared_here;
        if raw.values.is_empty() {
            self.report(
                file,
                &format!("enums/{name}"),
                &item,
                "an enum needs at least one entry under `values`",
            );
            ok = false;
        }
        let mut values = Vec::new();
        let mut wires: HashMap<&str, usize> = HashMap::new();
        let mut variants: HashMap<String, String> = HashMap::new();
        for (index, value) in raw.values.iter().enumerate() {
            let at = At {
                file,
                node: format!("enums/{name}/values/{index}"),
                item: &item,
            };
            match self.enum_value(&at, (index, value), &mut wires, &mut variants) {
                Some(value) => values.push(value),
                None => ok = false,
            }
        }
        ok.then(|| EnumDef {
            name: name.to_owned(),
            doc: raw.doc.clone(),
            values,
            declared_at: file.location(&format!("enums/{name}")),
        })
    }

    /// One enum value; `wires` holds the values seen (and their entry), `variants` the
    /// variant names taken (and their values).
    fn enum_value<'r>(
        &mut self,
        at: &At,
        (index, value): (usize, &'r RawEnumValue),
        wires: &mut HashMap<&'r str, usize>,
        variants: &mut HashMap<String, String>,
    ) -> Option<EnumValue> {
        let (file, node, item) = (at.file, at.node.as_str(), at.item);
        let Some(wire) = value.value.as_deref() else {
            self.report(file, node, item, "a value is missing required key `value`");
            return None;
        };
        if let Some(first) = wires.get(wire) {
            let message = format!(
                "duplicate value '{wire}' (first at entry {}); each value appears once",
                first + 1
            );
            self.report(file, &format!("{node}/value"), item, message);
            return None;
        }
        wires.insert(wire, index);
        let variant = match value.name.as_deref() {
            Some(name) if !naming::is_pascal_case(name) || naming::is_keyword(name) => {
                let message =
                    format!("value '{wire}': `name` '{name}' must be a PascalCase variant name");
                self.report(file, &format!("{node}/name"), item, message);
                return None;
            }
            Some(name) => name.to_owned(),
            None => naming::variant_name(wire),
        };
        if variant.is_empty() || variant == UNRECOGNIZED_VARIANT {
            self.report(file, &format!("{node}/value"), item, format!("value '{wire}' cannot be a variant name ('{UNRECOGNIZED_VARIANT}' is the fallback for unknown values)"));
            return None;
        }
        if let Some(first) = variants.get(&variant) {
            let message =
                format!("values '{first}' and '{wire}' both become the variant '{variant}'");
            self.report(file, &format!("{node}/value"), item, message);
            return None;
        }
        variants.insert(variant.clone(), wire.to_owned());
        Some(EnumValue {
            wire: wire.to_owned(),
            variant,
            doc: value.doc.clone(),
        })
    }
}
