//! A Fabric item definition with a 256 MiB part (about 341 MiB of base64) goes up from a folder
//! and comes back down to a folder, with a counting allocator proving:
//!
//! - the upload (`create_item_from_folder`) never holds the file nor its base64: the live heap
//!   grows by far less than the part while the JSON body is produced and sent;
//! - the download (`get_item_definition_to_folder`) holds the service's answer once (bounded by
//!   `max_definition_size`) and decodes each payload straight to its file: the heap grows by
//!   the answer and a little, never by the answer plus the decoded part.
//!
//! The service is a small axum server in this process on loopback: it checks the uploaded
//! body as it streams by (keeping nothing) and produces the getDefinition answer as it sends
//! it, so its allocations stay small. One test function, so no other test allocates at the
//! same time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures::StreamExt;
use powerbi::auth::StaticTokenCredential;
use powerbi::ext::definition::{DefinitionFolder, DefinitionSettings, NewItem};
use powerbi::runtime::{RetryPolicy, Uuid};
use powerbi::{Cloud, PowerBiClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[global_allocator]
static ALLOCATOR: powerbi_memory_tests::Counting = powerbi_memory_tests::Counting;

/// The pattern repeats every 251 bytes and its base64 every 1,004 characters (753 bytes);
/// the part is a whole number of those, about 256 MiB.
const PERIOD: usize = 753;
const SIZE: u64 = (PERIOD as u64) * 356_480;
const ENCODED: u64 = SIZE / 3 * 4;
/// Far below the part: an upload holding the file or its base64 would need 256 MiB or more.
const ALLOWED_GROWTH: usize = 32 * 1024 * 1024;

/// The byte at offset `n` of the part.
fn byte_at(n: u64) -> u8 {
    (n.wrapping_mul(31) % 251) as u8
}

/// One period of the part's base64.
fn period_base64() -> Vec<u8> {
    let bytes: Vec<u8> = (0..PERIOD as u64).map(byte_at).collect();
    STANDARD.encode(bytes).into_bytes()
}

/// What the server saw of the uploaded body.
#[derive(Default, Debug)]
struct Seen {
    body_bytes: u64,
    payloads: u32,
    big_payload_chars: u64,
    mismatches: u64,
}

#[derive(Clone)]
struct Server {
    base: String,
    seen: Arc<Mutex<Seen>>,
}

const MARKER: &[u8] = b"\"payload\":\"";

/// Checks the create body as it streams: the second payload (parts go in path order:
/// `.platform`, then `big.bin`) must be the part's base64, character for character.
async fn create(State(server): State<Server>, request: Request) -> Response {
    let expected = period_base64();
    let mut stream = request.into_body().into_data_stream();
    let (mut matched, mut inside, mut seen) = (0usize, false, Seen::default());
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return answer(StatusCode::BAD_REQUEST, Bytes::new());
        };
        seen.body_bytes += chunk.len() as u64;
        for &byte in chunk.iter() {
            if inside {
                if byte == b'"' {
                    inside = false;
                } else if seen.payloads == 2 {
                    let index = (seen.big_payload_chars % expected.len() as u64) as usize;
                    if byte != expected[index] {
                        seen.mismatches += 1;
                    }
                    seen.big_payload_chars += 1;
                }
            } else if byte == MARKER[matched] {
                matched += 1;
                if matched == MARKER.len() {
                    matched = 0;
                    inside = true;
                    seen.payloads += 1;
                }
            } else {
                matched = usize::from(byte == MARKER[0]);
            }
        }
    }
    *server.seen.lock().expect("the record") = seen;
    let item = format!(
        "{{\"id\":\"{}\",\"type\":\"Notebook\",\"displayName\":\"Big\"}}",
        Uuid::new_v4()
    );
    answer(StatusCode::CREATED, Bytes::from(item))
}

fn answer(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// getDefinition: 202, to be polled at the operation.
async fn get_definition(State(server): State<Server>) -> Response {
    let mut response = answer(StatusCode::ACCEPTED, Bytes::new());
    let headers = response.headers_mut();
    let location = format!("{}/v1/operations/big", server.base);
    headers.insert(header::LOCATION, location.parse().expect("a header"));
    headers.insert("x-ms-operation-id", HeaderValue::from_static("big"));
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("0"));
    response
}

async fn operation() -> Response {
    answer(
        StatusCode::OK,
        Bytes::from_static(b"{\"status\":\"Succeeded\"}"),
    )
}

fn answer_parts() -> (Bytes, Bytes) {
    let head = format!(
        "{{\"definition\":{{\"parts\":[{{\"path\":\".platform\",\"payload\":\"{}\",\"payloadType\":\"InlineBase64\"}},{{\"path\":\"data/big.bin\",\"payload\":\"",
        STANDARD.encode(b"{\"metadata\":{\"type\":\"Notebook\"}}")
    );
    let tail = "\",\"payloadType\":\"InlineBase64\"}]}}";
    (Bytes::from(head), Bytes::from_static(tail.as_bytes()))
}

/// The result, produced as it is sent: 1,004 × 256 characters (about 251 KiB) at a time.
async fn result() -> Response {
    let (head, tail) = answer_parts();
    let length = head.len() as u64 + ENCODED + tail.len() as u64;
    let block = Bytes::from(period_base64().repeat(256));
    let blocks = ENCODED / block.len() as u64;
    let rest = (ENCODED % block.len() as u64) as usize;
    let body = futures::stream::iter(
        std::iter::once(head)
            .chain((0..blocks).map(move |_| block.clone()))
            .chain(std::iter::once(Bytes::from(
                period_base64().repeat(256)[..rest].to_vec(),
            )))
            .chain(std::iter::once(tail))
            .map(Ok::<Bytes, std::io::Error>),
    );
    let mut response = Response::new(Body::from_stream(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

async fn start_server() -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let server = Server {
        base,
        seen: Arc::default(),
    };
    let app = Router::new()
        .route("/v1/workspaces/{workspace}/items", post(create))
        .route(
            "/v1/workspaces/{workspace}/items/{item}/getDefinition",
            post(get_definition),
        )
        .route("/v1/operations/big", get(operation))
        .route("/v1/operations/big/result", get(result))
        .with_state(server.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    server
}

/// Writes the part to `path` in 1 MiB blocks.
async fn write_part(path: &std::path::Path) {
    let mut file = tokio::fs::File::create(path).await.expect("a file");
    let block: Vec<u8> = (0..(PERIOD * 1393) as u64).map(byte_at).collect();
    let mut written = 0u64;
    while written < SIZE {
        let take = (SIZE - written).min(block.len() as u64) as usize;
        file.write_all(&block[..take]).await.expect("written");
        written += take as u64;
    }
    file.flush().await.expect("flushed");
}

/// Counts the bytes of `path` that differ from the pattern, reading 1 MiB at a time.
async fn mismatches_in(path: &std::path::Path) -> (u64, u64) {
    let mut file = tokio::fs::File::open(path).await.expect("the file");
    let mut buffer = vec![0u8; 1024 * 1024];
    let (mut offset, mut mismatches) = (0u64, 0u64);
    loop {
        let read = file.read(&mut buffer).await.expect("read");
        if read == 0 {
            return (offset, mismatches);
        }
        for &byte in &buffer[..read] {
            mismatches += u64::from(byte != byte_at(offset));
            offset += 1;
        }
    }
}

/// Runs `work` and returns how far the live heap rose above where it started.
async fn peak_growth<T>(work: impl Future<Output = T>) -> (T, usize) {
    let start = powerbi_memory_tests::reset_peak();
    let result = work.await;
    let growth = powerbi_memory_tests::peak().saturating_sub(start);
    eprintln!("peak heap growth: {growth} bytes");
    (result, growth)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_256_mib_part_goes_up_streamed_and_comes_down_held_once() {
    let server = start_server().await;
    let base: url::Url = server.base.parse().expect("a URL");
    let client = PowerBiClient::builder()
        .cloud(Cloud::custom(base.clone(), base.clone()))
        .fabric_api_base(base)
        .allow_insecure_loopback()
        .credential(StaticTokenCredential::new(
            "memory-test-token",
            Duration::from_secs(3600),
        ))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("the client builds")
        .fabric();
    let scratch =
        std::env::temp_dir().join(format!("powerbi-memory-definitions-{}", Uuid::new_v4()));
    let folder = scratch.join("Big.Notebook");
    tokio::fs::create_dir_all(&folder).await.expect("a folder");
    tokio::fs::write(folder.join(".platform"), b"{}")
        .await
        .expect("a file");
    write_part(&folder.join("big.bin")).await;
    let settings = DefinitionSettings::default()
        .poll_interval(Duration::from_millis(10))
        .max_definition_size(512 * 1024 * 1024);
    let workspace = Uuid::new_v4();

    let definition = DefinitionFolder::read(&folder).await.expect("read");
    let (created, growth) = peak_growth(client.create_item_from_folder(
        workspace,
        &NewItem::new("Notebook", "Big"),
        &definition,
        &settings,
    ))
    .await;
    let created = created.expect("created");
    let seen = std::mem::take(&mut *server.seen.lock().expect("the record"));
    assert_eq!(seen.payloads, 2, "{seen:?}");
    assert_eq!(seen.big_payload_chars, ENCODED, "the whole part arrived");
    assert_eq!(seen.mismatches, 0, "in order, byte for byte");
    assert!(
        growth < ALLOWED_GROWTH,
        "the upload held {growth} bytes at its peak"
    );

    let target = scratch.join("back");
    let (head, tail) = answer_parts();
    let answer_len = head.len() as u64 + ENCODED + tail.len() as u64;
    let (written, growth) = peak_growth(
        client.get_item_definition_to_folder(workspace, created.id, None, &target, &settings),
    )
    .await;
    let written = written.expect("written");
    assert_eq!(written.parts[1], ("data/big.bin".to_owned(), SIZE));
    assert!(
        (growth as u64) < answer_len + ALLOWED_GROWTH as u64,
        "the download held {growth} bytes at its peak for an answer of {answer_len}: more than the answer once"
    );
    let (length, mismatches) = mismatches_in(&target.join("data/big.bin")).await;
    assert_eq!((length, mismatches), (SIZE, 0), "the part, byte for byte");
    tokio::fs::remove_dir_all(&scratch)
        .await
        .expect("cleaned up");
}
