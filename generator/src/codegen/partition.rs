//! Splitting an API's models into parts that compile apart ([`super::ModelsLayout::Part`]), with
//! the types several parts use in a shared crate ([`super::ModelsLayout::SharedPart`]).
//!
//! A model is defined once, and a model may name only models of its own part or shared ones.
//! So categories go into parts whole: those linked by a type few categories use (at most
//! [`LINK_LIMIT`]) stay together, the groups are balanced by their types' sizes, and a type
//! whose categories end up in more than one part is shared. Fabric's common types (`Principal`,
//! `ItemTag`, `ErrorResponse`, ... used by up to 65 categories) are the shared few; a linking
//! type of at most [`LINK_LIMIT`] categories is never split. The split follows from the spec
//! alone: the same spec always gives the same parts.
//!
//! Why no part names another: whatever a type names is used by at least that type's
//! categories, so what a part's type names is in the same part or shared, and what a shared
//! type names spans parts too, so it is shared.

use std::collections::BTreeMap;

use crate::api::Api;

/// Types used by at most this many categories keep those categories in one part; a type used
/// by more may be shared between parts instead.
pub const LINK_LIMIT: usize = 8;

/// Where a model or enum goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Part `0..parts`: every category that uses it is in that part.
    Part(usize),
    /// The shared crate: categories of several parts use it, or none does.
    Shared,
}

/// The placement of each model and enum, by name, for `parts` parts.
pub fn placements(
    api: &Api,
    users: &BTreeMap<String, Vec<&str>>,
    parts: usize,
) -> BTreeMap<String, Placement> {
    let parts = parts.max(1);
    let mut groups = Groups::default();
    for categories in users.values() {
        for category in categories {
            groups.root(category);
        }
        if categories.len() <= LINK_LIMIT
            && let Some((first, rest)) = categories.split_first()
        {
            for other in rest {
                groups.join(first, other);
            }
        }
    }
    // Each group's weight: its linking types, one per type plus one per field.
    let sizes: BTreeMap<&str, usize> = api
        .models
        .iter()
        .map(|model| (model.name.as_str(), model.fields.len().saturating_add(1)))
        .chain(api.enums.iter().map(|item| (item.name.as_str(), 1)))
        .collect();
    // Every group gets a weight, a group of categories linked by no type too.
    let mut weights: BTreeMap<String, usize> = BTreeMap::new();
    for (name, categories) in users {
        for category in categories {
            weights.entry(groups.root(category)).or_default();
        }
        if categories.len() <= LINK_LIMIT
            && let Some(first) = categories.first()
        {
            let size = sizes.get(name.as_str()).copied().unwrap_or(1);
            let weight = weights.entry(groups.root(first)).or_default();
            *weight = weight.saturating_add(size);
        }
    }
    // The heaviest group first (ties by name), each into the lightest part so far.
    let mut ordered: Vec<(String, usize)> = weights.into_iter().collect();
    ordered.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut loads = vec![0usize; parts];
    let mut part_of_group: BTreeMap<String, usize> = BTreeMap::new();
    for (group, weight) in ordered {
        let lightest = (0..parts)
            .min_by_key(|&part| (loads.get(part).copied().unwrap_or(0), part))
            .unwrap_or(0);
        if let Some(load) = loads.get_mut(lightest) {
            *load = load.saturating_add(weight);
        }
        part_of_group.insert(group, lightest);
    }
    sizes
        .keys()
        .map(|name| {
            let mut parts = users
                .get(*name)
                .into_iter()
                .flatten()
                .filter_map(|category| part_of_group.get(&groups.root(category)).copied());
            let placement = match parts.next() {
                Some(first) if parts.all(|part| part == first) => Placement::Part(first),
                _ => Placement::Shared,
            };
            ((*name).to_owned(), placement)
        })
        .collect()
}

/// Groups of category names (union-find); the smallest name leads a group, so the groups do
/// not depend on the order of the spec.
#[derive(Default)]
struct Groups {
    leader: BTreeMap<String, String>,
}

impl Groups {
    /// The leader of `name`'s group (`name` itself the first time it is seen).
    fn root(&mut self, name: &str) -> String {
        let mut current = name.to_owned();
        while let Some(next) = self.leader.get(&current) {
            if *next == current {
                break;
            }
            current = next.clone();
        }
        self.leader.insert(name.to_owned(), current.clone());
        current
    }

    /// Puts `a`'s and `b`'s groups together.
    fn join(&mut self, a: &str, b: &str) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            let (lead, follow) = if a < b { (a, b) } else { (b, a) };
            self.leader.insert(follow, lead);
        }
    }
}
