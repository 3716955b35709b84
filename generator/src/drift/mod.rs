//! `powerbi-codegen drift`: what changed between the curated spec and a (newer) description of
//! the API: operations, parameters, fields and enum values added, removed or changed, grouped,
//! each with the spec's `file:line` where the spec has the item, for a maintainer to act on.
//!
//! The description is first drafted by the importer ([`crate::import`]), so both sides speak
//! the spec's terms; the comparison then walks each covered operation's parameters, body and
//! response in parallel (models by their fields, enums by their values), so that names the
//! spec chose (`Tile` for `Tile`, `Report` for `ReportV2`) do not matter.
//!
//! Exit codes of the command: 0 nothing drifted, 3 something did ([`DRIFTED`]), 1 the spec or
//! the description could not be read.

mod compare;
pub mod curation;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::api::Api;
use crate::coverage::Lists;
use crate::diagnostic::Location;
use crate::import::Draft;

/// The exit code of `drift` when the spec and the description differ.
pub const DRIFTED: u8 = 3;

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Operations (and their bodies and responses).
    Operations,
    /// Path, query and header parameters.
    Parameters,
    /// Model fields.
    Fields,
    /// Enum values.
    EnumValues,
}

impl Group {
    fn title(self) -> &'static str {
        match self {
            Group::Operations => "operations",
            Group::Parameters => "parameters",
            Group::Fields => "fields",
            Group::EnumValues => "enum values",
        }
    }
}

/// How the description differs from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// The description has it, the spec does not.
    Added,
    /// The spec has it, the description no longer does.
    Removed,
    /// Both have it, differently.
    Changed,
}

impl Change {
    fn word(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// What it is about.
    pub group: Group,
    /// How it differs.
    pub change: Change,
    /// The item (`Dashboards_GetTiles`, `Dashboard.isReadOnly`, `DatasetMode`).
    pub subject: String,
    /// What the maintainer reads.
    pub detail: String,
    /// Where the spec has the item (or its operation, model or enum), when it has one.
    pub at: Option<Location>,
}

/// Every difference found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Sorted by group, change and subject, without repeats.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether nothing drifted.
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// How many findings of each group and change, as `fields added: 3` lines.
    pub fn counts(&self) -> BTreeMap<(Group, Change), usize> {
        let mut counts = BTreeMap::new();
        for finding in &self.findings {
            *counts.entry((finding.group, finding.change)).or_insert(0) += 1;
        }
        counts
    }

    /// The report a maintainer reads: one section per group, one line per finding, the
    /// totals last.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut group = None;
        for finding in &self.findings {
            if group != Some(finding.group) {
                group = Some(finding.group);
                let _ = writeln!(out, "== {}", finding.group.title());
            }
            let at = finding.at.as_ref().map_or(String::new(), |at| {
                format!(" [{}:{}]", at.file.display(), at.line)
            });
            let _ = writeln!(
                out,
                "{:<8} {}: {}{at}",
                finding.change.word(),
                finding.subject,
                finding.detail
            );
        }
        let counts = self.counts();
        let total = |change: Change| -> usize {
            counts
                .iter()
                .filter(|((_, kind), _)| *kind == change)
                .map(|(_, count)| count)
                .sum()
        };
        let _ = writeln!(
            out,
            "{} added, {} removed, {} changed",
            total(Change::Added),
            total(Change::Removed),
            total(Change::Changed)
        );
        out
    }
}

/// Compares the curated spec (with both lists of its `excluded.yaml`) with a draft of the
/// whole description. An operation the spec covers from Microsoft's documentation ahead of
/// the description (`beyond_reference`) is not reported as gone from it.
pub fn drift(api: &Api, lists: &Lists, description: &Draft) -> Report {
    let mut findings = Vec::new();
    let excluded: BTreeSet<&str> = lists
        .excluded
        .iter()
        .map(|item| item.operation_id.as_str())
        .collect();
    let ahead: BTreeSet<&str> = lists
        .beyond_reference
        .iter()
        .map(|item| item.operation_id.as_str())
        .collect();
    let drafted: BTreeMap<&str, &crate::import::draft::DraftOperation> = description
        .operations
        .iter()
        .map(|operation| (operation.operation_id.as_str(), operation))
        .collect();
    let mut covered = BTreeSet::new();
    let mut walk = compare::Walk::new(api, description);
    for category in &api.categories {
        // A body form is another request body of its primary's operation: the description
        // knows only one, so the primary is what is compared.
        for operation in category
            .operations
            .iter()
            .filter(|o| o.body_form_of.is_none())
        {
            for id in &operation.operation_ids {
                covered.insert(id.as_str());
                match drafted.get(id.as_str()) {
                    Some(drafted) => walk.operation(category, operation, drafted),
                    None if ahead.contains(id.as_str()) => {}
                    None => findings.push(Finding {
                        group: Group::Operations,
                        change: Change::Removed,
                        subject: id.clone(),
                        detail: format!(
                            "gone from the description; the spec covers it with {}::{}",
                            category.name, operation.name
                        ),
                        at: Some(operation.declared_at.clone()),
                    }),
                }
            }
        }
    }
    for (id, operation) in &drafted {
        if !covered.contains(id) && !excluded.contains(id) {
            findings.push(Finding {
                group: Group::Operations,
                change: Change::Added,
                subject: (*id).to_owned(),
                detail: format!(
                    "{} {} is new: add it to a category or to excluded.yaml",
                    operation.method, operation.path
                ),
                at: None,
            });
        }
    }
    findings.extend(walk.findings);
    findings.sort();
    findings.dedup();
    Report { findings }
}
