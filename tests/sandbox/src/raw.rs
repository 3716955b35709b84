//! A tiny HTTP/1.1 server on loopback that answers every request with whatever bytes a test
//! chooses: the answers the sandbox would never give (cycles of links, unusable `Location`
//! headers, non-UTF-8 bytes, pages that ignore `$skip`).
//!
//! One thread per connection, keep-alive, no TLS. A request is its request line and headers
//! (a body, if any, is read and dropped). Dropping the server stops accepting connections.
//!
//! ```no_run
//! use powerbi_sandbox::raw::{RawServer, answer};
//!
//! let server = RawServer::start(|request| {
//!     if request.path() == "/v1.0/myorg/groups" {
//!         answer(200, &[("Content-Type", b"application/json")], br#"{"value":[]}"#)
//!     } else {
//!         answer(404, &[], b"")
//!     }
//! });
//! println!("{} answered {} requests", server.url(), server.requests().len());
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One request as the server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent: path and query, still percent-encoded.
    pub target: String,
    /// The headers, names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
}

impl RawRequest {
    /// The path of [`RawRequest::target`] (without the query).
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The query of [`RawRequest::target`], if any, still percent-encoded.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, query)| query)
    }

    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

type Handler = dyn Fn(&RawRequest) -> Vec<u8> + Send + Sync;

/// A running raw server; see the [module documentation](self).
pub struct RawServer {
    url: String,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for RawServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawServer").field("url", &self.url).finish()
    }
}

impl RawServer {
    /// Starts a server on `127.0.0.1` whose answer to each request is `handler`'s bytes (a
    /// whole HTTP/1.1 response; see [`answer`]). Every request is recorded.
    pub fn start(handler: impl Fn(&RawRequest) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        Self::start_with(true, handler)
    }

    /// [`RawServer::start`], but requests are only counted, not kept (a test of thousands
    /// of large requests that measures memory).
    pub fn start_counting(
        handler: impl Fn(&RawRequest) -> Vec<u8> + Send + Sync + 'static,
    ) -> RawServer {
        Self::start_with(false, handler)
    }

    fn start_with(
        keep: bool,
        handler: impl Fn(&RawRequest) -> Vec<u8> + Send + Sync + 'static,
    ) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("local address").port()
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        {
            let requests = Arc::clone(&requests);
            let count = Arc::clone(&count);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let _ = stream.set_nodelay(true);
                    let handler = Arc::clone(&handler);
                    let requests = Arc::clone(&requests);
                    let count = Arc::clone(&count);
                    std::thread::spawn(move || {
                        let record = Record {
                            keep,
                            requests: &requests,
                            count: &count,
                        };
                        serve(stream, &*handler, &record);
                    });
                }
            });
        }
        RawServer {
            url,
            requests,
            count,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The requests answered so far, in order (empty for a counting server; see
    /// [`RawServer::count`]).
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }

    /// How many requests were answered so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// Where a connection records its requests.
struct Record<'a> {
    keep: bool,
    requests: &'a Mutex<Vec<RawRequest>>,
    count: &'a AtomicUsize,
}

fn serve(stream: TcpStream, handler: &Handler, record: &Record<'_>) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        let response = handler(&request);
        if record.keep
            && let Ok(mut list) = record.requests.lock()
        {
            list.push(request);
        }
        record.count.fetch_add(1, Ordering::SeqCst);
        if writer
            .write_all(&response)
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<RawRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: u64 = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    std::io::copy(&mut reader.by_ref().take(length), &mut std::io::sink()).ok()?;
    Some(RawRequest {
        method,
        target,
        headers,
    })
}

/// A whole HTTP/1.1 response: the status line, `headers` as given (any bytes, even ones
/// that are not UTF-8), `Content-Length` and `body`.
pub fn answer(status: u16, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut response = format!("HTTP/1.1 {status} Status\r\n").into_bytes();
    for (name, value) in headers {
        response.extend_from_slice(name.as_bytes());
        response.extend_from_slice(b": ");
        response.extend_from_slice(value);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    response.extend_from_slice(body);
    response
}

/// A `200` answer with a JSON body.
pub fn json(body: &str) -> Vec<u8> {
    answer(
        200,
        &[("Content-Type", b"application/json")],
        body.as_bytes(),
    )
}
