//! Heads no server should send: each is an error, never a panic and never a success.

use powerbi::Error;
use powerbi_hostile_tests::{HostileServer, Reply};

use super::{client_for, serial};

const HEADS: &[(&str, &[u8], &[u8])] = &[
    (
        "a Content-Length past u64",
        b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
        b"{}",
    ),
    ("a four-digit status", b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n", b"{}"),
    (
        "a chunk size past u64",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"FFFFFFFFFFFFFFFFFFFFFFFF\r\n{}",
    ),
    (
        "a body shorter than declared",
        b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n",
        b"{\"value\":[]}",
    ),
    (
        "a Retry-After past any clock",
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 99999999999999999999999\r\nContent-Length: 0\r\n\r\n",
        b"",
    ),
    (
        "a Retry-After of u64::MAX seconds",
        b"HTTP/1.1 503 Unavailable\r\nRetry-After: 18446744073709551615\r\nContent-Length: 0\r\n\r\n",
        b"",
    ),
    (
        "a redirect to an unparsable location",
        b"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n",
        b"",
    ),
    (
        "a redirect whose location is not UTF-8",
        b"HTTP/1.1 301 Moved\r\nLocation: /\xff\xfe\r\nContent-Length: 0\r\n\r\n",
        b"",
    ),
    (
        "a redirect to a scheme without a host",
        b"HTTP/1.1 307 Temporary\r\nLocation: https://\r\nContent-Length: 0\r\n\r\n",
        b"",
    ),
    ("no HTTP at all", b"\x00\x01garbage\r\n\r\n", b""),
    (
        "a RequestId of 8 KiB",
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nRequestId: ",
        b"",
    ),
];

#[tokio::test]
async fn every_malformed_answer_is_an_error() {
    let _serial = serial().await;
    for (what, head, body) in HEADS {
        let mut head = head.to_vec();
        if head.ends_with(b"RequestId: ") {
            head.extend(std::iter::repeat_n(b'r', 8192));
            head.extend_from_slice(b"\r\n\r\n");
        }
        let server = HostileServer::start(move |_| Reply::raw(&head, body)).await;
        let client = client_for(&server).build().expect("builds");
        let result = client
            .raw(powerbi::HttpMethod::Delete, "/groups/x")
            .send_empty()
            .await;
        let error = match result {
            Ok(()) => panic!("{what}: Ok"),
            Err(error) => error,
        };
        let text = error.to_string();
        assert!(text.len() < 4096, "{what}: {} characters", text.len());
        if let Error::Api(api) = &error {
            assert!(
                api.request_id
                    .as_ref()
                    .is_none_or(|id| id.chars().count() <= 129),
                "{what}"
            );
        }
        assert_eq!(server.requests().len(), 1, "{what}: one request, no retry");
    }
}
