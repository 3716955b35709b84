//! Redirects and the transport rules: the sandbox serves https with a certificate from a test
//! CA made here, and the client resolves `api.powerbi.com`, the sign-in host, a
//! `wabi-…analysis.windows.net` cluster host and `evil.example` all to it. The bearer token
//! must reach the API and the cluster host, and never `evil.example`; plain http is allowed
//! only to the configured loopback sandbox address.

use std::sync::Arc;

use powerbi::groups::{CreateGroupOptions, ListGroupsOptions};
use powerbi::imports::PostImportOptions;
use powerbi::models::GroupCreationRequest;
use powerbi::runtime::{RetryPolicy, Upload};
use powerbi::{Cloud, Error, PowerBiClient};
use powerbi_sandbox::{Sandbox, SandboxConfig};

use crate::common::*;
use crate::connect_proxy::start_tls_sandbox;

const API: &str = "api.powerbi.com";
const LOGIN: &str = "login.microsoftonline.com";
const CLUSTER: &str = "wabi-north-europe-d-primary-redirect.analysis.windows.net";
const EVIL: &str = "evil.example";

struct TlsWorld {
    sandbox: Sandbox,
    port: u16,
    client: PowerBiClient,
}

impl TlsWorld {
    async fn start() -> TlsWorld {
        Self::start_with(SandboxConfig::default()).await
    }

    async fn start_with(config: SandboxConfig) -> TlsWorld {
        let names = [API, LOGIN, CLUSTER, EVIL].map(str::to_owned).to_vec();
        let (sandbox, address, ca_der) = start_tls_sandbox(config, names).await;
        let port = address.port();

        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from(ca_der))
            .expect("the CA is a root");
        // rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange); this project
        // stays on ring: generated/runtime/src/tls.rs says why.
        #[allow(deprecated)]
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let cloud = Cloud::custom(
            format!("https://{LOGIN}:{port}").parse().expect("URL"),
            format!("https://{API}:{port}").parse().expect("URL"),
        );
        let builder = PowerBiClient::builder()
            .cloud(cloud)
            .decode_policy(powerbi::runtime::DecodePolicy::Strict)
            .retry_policy(RetryPolicy::none())
            .credential(service_principal_credential());
        // The README's way to bring a TLS setup of one's own (a post-quantum provider, say): the
        // client's own builder with the configuration replaced. Only this configuration trusts
        // the test CA, and redirects stay off without being asked for here: the tests below see
        // both.
        let http = builder
            .http_client_builder()
            .expect("the client's HTTP builder")
            .tls_backend_preconfigured(tls)
            .resolve(API, address)
            .resolve(LOGIN, address)
            .resolve(CLUSTER, address)
            .resolve(EVIL, address)
            .build()
            .expect("the HTTP client");
        let client = builder
            .http_client(http)
            .build()
            .expect("the client builds");
        TlsWorld {
            sandbox,
            port,
            client,
        }
    }

    fn base(&self, host: &str) -> String {
        format!("https://{host}:{}", self.port)
    }

    fn host(&self, host: &str) -> String {
        format!("{host}:{}", self.port)
    }

    /// (host, carried a bearer) of every API request so far.
    fn hosts(&self) -> Vec<(String, bool)> {
        self.sandbox.api_hosts()
    }
}

#[tokio::test]
async fn the_token_follows_a_redirect_to_the_cluster_host() {
    let world = TlsWorld::start().await;
    world.sandbox.redirect_host(API, &world.base(CLUSTER));
    let groups = world
        .client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("served by the home cluster");
    assert!(!groups.is_empty());
    assert_eq!(
        world.hosts(),
        vec![(world.host(API), true), (world.host(CLUSTER), true)]
    );

    // A 307 re-sends the method and the body.
    let request = GroupCreationRequest {
        name: "Redirected".to_owned(),
        ..Default::default()
    };
    world
        .client
        .groups()
        .create_group(&request, CreateGroupOptions::default())
        .await
        .expect("created on the home cluster");
    assert_eq!(world.sandbox.workspaces_created(), 1);
    let posts: Vec<_> = world
        .sandbox
        .recorded_requests()
        .into_iter()
        .filter(|recorded| recorded.is_api() && recorded.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].body, posts[1].body);
    assert_eq!(posts[1].header("host"), Some(world.host(CLUSTER).as_str()));

    // An upload is sent again from the start.
    let pbix = b"PK\x03\x04 a tiny pbix".to_vec();
    let _ = world
        .client
        .imports()
        .post_import(
            sales(),
            "Sales",
            Upload::bytes("Sales.pbix", pbix.clone()),
            PostImportOptions::default(),
        )
        .await;
    let uploads: Vec<_> = world
        .sandbox
        .recorded_requests()
        .into_iter()
        .filter(|recorded| recorded.is_api() && recorded.path.ends_with("/imports"))
        .collect();
    assert_eq!(uploads.len(), 2, "sent, redirected, sent again");
    for upload in &uploads {
        assert!(
            upload.body.windows(pbix.len()).any(|window| window == pbix),
            "the whole file each time"
        );
    }
    assert!(world.hosts().iter().all(|(_, bearer)| *bearer));
}

#[tokio::test]
async fn the_token_never_reaches_another_host() {
    let world = TlsWorld::start().await;
    world.sandbox.redirect_host(API, &world.base(EVIL));
    // A JSON answer is not taken from another host: the read is not followed at all.
    let error = world
        .client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Transport { .. }), "{error}");
    assert!(error.to_string().contains(EVIL), "{error}");
    assert_eq!(world.hosts(), vec![(world.host(API), true)]);

    // A file download is followed, without the token: the other host sees an anonymous
    // request (files may be served from storage elsewhere).
    let mut sink = Vec::new();
    let error = world
        .client
        .raw(
            powerbi::HttpMethod::Get,
            "/reports/00000000-0000-0000-0000-000000000001/Export",
        )
        .send_to_writer(&mut sink)
        .await
        .expect_err("no token, no file");
    assert!(matches!(error.status(), Some(401 | 403)), "{error}");
    assert_eq!(
        world.hosts(),
        vec![
            (world.host(API), true),
            (world.host(API), true),
            (world.host(EVIL), false)
        ]
    );

    // A write is not followed at all: its body goes nowhere else.
    let request = GroupCreationRequest {
        name: "Never".to_owned(),
        ..Default::default()
    };
    let error = world
        .client
        .groups()
        .create_group(&request, CreateGroupOptions::default())
        .await
        .expect_err("refused");
    assert!(matches!(error, Error::Transport { .. }), "{error}");
    assert!(error.to_string().contains(EVIL), "{error}");
    assert_eq!(world.hosts().len(), 4);
    assert_eq!(world.sandbox.workspaces_created(), 0);

    // Through the cluster host and on to the other host: the token stops at the cluster.
    let world = TlsWorld::start().await;
    world.sandbox.redirect_host(API, &world.base(CLUSTER));
    world.sandbox.redirect_host(CLUSTER, &world.base(EVIL));
    let error = world
        .client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("the answer would come from another host");
    assert!(error.to_string().contains(EVIL), "{error}");
    assert_eq!(
        world.hosts(),
        vec![(world.host(API), true), (world.host(CLUSTER), true)]
    );
}

#[tokio::test]
async fn a_redirect_to_plain_http_is_refused() {
    let world = TlsWorld::start().await;
    world
        .sandbox
        .redirect_host(API, &format!("http://{CLUSTER}:{}", world.port));
    let error = world
        .client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("https"), "{error}");
    assert_eq!(world.hosts(), vec![(world.host(API), true)]);
}

#[tokio::test]
async fn plain_http_needs_the_opt_in_and_covers_only_the_sandbox_address() {
    let sandbox = sandbox().await;
    let error = PowerBiClient::builder()
        .cloud(cloud(&sandbox))
        .credential(service_principal_credential())
        .build()
        .expect_err("http needs the opt-in");
    assert!(
        error.to_string().contains("allow_insecure_loopback"),
        "{error}"
    );

    let client = service_principal(&sandbox);
    for target in [
        "http://localhost:{port}",
        "http://127.0.0.1:1",
        "http://127.0.0.2:{port}",
    ] {
        let sandbox = crate::common::sandbox().await;
        let port = sandbox
            .base_url()
            .rsplit_once(':')
            .map(|(_, port)| port.to_owned())
            .expect("a port");
        let elsewhere = target.replace("{port}", &port);
        let client = service_principal(&sandbox);
        sandbox.redirect_host("127.0.0.1", &elsewhere);
        let error = client
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("not followed");
        assert!(
            error.to_string().contains("refused"),
            "{elsewhere}: {error}"
        );
        assert_eq!(sandbox.api_hosts().len(), 1, "{elsewhere}");
    }
    // The sandbox itself is still reachable.
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("the configured address");
}

#[tokio::test]
async fn activity_event_continuation_uris_on_a_cluster_host_are_followed_with_the_token() {
    let world = TlsWorld::start_with(SandboxConfig::default().continuation_host(CLUSTER)).await;
    let start = powerbi::DateTime::parse("2026-01-01T00:00:00Z").expect("a time");
    let end = powerbi::DateTime::parse("2026-01-02T00:00:00Z").expect("a time");
    let events: Vec<_> = world
        .client
        .admin()
        .get_activity_events_pages(start, end, Default::default())
        .collect()
        .await
        .expect("every page, following continuation URIs");
    assert!(!events.is_empty());
    let hosts = world.hosts();
    assert!(
        hosts.contains(&(world.host(CLUSTER), true)),
        "a continuation URI on the cluster host was followed with the token: {hosts:?}"
    );
    assert!(
        hosts
            .iter()
            .all(|(host, _)| host == &world.host(API) || host == &world.host(CLUSTER)),
        "no other host was called: {hosts:?}"
    );
}
