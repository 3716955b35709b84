//! The recording layer: every request the sandbox receives (Power BI API and token endpoint
//! alike), as it arrived on the wire, kept in arrival order so tests can check exactly what a
//! client sent.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::wire::ApiError;

/// How many requests the log keeps; older ones are dropped first, so a long-running sandbox
/// does not grow without bound.
const CAPACITY: usize = 10_000;

/// The largest request body the sandbox reads (imports upload whole files).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// Headers never recorded: they carry secrets, not facts about the request's shape.
const SECRET_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// One request as the sandbox received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method, upper case (`GET`, `POST`, ...).
    pub method: String,
    /// The path exactly as sent, percent-encoding included (`/v1.0/myorg/groups/...`).
    pub path: String,
    /// The query string exactly as sent, without the `?`; `None` when the URL has none.
    pub query: Option<String>,
    /// Every header but `Authorization`, `Cookie` and `Proxy-Authorization`, names in lower
    /// case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body's bytes (empty when there is none).
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Whether this request went to the Power BI API (rather than the token endpoint).
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/v1.0/")
    }
}

/// The request log.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    requests: Mutex<VecDeque<RecordedRequest>>,
}

impl Recorder {
    fn push(&self, request: RecordedRequest) {
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        if requests.len() == CAPACITY {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    /// Everything recorded so far, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        requests.iter().cloned().collect()
    }

    /// Forgets everything recorded so far.
    pub(crate) fn clear(&self) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// Middleware recording the request, then passing it on unchanged.
pub(crate) async fn record(State(app): State<App>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(error) => {
            return ApiError::invalid(format!("The request body cannot be read: {error}"))
                .into_response();
        }
    };
    let headers = parts
        .headers
        .iter()
        .filter(|(name, _)| !SECRET_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    app.recorder().push(RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body: bytes.to_vec(),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
