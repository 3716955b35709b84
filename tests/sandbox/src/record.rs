//! The recording layer: every request the sandbox receives (Power BI API and token endpoint
//! alike), as it arrived on the wire, kept in arrival order so tests can check exactly what a
//! client sent.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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
    /// The body's bytes (empty when there is none). Of a streamed upload (a multipart file
    /// or a blob block) only the first 4 KiB are kept, and the rest streams on unbuffered.
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

    /// Whether this request went to the Fabric API (`/v1/...`).
    pub fn is_fabric(&self) -> bool {
        self.path.starts_with("/v1/")
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

/// Middleware recording the request in `recorder`, then passing it on unchanged.
pub(crate) async fn record(
    State(recorder): State<Arc<Recorder>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let streamed = parts.uri.path().starts_with("/blob/")
        || parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(b"multipart/form-data"));
    if streamed {
        return record_streamed(&recorder, parts, body, next).await;
    }
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(error) => {
            return ApiError::invalid(format!("The request body cannot be read: {error}"))
                .into_response();
        }
    };
    recorder.push(recorded(&parts, bytes.to_vec()));
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

impl From<crate::raw::RawRequest> for RecordedRequest {
    /// A raw server's request as the sandbox records one: path and query apart, the
    /// secret-bearing headers left out.
    fn from(request: crate::raw::RawRequest) -> RecordedRequest {
        let (path, query) = match request.target.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (request.target, None),
        };
        let headers = request
            .headers
            .into_iter()
            .filter(|(name, _)| !SECRET_HEADERS.contains(&name.as_str()))
            .collect();
        RecordedRequest {
            method: request.method,
            path,
            query,
            headers,
            body: request.body,
        }
    }
}

/// What is kept of a request: everything but the secret-bearing headers, with `body`.
fn recorded(parts: &axum::http::request::Parts, body: Vec<u8>) -> RecordedRequest {
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
    RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body,
    }
}

/// Records a streamed upload with its first 4 KiB and passes the whole body on as a stream,
/// never holding it (uploads of hundreds of MiB go through here).
async fn record_streamed(
    recorder: &Recorder,
    parts: axum::http::request::Parts,
    body: Body,
    next: Next,
) -> Response {
    use futures::StreamExt;
    const PREFIX: usize = 4096;
    let mut stream = body.into_data_stream();
    let mut head: Vec<axum::body::Bytes> = Vec::new();
    let mut kept = 0;
    while kept < PREFIX {
        match stream.next().await {
            Some(Ok(chunk)) => {
                kept += chunk.len();
                head.push(chunk);
            }
            Some(Err(error)) => {
                return ApiError::invalid(format!("The request body cannot be read: {error}"))
                    .into_response();
            }
            None => break,
        }
    }
    let mut prefix: Vec<u8> = head
        .iter()
        .flat_map(|chunk| chunk.iter().copied())
        .collect();
    prefix.truncate(PREFIX);
    recorder.push(recorded(&parts, prefix));
    let rest = futures::stream::iter(head.into_iter().map(Ok::<_, axum::Error>)).chain(stream);
    next.run(Request::from_parts(parts, Body::from_stream(rest)))
        .await
}
