//! Checks over the whole spec once every item is read: models that contain themselves, and
//! `nullable` fields of models no request sends.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::{BodyKind, Category, Model, TypeRef};
use crate::spec::load::SourceFile;

use super::checker::Checker;

impl Checker<'_, '_> {
    /// A model that contains itself through required, direct (not list or map) fields can
    /// never be built: report each such cycle once.
    pub(super) fn check_cycles(&mut self, files: &[SourceFile], models: &[Model]) {
        let edges: BTreeMap<&str, Vec<(&str, &str)>> = models
            .iter()
            .map(|model| {
                let targets = model
                    .fields
                    .iter()
                    .filter(|field| field.required)
                    .filter_map(|field| match &field.ty {
                        TypeRef::Model(target) => Some((target.as_str(), field.wire_name.as_str())),
                        _ => None,
                    })
                    .collect();
                (model.name.as_str(), targets)
            })
            .collect();
        let mut reported: BTreeSet<Vec<&str>> = BTreeSet::new();
        for start in edges.keys() {
            let mut path = vec![*start];
            if let Some(cycle) = find_cycle(&edges, start, &mut path) {
                // The cycle without its closing repetition of `start`, so that every rotation
                // of the same cycle gives the same key.
                let mut key = cycle[..cycle.len() - 1].to_vec();
                key.sort_unstable();
                if !reported.insert(key) {
                    continue;
                }
                let Some(declared) = self.types.get(*start) else {
                    continue;
                };
                let file = files.iter().find(|file| std::ptr::eq(*file, declared.file));
                if let Some(file) = file {
                    let message = format!(
                        "models contain themselves through required fields ({}); make one of those fields optional or a list",
                        cycle.join(" -> ")
                    );
                    self.diagnostics.push(file.diagnostic(
                        &declared.node,
                        format!("model '{start}'"),
                        message,
                    ));
                }
            }
        }
    }

    /// `nullable` says that an explicit `null` means something in a request: a field may be
    /// nullable only in a model that some operation sends (as its body, or inside it).
    pub(super) fn check_nullable(
        &mut self,
        files: &[SourceFile],
        categories: &[Category],
        models: &[Model],
    ) {
        let by_name: BTreeMap<&str, &Model> = models
            .iter()
            .map(|model| (model.name.as_str(), model))
            .collect();
        let mut sent: BTreeSet<&str> = BTreeSet::new();
        let mut pending: Vec<&str> = categories
            .iter()
            .flat_map(|category| &category.operations)
            .filter_map(
                |operation| match operation.body.as_ref().map(|body| &body.kind) {
                    Some(BodyKind::Json(model) | BodyKind::Array(TypeRef::Model(model))) => {
                        Some(model.as_str())
                    }
                    _ => None,
                },
            )
            .collect();
        while let Some(name) = pending.pop() {
            if !sent.insert(name) {
                continue;
            }
            for field in by_name.get(name).map_or(&[][..], |model| &model.fields) {
                let mut ty = &field.ty;
                while let TypeRef::List(item) | TypeRef::Map(item) = ty {
                    ty = item;
                }
                if let TypeRef::Model(target) = ty {
                    pending.push(target);
                }
            }
        }
        for model in models {
            if sent.contains(model.name.as_str()) {
                continue;
            }
            for field in model.fields.iter().filter(|field| field.nullable) {
                let Some(declared) = self.types.get(&model.name) else {
                    continue;
                };
                let Some(file) = files.iter().find(|file| std::ptr::eq(*file, declared.file))
                else {
                    continue;
                };
                let node = format!("{}/fields/{}/nullable", declared.node, field.wire_name);
                let message = format!(
                    "field '{}' is nullable, but no operation sends model '{}' in a request body; `nullable` is for request fields where `null` clears a property",
                    field.wire_name, model.name
                );
                self.diagnostics.push(file.diagnostic(
                    &node,
                    format!("model '{}'", model.name),
                    message,
                ));
            }
        }
    }
}

fn find_cycle<'m>(
    edges: &BTreeMap<&'m str, Vec<(&'m str, &'m str)>>,
    start: &'m str,
    path: &mut Vec<&'m str>,
) -> Option<Vec<&'m str>> {
    let current = *path.last()?;
    for (target, _) in edges.get(current)? {
        if *target == start {
            let mut cycle = path.clone();
            cycle.push(start);
            return Some(cycle);
        }
        if !path.contains(target) {
            path.push(target);
            if let Some(cycle) = find_cycle(edges, start, path) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}
