//! Long-running operations: every operation the spec marks `long_running` gets a sibling
//! `*_job` method that starts it and returns a [`Job`], a handle that polls the service until
//! the operation ends.
//!
//! `powerbi`'s `runtime` module documentation shows one: a dataset refresh, waited on with
//! progress and a time limit.
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
//! - **Fabric operation** and **job instance**: Fabric's protocols, see [`fabric`]
//!   (`/v1/operations/{id}` then its `result`; a job instance at its `Location`, cancellable).
//!
//! A job is never reported done unless the service said so: a `202 Accepted` whose
//! `Location` cannot be used (not a URL, not UTF-8, no host, or not a Power BI host of the
//! configured cloud, where the token goes) is an error, as is a POST answered 202 without a
//! `Location`, or an answer without the id a kind follows. These errors are
//! [`Error::Unusable`] naming the header or field: the operation may have started, but it cannot
//! be followed.
//!
//! Between polls the job waits its [`poll_interval`](Job::poll_interval) or the service's
//! `Retry-After` (seconds or an HTTP date), whichever is longer, on the client's sleeper and
//! clock ([`crate::time`]: a `ManualClock` in tests makes the polls instant).
//! `Retry-After` is honoured up to [`Job::max_retry_after`] (default
//! [`DEFAULT_MAX_RETRY_AFTER`], as for calls), never an hour per poll. Every wait has an overall limit, by default [`default_timeout`] of its kind
//! and overridable with [`Job::timeout`]; past it [`wait`](Job::wait) fails with
//! [`Error::Timeout`] (a poll still in flight at the limit is abandoned). Dropping the `wait`
//! future cancels waiting (the service's operation goes on; [`Job::cancel`] cancels an
//! enhanced refresh). Polls go through the one send path, so the client's retry policy
//! applies to them.
//!
//! The default limits, per kind:
//!
//! | kind | limit | why |
//! | --- | --- | --- |
//! | refresh | 5 h | the service itself stops a refresh after 2 h on shared capacity and 5 h on a Premium or Fabric capacity: waiting longer only watches a refresh that has already ended |
//! | export | 1 h | an export renders one report; one that has not finished in an hour is stuck, and its file would expire a day later anyway |
//! | import | 1 h | the upload is over before the job starts; the service then only processes the file |
//! | pipeline | 1 h | a deployment copies metadata, not data |
//! | scan | 30 min | one scan covers at most 100 workspaces and usually ends in seconds |
//! | poll (202 repeated) | 30 min | a status that changes in minutes |
//! | Fabric operation | 1 h | creating an item, updating a definition or a workspace from Git takes minutes |
//! | Fabric job instance | 12 h | a notebook or pipeline run: a pipeline activity's default timeout is 12 hours |

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::request::{BoxedCall, RequestBuilder};
use super::{Error, LongRunning, Result};

mod answers;
pub mod fabric;
mod typed;
mod wait;

pub use typed::TypedJob;

use answers::{
    header, location, pending, read_capped, refresh_status, request_id_of, retry_after, sibling,
    state_status, text,
};

/// The default time between polls.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The longest `Retry-After` a poll honours by default, as the client's calls do
/// ([`crate::RetryPolicy::max_retry_after`]).
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The largest answer a job reads whole when starting or polling a `202` (a status, an
/// export, an import): far above any such answer, far below what would hurt.
const MAX_JOB_ANSWER: usize = 16 * 1024 * 1024;

/// The least a scan result may be (see [`Job::scan_result`]): 1 GiB.
pub const SCAN_RESULT_BYTES: u64 = 1024 * 1024 * 1024;

/// The overall limit of a wait on a job of `kind` unless [`Job::timeout`] sets another; see
/// the table in the [module documentation](self) for why each is what it is.
#[inline]
pub fn default_timeout(kind: LongRunning) -> Duration {
    const MINUTE: u64 = 60;
    Duration::from_secs(match kind {
        LongRunning::Refresh => 5 * 60 * MINUTE,
        LongRunning::Export
        | LongRunning::Import
        | LongRunning::Pipeline
        | LongRunning::FabricOperation => 60 * MINUTE,
        LongRunning::JobInstance => 12 * 60 * MINUTE,
        LongRunning::Scan | LongRunning::Poll | LongRunning::None => 30 * MINUTE,
    })
}

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
    #[inline]
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Whether the operation ended successfully.
    #[inline]
    pub fn succeeded(&self) -> bool {
        self.succeeded
    }
}

#[derive(Clone)]
enum NextPoll {
    /// GET this URL; the body carries the status.
    Status(url::Url),
    /// GET the refresh history and find this request id.
    History { url: url::Url, request_id: String },
    /// GET this URL until it answers something other than 202.
    Accepted(url::Url),
    /// Nothing to poll: the start answer was final.
    Finished,
}

// Locations are the service's and may carry signed queries: Debug shows them without.
impl std::fmt::Debug for NextPoll {
    #[inline]
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NextPoll::Status(url) => f
                .debug_tuple("Status")
                .field(&super::redact::url(url))
                .finish(),
            NextPoll::History { url, request_id } => f
                .debug_struct("History")
                .field("url", &super::redact::url(url))
                .field("request_id", request_id)
                .finish(),
            NextPoll::Accepted(url) => f
                .debug_tuple("Accepted")
                .field(&super::redact::url(url))
                .finish(),
            NextPoll::Finished => f.write_str("Finished"),
        }
    }
}

/// A refresh is followed at its `Location` when enhanced (a body beyond `notifyOption`), else
/// in the refresh history by its request id; one that is neither cannot be followed.
#[inline]
fn refresh_poll(
    operation: &'static str,
    request: &RequestBuilder,
    headers: &reqwest::header::HeaderMap,
    url: &url::Url,
    location: Result<Option<url::Url>>,
) -> Result<(Option<String>, NextPoll)> {
    let enhanced = request
        .json_body_bytes()
        .and_then(|body| serde_json::from_slice::<Value>(body).ok())
        .and_then(|body| body.as_object().cloned())
        .is_some_and(|body| body.keys().any(|key| key != "notifyOption"));
    // An enhanced refresh is followed (and cancelled) at its Location: one that is there but
    // unusable is an error. A plain refresh only takes its id from it.
    let location = if enhanced {
        location?
    } else {
        location.ok().flatten()
    };
    let request_id = header(headers, "x-ms-request-id")
        .or_else(|| {
            location
                .as_ref()
                .and_then(|link| link.path_segments()?.next_back().map(str::to_owned))
        })
        .or_else(|| header(headers, "requestid"))
        .filter(|id| !id.trim().is_empty());
    let next_poll = match (&location, &request_id) {
        (Some(location), _) if enhanced => NextPoll::Status(location.clone()),
        (_, Some(request_id)) => {
            let mut history = url.clone();
            history.set_query(Some("$top=60"));
            NextPoll::History {
                url: history,
                request_id: request_id.clone(),
            }
        }
        _ => {
            return Err(Error::Unusable {
                operation,
                field: "x-ms-request-id".to_owned(),
                message:
                    "the service accepted the refresh but returned no refresh id to follow it by"
                        .to_owned(),
                request_id: request_id_of(headers),
            });
        }
    };
    Ok((request_id, next_poll))
}

/// An export, import, pipeline deployment or scan is polled at a sibling of the start URL
/// named by the id the answer carries: `.../reports/{id}/ExportTo` →
/// `.../reports/{id}/exports/{exportId}`, `.../admin/workspaces/getInfo` →
/// `.../admin/workspaces/scanStatus/{scanId}`.
#[inline]
fn status_poll(
    operation: &'static str,
    id: Option<String>,
    headers: &reqwest::header::HeaderMap,
    url: &url::Url,
    segment: &str,
) -> Result<(Option<String>, NextPoll)> {
    let id = id.ok_or_else(|| Error::Unusable {
        operation,
        field: "id".to_owned(),
        message: "the service accepted the request but its answer carries no id to follow the operation by; it may still run".to_owned(),
        request_id: request_id_of(headers),
    })?;
    let next_poll = NextPoll::Status(sibling(url, 1, &[segment, &id]));
    Ok((Some(id), next_poll))
}

/// A generic long-running answer: 202 is followed at its `Location` (or, for a GET, at the
/// same URL); anything else was final.
#[inline]
fn accepted_poll(
    operation: &'static str,
    request: &RequestBuilder,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    url: &url::Url,
    location: Option<url::Url>,
) -> Result<NextPoll> {
    match (status, location) {
        (202, Some(location)) => Ok(NextPoll::Accepted(location)),
        (202, None) if request.is_get() => Ok(NextPoll::Accepted(url.clone())),
        (202, None) => Err(Error::Unusable {
            operation,
            field: "Location".to_owned(),
            message: "the service accepted the request (202) without a Location to follow it at; it may still run".to_owned(),
            request_id: request_id_of(headers),
        }),
        _ => Ok(NextPoll::Finished),
    }
}

/// A started long-running operation. See the [module documentation](self).
#[must_use = "a job handle does nothing until waited on"]
#[derive(Debug, Clone)]
pub struct Job {
    kind: LongRunning,
    start: RequestBuilder,
    id: Option<String>,
    next_poll: NextPoll,
    initial: Value,
    /// The start answer's body as sent (bounded like every job answer): the result of a
    /// Fabric operation that answered at once with a binary body.
    initial_bytes: bytes::Bytes,
    interval: Duration,
    timeout: Duration,
    max_retry_after: Duration,
    max_restarts: u32,
    /// Fabric's kinds: the start answer's `Retry-After` (capped), which Fabric asks a client to
    /// wait before its first poll; [`Job::wait`] waits it once.
    first_wait: Option<Duration>,
    last: Option<JobStatus>,
}

impl Job {
    /// Sends `request` (the operation that starts the job) and returns the handle.
    ///
    /// A [`BoxedCall`] rather than an `async fn`: generated methods return it as
    /// `impl Future + Send`, and this keeps the compiler from proving `Send` through the
    /// starting coroutine once per method (see [`BoxedCall`]).
    #[doc(hidden)]
    #[inline]
    pub fn start(request: RequestBuilder, kind: LongRunning) -> BoxedCall<Job> {
        BoxedCall::new(Job::send_start(request, kind))
    }

    /// [`Job::start`]'s work.
    #[inline]
    async fn send_start(request: RequestBuilder, kind: LongRunning) -> Result<Job> {
        let operation = request.operation_name();
        let url = request.url()?;
        let response = request.execute().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let host = url.host_str().unwrap_or_default().to_owned();
        let bytes = read_capped(operation, &host, response).await?;
        let initial: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        let location = location(operation, &headers, &url, &|url| request.sees_token(url));
        let body_id = text(&initial, "id").filter(|id| !id.trim().is_empty());
        let (id, next_poll) = match kind {
            LongRunning::Refresh => refresh_poll(operation, &request, &headers, &url, location)?,
            LongRunning::Export => status_poll(operation, body_id, &headers, &url, "exports")?,
            LongRunning::Import => status_poll(operation, body_id, &headers, &url, "imports")?,
            LongRunning::Pipeline => status_poll(operation, body_id, &headers, &url, "operations")?,
            LongRunning::Scan => status_poll(operation, body_id, &headers, &url, "scanStatus")?,
            LongRunning::FabricOperation => {
                fabric::operation_poll(operation, &request, status, &headers, location?)?
            }
            LongRunning::JobInstance => {
                fabric::instance_poll(operation, status, &headers, location?)?
            }
            LongRunning::Poll | LongRunning::None => {
                let next_poll =
                    accepted_poll(operation, &request, status, &headers, &url, location?)?;
                (body_id, next_poll)
            }
        };
        let finished = matches!(next_poll, NextPoll::Finished);
        let first_wait = match kind {
            LongRunning::FabricOperation | LongRunning::JobInstance if !finished => {
                retry_after(&headers, DEFAULT_MAX_RETRY_AFTER, request.client().time())
            }
            _ => None,
        };
        Ok(Job {
            kind,
            start: request,
            id,
            next_poll,
            last: finished.then(|| JobStatus {
                status: "Succeeded".to_owned(),
                percent_complete: None,
                body: initial.clone(),
                done: true,
                succeeded: true,
            }),
            initial,
            initial_bytes: bytes::Bytes::from(bytes),
            interval: DEFAULT_POLL_INTERVAL,
            timeout: default_timeout(kind),
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            max_restarts: 3,
            first_wait,
        })
    }

    /// Time between polls (default [`DEFAULT_POLL_INTERVAL`]); a longer `Retry-After` wins.
    #[inline]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Fails [`wait`](Job::wait) with [`Error::Timeout`] once `timeout` has passed (default:
    /// [`default_timeout`] of the job's kind).
    #[inline]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The overall limit of [`wait`](Job::wait): [`Job::timeout`], or the kind's default.
    #[inline]
    pub fn time_limit(&self) -> Duration {
        self.timeout
    }

    /// The longest `Retry-After` a poll honours (default [`DEFAULT_MAX_RETRY_AFTER`]); a
    /// longer one waits this long.
    #[inline]
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// How many times an export that fails with `Retry-After` is started again (default 3).
    #[inline]
    pub fn max_restarts(mut self, restarts: u32) -> Self {
        self.max_restarts = restarts;
        self
    }

    /// The job's id: the refresh request id, export id, import id, operation id or scan id.
    #[inline]
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The body the starting call answered (the `Export`, `Import`, `ScanRequest`, ...).
    #[inline]
    pub fn initial(&self) -> &Value {
        &self.initial
    }

    /// The last status seen, if any poll happened.
    #[inline]
    pub fn last_status(&self) -> Option<&JobStatus> {
        self.last.as_ref()
    }

    #[inline]
    fn get(&self, url: &url::Url) -> RequestBuilder {
        self.start.follow(reqwest::Method::GET, url.clone())
    }

    /// One poll, without its span ([`Job::poll`] opens it).
    #[inline]
    async fn poll_once(&mut self) -> Result<(JobStatus, Option<Duration>)> {
        let operation = self.start.operation_name();
        // An HTTP-date `Retry-After` is read against the client's wall clock.
        let time = self.start.client().time();
        let (status, delay) = match &self.next_poll {
            NextPoll::Finished => {
                let last = self.last.clone().ok_or_else(|| {
                    Error::InvalidRequest(format!("{operation}: nothing to poll"))
                })?;
                (last, None)
            }
            NextPoll::History { url, request_id } => {
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
                (
                    status,
                    retry_after(&response.headers, self.max_retry_after, time),
                )
            }
            NextPoll::Status(url) => {
                let response = self.get(url).send().await?;
                let body: Value = response.decode(operation)?;
                let status = match self.kind {
                    LongRunning::Refresh => refresh_status(body),
                    LongRunning::Import => state_status(body, "importState"),
                    LongRunning::JobInstance => fabric::instance_status(body),
                    _ => state_status(body, "status"),
                };
                (
                    status,
                    retry_after(&response.headers, self.max_retry_after, time),
                )
            }
            NextPoll::Accepted(url) => {
                let response = self.get(url).execute().await?;
                let accepted = response.status().as_u16() == 202;
                let delay = retry_after(response.headers(), self.max_retry_after, time);
                let host = url.host_str().unwrap_or_default().to_owned();
                let bytes = read_capped(operation, &host, response).await?;
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

    /// Cancels an enhanced refresh (`DELETE` on its `Location`) or a Fabric job instance
    /// (`POST` to its `cancel`).
    #[inline]
    pub async fn cancel(&self) -> Result<()> {
        match (&self.kind, &self.next_poll) {
            (LongRunning::JobInstance, NextPoll::Status(url)) => self.cancel_instance(url).await,
            (LongRunning::Refresh, NextPoll::Status(url)) => {
                RequestBuilder::raw(self.start.client(), reqwest::Method::DELETE, String::new())
                    .absolute_url(url.clone())
                    .send()
                    .await
                    .map(drop)
            }
            _ => Err(Error::InvalidRequest(format!(
                "{}: only an enhanced refresh or a Fabric job instance can be cancelled",
                self.start.operation_name()
            ))),
        }
    }

    /// The URL of a finished job's file (export) or result (scan).
    #[inline]
    fn result_url(&self, what: &str) -> Result<url::Url> {
        match (&self.kind, &self.next_poll) {
            (LongRunning::Export, NextPoll::Status(url)) => Ok(sibling(url, 0, &["file"])),
            (LongRunning::Scan, NextPoll::Status(url)) => Ok(sibling(
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

    /// The result of a finished scan (`admin/workspaces/scanResult/{id}`), decoded as `T`
    /// under the client's decode policy: the generated `WorkspaceInfoResponse` (what
    /// `AdminClient::scan_workspaces` yields), or a `JsonValue` for the answer as sent.
    ///
    /// A scan of 100 workspaces with lineage, data source details and dataset schemas can be
    /// hundreds of MiB, so it is read up to [`SCAN_RESULT_BYTES`] (1 GiB) or the client's
    /// [`max_response_size`](crate::PowerBiClientBuilder::max_response_size), whichever is
    /// larger. It is held whole while decoded; split large tenants into smaller batches.
    pub async fn scan_result<T: serde::de::DeserializeOwned>(&mut self) -> Result<T> {
        if !self.last.as_ref().is_some_and(JobStatus::is_done) {
            self.wait().await?;
        }
        let url = self.result_url("scan result")?;
        let operation = self.start.operation_name();
        let limit = self
            .start
            .client()
            .max_response_bytes()
            .max(SCAN_RESULT_BYTES);
        self.get(&url)
            .max_response_size(limit)
            .send()
            .await?
            .decode(operation)
    }
}

#[cfg(test)]
mod tests;
