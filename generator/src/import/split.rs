//! One area drafted as several categories that validate together: one category per
//! Microsoft tag (Fabric's `platform` area: Workspaces, Items, Git, ...), the models and
//! enums more than one of them reaches moved into a shared file, and the names the spec
//! folder already defines either reused (definitions of Fabric's `common/`, the same for
//! every area) or renamed with the prefix (an area's own definition that happens to share a
//! name with another area's, such as admin's `Workspace`).

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::draft::{Draft, DraftOperation};

/// An area split by tag.
#[derive(Debug, Clone, Default)]
pub struct Split {
    /// One category per tag, in the order the description first names each tag.
    pub categories: Vec<Draft>,
    /// The models and enums several categories reach (category `<prefix>shared`); may be
    /// empty.
    pub shared: Draft,
}

/// Splits `draft` (a whole area, every tag) into one category per tag named
/// `<prefix><tag in snake_case>`. `existing` holds the models and enums the spec folder
/// already defines ([`shapes`]): a drafted one named in `common` (drafted from Fabric's
/// `common/`) or defined identically is left out and the existing definition used; any
/// other is renamed `<Prefix><Name>`.
pub fn split(
    mut draft: Draft,
    prefix: &str,
    existing: &BTreeMap<String, Shape>,
    common: &BTreeSet<String>,
) -> Split {
    reconcile(&mut draft, prefix, existing, common);
    let mut groups: Vec<(String, Vec<DraftOperation>)> = Vec::new();
    for operation in std::mem::take(&mut draft.operations) {
        match groups.iter_mut().find(|(tag, _)| *tag == operation.tag) {
            Some((_, operations)) => operations.push(operation),
            None => groups.push((operation.tag.clone(), vec![operation])),
        }
    }
    let reached: Vec<BTreeSet<String>> = groups
        .iter()
        .map(|(_, operations)| reachable(&draft, operations))
        .collect();
    let mut users: BTreeMap<&str, usize> = BTreeMap::new();
    for names in &reached {
        for name in names {
            *users.entry(name.as_str()).or_insert(0) += 1;
        }
    }
    let mut shared = Draft {
        category: format!("{prefix}shared"),
        title: "Shared models".to_owned(),
        ..Draft::default()
    };
    let is_shared = |name: &str| users.get(name).is_some_and(|count| *count > 1);
    let mut categories = Vec::new();
    for ((tag, mut operations), names) in groups.into_iter().zip(&reached) {
        unique_names(&mut operations);
        let mut category = Draft {
            category: format!("{prefix}{}", category_name(&tag)),
            title: tag,
            permissions: permissions(&operations),
            operations,
            ..Draft::default()
        };
        for name in names {
            let target = if is_shared(name) {
                &mut shared
            } else {
                &mut category
            };
            if let Some(model) = draft.models.get(name) {
                target.models.insert(name.clone(), model.clone());
            }
            if let Some(item) = draft.enums.get(name) {
                target.enums.insert(name.clone(), item.clone());
            }
        }
        categories.push(category);
    }
    distribute_warnings(&draft.warnings, &mut categories, &mut shared);
    Split { categories, shared }
}

/// The snake_case category of a tag; Microsoft's product name OneLake is one word
/// (`OneLakeShortcuts` → `onelake_shortcuts`).
pub fn category_name(tag: &str) -> String {
    tag.replace("OneLake", "Onelake").to_snake_case()
}

/// Method names unique within one category again: the whole-area draft numbered names
/// that repeat across tags (Git's `get_connection` beside Connections' one).
fn unique_names(operations: &mut [DraftOperation]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for operation in operations {
        let raw = operation
            .operation_id
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let name = super::operation::method_name(raw);
        let count = seen.entry(name.clone()).or_insert(0);
        *count += 1;
        operation.name = match *count {
            1 => name,
            n => format!("{name}_{n}"),
        };
    }
}

/// What a model or enum is made of, to tell an identical definition from a clash: a model's
/// fields (`wire:type:required`), an enum's values (`=value`).
pub type Shape = Vec<String>;

/// The shape of a drafted model or enum.
fn drafted_shape(draft: &Draft, name: &str) -> Shape {
    if let Some(model) = draft.models.get(name) {
        return model
            .fields
            .iter()
            .map(|field| format!("{}:{}:{}", field.wire_name, field.ty, field.required))
            .collect();
    }
    draft
        .enums
        .get(name)
        .map(|item| {
            item.values
                .iter()
                .map(|v| format!("={}", v.value))
                .collect()
        })
        .unwrap_or_default()
}

/// The shapes of every model and enum of a validated API.
pub fn shapes(api: &crate::api::Api) -> BTreeMap<String, Shape> {
    let models = api.models.iter().map(|model| {
        let fields = model.fields.iter();
        let shape = fields.map(|f| format!("{}:{}:{}", f.wire_name, f.ty, f.required));
        (model.name.clone(), shape.collect())
    });
    let enums = api.enums.iter().map(|item| {
        let values = item.values.iter().map(|v| format!("={}", v.wire));
        (item.name.clone(), values.collect())
    });
    models.chain(enums).collect()
}

/// Which of the drafted names the folder already has can use its definition: those of
/// `common/`, and those defined identically whose fields reach no renamed name.
fn reusable(
    draft: &Draft,
    clashing: &BTreeSet<String>,
    existing: &BTreeMap<String, Shape>,
    common: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut reuse: BTreeSet<String> = clashing
        .iter()
        .filter(|name| {
            common.contains(*name) || existing.get(*name) == Some(&drafted_shape(draft, name))
        })
        .cloned()
        .collect();
    loop {
        let renamed: BTreeSet<&String> = clashing.difference(&reuse).collect();
        let reaches_renamed = |name: &String| {
            draft.models.get(name).is_some_and(|model| {
                model
                    .fields
                    .iter()
                    .any(|field| renamed.contains(&named_in(&field.ty).to_owned()))
            })
        };
        let keep: BTreeSet<String> = reuse
            .iter()
            .filter(|name| common.contains(*name) || !reaches_renamed(name))
            .cloned()
            .collect();
        if keep.len() == reuse.len() {
            return keep;
        }
        reuse = keep;
    }
}

/// Drops the drafted definitions the folder already has (from `common/`, or identical) and
/// renames the area's own ones whose names are taken.
fn reconcile(
    draft: &mut Draft,
    prefix: &str,
    existing: &BTreeMap<String, Shape>,
    common: &BTreeSet<String>,
) {
    let pascal = prefix.to_upper_camel_case();
    let mut renames = BTreeMap::new();
    let clashing: BTreeSet<String> = draft
        .models
        .keys()
        .chain(draft.enums.keys())
        .filter(|name| existing.contains_key(*name))
        .cloned()
        .collect();
    let reuse = reusable(draft, &clashing, existing, common);
    for name in clashing {
        let model = draft.models.remove(&name);
        let item = draft.enums.remove(&name);
        if reuse.contains(&name) {
            continue;
        }
        let new = fresh_name(&pascal, &name, existing, draft);
        if let Some(model) = model {
            draft.models.insert(new.clone(), model);
        }
        if let Some(item) = item {
            draft.enums.insert(new.clone(), item);
        }
        renames.insert(name, new);
    }
    if renames.is_empty() {
        return;
    }
    for (from, to) in &renames {
        draft.warnings.push(format!(
            "model or enum '{from}' of this area is drafted as '{to}': the spec already defines '{from}'"
        ));
    }
    let rename = |ty: &mut String| *ty = rename_type(ty, &renames);
    for operation in &mut draft.operations {
        operation
            .parameters
            .iter_mut()
            .for_each(|p| rename(&mut p.ty));
        if let Some((body, _)) = &mut operation.body {
            rename(body);
        }
        rename(&mut operation.response);
    }
    for model in draft.models.values_mut() {
        model
            .fields
            .iter_mut()
            .for_each(|field| rename(&mut field.ty));
    }
}

/// `<Prefix><Name>`, numbered if that is taken too.
fn fresh_name(
    prefix: &str,
    name: &str,
    existing: &BTreeMap<String, Shape>,
    draft: &Draft,
) -> String {
    let base = format!("{prefix}{name}");
    let taken = |candidate: &str| {
        existing.contains_key(candidate)
            || draft.models.contains_key(candidate)
            || draft.enums.contains_key(candidate)
    };
    let mut candidate = base.clone();
    let mut number = 2;
    while taken(&candidate) {
        candidate = format!("{base}{number}");
        number += 1;
    }
    candidate
}

/// `ty` with every named type renamed (`list<Item>` → `list<AdminItem>`).
fn rename_type(ty: &str, renames: &BTreeMap<String, String>) -> String {
    for wrapper in ["list<", "array<", "map<"] {
        if let Some(inner) = ty.strip_prefix(wrapper).and_then(|t| t.strip_suffix('>')) {
            return format!("{wrapper}{}>", rename_type(inner, renames));
        }
    }
    renames.get(ty).cloned().unwrap_or_else(|| ty.to_owned())
}

/// The named types inside `ty` (`map<list<Item>>` → `Item`).
fn named_in(ty: &str) -> &str {
    for wrapper in ["list<", "array<", "map<"] {
        if let Some(inner) = ty.strip_prefix(wrapper).and_then(|t| t.strip_suffix('>')) {
            return named_in(inner);
        }
    }
    ty
}

/// Every model and enum `operations` reach, through fields too.
fn reachable(draft: &Draft, operations: &[DraftOperation]) -> BTreeSet<String> {
    let mut pending: Vec<String> = Vec::new();
    for operation in operations {
        pending.extend(operation.parameters.iter().map(|p| p.ty.clone()));
        pending.extend(operation.body.iter().map(|(body, _)| body.clone()));
        pending.push(operation.response.clone());
    }
    let mut seen = BTreeSet::new();
    while let Some(ty) = pending.pop() {
        let name = named_in(&ty);
        if seen.contains(name) {
            continue;
        }
        if let Some(model) = draft.models.get(name) {
            pending.extend(model.fields.iter().map(|field| field.ty.clone()));
        } else if !draft.enums.contains_key(name) {
            continue;
        }
        seen.insert(name.to_owned());
    }
    seen
}

/// The scopes the operations name, most used first, at most four.
fn permissions(operations: &[DraftOperation]) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for scope in operations.iter().flat_map(|o| o.scopes.iter().flatten()) {
        *counts.entry(scope.as_str()).or_insert(0) += 1;
    }
    let mut sorted: Vec<(&str, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    sorted
        .into_iter()
        .take(4)
        .map(|(scope, _)| scope.to_owned())
        .collect()
}

/// Each warning to the category it names (an operationId, or `'Model'`), else the shared
/// file's.
fn distribute_warnings(warnings: &[String], categories: &mut [Draft], shared: &mut Draft) {
    for warning in warnings {
        let owner = categories.iter_mut().find(|category| {
            category.operations.iter().any(|o| {
                let raw = o.operation_id.rsplit('/').next().unwrap_or_default();
                warning.starts_with(&format!("{}:", o.operation_id))
                    || warning.starts_with(&format!("{raw}:"))
            }) || category
                .models
                .keys()
                .chain(category.enums.keys())
                .any(|name| warning.contains(&format!("'{name}'")))
        });
        match owner {
            Some(category) => category.warnings.push(warning.clone()),
            None => shared.warnings.push(warning.clone()),
        }
    }
}

/// Drafts `source` (one area) into the API folder `folder` as [`split`] does, reading the
/// names it already defines from its files, and writes one file per category plus
/// `<prefix>shared.yaml` when several categories share models. With `selection.category`,
/// the whole area is that one category (an item kind), its clashing names renamed after it. Refuses to overwrite a file
/// (a curated category is never replaced by a draft); returns the files written.
pub fn write_split(
    folder: &std::path::Path,
    source: &super::Source,
    selection: &super::Selection,
    prefix: &str,
) -> Result<Vec<(std::path::PathBuf, usize)>, crate::Error> {
    let api = crate::load(&crate::read_spec_dir(folder)?)?;
    let existing = shapes(&api);
    let mut draft = super::import(&api.description, source, selection)?;
    let common = draft.common.clone();
    let split = match &selection.category {
        // One category for the whole area (an item kind: `semantic_model`), its clashing
        // names renamed after it.
        Some(category) => {
            draft
                .operations
                .iter_mut()
                .for_each(|o| o.tag = String::new());
            let title = std::mem::take(&mut draft.title);
            let mut split = split(draft, &format!("{prefix}{category}"), &existing, &common);
            for one in &mut split.categories {
                one.category = format!("{prefix}{category}");
                one.title = title.clone();
            }
            split
        }
        None => split(draft, prefix, &existing, &common),
    };
    let mut files: Vec<(std::path::PathBuf, &Draft)> = split
        .categories
        .iter()
        .map(|category| (folder.join(format!("{}.yaml", category.category)), category))
        .collect();
    if !split.shared.models.is_empty() || !split.shared.enums.is_empty() {
        files.push((folder.join(format!("{prefix}shared.yaml")), &split.shared));
    }
    let taken: Vec<String> = files
        .iter()
        .filter(|(path, _)| path.exists())
        .map(|(path, _)| path.display().to_string())
        .collect();
    if !taken.is_empty() {
        return Err(crate::Error::Config(format!(
            "import --split writes new files only; these exist (move them away to redraft): {}",
            taken.join(", ")
        )));
    }
    let mut written = Vec::new();
    for (path, category) in files {
        let text = super::yaml(category, &source.describe());
        std::fs::write(&path, text).map_err(|error| crate::Error::io(&path, &error))?;
        written.push((path, category.operations.len()));
    }
    Ok(written)
}
