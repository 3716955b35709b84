//! The default proxy settings come from the environment (`HTTPS_PROXY`, `NO_PROXY`), and a
//! reqwest client built with `PowerBiClientBuilder::http_client_builder` works in a process
//! that installed no rustls crypto provider.
//!
//! Its own test binary with a single test: it sets the process environment, which the e2e
//! binary's tests (run in parallel in one process) must not see.

#[path = "e2e/connect_proxy.rs"]
#[allow(dead_code)]
mod connect_proxy;

use powerbi::PowerBiClient;
use powerbi::auth::ClientSecretCredential;
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::{DecodePolicy, RetryPolicy};
use powerbi_sandbox::demo;

use connect_proxy::{ConnectProxy, TlsSandbox};

const USER: &str = "svc-powerbi";
const PASSWORD: &str = "env~Pr0xy/Pass";

fn builder(world: &TlsSandbox, cloud: powerbi::Cloud) -> powerbi::PowerBiClientBuilder {
    PowerBiClient::builder()
        .cloud(cloud)
        .add_root_certificate(world.ca_der.clone())
        .decode_policy(DecodePolicy::Strict)
        .retry_policy(RetryPolicy::none())
        .credential(ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::SP_CLIENT_ID,
            demo::SP_CLIENT_SECRET,
        ))
}

async fn list(client: &PowerBiClient) -> powerbi::Result<usize> {
    let groups = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await?;
    Ok(groups.len())
}

#[test]
fn the_default_proxy_comes_from_https_proxy_and_no_proxy() {
    // Nothing in this process installs a rustls provider, and the crate does not either.
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let world = TlsSandbox::start().await;
        let proxy = ConnectProxy::start(world.address, Some((USER, PASSWORD))).await;
        let with_credentials = format!(
            "http://{USER}:{}@{}",
            PASSWORD.replace('/', "%2F"),
            proxy.url().trim_start_matches("http://")
        );
        // SAFETY: this binary's only test, on the runtime's only thread, before any request
        // (and so any DNS lookup on a blocking thread) has started: nothing reads the
        // environment concurrently.
        unsafe {
            std::env::set_var("HTTPS_PROXY", &with_credentials);
            std::env::set_var("NO_PROXY", "127.0.0.1");
        }

        // The default: HTTPS_PROXY, whose credentials are sent. The sign-in and API hosts
        // resolve only at the proxy.
        let client = builder(&world, world.proxied_cloud())
            .build()
            .expect("builds");
        assert!(list(&client).await.expect("listed through HTTPS_PROXY") > 0);
        let tunnels = proxy.tunnels();
        for target in world.proxied_targets() {
            assert!(tunnels.contains(&target), "{target} in {tunnels:?}");
        }
        assert!(proxy.seen().iter().all(|seen| {
            seen.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Basic "))
        }));
        assert!(!format!("{client:?}").contains(PASSWORD));

        // NO_PROXY: the loopback address is reached directly.
        let before = proxy.seen().len();
        let direct = builder(&world, world.direct_cloud())
            .build()
            .expect("builds");
        assert!(list(&direct).await.expect("listed directly") > 0);
        assert_eq!(proxy.seen().len(), before, "{:?}", proxy.seen());

        // An explicit proxy replaces the environment, NO_PROXY included.
        let explicit = builder(&world, world.direct_cloud())
            .proxy(
                powerbi::Proxy::url(&proxy.url())
                    .expect("URL")
                    .basic_auth(USER, PASSWORD),
            )
            .build()
            .expect("builds");
        assert!(list(&explicit).await.expect("listed through the proxy") > 0);
        assert!(proxy.tunnels().contains(&world.address.to_string()));

        // The public reqwest builder makes a working client (TLS, the environment's proxy)
        // though no process-wide provider is installed.
        let builder = builder(&world, world.proxied_cloud());
        let http = builder
            .http_client_builder()
            .expect("the reqwest builder")
            .build()
            .expect("no panic, no error: the builder carries its own TLS provider");
        let before = proxy.tunnels().len();
        let client = builder.http_client(http).build().expect("builds");
        assert!(list(&client).await.expect("listed through HTTPS_PROXY") > 0);
        assert!(proxy.tunnels().len() > before);
    });
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "the crate installed no process-wide provider"
    );

    // Why `http_client_builder` exists (its documentation says so): reqwest's own builder
    // panics in such a process, in the caller's code, before `.http_client(...)` could see
    // the client. If this changes, that documentation must change too.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let ordinary = std::panic::catch_unwind(|| reqwest::Client::builder().build());
    std::panic::set_hook(hook);
    assert!(
        ordinary.is_err(),
        "reqwest built a client without a provider"
    );
}
