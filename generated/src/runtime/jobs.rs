//! Long-running operations: every operation the spec marks `long_running` gets a sibling
//! `*_job` method that starts it and returns a [`Job`], a handle that polls the service until
//! the operation ends.
//!
//! ```no_run
//! # async fn demo(client: &powerbi::PowerBiClient, workspace: powerbi::runtime::Uuid,
//! #     dataset: &str) -> powerbi::Result<()> {
//! use std::time::Duration;
//!
//! let mut job = client
//!     .datasets()
//!     .refresh_dataset_job(workspace, dataset, None)
//!     .await?
//!     .poll_interval(Duration::from_secs(10))
//!     .timeout(Duration::from_secs(3600));
//! let done = job.wait_with(|status| println!("refresh: {}", status.status)).await?;
//! assert!(done.succeeded());
//! # Ok(())
//! # }
//! ```
//!
//! How each kind is followed:
//!
//! - **refresh**: the refresh's own request id (`x-ms-request-id`, else the last segment of
//!   `Location`, else `RequestId`) is looked up in the refresh history (`$top=60`) at every
//!   poll, never the newest entry: other refreshes may run beside it and the service publishes
//!   the entry late (a missing entry counts as not started). An enhanced refresh (a body with
//!   any field but `notifyOption`) is polled at its `Location` instead. `Unknown` means running.
//! - **export**: `.../exports/{id}` until `Succeeded` or `Failed`; a `Failed` answer with
//!   `Retry-After` (the service was busy) starts the export again after that delay, up to
//!   [`Job::max_restarts`] times. Then [`Job::download_to`] / [`Job::download_to_path`] stream
//!   the file.
//! - **import**: `.../imports/{id}` until `importState` is `Succeeded` or `Failed`.
//! - **pipeline**: `.../pipelines/{id}/operations/{operationId}` until `Succeeded` or `Failed`.
//! - **scan**: `admin/workspaces/scanStatus/{id}` until `Succeeded` or `Failed`; then
//!   [`Job::scan_result`].
//! - **poll**: a GET answered 202 is repeated until it answers anything else; a POST answered
//!   202 with `Location` polls that location the same way; otherwise the call was complete.
//!
//! Between polls the job waits its [`poll_interval`](Job::poll_interval) or the service's
//! `Retry-After`, whichever is longer. [`Job::timeout`] bounds the whole wait
//! ([`Error::Timeout`]); dropping the `wait` future cancels waiting (the service's operation
//! goes on; [`Job::cancel`] cancels an enhanced refresh). Polls go through the one send path,
//! so the client's retry policy applies to them.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::request::RequestBuilder;
use super::{Error, LongRunning, Result};

/// The default time between polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// What one poll saw.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStatus {
    /// The service's status text (`NotStarted`, `Running`, `Unknown`, `Completed`,
    /// `Succeeded`, `Failed`, ...); `NotStarted` while a refresh is not yet in the history.
    pub status: String,
    /// `percentComplete`, when the service reports it (exports).
    pub percent_complete: Option<f64>,
    /// The whole answer of the poll (the export, import, refresh entry, ...), as sent.
    pub body: Value,
    done: bool,
    succeeded: bool,
}

impl JobStatus {
    /// Whether the operation has ended (successfully or not).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Whether the operation ended successfully.
    pub fn succeeded(&self) -> bool {
        self.succeeded
    }
}

#[derive(Debug, Clone)]
enum Target {
    /// GET this URL; the body carries the status.
    Status(url::Url),
    /// GET the refresh history and find this request id.
    History { url: url::Url, request_id: String },
    /// GET this URL until it answers something other than 202.
    Accepted(url::Url),
    /// Nothing to poll: the start answer was final.
    Finished,
}

/// A started long-running operation. See the [module documentation](self).
#[must_use = "a job handle does nothing until waited on"]
#[derive(Debug, Clone)]
pub struct Job<'c> {
    kind: LongRunning,
    start: RequestBuilder<'c>,
    id: Option<String>,
    target: Target,
    initial: Value,
    interval: Duration,
    timeout: Option<Duration>,
    max_restarts: u32,
    last: Option<JobStatus>,
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    header(headers, "retry-after")
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds.min(3600.0)).ok())
}

fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `url` with its last `segments` path segments replaced by `tail`.
fn sibling(url: &url::Url, drop: usize, tail: &[&str]) -> url::Url {
    let mut url = url.clone();
    url.set_query(None);
    if let Ok(mut path) = url.path_segments_mut() {
        for _ in 0..drop {
            path.pop();
        }
        path.extend(tail);
    }
    url
}

impl<'c> Job<'c> {
    /// Sends `request` (the operation that starts the job) and returns the handle.
    #[doc(hidden)]
    pub async fn start(request: RequestBuilder<'c>, kind: LongRunning) -> Result<Job<'c>> {
        let operation = request.operation_name();
        let url = request.url()?;
        let response = request.execute().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let host = url.host_str().unwrap_or_default().to_owned();
        let bytes = response.bytes().await.map_err(|error| Error::Transport {
            operation,
            host,
            message: error.to_string(),
        })?;
        let initial: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        let location = header(&headers, "location").and_then(|link| url.join(&link).ok());
        let body_id = text(&initial, "id");
        let (id, target) = match kind {
            LongRunning::Refresh => {
                let request_id = header(&headers, "x-ms-request-id")
                    .or_else(|| {
                        location
                            .as_ref()
                            .and_then(|link| link.path_segments()?.next_back().map(str::to_owned))
                    })
                    .or_else(|| header(&headers, "requestid"));
                let enhanced = request
                    .json_body_bytes()
                    .and_then(|body| serde_json::from_slice::<Value>(body).ok())
                    .and_then(|body| body.as_object().cloned())
                    .is_some_and(|body| body.keys().any(|key| key != "notifyOption"));
                let target = match (&location, &request_id) {
                    (Some(location), _) if enhanced => Target::Status(location.clone()),
                    (_, Some(request_id)) => {
                        let mut history = url.clone();
                        history.set_query(Some("$top=60"));
                        Target::History {
                            url: history,
                            request_id: request_id.clone(),
                        }
                    }
                    _ => {
                        return Err(Error::InvalidRequest(format!(
                            "{operation}: the service returned no refresh id to follow"
                        )));
                    }
                };
                (request_id, target)
            }
            LongRunning::Export => {
                let id = Self::need(operation, body_id)?;
                // `.../reports/{id}/ExportTo` → `.../reports/{id}/exports/{exportId}`.
                (
                    Some(id.clone()),
                    Target::Status(sibling(&url, 1, &["exports", &id])),
                )
            }
            LongRunning::Import => {
                let id = Self::need(operation, body_id)?;
                (
                    Some(id.clone()),
                    Target::Status(sibling(&url, 1, &["imports", &id])),
                )
            }
            LongRunning::Pipeline => {
                let id = Self::need(operation, body_id)?;
                // `.../pipelines/{id}/deployAll` → `.../pipelines/{id}/operations/{operationId}`.
                (
                    Some(id.clone()),
                    Target::Status(sibling(&url, 1, &["operations", &id])),
                )
            }
            LongRunning::Scan => {
                let id = Self::need(operation, body_id)?;
                // `.../admin/workspaces/getInfo` → `.../admin/workspaces/scanStatus/{id}`.
                (
                    Some(id.clone()),
                    Target::Status(sibling(&url, 1, &["scanStatus", &id])),
                )
            }
            LongRunning::Poll | LongRunning::None => {
                let target = match (status, location) {
                    (202, Some(location)) => Target::Accepted(location),
                    (202, None) if request.is_get() => Target::Accepted(url.clone()),
                    _ => Target::Finished,
                };
                (body_id, target)
            }
        };
        let finished = matches!(target, Target::Finished);
        Ok(Job {
            kind,
            start: request,
            id,
            target,
            last: finished.then(|| JobStatus {
                status: "Succeeded".to_owned(),
                percent_complete: None,
                body: initial.clone(),
                done: true,
                succeeded: true,
            }),
            initial,
            interval: DEFAULT_POLL_INTERVAL,
            timeout: None,
            max_restarts: 3,
        })
    }

    fn need(operation: &'static str, id: Option<String>) -> Result<String> {
        id.ok_or_else(|| {
            Error::InvalidRequest(format!(
                "{operation}: the service's answer carries no job id to follow"
            ))
        })
    }

    /// Time between polls (default [`DEFAULT_POLL_INTERVAL`]); a longer `Retry-After` wins.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Fails [`wait`](Job::wait) with [`Error::Timeout`] once `timeout` has passed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many times an export that fails with `Retry-After` is started again (default 3).
    pub fn max_restarts(mut self, restarts: u32) -> Self {
        self.max_restarts = restarts;
        self
    }

    /// The job's id: the refresh request id, export id, import id, operation id or scan id.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The body the starting call answered (the `Export`, `Import`, `ScanRequest`, ...).
    pub fn initial(&self) -> &Value {
        &self.initial
    }

    /// The last status seen, if any poll happened.
    pub fn last_status(&self) -> Option<&JobStatus> {
        self.last.as_ref()
    }

    fn get(&self, url: &url::Url) -> RequestBuilder<'c> {
        RequestBuilder::raw(self.start.client(), reqwest::Method::GET, String::new())
            .absolute_url(url.clone())
    }

    /// Polls once: the current status and the delay the service asked for (`Retry-After`).
    pub async fn poll(&mut self) -> Result<(JobStatus, Option<Duration>)> {
        let operation = self.start.operation_name();
        let (status, delay) = match &self.target {
            Target::Finished => {
                let last = self.last.clone().ok_or_else(|| {
                    Error::InvalidRequest(format!("{operation}: nothing to poll"))
                })?;
                (last, None)
            }
            Target::History { url, request_id } => {
                let response = self.get(url).send().await?;
                let body: Value = response.decode(operation)?;
                let entry = body
                    .get("value")
                    .and_then(Value::as_array)
                    .and_then(|entries| {
                        entries.iter().find(|entry| {
                            text(entry, "requestId")
                                .is_some_and(|id| id.eq_ignore_ascii_case(request_id))
                        })
                    })
                    .cloned();
                let status = match entry {
                    Some(entry) => refresh_status(entry),
                    None => pending("NotStarted", Value::Null),
                };
                (status, retry_after(&response.headers))
            }
            Target::Status(url) => {
                let response = self.get(url).send().await?;
                let body: Value = response.decode(operation)?;
                let status = match self.kind {
                    LongRunning::Refresh => refresh_status(body),
                    LongRunning::Import => state_status(body, "importState"),
                    _ => state_status(body, "status"),
                };
                (status, retry_after(&response.headers))
            }
            Target::Accepted(url) => {
                let response = self.get(url).execute().await?;
                let accepted = response.status().as_u16() == 202;
                let delay = retry_after(response.headers());
                let bytes = response.bytes().await.map_err(|error| Error::Transport {
                    operation,
                    host: url.host_str().unwrap_or_default().to_owned(),
                    message: error.to_string(),
                })?;
                let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let status = if accepted {
                    pending("Running", body)
                } else {
                    JobStatus {
                        status: "Succeeded".to_owned(),
                        percent_complete: None,
                        body,
                        done: true,
                        succeeded: true,
                    }
                };
                (status, delay)
            }
        };
        self.last = Some(status.clone());
        Ok((status, delay))
    }

    /// Polls until the operation ends and returns its last status (check
    /// [`JobStatus::succeeded`]: a failed refresh or export is an answer, not an error).
    pub async fn wait(&mut self) -> Result<JobStatus> {
        self.wait_with(|_| {}).await
    }

    /// [`wait`](Job::wait), calling `progress` with every status seen.
    pub async fn wait_with(&mut self, mut progress: impl FnMut(&JobStatus)) -> Result<JobStatus> {
        let started = Instant::now();
        let mut restarts = 0;
        loop {
            let (status, delay) = self.poll().await?;
            progress(&status);
            if status.done {
                let busy = self.kind == LongRunning::Export && !status.succeeded && delay.is_some();
                if busy && restarts < self.max_restarts {
                    // The service was busy: start the export again after its Retry-After.
                    restarts += 1;
                    self.sleep(started, delay).await?;
                    let fresh = Job::start(self.start.clone(), self.kind).await?;
                    self.id = fresh.id;
                    self.target = fresh.target;
                    self.initial = fresh.initial;
                    continue;
                }
                return Ok(status);
            }
            self.sleep(started, delay).await?;
        }
    }

    async fn sleep(&self, started: Instant, delay: Option<Duration>) -> Result<()> {
        let wait = delay.map_or(self.interval, |delay| delay.max(self.interval));
        if let Some(timeout) = self.timeout
            && started.elapsed().saturating_add(wait) > timeout
        {
            let host = self
                .start
                .url()
                .ok()
                .and_then(|url| url.host_str().map(str::to_owned))
                .unwrap_or_default();
            return Err(Error::Timeout {
                operation: self.start.operation_name(),
                host,
                after: timeout,
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    /// Cancels an enhanced refresh (`DELETE` on its `Location`).
    pub async fn cancel(&self) -> Result<()> {
        match (&self.kind, &self.target) {
            (LongRunning::Refresh, Target::Status(url)) => {
                RequestBuilder::raw(self.start.client(), reqwest::Method::DELETE, String::new())
                    .absolute_url(url.clone())
                    .send()
                    .await
                    .map(drop)
            }
            _ => Err(Error::InvalidRequest(format!(
                "{}: only an enhanced refresh can be cancelled",
                self.start.operation_name()
            ))),
        }
    }

    /// The URL of a finished job's file (export) or result (scan).
    fn result_url(&self, what: &str) -> Result<url::Url> {
        match (&self.kind, &self.target) {
            (LongRunning::Export, Target::Status(url)) => Ok(sibling(url, 0, &["file"])),
            (LongRunning::Scan, Target::Status(url)) => Ok(sibling(
                url,
                2,
                &["scanResult", self.id.as_deref().unwrap_or_default()],
            )),
            _ => Err(Error::InvalidRequest(format!(
                "{}: this job has no {what}",
                self.start.operation_name()
            ))),
        }
    }

    /// Streams the exported file to `writer` (waits first if the job has not ended); returns
    /// the number of bytes written. The file is never held whole in memory.
    pub async fn download_to<W: AsyncWrite + Unpin>(&mut self, writer: &mut W) -> Result<u64> {
        if !self.last.as_ref().is_some_and(JobStatus::is_done) {
            self.wait().await?;
        }
        if let Some(status) = &self.last
            && !status.succeeded
        {
            return Err(Error::InvalidRequest(format!(
                "{}: the export ended {}, there is no file",
                self.start.operation_name(),
                status.status
            )));
        }
        let url = self.result_url("file")?;
        super::download::stream_to(self.get(&url), writer).await
    }

    /// Streams the exported file to a new file at `path` (replaced if it exists).
    pub async fn download_to_path(&mut self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let mut file = tokio::fs::File::create(path).await.map_err(|error| {
            Error::InvalidRequest(format!("cannot create {}: {error}", path.display()))
        })?;
        let written = self.download_to(&mut file).await?;
        file.flush().await.map_err(|error| {
            Error::InvalidRequest(format!("cannot write {}: {error}", path.display()))
        })?;
        Ok(written)
    }

    /// The result of a finished scan (`admin/workspaces/scanResult/{id}`), as sent.
    pub async fn scan_result(&mut self) -> Result<Value> {
        if !self.last.as_ref().is_some_and(JobStatus::is_done) {
            self.wait().await?;
        }
        let url = self.result_url("scan result")?;
        let operation = self.start.operation_name();
        self.get(&url).send().await?.decode(operation)
    }
}

fn pending(status: &str, body: Value) -> JobStatus {
    JobStatus {
        status: status.to_owned(),
        percent_complete: None,
        body,
        done: false,
        succeeded: false,
    }
}

/// A refresh history entry or enhanced status: `Unknown` (and `NotStarted`/`InProgress`)
/// while running, `Completed` on success, `Failed`/`Cancelled`/`Disabled`/`TimedOut` at the end.
fn refresh_status(body: Value) -> JobStatus {
    let status = text(&body, "status").unwrap_or_else(|| "Unknown".to_owned());
    let extended = text(&body, "extendedStatus");
    let done = !matches!(
        status.as_str(),
        "Unknown" | "NotStarted" | "InProgress" | "Running"
    ) && !matches!(extended.as_deref(), Some("NotStarted" | "InProgress"));
    JobStatus {
        succeeded: done && status == "Completed",
        status,
        percent_complete: None,
        body,
        done,
    }
}

/// An export, import, deployment or scan: `Succeeded`/`Failed` at the end.
fn state_status(body: Value, key: &str) -> JobStatus {
    let status = text(&body, key).unwrap_or_else(|| "Unknown".to_owned());
    let done = matches!(status.as_str(), "Succeeded" | "Failed" | "Cancelled");
    JobStatus {
        succeeded: status == "Succeeded",
        percent_complete: body.get("percentComplete").and_then(Value::as_f64),
        status,
        body,
        done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_replace_the_last_segments() {
        let url = url::Url::parse("https://h/v1.0/myorg/groups/g/reports/r/ExportTo?x=1").unwrap();
        assert_eq!(
            sibling(&url, 1, &["exports", "e"]).as_str(),
            "https://h/v1.0/myorg/groups/g/reports/r/exports/e"
        );
        let status = url::Url::parse("https://h/v1.0/myorg/admin/workspaces/scanStatus/s").unwrap();
        assert_eq!(
            sibling(&status, 2, &["scanResult", "s"]).as_str(),
            "https://h/v1.0/myorg/admin/workspaces/scanResult/s"
        );
    }

    #[test]
    fn refresh_statuses() {
        assert!(!refresh_status(serde_json::json!({"status": "Unknown"})).is_done());
        assert!(refresh_status(serde_json::json!({"status": "Completed"})).succeeded());
        let failed = refresh_status(serde_json::json!({"status": "Failed"}));
        assert!(failed.is_done() && !failed.succeeded());
    }
}
