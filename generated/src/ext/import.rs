//! Publishing a file (`.pbix`, `.rdl`, ...) and following the import to its end.
//!
//! [`PowerBiClient::import_file`] streams the file as `multipart/form-data` to `post_import`
//! (never read whole into memory). A file larger than
//! [`ImportSettings::large_file_threshold`] (1 GiB by default, as the service requires) goes
//! through a temporary upload location instead: `create_temporary_upload_location`, the Azure
//! Blob block upload to its SAS URL (no bearer token: the URL carries its own signature), then
//! `post_import` with the JSON body `{"fileUrl": ...}`. Either way the answer is a
//! [`Job`] polling `importState`.
//!
//! [`PowerBiClient::import_from_one_drive`] imports an Excel workbook that is already on
//! OneDrive for Business: the JSON body form of the same call (`post_import_from_one_drive`,
//! `{"filePath", "connectionType"}`), nothing uploaded, the same [`Job`].

use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt;

use crate::imports::{PostImportFromOneDriveOptions, PostImportOptions, operations};
use crate::models::{ConnectionType, ImportInfo};
use crate::runtime::error::{cause_chain, source_of};
use crate::runtime::{Error, Job, LongRunning, PowerBiClient, Result, Upload, Workspace, redact};

/// How [`PowerBiClient::import_file`] uploads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImportSettings {
    /// Files larger than this go through a temporary upload location (default 1 GiB).
    pub large_file_threshold: u64,
    /// Block size of the blob upload (default 4 MiB, as Microsoft's SDK).
    pub block_size: usize,
    /// Sends `preferClientRouting=true` (recommended for large uploads that time out).
    pub prefer_client_routing: bool,
    /// Time between `importState` polls of the returned job (default 5 s).
    pub poll_interval: Duration,
}

impl Default for ImportSettings {
    #[inline]
    fn default() -> Self {
        ImportSettings {
            large_file_threshold: 1024 * 1024 * 1024,
            block_size: 4 * 1024 * 1024,
            prefer_client_routing: false,
            poll_interval: crate::runtime::jobs::DEFAULT_POLL_INTERVAL,
        }
    }
}

impl ImportSettings {
    /// Sets [`ImportSettings::large_file_threshold`].
    #[inline]
    pub fn large_file_threshold(mut self, bytes: u64) -> Self {
        self.large_file_threshold = bytes;
        self
    }

    /// Sets [`ImportSettings::block_size`] (at least 64 KiB).
    #[inline]
    pub fn block_size(mut self, bytes: usize) -> Self {
        self.block_size = bytes.max(64 * 1024);
        self
    }

    /// Sets [`ImportSettings::prefer_client_routing`].
    #[inline]
    pub fn prefer_client_routing(mut self, prefer: bool) -> Self {
        self.prefer_client_routing = prefer;
        self
    }

    /// Sets [`ImportSettings::poll_interval`].
    #[inline]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }
}

const OPERATION: &str = "import_file";

#[inline]
fn blob_error(host: &str, message: String, source: Option<reqwest::Error>) -> Error {
    Error::Transport {
        operation: OPERATION,
        host: host.to_owned(),
        message,
        // Without its URL: the SAS URL's `sig=` is the credential.
        source: source.and_then(source_of),
    }
}

impl PowerBiClient {
    /// Imports `file` into `workspace` as `dataset_display_name` (with its extension, e.g.
    /// `Sales.pbix`) and returns the import's [`Job`]; see the [module documentation](self).
    /// The future holds its own handle on the client: it can be moved into a spawned task.
    pub fn import_file(
        &self,
        workspace: impl Into<Workspace>,
        dataset_display_name: &str,
        file: Upload,
        options: PostImportOptions,
        settings: ImportSettings,
    ) -> impl Future<Output = Result<Job>> + Send + 'static {
        let client = self.clone();
        let workspace = workspace.into();
        let name = dataset_display_name.to_owned();
        async move {
            client
                .import_owned(workspace, name, file, options, settings)
                .await
        }
    }

    /// Imports the Excel workbook (.xlsx) at `file_path` on OneDrive for Business (absolute, or
    /// relative to the caller's OneDrive) into `workspace` and returns the import's [`Job`].
    /// `ConnectionType::Import` copies the workbook's data into Power BI;
    /// `ConnectionType::Connect` keeps it in OneDrive and connects to it. The dataset takes the
    /// workbook's name (the service takes no `datasetDisplayName` here), and a .pbix file
    /// cannot be imported from OneDrive: the service refuses it, as it refuses a path it cannot
    /// read. Sends `post_import_from_one_drive`; the future holds its own handle on the client.
    pub fn import_from_one_drive(
        &self,
        workspace: impl Into<Workspace>,
        file_path: &str,
        connection_type: ConnectionType,
        options: PostImportFromOneDriveOptions,
    ) -> impl Future<Output = Result<Job>> + Send + 'static {
        let client = self.clone();
        let workspace = workspace.into();
        let body = ImportInfo {
            file_path: Some(file_path.to_owned()),
            connection_type: Some(connection_type),
            ..ImportInfo::default()
        };
        async move {
            client
                .imports()
                .post_import_from_one_drive_job(workspace, &body, options)
                .await
        }
    }

    #[inline]
    async fn import_owned(
        self,
        workspace: Workspace,
        dataset_display_name: String,
        file: Upload,
        options: PostImportOptions,
        settings: ImportSettings,
    ) -> Result<Job> {
        let mut request = self
            .request(&operations::POST_IMPORT)
            .workspace(workspace)
            .query("datasetDisplayName", &dataset_display_name)
            .query_opt("nameConflict", options.name_conflict.as_ref())
            .query_opt("skipReport", options.skip_report.as_ref())
            .query_opt(
                "overrideReportLabel",
                options.override_report_label.as_ref(),
            )
            .query_opt("overrideModelLabel", options.override_model_label.as_ref())
            .query_opt("subfolderObjectId", options.subfolder_object_id.as_ref());
        if settings.prefer_client_routing {
            request = request.query("preferClientRouting", &true);
        }
        let request = if file.len().await? > settings.large_file_threshold {
            let url = self
                .upload_to_temporary_location(workspace, &file, &settings)
                .await?;
            request.json_body(&serde_json::json!({ "fileUrl": url }))
        } else {
            request.file_body(file)
        };
        Ok(Job::start(request, LongRunning::Import)
            .await?
            .poll_interval(settings.poll_interval))
    }

    /// Uploads `file` to a fresh temporary upload location; returns its SAS URL.
    #[inline]
    async fn upload_to_temporary_location(
        &self,
        workspace: Workspace,
        file: &Upload,
        settings: &ImportSettings,
    ) -> Result<String> {
        let location: crate::models::TemporaryUploadLocation = self
            .request(&crate::imports::operations::CREATE_TEMPORARY_UPLOAD_LOCATION)
            .workspace(workspace)
            .send_json()
            .await?;
        let sas = location.url.ok_or_else(|| {
            Error::InvalidRequest(format!("{OPERATION}: the upload location has no Url"))
        })?;
        let base = url::Url::parse(&sas).map_err(|error| {
            Error::InvalidRequest(format!("{OPERATION}: bad upload location: {error}"))
        })?;
        if !self.core().may_call(&base) {
            return Err(Error::InvalidRequest(format!(
                "{OPERATION}: refusing to upload to {}://{}",
                base.scheme(),
                base.host_str().unwrap_or_default()
            )));
        }
        let host = base.host_str().unwrap_or_default().to_owned();
        let mut stream = file.open().await?;
        let mut block = Vec::with_capacity(settings.block_size);
        let mut ids = Vec::new();
        let mut finished = false;
        while !finished {
            // Fill one block (only one block is ever held in memory).
            block.clear();
            while block.len() < settings.block_size {
                match stream.next().await {
                    Some(chunk) => {
                        let chunk = chunk.map_err(|error| {
                            Error::InvalidRequest(format!(
                                "{OPERATION}: cannot read the file: {error}"
                            ))
                        })?;
                        block.extend_from_slice(&chunk);
                    }
                    None => {
                        finished = true;
                        break;
                    }
                }
            }
            // A chunk may overrun the block: send whole blocks, carry the rest over.
            while block.len() >= settings.block_size || (finished && !block.is_empty()) {
                let take = block.len().min(settings.block_size);
                let rest = block.split_off(take);
                let id = base64::engine::general_purpose::STANDARD
                    .encode(format!("block-{:06}", ids.len() + 1));
                let mut url = base.clone();
                url.query_pairs_mut()
                    .append_pair("comp", "block")
                    .append_pair("blockid", &id);
                self.put_blob(&url, &host, std::mem::replace(&mut block, rest))
                    .await?;
                ids.push(id);
                block.reserve(settings.block_size.saturating_sub(block.capacity()));
            }
        }
        let mut list = String::from(r#"<?xml version="1.0" encoding="utf-8"?><BlockList>"#);
        for id in &ids {
            list.push_str("<Latest>");
            list.push_str(id);
            list.push_str("</Latest>");
        }
        list.push_str("</BlockList>");
        let mut url = base.clone();
        url.query_pairs_mut().append_pair("comp", "blocklist");
        self.put_blob(&url, &host, list.into_bytes()).await?;
        Ok(sas)
    }

    /// One Azure Blob `PUT` (no bearer token: the SAS URL is the credential).
    #[inline]
    async fn put_blob(&self, url: &url::Url, host: &str, body: Vec<u8>) -> Result<()> {
        let response = self
            .core()
            .http()
            .put(url.clone())
            .header("x-ms-version", "2015-04-05")
            .header("x-ms-blob-type", "BlockBlob")
            .body(body)
            .send()
            .await
            // reqwest's own Display names the URL, SAS signature included: causes only.
            .map_err(|error| {
                let message = format!("blob upload failed: {}", cause_chain(&error));
                blob_error(host, message, Some(error))
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let snippet = body_snippet(response).await;
        Err(blob_error(
            host,
            format!(
                "the blob service answered {status}: {}",
                redact::text(snippet.trim())
            ),
            None,
        ))
    }
}

/// The longest part of a blob service's error answer kept in the error.
const SNIPPET_BYTES: usize = 1024;

/// The start of an error answer's body, at most [`SNIPPET_BYTES`] (the rest is not read).
#[inline]
async fn body_snippet(mut response: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < SNIPPET_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = SNIPPET_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}
