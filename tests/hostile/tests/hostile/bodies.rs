//! Every body the client reads has a bound, and compressed answers are never inflated.

use std::io::Write;

use powerbi::auth::ClientSecretCredential;
use powerbi::runtime::body::DEFAULT_MAX_RESPONSE_BYTES;
use powerbi::{Cloud, Error, PowerBiClient};
use powerbi_hostile_tests::{HostileServer, Reply};

use super::{MIB, client_for, measured, serial};

const GIB: u64 = 1 << 30;

/// What the server may have written before the client's close reached it: socket buffers.
const WRITTEN_AT_MOST: u64 = 64 * MIB as u64;

#[tokio::test]
async fn a_2_gib_error_answer_is_read_only_as_far_as_its_first_64_kib() {
    let _serial = serial().await;
    for chunked in [false, true] {
        let server = HostileServer::start(move |_| {
            let reply = Reply::status(500)
                .header("Content-Type", "text/plain")
                .header("RequestId", "r-500")
                .repeat(b'x', 2 * GIB);
            if chunked { reply.chunked() } else { reply }
        })
        .await;
        let client = client_for(&server).build().expect("builds");
        let (result, peak) = measured(client.groups().list_groups(Default::default())).await;
        let error = result.expect_err("a 500 is an error");
        let Error::Api(api) = &error else {
            panic!("an API error, not {error:?}")
        };
        assert_eq!(api.status, 500);
        assert_eq!(api.request_id.as_deref(), Some("r-500"));
        assert!(
            api.message
                .as_ref()
                .is_some_and(|m| m.chars().count() <= 2049)
        );
        assert!(api.body_snippet.chars().count() <= 1025);
        assert!(
            error.to_string().len() < 4096,
            "{}",
            error.to_string().len()
        );
        assert!(format!("{error:?}").len() < 8192);
        assert!(
            peak < 4 * MIB,
            "peak heap growth {peak} (chunked: {chunked})"
        );
        assert_eq!(server.requests().len(), 1);
        assert!(
            server.bytes_written() < WRITTEN_AT_MOST,
            "{}",
            server.bytes_written()
        );
    }
}

#[tokio::test]
async fn a_json_answer_declared_larger_than_the_limit_is_refused_before_reading() {
    let _serial = serial().await;
    let server =
        HostileServer::start(|_| Reply::json(200, "{\"value\":[]}").declare_length(GIB)).await;
    let client = client_for(&server).build().expect("builds");
    let (result, peak) = measured(client.groups().list_groups(Default::default())).await;
    match result {
        Err(Error::ResponseTooLarge {
            limit, declared, ..
        }) => {
            assert_eq!(limit, DEFAULT_MAX_RESPONSE_BYTES);
            assert_eq!(declared, Some(GIB));
        }
        other => panic!("ResponseTooLarge, not {other:?}"),
    }
    assert!(peak < MIB, "peak heap growth {peak}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_json_answer_that_grows_past_the_limit_is_cut_off() {
    let _serial = serial().await;
    // No Content-Length: the limit is enforced while reading.
    let server = HostileServer::start(|_| Reply::status(200).repeat(b' ', GIB).chunked()).await;
    let client = client_for(&server)
        .max_response_size(MIB as u64)
        .build()
        .expect("builds");
    let (result, peak) = measured(client.groups().list_groups(Default::default())).await;
    let error = result.expect_err("too large");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit, declared: None, .. } if limit == MIB as u64),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("max_response_size"), "{text}");
    assert!(peak < 4 * MIB, "peak heap growth {peak}");
    assert!(server.bytes_written() < WRITTEN_AT_MOST);
    // One call may raise its own limit; then the same answer would be read further.
    let server = HostileServer::start(|_| {
        Reply::json(200, &format!("{{\"value\":[]{}}}", " ".repeat(2 * MIB)))
    })
    .await;
    let client = client_for(&server)
        .max_response_size(MIB as u64)
        .build()
        .expect("builds");
    let groups = client
        .raw(powerbi::HttpMethod::Get, "/groups")
        .max_response_size(4 * MIB as u64)
        .send_list::<serde_json::Value>()
        .await
        .expect("within the call's own limit");
    assert!(groups.is_empty());
}

#[tokio::test]
async fn a_compressed_answer_is_never_asked_for_nor_inflated() {
    let _serial = serial().await;
    // 256 MiB of zeros compress to a few hundred KiB.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 4 * MIB];
    for _ in 0..64 {
        encoder.write_all(&zeros).expect("compresses");
    }
    let bomb = encoder.finish().expect("compresses");
    assert!(bomb.len() < 2 * MIB);
    let server = HostileServer::start(move |_| {
        Reply::status(200)
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .body(&bomb)
    })
    .await;
    // rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange); this project
    // stays on ring: generated/runtime/src/tls.rs says why.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    // This test crate turns on reqwest's `gzip`, so a plain reqwest client asks for it...
    let plain = reqwest::Client::new()
        .get(format!("{}/plain", server.base()))
        .send()
        .await
        .expect("answers");
    drop(plain);
    let asked = server.requests()[0]
        .header("accept-encoding")
        .map(str::to_owned);
    assert!(asked.is_some_and(|value| value.contains("gzip")));
    // ...and the client, built in the same process, does not, and reads what arrives as is.
    let client = client_for(&server).build().expect("builds");
    let (result, peak) = measured(client.groups().list_groups(Default::default())).await;
    let error = result.expect_err("gzip bytes are not JSON");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    let ours = &server.requests()[1];
    assert_eq!(ours.header("accept-encoding"), None);
    assert!(peak < 16 * MIB, "peak heap growth {peak}");
}

#[tokio::test]
async fn a_token_endpoint_that_answers_a_gigabyte_is_a_sign_in_error() {
    let _serial = serial().await;
    let server = HostileServer::start(|request| {
        if request.path.contains("/oauth2/") {
            Reply::json(200, "").repeat(b' ', GIB).chunked()
        } else {
            Reply::json(200, "{\"value\":[]}")
        }
    })
    .await;
    let base: url::Url = server.base().parse().expect("a URL");
    let client = PowerBiClient::builder()
        .cloud(Cloud::custom(base.clone(), base))
        .allow_insecure_loopback()
        .credential(ClientSecretCredential::new("tenant", "client", "secret"))
        .build()
        .expect("builds");
    let (result, peak) = measured(client.groups().list_groups(Default::default())).await;
    let error = result.expect_err("no token");
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    assert!(
        error.to_string().contains("larger than 65536 bytes"),
        "{error}"
    );
    assert!(peak < 4 * MIB, "peak heap growth {peak}");
    assert!(
        server
            .requests()
            .iter()
            .all(|request| request.path.contains("/oauth2/"))
    );
    assert!(server.bytes_written() < WRITTEN_AT_MOST);
}
