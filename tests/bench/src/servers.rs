//! The servers the client talks to: the sandbox in a child process (so the client's CPU
//! time is the client's alone), a sink that swallows uploads and a source of large exports.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::measure::Outcome;

/// A server running in a child process of this program; it stops when its stdin closes,
/// which dropping this does.
pub struct ChildServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl ChildServer {
    /// Starts `powerbi-bench <subcommand>` and waits for the base URL it prints.
    pub fn spawn(subcommand: &str) -> Outcome<ChildServer> {
        let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let mut child = Command::new(exe)
            .arg(subcommand)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the {subcommand} child: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("reading the {subcommand} child's address: {e}"))?;
        let base_url = line.trim().to_owned();
        if !base_url.starts_with("http://") {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "the {subcommand} child printed {base_url:?}, not its address"
            ));
        }
        Ok(ChildServer { child, base_url })
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Prints `url`, then blocks until stdin closes (the parent dropped its `ChildServer`).
fn announce_and_wait(url: &str) {
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{url}");
    let _ = stdout.flush();
    let mut sink = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
}

/// `powerbi-bench serve-sandbox`: the sandbox with its default (demo) configuration.
pub fn serve_sandbox() -> Outcome<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let sandbox = powerbi_sandbox::Sandbox::start()
            .await
            .map_err(|e| format!("the sandbox does not start: {e}"))?;
        let url = sandbox.base_url();
        tokio::task::spawn_blocking(move || announce_and_wait(&url))
            .await
            .map_err(|e| e.to_string())?;
        drop(sandbox);
        Ok(())
    })
}

/// A server on a runtime of this process, on a free loopback port; stops when dropped.
pub struct InProcessServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl InProcessServer {
    /// Serves `router` on `runtime`; `what` names the server in errors.
    fn start(
        runtime: &tokio::runtime::Runtime,
        router: axum::Router,
        what: &str,
    ) -> Outcome<InProcessServer> {
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .map_err(|e| format!("{what} cannot listen: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        runtime.spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(InProcessServer {
            base_url: format!("http://{address}"),
            _shutdown: shutdown,
        })
    }
}

/// A server that reads and drops every request body, answering like Power BI's Post Import
/// (`202 {"id": ...}`). Runs on `runtime` in this process: what is measured is the client
/// in a child process.
pub struct Sink;

impl Sink {
    pub fn start(runtime: &tokio::runtime::Runtime) -> Outcome<InProcessServer> {
        use axum::extract::{DefaultBodyLimit, Request};
        use futures::StreamExt;

        async fn swallow(
            request: Request,
        ) -> (axum::http::StatusCode, axum::Json<serde_json::Value>) {
            let mut body = request.into_body().into_data_stream();
            let mut received: u64 = 0;
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(chunk) => received += chunk.len() as u64,
                    Err(_) => break,
                }
            }
            (
                axum::http::StatusCode::ACCEPTED,
                axum::Json(serde_json::json!({
                    "id": "82d9a37a-2b45-4221-b012-cb109b8e30c7",
                    "name": "upload",
                    "importState": "Publishing",
                    "receivedBytes": received,
                })),
            )
        }

        let router = axum::Router::new()
            .fallback(swallow)
            .layer(DefaultBodyLimit::disable());
        InProcessServer::start(runtime, router, "the sink")
    }
}

/// An activity log (`GET /v1.0/myorg/admin/activityevents`) of `pages × page_size` events,
/// paged with continuation tokens as Power BI pages it. Every page holds the same events
/// (built once); the sandbox's own log has twelve events, too few to measure memory with.
pub struct ActivityLog;

impl ActivityLog {
    /// `pages` pages of `page_size` events; each continuation token is the next page's
    /// number followed by `token_padding` bytes of padding (the real service's tokens are
    /// long opaque strings).
    pub fn start(
        runtime: &tokio::runtime::Runtime,
        pages: usize,
        page_size: usize,
        token_padding: usize,
    ) -> Outcome<InProcessServer> {
        use axum::body::{Body, Bytes};
        use axum::extract::RawQuery;

        let events = serde_json::to_vec(&crate::decode::activity_events(page_size))
            .map_err(|e| e.to_string())?;
        // The array's items without its brackets.
        let events = Bytes::from(events[1..events.len() - 1].to_vec());
        let padding: std::sync::Arc<str> = "x".repeat(token_padding).into();
        let serve = move |RawQuery(query): RawQuery| {
            let events = events.clone();
            let padding = std::sync::Arc::clone(&padding);
            async move {
                // `continuationToken='N…'` (quoted, maybe percent-encoded) names page N.
                let page = query
                    .as_deref()
                    .and_then(|query| {
                        query
                            .split('&')
                            .find_map(|pair| pair.strip_prefix("continuationToken="))
                    })
                    .map(|token| token.replace("%27", "").replace('\'', ""))
                    .and_then(|token| {
                        let digits: String =
                            token.chars().take_while(char::is_ascii_digit).collect();
                        digits.parse::<usize>().ok()
                    })
                    .unwrap_or(0);
                let last = page + 1 >= pages;
                let tail = if last {
                    r#"],"continuationUri":null,"continuationToken":null,"lastResultSet":true}"#
                        .to_owned()
                } else {
                    format!(
                        r#"],"continuationToken":"{}{padding}","lastResultSet":false}}"#,
                        page + 1
                    )
                };
                let chunks = [
                    Bytes::from_static(br#"{"activityEventEntities":["#),
                    events,
                    Bytes::from(tail),
                ];
                axum::response::Response::builder()
                    .header("content-type", "application/json; charset=utf-8")
                    .body(Body::from_stream(futures::stream::iter(
                        chunks.map(Ok::<_, std::io::Error>),
                    )))
                    .unwrap_or_default()
            }
        };
        let router = axum::Router::new().route(
            "/v1.0/myorg/admin/activityevents",
            axum::routing::get(serve),
        );
        InProcessServer::start(runtime, router, "the activity log")
    }
}

/// A server of large binary exports, answering Export Report
/// (`GET /v1.0/myorg/reports/{reportId}/Export` and its `groups/{groupId}/` form) with a
/// streamed `application/octet-stream` body and its `Content-Length`.
///
/// The report id names the size: its value as a 128-bit number is the number of bytes
/// ([`FileSource::report_id`]), so one server serves every size. The body repeats one 64 KiB
/// chunk built once, so the server holds little memory whatever the size. Runs on `runtime`
/// in this process: what is measured is the client in a child process.
pub struct FileSource;

impl FileSource {
    /// The chunk the body repeats (its last one cut short).
    const CHUNK: usize = 64 << 10;

    /// The report id whose export is `size` bytes long.
    pub fn report_id(size: u64) -> powerbi::runtime::Uuid {
        powerbi::runtime::Uuid::from_u128(u128::from(size))
    }

    /// The size a request's report id names.
    fn size_of(params: &std::collections::HashMap<String, String>) -> Option<u64> {
        params
            .get("report")
            .and_then(|id| id.parse::<powerbi::runtime::Uuid>().ok())
            .and_then(|id| u64::try_from(id.as_u128()).ok())
    }

    /// A body of `size` bytes: `chunk` repeated, the last one cut short.
    fn repeated(
        chunk: axum::body::Bytes,
        size: u64,
    ) -> impl futures::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
        futures::stream::unfold(size, move |left| {
            let chunk = chunk.clone();
            async move {
                if left == 0 {
                    return None;
                }
                let take = left.min(chunk.len() as u64);
                // `take` is at most the chunk's length, a usize.
                Some((Ok(chunk.slice(..take as usize)), left - take))
            }
        })
    }

    /// Starts the server on `runtime`; it stops when the returned server is dropped.
    pub fn start(runtime: &tokio::runtime::Runtime) -> Outcome<InProcessServer> {
        use std::collections::HashMap;

        use axum::body::{Body, Bytes};
        use axum::extract::Path;
        use axum::http::{StatusCode, header};
        use axum::response::{IntoResponse, Response};

        let pattern: Vec<u8> = (0..Self::CHUNK).map(|i| (i % 251) as u8).collect();
        let chunk = Bytes::from(pattern);
        let serve = move |Path(params): Path<HashMap<String, String>>| {
            let chunk = chunk.clone();
            async move {
                let Some(size) = Self::size_of(&params) else {
                    return (StatusCode::NOT_FOUND, "no such report").into_response();
                };
                let body = Self::repeated(chunk, size);
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/octet-stream")
                    .header(header::CONTENT_LENGTH, size)
                    .body(Body::from_stream(body))
                    .unwrap_or_else(|error| {
                        (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
                    })
            }
        };
        // Hostile answers of the report id's size, for rows 5g and 5h: Get Report answered
        // 500 with a text body (and its Content-Length), Get Pages answered 200 with a JSON
        // body of that many spaces and no Content-Length (chunked).
        let spaces = Bytes::from(vec![b' '; Self::CHUNK]);
        let hostile = move |Path(params): Path<HashMap<String, String>>, error: bool| {
            let spaces = spaces.clone();
            async move {
                let Some(size) = Self::size_of(&params) else {
                    return (StatusCode::NOT_FOUND, "no such report").into_response();
                };
                let body = Self::repeated(spaces, size);
                let builder = if error {
                    Response::builder()
                        .status(StatusCode::INTERNAL_SERVER_ERROR)
                        .header(header::CONTENT_TYPE, "text/plain")
                        .header(header::CONTENT_LENGTH, size)
                } else {
                    Response::builder().header(header::CONTENT_TYPE, "application/json")
                };
                builder
                    .body(Body::from_stream(body))
                    .unwrap_or_else(|error| {
                        (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
                    })
            }
        };
        let error_answer = {
            let hostile = hostile.clone();
            move |path| hostile(path, true)
        };
        let json_answer = move |path| hostile(path, false);
        let router = axum::Router::new()
            .route(
                "/v1.0/myorg/reports/{report}/Export",
                axum::routing::get(serve.clone()),
            )
            .route(
                "/v1.0/myorg/groups/{workspace}/reports/{report}/Export",
                axum::routing::get(serve),
            )
            .route(
                "/v1.0/myorg/groups/{workspace}/reports/{report}",
                axum::routing::get(error_answer),
            )
            .route(
                "/v1.0/myorg/groups/{workspace}/reports/{report}/pages",
                axum::routing::get(json_answer),
            );
        InProcessServer::start(runtime, router, "the file source")
    }
}
