//! Turns spec file texts into raw items, collecting every syntax and shape problem.

use std::path::PathBuf;

use serde::de::DeserializeOwned;

use super::positions::{Position, Positions};
use super::raw::{RawEnum, RawField, RawFile, RawModel, RawOperation};
use super::yaml::{self, Node, Value};
use crate::diagnostic::{Diagnostic, Location};

/// One spec file read from disk (or given by a test): its name for diagnostics and its text.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The path shown in diagnostics.
    pub path: PathBuf,
    /// The YAML text.
    pub text: String,
}

/// A parsed spec file with the positions of its nodes.
#[derive(Debug)]
pub struct SourceFile {
    /// The path shown in diagnostics.
    pub path: PathBuf,
    pub(crate) positions: Positions,
    pub(crate) raw: RawFile,
}

impl SourceFile {
    /// Where `node` (a path such as `operations/2`) sits in the file.
    pub(crate) fn location(&self, node: &str) -> Location {
        let position = self.positions.find(node);
        Location {
            file: self.path.clone(),
            line: position.line,
            column: position.column,
        }
    }

    /// A diagnostic at `node` (a path such as `operations/2/method`).
    pub(crate) fn diagnostic(
        &self,
        node: &str,
        item: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        at(&self.path, self.positions.find(node), item, message)
    }
}

fn at(
    path: &std::path::Path,
    position: Position,
    item: impl Into<String>,
    message: impl Into<String>,
) -> Diagnostic {
    Diagnostic {
        location: Location {
            file: path.to_path_buf(),
            line: position.line,
            column: position.column,
        },
        item: item.into(),
        message: message.into(),
    }
}

/// Parses one file. A file with broken YAML yields only its syntax error; otherwise every item
/// that has the wrong shape is reported and the others are kept.
pub fn parse(source: &SourceText, diagnostics: &mut Vec<Diagnostic>) -> Option<SourceFile> {
    // One parse gives both the values and where each sits.
    let root = match yaml::parse(&source.text) {
        Ok(root) => root,
        Err(error) => {
            diagnostics.push(at(
                &source.path,
                error.position,
                "file",
                format!("invalid YAML: {}", error.message),
            ));
            return None;
        }
    };
    let mut file = SourceFile {
        path: source.path.clone(),
        positions: Positions::of(&root),
        raw: RawFile::default(),
    };
    if matches!(root.value, Value::Null) {
        diagnostics.push(file.diagnostic(
            "",
            "file",
            "the file is empty; a spec file needs at least `category`, `title` and `permissions`",
        ));
        return None;
    }
    let mut raw = read_item::<RawFile>(&file, "", "file", &root, diagnostics)?;
    let (operations, models, enums) = (
        root.get("operations"),
        root.get("models"),
        root.get("enums"),
    );
    if let Some(operations) = operations {
        raw.operations = read_operations(&file, operations, diagnostics);
    }
    if let Some(models) = models {
        raw.models = read_models(&file, models, diagnostics);
    }
    if let Some(enums) = enums {
        for (name, item) in mapping(&file, "enums", "file", enums, diagnostics) {
            let node = format!("enums/{name}");
            let label = format!("enum '{name}'");
            if let Some(item) = read_item::<RawEnum>(&file, &node, &label, item, diagnostics) {
                raw.enums.push((name, item));
            }
        }
    }
    file.raw = raw;
    Some(file)
}

/// The items of `operations`, each read on its own.
fn read_operations(
    file: &SourceFile,
    operations: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<RawOperation> {
    let mut read = Vec::new();
    for (index, item) in sequence(file, "operations", "file", operations, diagnostics) {
        let node = format!("operations/{index}");
        let label = operation_label(item, index);
        if let Some(mut operation) =
            read_item::<RawOperation>(file, &node, &label, item, diagnostics)
        {
            operation.index = index;
            read.push(operation);
        }
    }
    read
}

/// The entries of `models`, each read on its own, and their fields one by one.
fn read_models(
    file: &SourceFile,
    models: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(String, RawModel)> {
    let mut read = Vec::new();
    for (name, item) in mapping(file, "models", "file", models, diagnostics) {
        let node = format!("models/{name}");
        let label = format!("model '{name}'");
        let Some(mut model) = read_item::<RawModel>(file, &node, &label, item, diagnostics) else {
            continue;
        };
        if let Some(fields) = item.get("fields") {
            let fields_node = format!("{node}/fields");
            for (field_name, field) in mapping(file, &fields_node, &label, fields, diagnostics) {
                let field_node = format!("{fields_node}/{field_name}");
                if let Some(field) =
                    read_item::<RawField>(file, &field_node, &label, field, diagnostics)
                {
                    model.fields.push((field_name, field));
                }
            }
        }
        read.push((name, model));
    }
    read
}

/// `operation 'name'` when the item has a name, else `operation #N`.
fn operation_label(item: &Node, index: usize) -> String {
    match item.get("name").and_then(Node::as_str) {
        Some(name) => format!("operation '{name}'"),
        None => format!("operation #{}", index + 1),
    }
}

/// Deserializes one item, turning serde's complaint into a diagnostic at the right node.
fn read_item<T: DeserializeOwned>(
    file: &SourceFile,
    node: &str,
    label: &str,
    value: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<T> {
    match yaml::from_node::<T>(value) {
        Ok(item) => Some(item),
        Err(error) => {
            let message = error.to_string();
            // Point at the offending key when serde names it.
            let target = backticked_after(&message, "unknown field `")
                .map(|key| child(node, key))
                .unwrap_or_else(|| node.to_owned());
            let hint = if message.starts_with("unknown field") {
                " (see spec/README.md for the keys)"
            } else {
                ""
            };
            diagnostics.push(file.diagnostic(&target, label, format!("{message}{hint}")));
            None
        }
    }
}

fn backticked_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(&rest[..rest.find('`')?])
}

fn child(node: &str, key: &str) -> String {
    if node.is_empty() {
        key.to_owned()
    } else {
        format!("{node}/{key}")
    }
}

fn sequence<'n>(
    file: &SourceFile,
    node: &str,
    label: &str,
    value: &'n Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(usize, &'n Node)> {
    match &value.value {
        Value::Sequence(items) => items.iter().enumerate().collect(),
        Value::Null => Vec::new(),
        _ => {
            diagnostics.push(file.diagnostic(node, label, format!("`{node}` must be a list")));
            Vec::new()
        }
    }
}

fn mapping<'n>(
    file: &SourceFile,
    node: &str,
    label: &str,
    value: &'n Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(String, &'n Node)> {
    match &value.value {
        Value::Mapping(entries) => entries
            .iter()
            .filter_map(|(key, value)| match &key.value {
                Value::String(key) => Some((key.clone(), value)),
                other => {
                    diagnostics.push(file.diagnostic(
                        node,
                        label,
                        format!("keys of `{node}` must be names, found {}", describe(other)),
                    ));
                    None
                }
            })
            .collect(),
        Value::Null => Vec::new(),
        _ => {
            diagnostics.push(file.diagnostic(
                node,
                label,
                format!("`{node}` must be a mapping of names to definitions"),
            ));
            Vec::new()
        }
    }
}

/// A key that is not a name, as a message shows it.
fn describe(key: &Value) -> String {
    match key {
        Value::Null => "null".to_owned(),
        Value::Bool(value) => format!("the boolean {value}"),
        Value::Int(value) => format!("the number {value}"),
        Value::BigUint(value) => format!("the number {value}"),
        Value::Float(value) => format!("the number {value}"),
        Value::String(value) => format!("{value:?}"),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a mapping".to_owned(),
    }
}
