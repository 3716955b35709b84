//! A tiny HTTP/1.1 server on loopback that answers every request with whatever bytes a test
//! chooses: the answers the sandbox would never give (cycles of links, unusable `Location`
//! headers, non-UTF-8 bytes, pages that ignore `$skip`).
//!
//! One thread per connection, keep-alive, no TLS. A request is its request line, headers and
//! body (`Content-Length` or chunked, decoded; a counting server reads and drops it). Dropping
//! the server stops accepting connections.
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
    /// The body's bytes, a chunked body decoded (empty when there is none, and always for a
    /// counting server, which reads and drops bodies).
    pub body: Vec<u8>,
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

    /// The requests answered since the last call (or the start), in order, removed from the
    /// server's record: what one step of a test sent.
    pub fn take_requests(&self) -> Vec<RawRequest> {
        self.requests
            .lock()
            .map(|mut list| std::mem::take(&mut *list))
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
        let Some(request) = read_request(&mut reader, record.keep) else {
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

/// Reads one request; its body is kept when `keep_body`, else read and dropped.
fn read_request(reader: &mut BufReader<TcpStream>, keep_body: bool) -> Option<RawRequest> {
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
    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = u64::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            read_body(reader, size, keep_body, &mut body)?;
            let mut end = [0; 2];
            reader.read_exact(&mut end).ok()?;
            if size == 0 {
                break;
            }
        }
    } else {
        let length = header("content-length")
            .and_then(|value| value.parse().ok())
            .unwrap_or(0);
        read_body(reader, length, keep_body, &mut body)?;
    }
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

/// Reads `length` bytes of a body into `body`, or drops them (`keep` false).
fn read_body(
    reader: &mut BufReader<TcpStream>,
    length: u64,
    keep: bool,
    body: &mut Vec<u8>,
) -> Option<()> {
    let mut part = reader.by_ref().take(length);
    if keep {
        part.read_to_end(body).ok()?;
    } else {
        std::io::copy(&mut part, &mut std::io::sink()).ok()?;
    }
    Some(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` on one connection and returns the start of the answer.
    fn send(server: &RawServer, request: &[u8]) -> String {
        let mut stream =
            TcpStream::connect(server.url().trim_start_matches("http://")).expect("connects");
        stream.write_all(request).expect("sent");
        let mut answer = [0; 15];
        stream.read_exact(&mut answer).expect("an answer");
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[test]
    fn bodies_are_kept_chunked_ones_decoded_and_taking_empties_the_record() {
        let server = RawServer::start(|_| answer(204, &[], b""));
        let sized = b"POST /a?x=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(send(&server, sized), "HTTP/1.1 204 St");
        let chunked = b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
                        3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n";
        assert_eq!(send(&server, chunked), "HTTP/1.1 204 St");
        let requests = server.take_requests();
        let bodies: Vec<_> = requests.iter().map(|r| (r.path(), &r.body[..])).collect();
        assert_eq!(bodies, [("/a", &b"hello"[..]), ("/b", &b"abcdefg"[..])]);
        assert_eq!(requests[0].query(), Some("x=1"));
        assert!(server.take_requests().is_empty(), "taken once");
        assert_eq!(server.count(), 2);
    }

    #[test]
    fn a_counting_server_reads_bodies_but_keeps_nothing() {
        let server = RawServer::start_counting(|_| answer(204, &[], b""));
        let two = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n";
        let mut stream =
            TcpStream::connect(server.url().trim_start_matches("http://")).expect("connects");
        stream.write_all(two).expect("sent");
        let mut answers = vec![0; 2 * answer(204, &[], b"").len()];
        stream.read_exact(&mut answers).expect("two answers");
        assert_eq!(
            server.count(),
            2,
            "the body was read, not taken for a request"
        );
        assert!(server.requests().is_empty());
    }
}
