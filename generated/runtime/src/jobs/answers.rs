//! Reading what the service answers a long-running operation: headers (`Location`,
//! `Retry-After`, ids), bounded bodies, and the status fields of each kind.

use std::time::Duration;

use serde_json::Value;

use super::{JobStatus, MAX_JOB_ANSWER};
use crate::time::Time;
use crate::{Error, Result};

pub(super) use crate::request::api_error::header;

/// The answer's `RequestId`, or `-`, for errors.
#[inline]
pub(super) fn request_id_of(headers: &reqwest::header::HeaderMap) -> String {
    header(headers, "requestid").unwrap_or_else(|| "-".to_owned())
}

/// `Retry-After` (seconds or an HTTP date, read against `time`'s wall clock), at most `cap`.
#[inline]
pub(super) fn retry_after(
    headers: &reqwest::header::HeaderMap,
    cap: Duration,
    time: &Time,
) -> Option<Duration> {
    let text = header(headers, "retry-after")?;
    crate::time::parse_retry_after(&text, time.now()).map(|delay| delay.min(cap))
}

/// The `Location` of an answer: `None` when there is none; an error when there is one the
/// job cannot follow (not UTF-8, not a URL, no host, or a host the call's token would not be
/// sent to: a poll there would be answered by someone other than the service).
#[inline]
pub(super) fn location(
    operation: &'static str,
    headers: &reqwest::header::HeaderMap,
    url: &url::Url,
    sees_token: &dyn Fn(&url::Url) -> bool,
) -> Result<Option<url::Url>> {
    let Some(value) = headers.get(reqwest::header::LOCATION) else {
        return Ok(None);
    };
    let unusable = |why: &str| {
        Err(Error::Unusable {
            operation,
            field: "Location".to_owned(),
            message: format!(
                "the service accepted the request but its Location header {why}, so the operation cannot be followed; it may still run"
            ),
            request_id: request_id_of(headers),
        })
    };
    let Ok(text) = value.to_str() else {
        return unusable("is not ASCII text");
    };
    let Ok(location) = url.join(text.trim()) else {
        return unusable("is not a URL");
    };
    if location.host_str().is_none_or(str::is_empty) {
        return unusable("has no host");
    }
    if !sees_token(&location) {
        return unusable(&format!(
            "leads to {}://{}, which is not a host of the configured cloud this call's token goes to",
            location.scheme(),
            location.host_str().unwrap_or_default()
        ));
    }
    Ok(Some(location))
}

/// Reads a whole answer of at most [`MAX_JOB_ANSWER`] bytes, checked against
/// `Content-Length` first and while reading (the one bounded reader of [`super::body`]).
#[inline]
pub(super) async fn read_capped(
    operation: &'static str,
    host: &str,
    response: reqwest::Response,
) -> Result<Vec<u8>> {
    match crate::body::read_limited(response, MAX_JOB_ANSWER as u64).await {
        Ok(body) => Ok(body.to_vec()),
        Err(crate::body::BodyError::TooLarge { limit, declared }) => Err(Error::ResponseTooLarge {
            operation,
            host: host.to_owned(),
            limit,
            declared,
        }),
        Err(crate::body::BodyError::Read(error)) => Err(Error::Transport {
            operation,
            host: host.to_owned(),
            message: crate::error::cause_chain(&error),
            source: crate::error::source_of(error),
        }),
    }
}

#[inline]
pub(super) fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `url` with its last `segments` path segments replaced by `tail`.
#[inline]
pub(super) fn sibling(url: &url::Url, drop: usize, tail: &[&str]) -> url::Url {
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

#[inline]
pub(super) fn pending(status: &str, body: Value) -> JobStatus {
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
#[inline]
pub(super) fn refresh_status(body: Value) -> JobStatus {
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
#[inline]
pub(super) fn state_status(body: Value, key: &str) -> JobStatus {
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
