//! Fabric seeds: an item of any kind, with a definition and jobs that fail on purpose.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::new_id;
use crate::fabric_store::{Definition, Item, Part};

/// A Fabric item (a notebook, a data pipeline, a semantic model, ...) to add to a
/// [`WorkspaceSeed`](crate::WorkspaceSeed) with
/// [`fabric_item`](crate::WorkspaceSeed::fabric_item).
///
/// ```
/// use powerbi_sandbox::FabricItemSeed;
///
/// let notebook = FabricItemSeed::new("Notebook", "Nightly load")
///     .definition_part("notebook-content.py", b"# Fabric notebook source\n")
///     .failing_jobs("Cell 3 raised ValueError");
/// assert_eq!(notebook.item_type(), "Notebook");
/// # let _ = notebook.id();
/// ```
#[derive(Clone, Debug)]
pub struct FabricItemSeed {
    pub(crate) id: String,
    pub(crate) item_type: String,
    pub(crate) display_name: String,
    pub(crate) description: String,
    pub(crate) parts: Vec<(String, Vec<u8>)>,
    pub(crate) failing_jobs: Option<String>,
}

impl FabricItemSeed {
    /// An item of this type (`Notebook`, `DataPipeline`, `SemanticModel`, `Report`, ...) and
    /// display name, with a fresh id and no definition.
    pub fn new(item_type: impl Into<String>, display_name: impl Into<String>) -> Self {
        FabricItemSeed {
            id: new_id(),
            item_type: item_type.into(),
            display_name: display_name.into(),
            description: String::new(),
            parts: Vec::new(),
            failing_jobs: None,
        }
    }

    /// Uses this id (a GUID) instead of a fresh one.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds a definition part: its path and its bytes (answered base64-encoded,
    /// `payloadType: InlineBase64`).
    pub fn definition_part(mut self, path: impl Into<String>, bytes: &[u8]) -> Self {
        self.parts.push((path.into(), bytes.to_vec()));
        self
    }

    /// Every job run on demand for this item ends `Failed` with this reason.
    pub fn failing_jobs(mut self, reason: impl Into<String>) -> Self {
        self.failing_jobs = Some(reason.into());
        self
    }

    /// The item's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The item's type.
    pub fn item_type(&self) -> &str {
        &self.item_type
    }

    /// The stored form.
    pub(crate) fn build(&self) -> Item {
        let mut item = Item::new(&self.item_type, &self.display_name, &self.description);
        item.id = self.id.clone();
        item.failing_jobs = self.failing_jobs.clone();
        if !self.parts.is_empty() {
            item.definition = Some(Definition {
                format: None,
                parts: self
                    .parts
                    .iter()
                    .map(|(path, bytes)| Part {
                        path: path.clone(),
                        payload: STANDARD.encode(bytes),
                        payload_type: "InlineBase64".to_owned(),
                    })
                    .collect(),
            });
        }
        item
    }
}
