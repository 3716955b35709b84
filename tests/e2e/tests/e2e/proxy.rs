//! Proxies set on the builder: calls (token and API alike) go through a real CONNECT proxy on
//! loopback to the sandbox over TLS, with the proxy's credentials sent and never shown, a
//! clear error when the proxy refuses them, and hosts that bypass it. The environment-variable
//! default is tested in its own binary (`tests/proxy_env.rs`), which alone sets the process
//! environment.

use std::time::Duration;

use base64::Engine as _;
use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::{DecodePolicy, RetryPolicy};
use powerbi::{Cloud, Error, PowerBiClient, PowerBiClientBuilder, Proxy};

use crate::common::*;
use crate::connect_proxy::{ConnectProxy, TlsSandbox};
use crate::credentials::list;

const USER: &str = "svc-powerbi";
/// A proxy password with characters that URL and form encoding change.
const PASSWORD: &str = "Pr0xy~+/=%pass:word";
const WRONG_PASSWORD: &str = "Wr0ng~Pr0xy/P4ss";

/// A client builder for `cloud` trusting the test CA, retrying nothing.
fn tls_builder(world: &TlsSandbox, cloud: Cloud) -> PowerBiClientBuilder {
    PowerBiClient::builder()
        .cloud(cloud)
        .add_root_certificate(world.ca_der.clone())
        .decode_policy(DecodePolicy::Strict)
        .retry_policy(RetryPolicy::none())
        .credential(service_principal_credential())
}

fn proxy_to(proxy: &ConnectProxy) -> Proxy {
    Proxy::url(&proxy.url()).expect("the proxy URL")
}

fn basic(user: &str, password: &str) -> String {
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// `text` holds no form of `secret`: raw, percent-encoded or in a Basic header.
fn assert_hidden(text: &str, secret: &str, what: &str) {
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    for form in [secret.to_owned(), encoded, basic(USER, secret)] {
        assert!(!text.contains(&form), "{what} shows {form:?}: {text}");
    }
}

#[tokio::test]
async fn token_and_api_calls_go_through_the_proxy_with_its_credentials() {
    let log = CapturedLog::default();
    let _guard = log.capture();
    let world = TlsSandbox::start().await;
    let proxy = ConnectProxy::start(world.address, Some((USER, PASSWORD))).await;
    let builder = tls_builder(&world, world.proxied_cloud())
        .proxy(proxy_to(&proxy).basic_auth(USER, PASSWORD));
    let builder_debug = format!("{builder:?}");
    let client = builder.build().expect("the client builds");

    let groups = list(&client).await.expect("listed through the proxy");
    assert!(!groups.is_empty());
    // api.powerbi.com and login.microsoftonline.com resolve only at the proxy: the sign-in and
    // the call both went through it, with the credentials.
    let tunnels = proxy.tunnels();
    for target in world.proxied_targets() {
        assert!(tunnels.contains(&target), "{target} in {tunnels:?}");
    }
    for seen in proxy.seen() {
        assert_eq!(seen.authorization, Some(basic(USER, PASSWORD)), "{seen:?}");
    }

    // Credentials written in the URL work the same, and leave it.
    let in_url = format!(
        "http://{USER}:{}@{}",
        url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect::<String>(),
        proxy.url().trim_start_matches("http://")
    );
    let from_url = Proxy::url(&in_url).expect("a proxy URL with credentials");
    let from_url_debug = format!("{from_url:?}");
    let client2 = tls_builder(&world, world.proxied_cloud())
        .proxy(from_url)
        .build()
        .expect("builds");
    list(&client2)
        .await
        .expect("listed with credentials from the URL");
    assert!(proxy.seen().len() > tunnels.len());
    assert!(proxy.seen().iter().all(|seen| seen.status == 200));

    let shown = [
        builder_debug,
        from_url_debug,
        format!("{client:?}"),
        format!("{client2:?}"),
        log.text(),
    ]
    .join("\n");
    assert!(shown.contains(&proxy.url()), "the proxy's address is shown");
    assert!(
        log.text().contains("intercepts"),
        "reqwest's proxy lines are in the log"
    );
    assert_hidden(&shown, PASSWORD, "Debug or the log");
}

#[tokio::test]
async fn a_wrong_proxy_password_is_a_clear_error_that_does_not_show_it() {
    let log = CapturedLog::default();
    let _guard = log.capture();
    let world = TlsSandbox::start().await;
    let proxy = ConnectProxy::start(world.address, Some((USER, PASSWORD))).await;

    // Signing in through the proxy fails first.
    let client = tls_builder(&world, world.proxied_cloud())
        .proxy(proxy_to(&proxy).basic_auth(USER, WRONG_PASSWORD))
        .build()
        .expect("builds");
    let sign_in = list(&client).await.expect_err("the proxy refuses");
    assert!(matches!(sign_in, Error::Auth(_)), "{sign_in:?}");

    // An API call with a token in hand fails as a transport error.
    let token = raw_token_over_tls(&world).await;
    let api_client = tls_builder(&world, world.proxied_cloud())
        .credential(StaticTokenCredential::new(token, Duration::from_secs(3600)))
        .proxy(proxy_to(&proxy).basic_auth(USER, WRONG_PASSWORD))
        .build()
        .expect("builds");
    let api = list(&api_client).await.expect_err("the proxy refuses");
    assert!(matches!(api, Error::Transport { .. }), "{api:?}");

    for error in [&sign_in, &api] {
        let message = error.to_string();
        assert!(!message.contains('\n'), "one line: {message}");
        assert!(message.contains("407"), "{message}");
        assert!(message.contains("Proxy::basic_auth"), "{message}");
        assert_hidden(
            &format!("{message}\n{error:?}"),
            WRONG_PASSWORD,
            "the error",
        );
    }
    assert!(proxy.seen().iter().all(|seen| seen.status == 407));
    assert_eq!(
        proxy.seen()[0].authorization,
        Some(basic(USER, WRONG_PASSWORD)),
        "the credentials given were sent"
    );
    assert_hidden(&log.text(), WRONG_PASSWORD, "the log");
}

/// A token for the demo service principal from the TLS sandbox, fetched directly.
async fn raw_token_over_tls(world: &TlsSandbox) -> String {
    let http = PowerBiClient::builder()
        .add_root_certificate(world.ca_der.clone())
        .proxy(Proxy::none())
        .http_client_builder()
        .expect("the reqwest builder")
        .build()
        .expect("the reqwest client");
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        world.sandbox.authority_host(),
        powerbi_sandbox::demo::TENANT_ID
    );
    let answer: serde_json::Value = http
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", powerbi_sandbox::demo::SP_CLIENT_ID),
            ("client_secret", powerbi_sandbox::demo::SP_CLIENT_SECRET),
            ("scope", powerbi_sandbox::demo::POWER_BI_DEFAULT_SCOPE),
        ])
        .send()
        .await
        .expect("the token endpoint")
        .json()
        .await
        .expect("JSON");
    answer["access_token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn listed_hosts_and_no_proxy_bypass_the_proxy() {
    let world = TlsSandbox::start().await;
    let proxy = ConnectProxy::start(world.address, None).await;

    // Through the proxy unless listed: the loopback address goes through it too.
    let through = tls_builder(&world, world.direct_cloud())
        .proxy(proxy_to(&proxy))
        .build()
        .expect("builds");
    list(&through).await.expect("listed through the proxy");
    let target = world.address.to_string();
    assert!(proxy.tunnels().contains(&target), "{:?}", proxy.seen());
    let before = proxy.seen().len();

    let listed = tls_builder(&world, world.direct_cloud())
        .proxy(proxy_to(&proxy).no_proxy("localhost, 127.0.0.1"))
        .build()
        .expect("builds");
    list(&listed).await.expect("listed directly");
    let none = tls_builder(&world, world.direct_cloud())
        .proxy(Proxy::none())
        .build()
        .expect("builds");
    list(&none).await.expect("listed directly");
    assert_eq!(proxy.seen().len(), before, "{:?}", proxy.seen());
}

#[tokio::test]
async fn the_public_http_client_builder_carries_tls_and_the_proxy() {
    let world = TlsSandbox::start().await;
    let proxy = ConnectProxy::start(world.address, Some((USER, PASSWORD))).await;
    let builder = tls_builder(&world, world.proxied_cloud())
        .proxy(proxy_to(&proxy).basic_auth(USER, PASSWORD));
    let http = builder
        .http_client_builder()
        .expect("the reqwest builder")
        .pool_max_idle_per_host(1)
        .build()
        .expect("the reqwest client builds without a process-wide crypto provider");
    let builder = builder.http_client(http);
    let shown = format!("{builder:?}");
    let address = proxy.url().replace("http://", "");
    assert!(
        shown.contains(&address),
        "reqwest's Debug names the proxy: {shown}"
    );
    assert_hidden(
        &shown,
        PASSWORD,
        "the builder's Debug with a reqwest client",
    );
    let client = builder.build().expect("builds");
    list(&client)
        .await
        .expect("listed over TLS through the proxy");
    let tunnels = proxy.tunnels();
    for target in world.proxied_targets() {
        assert!(tunnels.contains(&target), "{target} in {tunnels:?}");
    }
}

#[tokio::test]
async fn an_unusable_proxy_or_root_certificate_fails_the_build_clearly() {
    let world = TlsSandbox::start().await;
    let error = Proxy::url("socks5://user:s3cret@proxy.example:1080").expect_err("SOCKS");
    assert!(error.to_string().contains("http:// or https://"), "{error}");
    assert!(!format!("{error} {error:?}").contains("s3cret"));
    let error = tls_builder(&world, world.direct_cloud())
        .add_root_certificate(b"not a certificate".to_vec())
        .build()
        .expect_err("a certificate that does not parse");
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(error.to_string().contains("TLS trust store"), "{error}");
}
