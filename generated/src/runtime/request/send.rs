//! The one send path every generated method, raw call, page and poll goes through: sign in,
//! send, renew an expired token once, and turn error answers into [`Error`].

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::RequestBuilder;
use super::api_error::{api_error_at, header, is_expired_token};
use crate::runtime::Error;
use crate::runtime::Result;
use crate::runtime::error::cause_chain;
use crate::runtime::retry::{Decision, Failure, FailureKind, GiveUp, RetryPolicy};

impl RequestBuilder<'_> {
    /// Sends the request and returns the successful answer with its body not yet read, so a
    /// caller can stream it (downloads) or read it whole ([`RequestBuilder::send`]).
    ///
    /// Takes `&self`: the same request can be sent again (pages, polls, retries). Every
    /// attempt goes through the client's [`RetryPolicy`] (or this request's), and the whole
    /// call through the client's overall call timeout, when one is set.
    #[allow(dead_code)] // the streaming entry point (file downloads)
    pub(crate) async fn execute(&self) -> Result<reqwest::Response> {
        match self.run(false).await? {
            Answer::Streaming(response) => Ok(response),
            Answer::Whole(_) => unreachable!("only asked-for bodies are read"),
        }
    }

    /// Sends the request and reads the whole successful answer; a connection lost while the
    /// body arrives counts as a failed attempt (retried when the call is idempotent).
    pub(crate) async fn send(&self) -> Result<Response> {
        match self.run(true).await? {
            Answer::Whole(response) => Ok(response),
            Answer::Streaming(_) => unreachable!("the body was asked for"),
        }
    }

    async fn run(&self, read_body: bool) -> Result<Answer> {
        let client = self.client;
        match client.call_timeout() {
            Some(limit) => {
                match tokio::time::timeout(limit, self.execute_with_retries(read_body)).await {
                    Ok(result) => result,
                    Err(_) => Err(Error::Timeout {
                        operation: self.operation_name(),
                        host: client.api_base().host_str().unwrap_or_default().to_owned(),
                        after: limit,
                    }),
                }
            }
            None => self.execute_with_retries(read_body).await,
        }
    }

    async fn execute_with_retries(&self, read_body: bool) -> Result<Answer> {
        let operation = self.operation_name();
        let url = self.url()?;
        let body = match &self.body {
            Some(Ok(body)) => Some(body.as_slice()),
            Some(Err(message)) => {
                return Err(Error::InvalidRequest(format!(
                    "{operation}: the body cannot be encoded: {message}"
                )));
            }
            None => None,
        };
        let policy: &RetryPolicy = match &self.retry {
            Some(policy) => policy,
            None => self.client.retry_policy(),
        };
        let idempotent = match self.operation {
            Some(spec) => spec.is_idempotent(),
            None => !matches!(self.method, reqwest::Method::POST | reqwest::Method::PATCH),
        };
        let started = policy.elapsed();
        let mut attempt = 1u32;
        loop {
            let (error, failure) =
                match self.attempt(operation, &url, body, policy, read_body).await {
                    Ok(response) => return Ok(response),
                    Err(failed) => failed,
                };
            let Some(failure) = failure else {
                return Err(error);
            };
            match policy.decide(&failure, idempotent, attempt, started) {
                Decision::Retry(wait) => {
                    tracing::warn!(
                        operation,
                        attempt,
                        status = error.status().unwrap_or(0),
                        request_id = error.request_id().unwrap_or("-"),
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        reason = failure_reason(&failure),
                        "retrying"
                    );
                    policy.sleep(wait).await;
                    attempt += 1;
                }
                Decision::GiveUp(reason) => {
                    if reason != GiveUp::NotRetryable {
                        tracing::warn!(
                            operation,
                            attempt,
                            status = error.status().unwrap_or(0),
                            request_id = error.request_id().unwrap_or("-"),
                            retry_after_s = error.retry_after().map(|wait| wait.as_secs()),
                            why = ?reason,
                            "giving up"
                        );
                    }
                    return Err(error);
                }
            }
        }
    }

    /// One attempt: sign in, send, follow redirects, renew an expired token once. A failure
    /// comes with what the retry policy needs to know, or `None` when no retry can help.
    async fn attempt(
        &self,
        operation: &'static str,
        start: &url::Url,
        body: Option<&[u8]>,
        policy: &RetryPolicy,
        read_body: bool,
    ) -> std::result::Result<Answer, (Error, Option<Failure>)> {
        let client = self.client;
        let rules = client.transport_rules();
        // Where a redirect led, once one did; until then the request's own URL.
        let mut redirected: Option<url::Url> = None;
        let mut method = self.method.clone();
        let mut with_body = true;
        let mut redirects = 0usize;
        let mut renewed = false;
        loop {
            let url = redirected.as_ref().unwrap_or(start);
            if !rules.may_call(url) {
                return Err((
                    Error::InvalidRequest(format!(
                        "{operation}: refusing to call {}://{}: only https is allowed (plain http only to the configured loopback sandbox, after allow_insecure_loopback())",
                        url.scheme(),
                        host_of(url)
                    )),
                    None,
                ));
            }
            let trusted = rules.may_see_token(url);
            let token = if trusted {
                Some(client.token().await.map_err(|error| (error, None))?)
            } else {
                None
            };
            let mut request = client.http().request(method.clone(), url.clone());
            if let Some(timeout) = self.request_timeout() {
                request = request.timeout(timeout);
            }
            if let Some(token) = &token {
                request = request.bearer_auth(token.expose());
                if let Some(profile) = client.profile() {
                    request = request.header("X-PowerBI-Profile-Id", profile.to_string());
                }
                for (name, value) in &self.headers {
                    request = request.header(name.as_ref(), value);
                }
            }
            if with_body {
                if let Some(body) = body {
                    request = request
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.to_vec());
                }
                if let Some(file) = &self.file {
                    request = request.multipart(file.form().await.map_err(|error| (error, None))?);
                }
            }
            tracing::debug!(operation, method = %method, path = url.path(), "sending");
            let mut response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    let kind = if error.is_connect() {
                        FailureKind::NotSent
                    } else {
                        FailureKind::Unanswered
                    };
                    let error =
                        transport(operation, &host_of(url), self.timeout_for_errors(), error);
                    return Err((
                        error,
                        Some(Failure {
                            kind,
                            retry_after: None,
                        }),
                    ));
                }
            };
            let status = response.status();
            tracing::debug!(
                operation,
                status = status.as_u16(),
                request_id = header(response.headers(), "RequestId")
                    .as_deref()
                    .unwrap_or("-"),
                "answered"
            );
            if status.is_success() {
                if !read_body {
                    return Ok(Answer::Streaming(response));
                }
                // Taken, not cloned: reading the body needs only the body.
                let headers = std::mem::take(response.headers_mut());
                return match response.bytes().await {
                    Ok(body) => Ok(Answer::Whole(Response { headers, body })),
                    Err(error) => Err((
                        transport(operation, &host_of(url), self.timeout_for_errors(), error),
                        Some(Failure {
                            kind: FailureKind::Unanswered,
                            retry_after: None,
                        }),
                    )),
                };
            }
            if status.is_redirection()
                && let Some(location) = header(response.headers(), "Location")
            {
                redirects += 1;
                let next = url.join(&location).map_err(|error| {
                    (
                        Error::InvalidRequest(format!(
                            "{operation}: the service redirected to an invalid location: {error}"
                        )),
                        None,
                    )
                })?;
                if redirects > MAX_REDIRECTS {
                    return Err((
                        Error::Transport {
                            operation,
                            host: host_of(url),
                            message: format!("more than {MAX_REDIRECTS} redirects"),
                        },
                        None,
                    ));
                }
                // 307 and 308 re-send the method and body; the others turn a POST into a GET.
                let keeps_method = matches!(status.as_u16(), 307 | 308)
                    || method == reqwest::Method::GET
                    || method == reqwest::Method::HEAD;
                if !keeps_method {
                    method = reqwest::Method::GET;
                    with_body = false;
                }
                let next_host = next.host_str().unwrap_or_default().to_owned();
                if !rules.may_call(&next) {
                    return Err((
                        Error::Transport {
                            operation,
                            host: host_of(url),
                            message: format!(
                                "redirect to {}://{next_host} refused: only https is followed",
                                next.scheme()
                            ),
                        },
                        None,
                    ));
                }
                if !rules.may_see_token(&next)
                    && !matches!(method, reqwest::Method::GET | reqwest::Method::HEAD)
                {
                    return Err((
                        Error::Transport {
                            operation,
                            host: host_of(url),
                            message: format!(
                                "redirect of a {method} to {next_host}, which is not a Power BI host of the configured cloud, refused"
                            ),
                        },
                        None,
                    ));
                }
                tracing::debug!(
                    operation,
                    status = status.as_u16(),
                    to = next_host.as_str(),
                    token = rules.may_see_token(&next),
                    "following redirect"
                );
                redirected = Some(next);
                continue;
            }
            let headers = std::mem::take(response.headers_mut());
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(error) => {
                    let error =
                        transport(operation, &host_of(url), self.timeout_for_errors(), error);
                    return Err((
                        error,
                        Some(Failure {
                            kind: FailureKind::Unanswered,
                            retry_after: None,
                        }),
                    ));
                }
            };
            let error = api_error_at(
                operation,
                &method,
                url,
                status.as_u16(),
                &headers,
                &body,
                self.operation,
                client.identity_kind(),
                policy.wall_clock(),
            );
            if let Some(token) = &token
                && !renewed
                && is_expired_token(&error)
            {
                // The token expired early (or was revoked): forget it and try once more.
                client.invalidate_token(token);
                renewed = true;
                continue;
            }
            let failure = Failure {
                kind: FailureKind::Status(error.status),
                retry_after: error.retry_after,
            };
            return Err((Error::Api(Box::new(error)), Some(failure)));
        }
    }

    /// The per-request time limit: none for a large transfer (the client's idle timeout
    /// guards it), else the client's request timeout.
    fn request_timeout(&self) -> Option<Duration> {
        if self.large_transfer {
            None
        } else {
            Some(self.client.timeout())
        }
    }

    fn timeout_for_errors(&self) -> Duration {
        if self.large_transfer {
            self.client.idle_timeout()
        } else {
            self.client.timeout()
        }
    }
}

enum Answer {
    Streaming(reqwest::Response),
    Whole(Response),
}

/// Redirects followed per attempt.
const MAX_REDIRECTS: usize = 10;

/// The host of `url` for an error message (built only when there is an error to report).
fn host_of(url: &url::Url) -> String {
    url.host_str().unwrap_or_default().to_owned()
}

fn failure_reason(failure: &Failure) -> &'static str {
    match failure.kind {
        FailureKind::Status(429) => "throttled",
        FailureKind::Status(_) => "error status",
        FailureKind::NotSent => "could not connect",
        FailureKind::Unanswered => "no answer",
    }
}

/// A successful response.
pub(crate) struct Response {
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: bytes::Bytes,
}

impl Response {
    pub(crate) fn decode<T: DeserializeOwned>(&self, operation: &'static str) -> Result<T> {
        crate::runtime::decode_json(operation, &self.body).map_err(|mut error| {
            if let Error::Decode { request_id, .. } = &mut error
                && let Some(id) = header(&self.headers, "RequestId")
            {
                *request_id = id;
            }
            error
        })
    }
}

pub(crate) fn transport(
    operation: &'static str,
    host: &str,
    timeout: Duration,
    error: reqwest::Error,
) -> Error {
    if error.is_timeout() {
        return Error::Timeout {
            operation,
            host: host.to_owned(),
            after: timeout,
        };
    }
    // reqwest's Display names the URL, whose query may carry filters; keep the cause chain.
    let message = cause_chain(&error);
    Error::Transport {
        operation,
        host: host.to_owned(),
        message,
    }
}
