//! JSON schemas to spec types: scalars by `type` and `format`, `$ref`s to models and enums
//! (drafted once each, `allOf` bases flattened in), inline objects to models named after where
//! they sit, `additionalProperties` to maps, `x-ms-enum` values to open enums.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use heck::ToUpperCamelCase;
use serde_json::Value;

use super::document::{Documents, reference_name};
use super::draft::{DraftEnum, DraftEnumValue, DraftField, DraftModel};
use crate::Error;
use crate::naming;

/// How deep `allOf` bases may nest before the draft gives up on them.
const MAX_BASES: usize = 16;

/// How deep one type may nest (lists of maps of inline objects, a list of itself) before
/// the draft gives up on it: a description that loops must not exhaust the stack.
const MAX_NESTING: usize = 64;

/// The models and enums drafted so far, and the description they come from.
#[derive(Debug, Default)]
pub struct Schemas {
    /// The description's files.
    pub documents: Documents,
    /// Models by spec name.
    pub models: BTreeMap<String, DraftModel>,
    /// Enums by spec name.
    pub enums: BTreeMap<String, DraftEnum>,
    /// Spec name of each drafted definition, by its file and name, so that one definition
    /// is drafted once.
    names: BTreeMap<(PathBuf, String), String>,
    /// What the maintainer must look at.
    pub warnings: BTreeSet<String>,
    /// How deep the type being read nests so far.
    nesting: usize,
}

impl Schemas {
    /// The spec type of `schema` (written in `file`); `context` names an inline object or
    /// enum (`TileEmbedData`).
    pub fn type_of(&mut self, file: &Path, schema: &Value, context: &str) -> Result<String, Error> {
        if self.nesting >= MAX_NESTING {
            return Err(Error::Config(format!(
                "{}: the type of '{context}' nests more than {MAX_NESTING} deep (a list of itself?)",
                file.display()
            )));
        }
        self.nesting += 1;
        let ty = self.type_at(file, schema, context);
        self.nesting -= 1;
        ty
    }

    /// [`Schemas::type_of`], one level down.
    fn type_at(&mut self, file: &Path, schema: &Value, context: &str) -> Result<String, Error> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let (target_file, target) = self.documents.resolve(file, reference)?;
            let name = reference_name(reference).to_owned();
            return self.named(&target_file, &name, &target);
        }
        self.inline(file, schema, context)
    }

    /// A schema with a name of its own (a definition): an enum, a model, or a scalar alias.
    fn named(&mut self, file: &Path, name: &str, schema: &Value) -> Result<String, Error> {
        let key = (file.to_path_buf(), name.to_owned());
        if let Some(spec_name) = self.names.get(&key) {
            return Ok(spec_name.clone());
        }
        if schema.get("enum").is_some() {
            let spec_name = self.unique_name(name);
            self.names.insert(key, spec_name.clone());
            let drafted = enum_of(schema);
            self.enums.insert(spec_name.clone(), drafted);
            return Ok(spec_name);
        }
        if is_object(schema) {
            let spec_name = self.unique_name(name);
            self.names.insert(key, spec_name.clone());
            // Registered before its fields are read, so that a model reaching itself ends.
            self.models.insert(spec_name.clone(), DraftModel::default());
            let model = self.model(file, &spec_name, schema)?;
            self.models.insert(spec_name.clone(), model);
            return Ok(spec_name);
        }
        self.inline(file, schema, name)
    }

    /// A schema written in place.
    fn inline(&mut self, file: &Path, schema: &Value, context: &str) -> Result<String, Error> {
        let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
        let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
        if schema.get("enum").is_some() {
            let name = enum_name(schema).unwrap_or_else(|| pascal_name(context));
            return self.named(file, &name, schema);
        }
        Ok(match ty {
            "string" => match format {
                "uuid" => "uuid".to_owned(),
                "date-time" => "date-time".to_owned(),
                _ => "string".to_owned(),
            },
            "integer" if format == "int32" => "int32".to_owned(),
            "integer" => "integer".to_owned(),
            "number" => "number".to_owned(),
            "boolean" => "bool".to_owned(),
            "array" => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                format!(
                    "list<{}>",
                    self.type_of(file, items, &format!("{context}Item"))?
                )
            }
            "file" => "binary".to_owned(),
            _ if has_properties(schema) => {
                let name = pascal_name(context);
                self.named(file, &name, schema)?
            }
            _ => match schema.get("additionalProperties") {
                Some(values)
                    if values.is_object()
                        && values.as_object().is_some_and(|map| !map.is_empty()) =>
                {
                    format!(
                        "map<{}>",
                        self.type_of(file, values, &format!("{context}Value"))?
                    )
                }
                _ => "json".to_owned(),
            },
        })
    }

    /// A model: its `allOf` bases' fields first, then its own.
    fn model(&mut self, file: &Path, name: &str, schema: &Value) -> Result<DraftModel, Error> {
        let mut properties: Vec<(PathBuf, String, Value)> = Vec::new();
        let mut required = BTreeSet::new();
        self.collect(file, schema, &mut properties, &mut required, 0)?;
        let mut fields: Vec<DraftField> = Vec::new();
        let mut rust_names = BTreeSet::new();
        for (property_file, wire_name, property) in properties {
            if fields.iter().any(|field| field.wire_name == wire_name) {
                continue;
            }
            let context = format!("{name}{}", wire_name.to_upper_camel_case());
            let ty = self.type_of(&property_file, &property, &context)?;
            let rust_name = member_rust_name(&wire_name, &mut rust_names);
            fields.push(DraftField {
                required: required.contains(&wire_name),
                doc: description(&property),
                wire_name,
                ty,
                rust_name,
            });
        }
        if schema.get("discriminator").is_some() {
            self.warnings.insert(format!(
                "model '{name}' is polymorphic in Microsoft's description (`discriminator`); the draft holds the base fields only"
            ));
        }
        Ok(DraftModel {
            doc: description(schema),
            fields,
        })
    }

    /// The properties and required names of `schema` and its `allOf` bases, bases first.
    fn collect(
        &mut self,
        file: &Path,
        schema: &Value,
        properties: &mut Vec<(PathBuf, String, Value)>,
        required: &mut BTreeSet<String>,
        depth: usize,
    ) -> Result<(), Error> {
        if depth > MAX_BASES {
            return Err(Error::Config(format!(
                "{}: `allOf` nests too deep",
                file.display()
            )));
        }
        for base in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (base_file, base) = match base.get("$ref").and_then(Value::as_str) {
                Some(reference) => self.documents.resolve(file, reference)?,
                None => (file.to_path_buf(), base.clone()),
            };
            self.collect(&base_file, &base, properties, required, depth + 1)?;
        }
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str() {
                required.insert(name.to_owned());
            }
        }
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            properties.push((file.to_path_buf(), name.clone(), property.clone()));
        }
        Ok(())
    }

    /// The spec names of the definitions drafted from a folder named `common` (Fabric's
    /// definitions shared by every area).
    pub fn common_names(&self) -> BTreeSet<String> {
        self.names
            .iter()
            .filter(|((file, _), _)| {
                file.parent()
                    .and_then(Path::file_name)
                    .is_some_and(|folder| folder == "common")
            })
            .map(|(_, spec_name)| spec_name.clone())
            .collect()
    }

    /// A PascalCase spec name not yet taken (a second `Item` from another file is `Item2`).
    fn unique_name(&self, name: &str) -> String {
        let mut base = pascal_name(name);
        if naming::SHADOWING_TYPE_NAMES.contains(&base.as_str()) {
            base.push_str("Model");
        }
        let taken = |candidate: &str| {
            self.models.contains_key(candidate) || self.enums.contains_key(candidate)
        };
        let mut candidate = base.clone();
        let mut number = 2;
        while taken(&candidate) {
            candidate = format!("{base}{number}");
            number += 1;
        }
        candidate
    }
}

/// An object schema: properties, bases or a type `object` with either.
fn is_object(schema: &Value) -> bool {
    has_properties(schema) || schema.get("allOf").is_some()
}

fn has_properties(schema: &Value) -> bool {
    schema.get("properties").is_some_and(Value::is_object)
}

/// `x-ms-enum.name`, if the description gives one.
fn enum_name(schema: &Value) -> Option<String> {
    schema
        .pointer("/x-ms-enum/name")
        .and_then(Value::as_str)
        .map(pascal_name)
}

/// An enum's values, with `x-ms-enum`'s names and descriptions where it has them. Every spec
/// enum is open; a description that closes it (`modelAsString: false`) is noted in the doc.
fn enum_of(schema: &Value) -> DraftEnum {
    let extension = schema.get("x-ms-enum");
    let documented: Vec<&Value> = extension
        .and_then(|extension| extension.get("values"))
        .and_then(Value::as_array)
        .map(|values| values.iter().collect())
        .unwrap_or_default();
    let mut values = Vec::new();
    let mut variants = BTreeSet::new();
    for value in schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let wire = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            _ => continue,
        };
        if values
            .iter()
            .any(|known: &DraftEnumValue| known.value == wire)
        {
            continue;
        }
        let entry = documented
            .iter()
            .find(|entry| entry.get("value").is_some_and(|v| *v == *value));
        let doc = entry.and_then(|entry| description(entry));
        let named = entry
            .and_then(|entry| entry.get("name"))
            .and_then(Value::as_str);
        let name = variant_override(&wire, named, &mut variants);
        values.push(DraftEnumValue {
            value: wire,
            name,
            doc,
        });
    }
    let flag = |key: &str| {
        extension
            .and_then(|extension| extension.get(key))
            .and_then(Value::as_bool)
            == Some(true)
    };
    let open = flag("modelAsString") || flag("modelAsExtensible");
    let mut doc = description(schema);
    if !open {
        let note = "Closed in Microsoft's description; open here, like every spec enum.";
        doc = Some(match doc {
            Some(doc) => format!("{doc}\n\n{note}"),
            None => note.to_owned(),
        });
    }
    DraftEnum { doc, values }
}

/// A variant name for `wire` when its own would not do (not PascalCase, the fallback's name,
/// or taken by an earlier value): `x-ms-enum`'s name for it, else `V<index>`.
fn variant_override(
    wire: &str,
    named: Option<&str>,
    taken: &mut BTreeSet<String>,
) -> Option<String> {
    let own = naming::variant_name(wire);
    let usable = |name: &str| naming::is_pascal_case(name) && name != "Unrecognized";
    if usable(&own) && taken.insert(own) {
        return None;
    }
    let mut number = taken.len();
    let mut candidate = named
        .map(pascal_name)
        .filter(|name| usable(name))
        .unwrap_or_else(|| format!("V{number}"));
    while !taken.insert(candidate.clone()) {
        number += 1;
        candidate = format!("V{number}");
    }
    Some(candidate)
}

/// A field's Rust name, when the derived one clashes with an earlier field's or with
/// `unknown_fields` (the map that keeps what the spec does not know).
fn member_rust_name(wire: &str, taken: &mut BTreeSet<String>) -> Option<String> {
    let own = naming::member_name(wire);
    if !own.is_empty() && own != "unknown_fields" && taken.insert(own.clone()) {
        return None;
    }
    let mut number = 2;
    let stem = if own.is_empty() {
        "field".to_owned()
    } else {
        own
    };
    loop {
        let candidate = format!("{stem}_{number}");
        if taken.insert(candidate.clone()) {
            return Some(candidate);
        }
        number += 1;
    }
}

/// A PascalCase type name from anything (`workspaceInfo`, `Item_V2`, `2Tier`).
pub fn pascal_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let pascal = cleaned.to_upper_camel_case();
    match pascal.chars().next() {
        Some(first) if first.is_ascii_alphabetic() => pascal,
        Some(_) => format!("T{pascal}"),
        None => "Unnamed".to_owned(),
    }
}

/// A schema's `description`, trimmed, if it says something.
pub fn description(value: &Value) -> Option<String> {
    let text = super::prose::clean(value.get("description").and_then(Value::as_str)?);
    (!text.is_empty()).then_some(text)
}
