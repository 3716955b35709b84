//! Cutting an API down to some categories, with just the models and enums they reach.

use std::collections::BTreeSet;

use crate::api::{Api, BodyKind, Category, Response, TypeRef};

/// Keeps only `categories` (by name) and the models and enums their operations reach.
/// Unknown names are returned as the error.
pub fn select(api: &Api, categories: &[String]) -> Result<Api, Vec<String>> {
    let unknown: Vec<String> = categories
        .iter()
        .filter(|name| {
            !api.categories
                .iter()
                .any(|category| &category.name == *name)
        })
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let kept: Vec<Category> = api
        .categories
        .iter()
        .filter(|category| categories.contains(&category.name))
        .cloned()
        .collect();
    let reached = reached_types(api, &kept);
    Ok(Api {
        description: api.description.clone(),
        categories: kept,
        models: api
            .models
            .iter()
            .filter(|model| reached.contains(&model.name))
            .cloned()
            .collect(),
        enums: api
            .enums
            .iter()
            .filter(|item| reached.contains(&item.name))
            .cloned()
            .collect(),
        hash: api.hash.clone(),
    })
}

/// The names of the models and enums the operations of `categories` use, directly or
/// through other models.
pub fn reached_types<'c>(
    api: &Api,
    categories: impl IntoIterator<Item = &'c Category>,
) -> BTreeSet<String> {
    closure(
        api,
        categories.into_iter().flat_map(reached_types_of).collect(),
    )
}

/// `seeds` and every model or enum their fields use, transitively.
pub fn closure(api: &Api, seeds: Vec<String>) -> BTreeSet<String> {
    let mut pending = seeds;
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(model) = api.models.iter().find(|model| model.name == name) {
            for field in &model.fields {
                collect(&field.ty, &mut pending);
            }
        }
    }
    reached
}

/// The models and enums the operations of one category name directly (without following
/// model fields).
pub fn reached_types_of(category: &Category) -> Vec<String> {
    let mut names = Vec::new();
    for operation in &category.operations {
        for parameter in &operation.parameters {
            collect(&parameter.ty, &mut names);
        }
        match operation.body.as_ref().map(|body| &body.kind) {
            Some(BodyKind::Json(model)) => names.push(model.clone()),
            Some(BodyKind::Array(item)) => collect(item, &mut names),
            Some(BodyKind::File | BodyKind::Bytes { .. }) | None => {}
        }
        match &operation.response {
            Response::Model(name) => names.push(name.clone()),
            Response::List(item) | Response::Array(item) => collect(item, &mut names),
            Response::None | Response::Binary => {}
        }
    }
    names
}

fn collect(ty: &TypeRef, into: &mut Vec<String>) {
    match ty {
        TypeRef::Model(name) | TypeRef::Enum(name) => into.push(name.clone()),
        TypeRef::List(item) | TypeRef::Map(item) => collect(item, into),
        _ => {}
    }
}
