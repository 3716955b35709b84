//! A scripted HTTP/1.1 server on loopback, for testing the client against answers a real
//! server, proxy or captive portal may give: bodies of gigabytes that are generated as they
//! are written (never held), lying `Content-Length`s, stalls, malformed heads, redirects.
//!
//! The script sees each request (method, path, headers) and returns the [`Reply`]; the server
//! records every request and counts the bytes it wrote. It listens on `127.0.0.1` only, stops
//! writing as soon as the client closes the connection, and stops altogether when dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The largest request head or body the server reads; a test never sends more.
const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `DELETE`, ...
    pub method: String,
    /// The path and query as sent.
    pub path: String,
    /// The headers, names in lower case, values as sent.
    pub headers: Vec<(String, String)>,
    /// The body's length.
    pub body_len: usize,
}

impl Request {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// What follows the head of a reply.
#[derive(Debug, Clone)]
pub enum Body {
    /// These bytes.
    Bytes(Vec<u8>),
    /// `len` copies of `byte`, generated while they are written.
    Repeat { byte: u8, len: u64 },
    /// `prefix`, then nothing for this long, then the connection closes.
    Stall { prefix: Vec<u8>, silence: Duration },
}

/// One scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    head: Vec<u8>,
    body: Body,
    /// Send the body with chunked transfer coding instead of a `Content-Length`.
    chunked: bool,
    /// The `Content-Length` to declare, when not the body's own.
    declared: Option<u64>,
}

impl Reply {
    /// A reply with `status` and no headers yet.
    pub fn status(status: u16) -> Reply {
        Reply {
            head: format!("HTTP/1.1 {status} Scripted\r\n").into_bytes(),
            body: Body::Bytes(Vec::new()),
            chunked: false,
            declared: None,
        }
    }

    /// A reply whose head is exactly `head` (status line and headers, up to and including the
    /// blank line), for heads no well-behaved server would send. Nothing is added to it.
    pub fn raw(head: &[u8], body: &[u8]) -> Reply {
        Reply {
            head: head.to_vec(),
            body: Body::Bytes(body.to_vec()),
            chunked: false,
            declared: Some(u64::MAX),
        }
    }

    /// A `200` with a JSON body.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::status(status)
            .header("Content-Type", "application/json")
            .body(body.as_bytes())
    }

    /// Adds a header (the value as raw bytes).
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Reply {
        self.head.extend_from_slice(name.as_bytes());
        self.head.extend_from_slice(b": ");
        self.head.extend_from_slice(value.as_ref());
        self.head.extend_from_slice(b"\r\n");
        self
    }

    /// The body.
    pub fn body(mut self, body: &[u8]) -> Reply {
        self.body = Body::Bytes(body.to_vec());
        self
    }

    /// A body of `len` bytes of `byte`, generated while written.
    pub fn repeat(mut self, byte: u8, len: u64) -> Reply {
        self.body = Body::Repeat { byte, len };
        self
    }

    /// Sends `prefix` of the body, then stays silent for `silence`.
    pub fn stall(mut self, prefix: &[u8], silence: Duration) -> Reply {
        self.body = Body::Stall {
            prefix: prefix.to_vec(),
            silence,
        };
        self
    }

    /// Uses chunked transfer coding (no `Content-Length`).
    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }

    /// Declares this `Content-Length` whatever the body's real length.
    pub fn declare_length(mut self, length: u64) -> Reply {
        self.declared = Some(length);
        self
    }
}

type Script = dyn Fn(&Request) -> Reply + Send + Sync;

/// The server; it stops when dropped.
pub struct HostileServer {
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
    written: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl HostileServer {
    /// Starts a server answering each request with `script(request)`.
    pub async fn start(
        script: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicU64::new(0));
        let script: Arc<Script> = Arc::new(script);
        let task = tokio::spawn({
            let requests = Arc::clone(&requests);
            let written = Arc::clone(&written);
            async move {
                // Dropped with the task: every connection stops with the server.
                let mut connections = JoinSet::new();
                while let Ok((stream, _)) = listener.accept().await {
                    connections.spawn(serve(
                        stream,
                        Arc::clone(&script),
                        Arc::clone(&requests),
                        Arc::clone(&written),
                    ));
                }
            }
        });
        HostileServer {
            base,
            requests,
            written,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("not poisoned").clone()
    }

    /// Bytes written to clients so far (heads and bodies).
    pub fn bytes_written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves one connection until the client closes it or a reply ends it.
async fn serve(
    mut stream: TcpStream,
    script: Arc<Script>,
    requests: Arc<Mutex<Vec<Request>>>,
    written: Arc<AtomicU64>,
) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let reply = script(&request);
        requests.lock().expect("not poisoned").push(request);
        if write_reply(&mut stream, reply, &written).await.is_err() {
            return;
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` when the client closed.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > MAX_REQUEST_BYTES {
            return None;
        }
        let mut chunk = [0u8; 16 * 1024];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST_BYTES {
        return None;
    }
    buffer.drain(..head_end + 4);
    while buffer.len() < length {
        let mut chunk = [0u8; 16 * 1024];
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    buffer.drain(..length);
    Some(Request {
        method,
        path,
        headers,
        body_len: length,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Writes a reply; an error means the client went away (or the reply closes the connection).
async fn write_reply(
    stream: &mut TcpStream,
    reply: Reply,
    written: &AtomicU64,
) -> std::io::Result<()> {
    let raw_head = reply.declared == Some(u64::MAX);
    let mut head = reply.head;
    if !raw_head {
        if reply.chunked {
            head.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
        } else {
            let length = reply.declared.unwrap_or(match &reply.body {
                Body::Bytes(bytes) => bytes.len() as u64,
                Body::Repeat { len, .. } => *len,
                Body::Stall { prefix, .. } => prefix.len() as u64 + 1,
            });
            head.extend_from_slice(format!("Content-Length: {length}\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
    }
    send(stream, &head, false, written).await?;
    match reply.body {
        Body::Bytes(bytes) => send(stream, &bytes, reply.chunked, written).await?,
        Body::Repeat { byte, len } => {
            let block = vec![byte; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let size = usize::try_from(left.min(block.len() as u64)).unwrap_or(block.len());
                send(stream, &block[..size], reply.chunked, written).await?;
                left -= size as u64;
            }
        }
        Body::Stall { prefix, silence } => {
            send(stream, &prefix, reply.chunked, written).await?;
            tokio::time::sleep(silence).await;
            return Err(std::io::ErrorKind::TimedOut.into());
        }
    }
    if reply.chunked {
        send(stream, b"", false, written).await?;
        stream.write_all(b"0\r\n\r\n").await?;
    }
    if raw_head {
        // A raw head says nothing about where the body ends: close to end it.
        stream.shutdown().await?;
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    stream.flush().await
}

async fn send(
    stream: &mut TcpStream,
    bytes: &[u8],
    chunked: bool,
    written: &AtomicU64,
) -> std::io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    if chunked {
        stream
            .write_all(format!("{:x}\r\n", bytes.len()).as_bytes())
            .await?;
    }
    stream.write_all(bytes).await?;
    if chunked {
        stream.write_all(b"\r\n").await?;
    }
    written.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    Ok(())
}
