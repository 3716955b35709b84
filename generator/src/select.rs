//! Cutting a spec down to some categories, with just the models and enums they reach.

use std::collections::BTreeSet;

use crate::model::{Response, Spec, TypeRef};

/// Keeps only `categories` (by name) and the models and enums their operations reach.
/// Unknown names are returned as the error.
pub fn select(spec: &Spec, categories: &[String]) -> Result<Spec, Vec<String>> {
    let unknown: Vec<String> = categories
        .iter()
        .filter(|name| {
            !spec
                .categories
                .iter()
                .any(|category| &category.name == *name)
        })
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let kept: Vec<_> = spec
        .categories
        .iter()
        .filter(|category| categories.contains(&category.name))
        .cloned()
        .collect();
    let mut reached = BTreeSet::new();
    let mut pending: Vec<String> = Vec::new();
    for operation in kept.iter().flat_map(|category| &category.operations) {
        for parameter in &operation.parameters {
            collect(&parameter.ty, &mut pending);
        }
        if let Some(body) = &operation.body {
            pending.push(body.model.clone());
        }
        match &operation.response {
            Response::Model(name) | Response::List(name) | Response::Array(name) => {
                pending.push(name.clone())
            }
            Response::None | Response::Binary => {}
        }
    }
    while let Some(name) = pending.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(model) = spec.models.iter().find(|model| model.name == name) {
            for field in &model.fields {
                collect(&field.ty, &mut pending);
            }
        }
    }
    Ok(Spec {
        categories: kept,
        models: spec
            .models
            .iter()
            .filter(|model| reached.contains(&model.name))
            .cloned()
            .collect(),
        enums: spec
            .enums
            .iter()
            .filter(|item| reached.contains(&item.name))
            .cloned()
            .collect(),
        hash: spec.hash.clone(),
    })
}

fn collect(ty: &TypeRef, into: &mut Vec<String>) {
    match ty {
        TypeRef::Model(name) | TypeRef::Enum(name) => into.push(name.clone()),
        TypeRef::List(item) | TypeRef::Map(item) => collect(item, into),
        _ => {}
    }
}
