//! Fabric item definitions from and to folders on disk: deploy a report as PBIR, a semantic
//! model as TMDL or a notebook from the folder Git integration or Power BI Desktop writes, and
//! write an item's definition back to such a folder.
//!
//! A definition is the item's files as parts: each part's `path` is the file's path relative
//! to the folder with `/` separators (`definition/tables/Sales.tmdl`, `.platform`), its
//! `payload` the file's bytes in base64, `payloadType: InlineBase64`.
//! [`DefinitionFolder::read`] lists a folder's files (every file, `.platform` and binary files
//! included, in byte order of their paths), then
//!
//! | call | Fabric |
//! | --- | --- |
//! | [`FabricClient::create_item_from_folder`] | `POST /workspaces/{id}/items` with the definition (long-running), the created item |
//! | [`FabricClient::update_item_definition_from_folder`] | `POST /workspaces/{id}/items/{itemId}/updateDefinition[?updateMetadata=true]` (long-running) |
//! | [`FabricClient::get_item_definition_to_folder`] | `POST /workspaces/{id}/items/{itemId}/getDefinition[?format=...]` (long-running), each part written to its file |
//!
//! The round trip folder → item → folder gives the same bytes.
//!
//! **Memory.** Uploads never hold a file: the JSON body is produced as it is sent, each file
//! read in 192 KiB blocks and base64-encoded on the fly, and produced again for a retry.
//! Downloads hold the service's answer once, within [`DefinitionSettings::max_definition_size`]
//! (the client's response size limit by default); each payload is decoded from it straight to
//! its file in 48 KiB blocks, never into a second copy.
//!
//! **Untrusted answers.** A part path that is absolute, empty, has a `.` or `..` segment, a
//! backslash, a drive or stream colon (`C:`, `a:b`) or a NUL is refused before any file is
//! written, as is a path given twice (ignoring case); nothing is ever written outside the
//! target folder, nor through a link already in it. A payload that is not base64 is an error
//! naming its part (its file is removed). Payloads never appear in logs or error messages.

mod body;
mod folder;
mod parse;
#[cfg(test)]
mod tests;
mod write;

use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::runtime::{Error, FabricClient, HttpMethod, Job, Result};

pub use folder::DefinitionFolder;
pub use write::WrittenDefinition;

/// The new item of [`FabricClient::create_item_from_folder`]: its type and display name, and
/// optionally a description and the workspace folder it goes in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewItem {
    /// The item type (`SemanticModel`, `Report`, `Notebook`, ...).
    pub item_type: String,
    /// The display name.
    pub display_name: String,
    /// The description.
    pub description: Option<String>,
    /// The workspace folder to create the item in (the workspace's root when `None`).
    pub folder_id: Option<Uuid>,
}

impl NewItem {
    /// An item of `item_type` called `display_name`.
    pub fn new(item_type: impl Into<String>, display_name: impl Into<String>) -> Self {
        NewItem {
            item_type: item_type.into(),
            display_name: display_name.into(),
            description: None,
            folder_id: None,
        }
    }

    /// Sets [`NewItem::description`].
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets [`NewItem::folder_id`].
    #[inline]
    pub fn folder_id(mut self, folder_id: Uuid) -> Self {
        self.folder_id = Some(folder_id);
        self
    }

    /// The request's fields besides the definition.
    #[inline]
    fn fields(&self) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("displayName".to_owned(), self.display_name.clone().into());
        fields.insert("type".to_owned(), self.item_type.clone().into());
        if let Some(description) = &self.description {
            fields.insert("description".to_owned(), description.clone().into());
        }
        if let Some(folder) = &self.folder_id {
            fields.insert("folderId".to_owned(), folder.to_string().into());
        }
        fields
    }
}

/// The item [`FabricClient::create_item_from_folder`] created.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CreatedItem {
    /// Its id.
    pub id: Uuid,
    /// The service's answer (`id`, `type`, `displayName`, `workspaceId`, ...).
    pub item: Value,
}

/// How the definition calls wait and read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DefinitionSettings {
    /// Time between polls of the long-running operation when the service names none
    /// (`Retry-After` otherwise; default 5 s).
    pub poll_interval: Duration,
    /// The largest getDefinition answer read (the client's response size limit when `None`):
    /// the answer is held once while its parts are written.
    pub max_definition_size: Option<u64>,
}

impl Default for DefinitionSettings {
    #[inline]
    fn default() -> Self {
        DefinitionSettings {
            poll_interval: crate::runtime::jobs::DEFAULT_POLL_INTERVAL,
            max_definition_size: None,
        }
    }
}

impl DefinitionSettings {
    /// Sets [`DefinitionSettings::poll_interval`].
    #[inline]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets [`DefinitionSettings::max_definition_size`].
    #[inline]
    pub fn max_definition_size(mut self, bytes: u64) -> Self {
        self.max_definition_size = Some(bytes);
        self
    }
}

const CREATE: &str = "create_item_from_folder";

impl FabricClient {
    /// Creates an item of `item`'s type and name in `workspace_id` with the definition in
    /// `folder` and waits until the service has created it. See the
    /// [module documentation](self).
    #[inline]
    pub async fn create_item_from_folder(
        &self,
        workspace_id: Uuid,
        item: &NewItem,
        folder: &DefinitionFolder,
        settings: &DefinitionSettings,
    ) -> Result<CreatedItem> {
        let body = body::Body::new(item.fields(), folder)?;
        let request = self
            .raw(
                HttpMethod::Post,
                &format!("/workspaces/{workspace_id}/items"),
            )
            .stream_body("application/json", body.upload())
            .large_transfer();
        let mut job = request
            .start_lro()
            .await?
            .poll_interval(settings.poll_interval);
        let created: Value = job.result().await?;
        let id = created
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| Error::Unusable {
                operation: CREATE,
                field: "id".to_owned(),
                message: "the created item has no id".to_owned(),
                request_id: "-".to_owned(),
            })?;
        Ok(CreatedItem { id, item: created })
    }

    /// Replaces the definition of item `item_id` with the one in `folder` and waits until the
    /// service has done it. With `update_metadata`, the item's display name and description
    /// are taken from the folder's `.platform` (`?updateMetadata=true`).
    #[inline]
    pub async fn update_item_definition_from_folder(
        &self,
        workspace_id: Uuid,
        item_id: Uuid,
        folder: &DefinitionFolder,
        update_metadata: bool,
        settings: &DefinitionSettings,
    ) -> Result<()> {
        let body = body::Body::new(Map::new(), folder)?;
        let mut request = self
            .raw(
                HttpMethod::Post,
                &format!("/workspaces/{workspace_id}/items/{item_id}/updateDefinition"),
            )
            .stream_body("application/json", body.upload())
            .large_transfer();
        if update_metadata {
            request = request.query("updateMetadata", &true);
        }
        let mut job = request
            .start_lro()
            .await?
            .poll_interval(settings.poll_interval);
        job.wait_succeeded().await.map(drop)
    }

    /// Reads the definition of item `item_id` (in `format` when given: `TMDL`, `PBIR`,
    /// `ipynb`, ...) and writes each part to its file under `target` (created if missing;
    /// subfolders created, existing files replaced, other files left alone).
    pub async fn get_item_definition_to_folder(
        &self,
        workspace_id: Uuid,
        item_id: Uuid,
        format: Option<&str>,
        target: impl AsRef<Path>,
        settings: &DefinitionSettings,
    ) -> Result<WrittenDefinition> {
        let mut request = self.raw(
            HttpMethod::Post,
            &format!("/workspaces/{workspace_id}/items/{item_id}/getDefinition"),
        );
        if let Some(format) = format {
            request = request.query("format", &format);
        }
        if let Some(limit) = settings.max_definition_size {
            request = request.max_response_size(limit);
        }
        let mut job: Job = request
            .start_lro()
            .await?
            .poll_interval(settings.poll_interval);
        let answer = job.result_bytes().await?;
        write::write_definition(answer, target.as_ref().to_owned()).await
    }
}
