//! The whole-tenant metadata scan: `get_modified_workspaces` → `post_workspace_info` in
//! batches of at most 100 ids, at most 16 scans in flight → poll `scanStatus` →
//! `scanResult`, streamed one scan result (one batch) at a time.

use std::time::Duration;

use futures::{Stream, StreamExt};

use crate::admin::{AdminClient, GetModifiedWorkspacesOptions, PostWorkspaceInfoOptions};
use crate::models::WorkspaceInfoResponse;
use crate::runtime::{PowerBiClient, Result};

/// How [`AdminClient::scan_workspaces`] runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScanSettings {
    /// Which workspaces: `modifiedSince`, excluding personal or inactive ones.
    pub modified: GetModifiedWorkspacesOptions,
    /// What each scan returns (`lineage`, `datasourceDetails`, `datasetSchema`, ...).
    pub info: PostWorkspaceInfoOptions,
    /// Workspaces per scan (at most and by default 100).
    pub batch_size: usize,
    /// Scans in flight at once (at most and by default 16).
    pub max_in_flight: usize,
    /// Time between status polls (default 30 s, the documented cadence).
    pub poll_interval: Duration,
    /// Gives up on a scan after this long (default: the scan job's default limit,
    /// [`default_timeout`](crate::runtime::jobs::default_timeout) of `LongRunning::Scan`, 30 min).
    pub timeout: Option<Duration>,
}

impl Default for ScanSettings {
    #[inline]
    fn default() -> Self {
        ScanSettings {
            modified: GetModifiedWorkspacesOptions::default(),
            info: PostWorkspaceInfoOptions::default(),
            batch_size: 100,
            max_in_flight: 16,
            poll_interval: Duration::from_secs(30),
            timeout: None,
        }
    }
}

impl ScanSettings {
    /// Sets [`ScanSettings::modified`].
    #[inline]
    pub fn modified(mut self, modified: GetModifiedWorkspacesOptions) -> Self {
        self.modified = modified;
        self
    }

    /// Sets [`ScanSettings::info`].
    #[inline]
    pub fn info(mut self, info: PostWorkspaceInfoOptions) -> Self {
        self.info = info;
        self
    }

    /// Sets [`ScanSettings::batch_size`] (clamped to 1..=100).
    #[inline]
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.clamp(1, 100);
        self
    }

    /// Sets [`ScanSettings::max_in_flight`] (clamped to 1..=16).
    #[inline]
    pub fn max_in_flight(mut self, scans: usize) -> Self {
        self.max_in_flight = scans.clamp(1, 16);
        self
    }

    /// Sets [`ScanSettings::poll_interval`].
    #[inline]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets [`ScanSettings::timeout`].
    #[inline]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

impl<'a> AdminClient<'a> {
    /// Scans every workspace `settings.modified` selects and streams the scan results (one
    /// `scanResult` per batch, decoded under the client's decode policy), never more than `max_in_flight` scans at once.
    /// A scan that ends `Failed` yields an error item with its status; the others go on.
    /// The stream holds its own handle on the client: it can be moved into a spawned task.
    #[inline]
    pub fn scan_workspaces(
        &self,
        settings: ScanSettings,
    ) -> impl Future<
        Output = Result<impl Stream<Item = Result<WorkspaceInfoResponse>> + Send + 'static>,
    > + Send
    + 'static {
        let client = self.client.clone();
        async move { scan(client, settings).await }
    }
}

/// The scan of [`AdminClient::scan_workspaces`], on a client of its own.
#[inline]
async fn scan(
    client: PowerBiClient,
    settings: ScanSettings,
) -> Result<impl Stream<Item = Result<WorkspaceInfoResponse>> + Send + 'static> {
    let ids: Vec<crate::runtime::Uuid> = AdminClient::new(&client)
        .get_modified_workspaces(settings.modified.clone())
        .await?
        .into_iter()
        .map(|workspace| workspace.id)
        .collect();
    let batch = settings.batch_size.clamp(1, 100);
    let batches: Vec<Vec<crate::runtime::Uuid>> = ids.chunks(batch).map(<[_]>::to_vec).collect();
    let in_flight = settings.max_in_flight.clamp(1, 16);
    Ok(futures::stream::iter(batches)
        .map(move |workspaces| {
            let settings = settings.clone();
            let client = client.clone();
            async move {
                let admin = AdminClient::new(&client);
                let body = crate::models::RequiredWorkspaces {
                    workspaces: Some(workspaces),
                    ..Default::default()
                };
                let mut job = admin
                    .post_workspace_info_job(&body, settings.info.clone())
                    .await?
                    .poll_interval(settings.poll_interval);
                if let Some(timeout) = settings.timeout {
                    job = job.timeout(timeout);
                }
                let status = job.wait().await?;
                if !status.succeeded() {
                    return Err(crate::runtime::Error::InvalidRequest(format!(
                        "scan {} ended {}: {}",
                        job.id().unwrap_or("-"),
                        status.status,
                        status.body
                    )));
                }
                job.scan_result().await
            }
        })
        .buffer_unordered(in_flight))
}
