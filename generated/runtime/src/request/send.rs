//! The one send path every generated method, raw call, page and poll goes through: sign in,
//! send, renew an expired token once, and turn error answers into [`Error`].

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, FutureExt};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::RequestBuilder;
use super::api_error::{api_error_at, header, is_expired_token};
use crate::auth::Secret;
use crate::body::{BodyError, ERROR_BODY_BYTES, read_limited, read_prefix};
use crate::drift::DecodeSettings;
use crate::error::{cause_chain, source_of};
use crate::operation::Api;
use crate::retry::{Decision, Failure, FailureKind, GiveUp, RetryPolicy};
use crate::telemetry;
use crate::{ApiError, Error, Result, TimeoutKind};

impl RequestBuilder {
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
        whole(self.run(true).await?)
    }

    /// [`Self::send`] without boxing the call, for a future that is boxed whole anyway
    /// ([`super::Call`]'s sending, a [`super::BoxedCall`]): one allocation per call, not two.
    pub(super) async fn send_unboxed(&self) -> Result<Response> {
        whole(self.run_in_span(true).await?)
    }

    /// The whole call in its `powerbi.call` span (see [`crate::telemetry`]), boxed.
    ///
    /// Boxed because every future that sends holds this one across an `.await`, and the
    /// compiler proves `Send` for such a future through everything it holds: through the
    /// retries, the token and reqwest's own futures, again for every runtime function and
    /// extension that sends (up to 0.2 s of `cargo check` for one of them; measured in
    /// issue 13). A `dyn Future + Send` is `Send` by its type; the price is one allocation per
    /// call.
    fn run(&self, read_body: bool) -> BoxFuture<'_, Result<Answer>> {
        self.run_in_span(read_body).boxed()
    }

    /// [`Self::run`]'s work.
    async fn run_in_span(&self, read_body: bool) -> Result<Answer> {
        let began = Instant::now();
        let url = self.url();
        let method = self.method.as_str();
        let (operation, operation_id) = (self.operation_name(), self.operation_id());
        let call = telemetry::call_span(operation, operation_id, method, url.as_ref().ok());
        let attempts = AtomicU32::new(0);
        let result = match url {
            Ok(url) => {
                self.limited(&url, read_body, &call, &attempts)
                    .instrument(call.clone())
                    .await
            }
            Err(error) => Err(error),
        };
        call.record("powerbi.attempts", attempts.load(Ordering::Relaxed));
        call.record("powerbi.duration_ms", telemetry::millis(began.elapsed()));
        telemetry::outcome(&call, &result);
        match result {
            Ok(Answer::Whole(mut response)) => {
                response.span = call;
                Ok(Answer::Whole(response))
            }
            other => other,
        }
    }

    /// The retried call within the client's overall call timeout, when one is set.
    async fn limited(
        &self,
        url: &url::Url,
        read_body: bool,
        call: &tracing::Span,
        attempts: &AtomicU32,
    ) -> Result<Answer> {
        let client = &self.client;
        let work = self.execute_with_retries(url, read_body, call, attempts);
        match client.call_timeout() {
            Some(limit) => match tokio::time::timeout(limit, work).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout {
                    operation: self.operation_name(),
                    host: host_of(url),
                    after: limit,
                    limit: TimeoutKind::Call,
                    source: None,
                }),
            },
            None => work.await,
        }
    }

    async fn execute_with_retries(
        &self,
        url: &url::Url,
        read_body: bool,
        call: &tracing::Span,
        attempts: &AtomicU32,
    ) -> Result<Answer> {
        let operation = self.operation_name();
        if let Some(Err(message)) = &self.body {
            return Err(Error::InvalidRequest(format!(
                "{operation}: the body cannot be encoded: {message}"
            )));
        }
        let policy: &RetryPolicy = match &self.retry {
            Some(policy) => policy,
            None => self.client.retry_policy(),
        };
        let idempotent = match self.operation {
            Some(record) => record.is_idempotent(),
            None => !matches!(self.method, reqwest::Method::POST | reqwest::Method::PATCH),
        };
        let started = policy.elapsed();
        let mut attempt = 1u32;
        loop {
            attempts.store(attempt, Ordering::Relaxed);
            let span = telemetry::attempt_span(attempt);
            let tried = self.attempt(operation, url, policy, read_body, [call, &span]);
            let (error, failure) = match tried.instrument(span.clone()).await {
                Ok(response) => return Ok(response),
                Err(failed) => failed,
            };
            telemetry::failed(&span, &error);
            let Some(failure) = failure else {
                return Err(error);
            };
            match policy.decide(&failure, idempotent, attempt, started) {
                Decision::Retry(wait) => {
                    let reason = failure_reason(&failure);
                    let wait_ms = telemetry::millis(wait);
                    span.record("powerbi.retry.reason", reason);
                    span.record("powerbi.retry.wait_ms", wait_ms);
                    span.in_scope(|| {
                        tracing::warn!(
                            powerbi.operation = operation,
                            powerbi.attempt = attempt,
                            http.response.status_code = error.status().unwrap_or(0),
                            powerbi.request_id = error.request_id().unwrap_or("-"),
                            powerbi.retry.wait_ms = wait_ms,
                            powerbi.retry.reason = reason,
                            "retrying"
                        );
                    });
                    drop(span);
                    policy.sleep(wait).await;
                    attempt += 1;
                }
                Decision::GiveUp(reason) => {
                    if reason != GiveUp::NotRetryable {
                        span.in_scope(|| {
                            tracing::warn!(
                                powerbi.operation = operation,
                                powerbi.attempt = attempt,
                                http.response.status_code = error.status().unwrap_or(0),
                                powerbi.request_id = error.request_id().unwrap_or("-"),
                                retry_after_s = error.retry_after().map(|wait| wait.as_secs()),
                                why = ?reason,
                                "giving up"
                            );
                        });
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
        policy: &RetryPolicy,
        read_body: bool,
        spans: [&tracing::Span; 2],
    ) -> std::result::Result<Answer, (Error, Option<Failure>)> {
        let client = &self.client;
        let rules = client.transport_rules();
        let began = Instant::now();
        // Where a redirect led, once one did; until then the request's own URL.
        let mut redirected: Option<url::Url> = None;
        let mut method = self.method.clone();
        let mut with_body = true;
        let mut redirects = 0usize;
        let mut renewed = false;
        loop {
            let url = redirected.as_ref().unwrap_or(start);
            if !rules.may_call(url) {
                return Err((refused(operation, url), None));
            }
            let token = if self.sees_token(url) {
                Some(
                    client
                        .token_for(self.api)
                        .await
                        .map_err(|error| (error, None))?,
                )
            } else {
                None
            };
            let response = self
                .send_once(operation, &method, url, token.as_ref(), with_body, began)
                .await?;
            let status = response.status();
            answered(spans, status.as_u16(), response.headers());
            if status.is_success() {
                if !read_body {
                    return Ok(Answer::Streaming(response));
                }
                return self.read_whole(operation, url, began, response).await;
            }
            if status.is_redirection()
                && let Some(location) = header(response.headers(), "Location")
            {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err((too_many_redirects(operation, url), None));
                }
                let next =
                    self.redirect(operation, url, status, &location, &mut method, read_body)?;
                if status.as_u16() == 303 {
                    // "See other": the answer is elsewhere, fetched with a GET and no body.
                    with_body = false;
                }
                redirected = Some(next);
                continue;
            }
            let error = self
                .read_error(operation, &method, url, began, policy, response)
                .await?;
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
                retriable: error.is_retriable,
            };
            return Err((Error::Api(Box::new(error)), Some(failure)));
        }
    }

    /// Builds and sends the request once to `url`; a transport failure says whether the
    /// request left (for the retry policy).
    async fn send_once(
        &self,
        operation: &'static str,
        method: &reqwest::Method,
        url: &url::Url,
        token: Option<&Secret>,
        with_body: bool,
        began: Instant,
    ) -> std::result::Result<reqwest::Response, (Error, Option<Failure>)> {
        let request = self
            .prepare(method, url, token, with_body)
            .await
            .map_err(|error| (error, None))?;
        tracing::debug!(
            powerbi.operation = operation,
            http.request.method = method.as_str(),
            server.address = url.host_str(),
            url.path = url.path(),
            "sending"
        );
        request.send().await.map_err(|error| {
            let kind = if error.is_connect() {
                FailureKind::NotSent
            } else {
                FailureKind::Unanswered
            };
            self.lost(operation, url, began, error, kind)
        })
    }

    /// Reads an error answer (its first [`ERROR_BODY_BYTES`] only) into an [`ApiError`].
    async fn read_error(
        &self,
        operation: &'static str,
        method: &reqwest::Method,
        url: &url::Url,
        began: Instant,
        policy: &RetryPolicy,
        mut response: reqwest::Response,
    ) -> std::result::Result<ApiError, (Error, Option<Failure>)> {
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let (body, _truncated) = read_prefix(response, ERROR_BODY_BYTES)
            .await
            .map_err(|error| self.lost(operation, url, began, error, FailureKind::Unanswered))?;
        Ok(api_error_at(
            operation,
            method,
            url,
            status,
            &headers,
            &body,
            self.operation,
            self.client.identity_kind(),
            policy.wall_clock(),
        ))
    }

    /// The reqwest request for one hop: timeout, token and headers (only where the token may
    /// go), and the body unless a redirect dropped it.
    async fn prepare(
        &self,
        method: &reqwest::Method,
        url: &url::Url,
        token: Option<&Secret>,
        with_body: bool,
    ) -> Result<reqwest::RequestBuilder> {
        let client = &self.client;
        let mut request = client.http().request(method.clone(), url.clone());
        if let Some(timeout) = self.request_timeout() {
            request = request.timeout(timeout);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token.expose());
            if let Some(profile) = client.profile().filter(|_| self.api == Api::PowerBi) {
                request = request.header("X-PowerBI-Profile-Id", profile.to_string());
            }
            for (name, value) in &self.headers {
                request = request.header(name.as_ref(), value);
            }
        }
        if !with_body {
            return Ok(request);
        }
        if let Some(Ok(body)) = &self.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        if let Some(file) = &self.file {
            request = file.attach(request).await?;
        }
        Ok(request)
    }

    /// Reads a successful answer whole, within the response size limit.
    async fn read_whole(
        &self,
        operation: &'static str,
        url: &url::Url,
        began: Instant,
        mut response: reqwest::Response,
    ) -> std::result::Result<Answer, (Error, Option<Failure>)> {
        // Taken, not cloned: reading the body needs only the body.
        let headers = std::mem::take(response.headers_mut());
        let limit = self
            .max_response_bytes
            .unwrap_or_else(|| self.client.max_response_bytes());
        match read_limited(response, limit).await {
            Ok(body) => Ok(Answer::Whole(Response {
                headers,
                body,
                decoding: self.client.decode_settings().clone(),
                span: tracing::Span::none(),
            })),
            Err(BodyError::TooLarge { limit, declared }) => Err((
                Error::ResponseTooLarge {
                    operation,
                    host: host_of(url),
                    limit,
                    declared,
                },
                None,
            )),
            Err(BodyError::Read(error)) => {
                Err(self.lost(operation, url, began, error, FailureKind::Unanswered))
            }
        }
    }

    /// Checks a redirect and returns where it leads, turning `method` into a GET for a 303.
    ///
    /// Only a streamed download (`whole_answer` false) may follow a GET to a host that is not a
    /// Power BI host of the cloud (without the token: files may live in storage elsewhere); a
    /// JSON answer is taken only from the hosts the token goes to, so that no other host can
    /// put items into a listing or answer in the service's name.
    ///
    /// RFC 9110 for every method: 301, 302, 307 and 308 re-send the same method and body to
    /// the new location (the historical POST-to-GET rewrite of 301 and 302 is not made: a GET's
    /// answer would be reported as the POST's success although the POST never happened); 303
    /// means the service did the work and the answer is elsewhere, fetched with a GET.
    fn redirect(
        &self,
        operation: &'static str,
        url: &url::Url,
        status: reqwest::StatusCode,
        location: &str,
        method: &mut reqwest::Method,
        whole_answer: bool,
    ) -> std::result::Result<url::Url, (Error, Option<Failure>)> {
        let rules = self.client.transport_rules();
        let refused = |message: String| {
            (
                Error::Transport {
                    operation,
                    host: host_of(url),
                    message,
                    source: None,
                },
                None,
            )
        };
        let next = url.join(location).map_err(|error| {
            refused(format!(
                "the service answered {} with an unusable Location: {error}",
                status.as_u16()
            ))
        })?;
        if status.as_u16() == 303 && *method != reqwest::Method::HEAD {
            *method = reqwest::Method::GET;
        }
        let next_host = host_of(&next);
        if !rules.may_call(&next) {
            return Err(refused(format!(
                "redirect to {}://{next_host} refused: only https is followed",
                next.scheme()
            )));
        }
        let sees_token = self.sees_token(&next);
        if !sees_token && !matches!(*method, reqwest::Method::GET | reqwest::Method::HEAD) {
            return Err(refused(format!(
                "redirect of a {method} to {next_host}, which is not a Power BI host of the configured cloud, refused"
            )));
        }
        if !sees_token && whole_answer {
            return Err(refused(format!(
                "redirect to {next_host} refused: answers are taken only from the Power BI hosts of the configured cloud (file downloads excepted)"
            )));
        }
        tracing::debug!(
            powerbi.operation = operation,
            http.response.status_code = status.as_u16(),
            to = next_host.as_str(),
            token = sees_token,
            "following redirect"
        );
        Ok(next)
    }

    /// A request that got no (complete) answer: which limit ran out, or what broke.
    fn lost(
        &self,
        operation: &'static str,
        url: &url::Url,
        began: Instant,
        error: reqwest::Error,
        kind: FailureKind,
    ) -> (Error, Option<Failure>) {
        let error = if error.is_timeout() {
            let (limit, after) = self.timeout_that_fired(began.elapsed());
            Error::Timeout {
                operation,
                host: host_of(url),
                after,
                limit,
                source: source_of(error),
            }
        } else {
            transport(operation, &host_of(url), error)
        };
        (
            error,
            Some(Failure {
                kind,
                retry_after: None,
                retriable: None,
            }),
        )
    }

    /// Which of the two per-request limits fired after `elapsed`: a large transfer has only
    /// the idle timeout; otherwise the request timeout when its time has passed, else the idle
    /// timeout (no byte for that long).
    fn timeout_that_fired(&self, elapsed: Duration) -> (TimeoutKind, Duration) {
        let idle = self.client.idle_timeout();
        match self.request_timeout() {
            Some(total) if elapsed >= total || idle >= total => (TimeoutKind::Request, total),
            _ => (TimeoutKind::Idle, idle),
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
}

enum Answer {
    Streaming(reqwest::Response),
    Whole(Response),
}

/// Redirects followed per attempt.
const MAX_REDIRECTS: usize = 10;

/// The host of `url` for an error message (built only when there is an error to report).
/// The error for a URL the transport rules forbid (nothing was sent).
fn refused(operation: &'static str, url: &url::Url) -> Error {
    Error::InvalidRequest(format!(
        "{operation}: refusing to call {}://{}: only https is allowed (plain http only to the configured loopback sandbox, after allow_insecure_loopback())",
        url.scheme(),
        host_of(url)
    ))
}

/// The error for a chain of redirects longer than [`MAX_REDIRECTS`].
fn too_many_redirects(operation: &'static str, url: &url::Url) -> Error {
    Error::Transport {
        operation,
        host: host_of(url),
        message: format!("more than {MAX_REDIRECTS} redirects"),
        source: None,
    }
}

fn host_of(url: &url::Url) -> String {
    url.host_str().unwrap_or_default().to_owned()
}

/// Records an answer's status and `RequestId` on the call and attempt spans, and logs it.
fn answered(spans: [&tracing::Span; 2], status: u16, headers: &reqwest::header::HeaderMap) {
    let request_id = header(headers, "RequestId");
    for span in spans {
        span.record("http.response.status_code", status);
        if let Some(request_id) = &request_id {
            span.record("powerbi.request_id", request_id.as_str());
        }
    }
    tracing::debug!(
        http.response.status_code = status,
        powerbi.request_id = request_id.as_deref().unwrap_or("-"),
        "answered"
    );
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
    /// How the client decodes answers.
    pub(crate) decoding: DecodeSettings,
    /// The call's span: decoding happens in it, and a decode failure is recorded on it.
    pub(crate) span: tracing::Span,
}

impl Response {
    /// An answer that came without a request of its own: a long-running operation's start
    /// answered `200`/`201`, whose body is its result (no headers, no span of its own).
    pub(crate) fn immediate(body: bytes::Bytes, decoding: DecodeSettings) -> Response {
        Response {
            headers: reqwest::header::HeaderMap::new(),
            body,
            decoding,
            span: tracing::Span::none(),
        }
    }

    /// Decodes the body under the client's decode policy (see [`crate::drift`]).
    pub(crate) fn decode<T: DeserializeOwned>(&self, operation: &'static str) -> Result<T> {
        let request_id = header(&self.headers, "RequestId");
        let decoded = self.span.in_scope(|| {
            self.decoding
                .decode(operation, request_id.as_deref(), &self.body)
        });
        telemetry::outcome(&self.span, &decoded);
        decoded
    }
}

/// A transport failure that is not a timeout, as an [`Error::Transport`].
pub(crate) fn transport(operation: &'static str, host: &str, error: reqwest::Error) -> Error {
    // reqwest's Display names the URL, whose query may carry filters; keep the cause chain.
    let message = cause_chain(&error);
    Error::Transport {
        operation,
        host: host.to_owned(),
        message,
        source: source_of(error),
    }
}

/// The answer of a call that asked for the whole body.
fn whole(answer: Answer) -> Result<Response> {
    match answer {
        Answer::Whole(response) => Ok(response),
        Answer::Streaming(_) => unreachable!("the body was asked for"),
    }
}
