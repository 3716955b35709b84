//! Fabric's two long-running protocols, as [`Job`] kinds:
//!
//! - **Fabric operation** ([`LongRunning::FabricOperation`]): the start answers `202` with
//!   `x-ms-operation-id`, `Location` and `Retry-After`; the job polls
//!   `{fabric}/v1/operations/{id}` (`NotStarted`, `Running`, `Succeeded`, `Failed`; `Undefined`
//!   counts as not ended: a mutation is reported done only when the service says so) and,
//!   once `Succeeded`, [`Job::result`] reads `{fabric}/v1/operations/{id}/result`. A start
//!   answered `200` or `201` was complete: its body is the result.
//! - For both, [`Job::wait`] first waits the start answer's `Retry-After` (capped by
//!   [`Job::max_retry_after`]), as Fabric asks, before its first poll; [`Job::poll`] polls at once.
//! - **Job instance** ([`LongRunning::JobInstance`]): a run on demand answers `202` with the
//!   `Location` of the job instance, polled there until `Completed`, `Failed`, `Cancelled` or
//!   `Deduped` (another run of the same job was already going: ended, not succeeded);
//!   [`Job::cancel`] posts to its `cancel`.
//!
//! A `Location` is followed only on the Fabric API's own origin (where the Fabric token goes);
//! one elsewhere is an [`Error::Unusable`] and nothing is sent there.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::answers::{header, request_id_of, sibling, text};
use super::{Job, JobStatus, NextPoll};
use crate::request::api_error::api_error_in_answer;
use crate::request::{RequestBuilder, Response};
use crate::{Error, LongRunning, Result};

/// Where a started Fabric operation is polled: `/v1/operations/{id}` on the Fabric base, the
/// id from `x-ms-operation-id`, else from a `Location` naming an operation.
#[inline]
pub(super) fn operation_poll(
    operation: &'static str,
    request: &RequestBuilder,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    location: Option<url::Url>,
) -> Result<(Option<String>, NextPoll)> {
    if status != 202 {
        return Ok((None, NextPoll::Finished));
    }
    let from_location = location.as_ref().and_then(|location| {
        let mut segments = location.path_segments()?.rev();
        let id = segments.next()?;
        (segments.next() == Some("operations")).then(|| id.to_owned())
    });
    let id = header(headers, "x-ms-operation-id")
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .or(from_location)
        .ok_or_else(|| Error::Unusable {
            operation,
            field: "x-ms-operation-id".to_owned(),
            message: "the service accepted the request (202) without an operation id to follow it by; it may still run".to_owned(),
            request_id: request_id_of(headers),
        })?;
    let Some(mut url) = request.link_base().cloned() else {
        return Err(request.url().err().unwrap_or_else(|| {
            Error::Config("no Fabric API base to poll the operation at".to_owned())
        }));
    };
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty()
            .extend(["v1", "operations", id.as_str()]);
    }
    Ok((Some(id), NextPoll::Status(url)))
}

/// Where a started job instance is polled: its `Location`, which a `202` must carry.
#[inline]
pub(super) fn instance_poll(
    operation: &'static str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    location: Option<url::Url>,
) -> Result<(Option<String>, NextPoll)> {
    match (status, location) {
        (202, Some(location)) => {
            let id = location
                .path_segments()
                .and_then(|mut segments| segments.next_back().map(str::to_owned))
                .filter(|id| !id.is_empty());
            Ok((id, NextPoll::Status(location)))
        }
        _ => Err(Error::Unusable {
            operation,
            field: "Location".to_owned(),
            message: format!(
                "the service answered the job run {status} without the Location of its job instance; the job may still run"
            ),
            request_id: request_id_of(headers),
        }),
    }
}

/// A job instance's state: `Completed` succeeded; `Failed`, `Cancelled` and `Deduped` ended.
#[inline]
pub(super) fn instance_status(body: Value) -> JobStatus {
    let status = text(&body, "status").unwrap_or_else(|| "Unknown".to_owned());
    let done = matches!(
        status.as_str(),
        "Completed" | "Failed" | "Cancelled" | "Deduped"
    );
    JobStatus {
        succeeded: status == "Completed",
        percent_complete: None,
        status,
        body,
        done,
    }
}

impl Job {
    /// Why a Fabric operation or job instance that ended without success failed: its `error`
    /// (operation) or `failureReason` (job instance) as an [`Error::Api`] (status: the poll's
    /// `200`; code, message and hint from the document), or a plain one naming the state when
    /// it carries none. `None` while it runs, after success, and for other kinds.
    #[inline]
    pub fn failure(&self) -> Option<Error> {
        let last = self
            .last
            .as_ref()
            .filter(|last| last.done && !last.succeeded)?;
        let field = match self.kind {
            LongRunning::FabricOperation => "error",
            LongRunning::JobInstance => "failureReason",
            _ => return None,
        };
        let what = match self.kind {
            LongRunning::JobInstance => "job instance",
            _ => "long-running operation",
        };
        let id = self.id.as_deref().unwrap_or("-");
        let request = format!("{what} {id} ended {}", last.status);
        let empty = Value::Object(Default::default());
        let document = last.body.get(field).filter(|value| value.is_object());
        let mut error = api_error_in_answer(
            self.start.operation_name(),
            request,
            200,
            document.unwrap_or(&empty),
            text(&last.body, "rootActivityId"),
            self.start.client().identity_kind(),
        );
        if error.message.is_none() {
            error.message = Some(format!("the {what} ended {}", last.status));
        }
        Some(Error::Api(Box::new(error)))
    }

    /// The result of a Fabric operation, decoded as `T` under the client's decode policy:
    /// waits first if it has not ended; a failure is the [`Job::failure`] error. A start
    /// answered `200`/`201` was complete and its body is the result; otherwise
    /// `/v1/operations/{id}/result` is read (only operations whose documentation shows a
    /// result have one: for the others use [`Job::wait`]).
    pub async fn result<T: DeserializeOwned>(&mut self) -> Result<T> {
        let operation = self.start.operation_name();
        self.result_answer().await?.decode(operation)
    }

    /// The operation's result, read but not decoded: the `/result` answer, or the start's own
    /// answer (the bytes it came as). Not generic, so the generated methods that wait for a
    /// result share one compiled future (see [`RequestBuilder::send_lro`]).
    #[inline]
    pub(crate) async fn result_answer(&mut self) -> Result<Response> {
        match self.fabric_result_url().await? {
            Some(url) => self.start.follow(reqwest::Method::GET, url).send().await,
            None => Ok(Response::immediate(
                self.initial_bytes.clone(),
                self.start.client().decode_settings().clone(),
            )),
        }
    }

    /// Waits for the operation to end; its failure is the error; then where its result is
    /// (`None`: the start's own answer was the result).
    #[inline]
    async fn fabric_result_url(&mut self) -> Result<Option<url::Url>> {
        let operation = self.start.operation_name();
        if self.kind != LongRunning::FabricOperation {
            return Err(Error::InvalidRequest(format!(
                "{operation}: only a Fabric long-running operation has a result"
            )));
        }
        if !self.last.as_ref().is_some_and(JobStatus::is_done) {
            self.wait().await?;
        }
        if let Some(error) = self.failure() {
            return Err(error);
        }
        Ok(match &self.next_poll {
            NextPoll::Status(url) => Some(sibling(url, 0, &["result"])),
            _ => None,
        })
    }

    /// The result of a Fabric operation as the service sent it, undecoded (as
    /// [`Job::result`], for a binary result such as a dataflow query's Apache Arrow stream, or
    /// a caller that reads a large result its own way). A start answered `200`/`201` was
    /// complete and its body (read whole up to 16 MiB, like every answer a job reads) is the
    /// result. Otherwise it is read whole
    /// within the start request's [`max_response_size`](RequestBuilder::max_response_size)
    /// (else the client's limit), as a large transfer (only the idle timeout applies).
    #[inline]
    pub async fn result_bytes(&mut self) -> Result<bytes::Bytes> {
        match self.fabric_result_url().await? {
            Some(url) => {
                let response = self
                    .start
                    .follow(reqwest::Method::GET, url)
                    .large_transfer()
                    .send()
                    .await?;
                Ok(response.body)
            }
            // The start's own answer, as it was sent (a binary result stays binary).
            None => Ok(self.initial_bytes.clone()),
        }
    }

    /// Waits for a Fabric operation or job instance and turns an end without success into
    /// its [`Job::failure`] error.
    #[inline]
    pub async fn wait_succeeded(&mut self) -> Result<JobStatus> {
        let status = self.wait().await?;
        match self.failure() {
            Some(error) => Err(error),
            None => Ok(status),
        }
    }

    /// Cancels a job instance (`POST {instance}/cancel`; the service answers `202` and the
    /// instance ends `Cancelled`): poll or wait to see it end.
    #[inline]
    pub(super) async fn cancel_instance(&self, url: &url::Url) -> Result<()> {
        let cancel = sibling(url, 0, &["cancel"]);
        self.start
            .follow(reqwest::Method::POST, cancel)
            .send_empty()
            .await
    }
}
