//! A folder on disk as the parts of a definition.

use std::path::{Path, PathBuf};

use crate::runtime::{Error, Result};

/// How deep [`DefinitionFolder::read`] descends (a link cycle ends here, not in a loop).
const MAX_DEPTH: usize = 64;

/// A folder's files as the parts of an item definition (see the [module
/// documentation](super)): listed once, read only while a request sends them.
///
/// ```no_run
/// # async fn demo(client: powerbi::PowerBiClient, workspace: powerbi::runtime::Uuid) -> powerbi::Result<()> {
/// use powerbi::ext::definition::{DefinitionFolder, DefinitionSettings, NewItem};
///
/// let model = DefinitionFolder::read("Sales.SemanticModel").await?;
/// let item = NewItem::new("SemanticModel", "Sales");
/// let created = client
///     .fabric()
///     .create_item_from_folder(workspace, &item, &model, &DefinitionSettings::default())
///     .await?;
/// println!("created {}", created.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DefinitionFolder {
    root: PathBuf,
    format: Option<String>,
    parts: Vec<FolderPart>,
}

/// One file of the folder.
#[derive(Debug, Clone)]
pub(super) struct FolderPart {
    /// Relative to the folder, `/`-separated.
    pub(super) path: String,
    pub(super) file: PathBuf,
    pub(super) len: u64,
}

#[inline]
fn unreadable(path: &Path, error: std::io::Error) -> Error {
    Error::InvalidRequest(format!("cannot read {}: {error}", path.display()))
}

impl DefinitionFolder {
    /// Lists every file under `folder` (subfolders included, links followed) as a part whose
    /// path is the file's path relative to `folder` with `/` separators. A folder without
    /// files, or a name that is not UTF-8, is an error.
    pub async fn read(folder: impl AsRef<Path>) -> Result<Self> {
        let root = folder.as_ref().to_owned();
        let mut parts = Vec::new();
        let mut pending = vec![(root.clone(), String::new(), 0usize)];
        while let Some((dir, prefix, depth)) = pending.pop() {
            if depth > MAX_DEPTH {
                return Err(Error::InvalidRequest(format!(
                    "{} is nested more than {MAX_DEPTH} folders deep (a link cycle?)",
                    dir.display()
                )));
            }
            let mut entries = tokio::fs::read_dir(&dir)
                .await
                .map_err(|error| unreadable(&dir, error))?;
            while let Some(entry) = entries
                .next_entry()
                .await
                .map_err(|error| unreadable(&dir, error))?
            {
                let file = entry.path();
                let name = entry.file_name();
                let name = name.to_str().ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "{}: the file name is not UTF-8, so it cannot be a part path",
                        file.display()
                    ))
                })?;
                let path = format!("{prefix}{name}");
                let metadata = tokio::fs::metadata(&file)
                    .await
                    .map_err(|error| unreadable(&file, error))?;
                if metadata.is_dir() {
                    pending.push((file, format!("{path}/"), depth.saturating_add(1)));
                } else if metadata.is_file() {
                    parts.push(FolderPart {
                        path,
                        file,
                        len: metadata.len(),
                    });
                }
            }
        }
        if parts.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "{} holds no file to send as a definition",
                root.display()
            )));
        }
        parts.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(DefinitionFolder {
            root,
            format: None,
            parts,
        })
    }

    /// Sends the definition with this `format` (`TMDL`, `PBIR`, `ipynb`, ...; Fabric's
    /// default for the item type when not set).
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.format = Some(format.into());
        self
    }

    /// Leaves out the parts for which `keep` returns `false` (given the part path), e.g.
    /// Power BI Desktop's local `.pbi/localSettings.json` or `cache.abf`.
    pub fn retain(mut self, mut keep: impl FnMut(&str) -> bool) -> Self {
        self.parts.retain(|part| keep(&part.path));
        self
    }

    /// The folder read.
    #[inline]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The format set with [`DefinitionFolder::format`].
    #[inline]
    pub fn format_name(&self) -> Option<&str> {
        self.format.as_deref()
    }

    /// The parts: each path and its file's size in bytes, in the order they are sent.
    #[inline]
    pub fn parts(&self) -> impl Iterator<Item = (&str, u64)> {
        self.parts.iter().map(|part| (part.path.as_str(), part.len))
    }

    #[inline]
    pub(super) fn files(&self) -> &[FolderPart] {
        &self.parts
    }
}
