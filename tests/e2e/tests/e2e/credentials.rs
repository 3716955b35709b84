//! Every credential against the sandbox: certificate, device code, Azure CLI (a stand-in
//! script), managed identity (App Service and IMDS), workload identity, the environment, a
//! chain, a static token and a credential of the caller's own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::BoxFuture;
use powerbi::auth::{
    AccessToken, AzureCliCredential, ChainedCredential, ClientCertificateCredential,
    DeviceCodeCredential, DeviceCodeInfo, EnvironmentCredential, IdentityKind,
    ManagedIdentityCredential, SignatureAlgorithm, StaticTokenCredential, TokenContext,
    TokenCredential, WorkloadIdentityCredential, credential_from_env,
};
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::time::ManualClock;
use powerbi::runtime::{AuthError, Clock as _, Uuid};
use powerbi::{Error, PowerBiClient};
use powerbi_sandbox::{DeviceCodeFlow, Sandbox, demo};

use crate::common::*;

/// A throwaway PKCS#8 RSA key (see `test_only_keys/README.md`).
pub const TEST_KEY_A: &str = include_str!("test_only_keys/rsa-a.pkcs8.pem");
/// A throwaway PKCS#1 RSA key.
pub const TEST_KEY_B: &str = include_str!("test_only_keys/rsa-b.pkcs1.pem");
/// [`TEST_KEY_B`] in PKCS#8 (`rcgen` on `ring` reads only PKCS#8).
const TEST_KEY_B_PKCS8: &str = include_str!("test_only_keys/rsa-b.pkcs8.pem");

/// A self-signed certificate for `key_pem`: (PEM, DER). Each call makes a new one (new serial).
pub fn certificate_for(key_pem: &str) -> (String, Vec<u8>) {
    let pkcs8 = if key_pem == TEST_KEY_B {
        TEST_KEY_B_PKCS8
    } else {
        key_pem
    };
    let key = rcgen::KeyPair::from_pem(pkcs8).expect("the test key loads");
    let params = rcgen::CertificateParams::new(vec!["powerbi-rs-test.contoso.com".to_owned()])
        .expect("params");
    let certificate = params.self_signed(&key).expect("self-signed");
    (certificate.pem(), certificate.der().to_vec())
}

/// A fresh directory under the system's temporary directory.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("powerbi-e2e-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The sign-in error inside `error`.
#[track_caller]
pub fn auth_error(error: Error) -> AuthError {
    match error {
        Error::Auth(auth) => *auth,
        other => panic!("expected a sign-in error, got: {other}"),
    }
}

/// Lists workspaces through `client`.
pub async fn list(client: &PowerBiClient) -> powerbi::Result<Vec<powerbi::models::Group>> {
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
}

/// An access token for the demo service principal, straight from the sandbox's endpoint.
pub async fn raw_token(sandbox: &Sandbox) -> String {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        sandbox.authority_host(),
        demo::TENANT_ID
    );
    // rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange); this project
    // stays on ring: generated/runtime/src/tls.rs says why.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo::SP_CLIENT_ID),
            ("client_secret", demo::SP_CLIENT_SECRET),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ])
        .send()
        .await
        .expect("token endpoint")
        .json()
        .await
        .expect("JSON");
    answer["access_token"].as_str().expect("a token").to_owned()
}

/// An unsigned-looking federated token (the sandbox checks issuer, subject, audience, expiry).
pub fn federated_token(issuer: &str, subject: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "github-actions"});
    let claims = serde_json::json!({
        "iss": issuer,
        "sub": subject,
        "aud": "api://AzureADTokenExchange",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": Uuid::new_v4().to_string(),
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(Uuid::new_v4().as_bytes())
    )
}

// ---------------------------------------------------------------- certificate

#[tokio::test]
async fn certificate_assertions_sign_in_with_ps256_rs256_and_pkcs1_keys() {
    let sandbox = sandbox().await;
    let (pem_a, der_a) = certificate_for(TEST_KEY_A);
    let (pem_b, der_b) = certificate_for(TEST_KEY_B);
    sandbox.add_client_certificate(demo::SP_CLIENT_ID, &der_a);
    sandbox.add_client_certificate(demo::SP_CLIENT_ID, &der_b);

    let ps256 = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        &pem_a,
        TEST_KEY_A,
    )
    .expect("loads");
    assert_eq!(ps256.thumbprint().len(), 40);
    let debug = format!("{ps256:?}");
    assert!(
        debug.contains("thumbprint") && !debug.contains("PRIVATE"),
        "{debug}"
    );
    list(&client_with(&sandbox, ps256.clone()))
        .await
        .expect("PS256 assertion accepted");

    let rs256 = ps256.clone().with_algorithm(SignatureAlgorithm::Rs256);
    list(&client_with(&sandbox, rs256))
        .await
        .expect("RS256 assertion accepted");

    let v1 = ps256.with_v1_endpoint(true).with_certificate_chain(true);
    list(&client_with(&sandbox, v1)).await.expect("v1 endpoint");

    let pkcs1 = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        &pem_b,
        TEST_KEY_B,
    )
    .expect("a PKCS#1 key loads");
    list(&client_with(&sandbox, pkcs1))
        .await
        .expect("PKCS#1 key");

    // One file holding both, and two files.
    let dir = temp_dir();
    let combined = dir.join("app.pem");
    std::fs::write(&combined, format!("{pem_a}{TEST_KEY_A}")).expect("write");
    let from_file =
        ClientCertificateCredential::from_pem_file(demo::TENANT_ID, demo::SP_CLIENT_ID, &combined)
            .expect("loads from one file");
    list(&client_with(&sandbox, from_file))
        .await
        .expect("from a file");
    std::fs::remove_dir_all(dir).ok();
    assert_eq!(sandbox.tokens_issued(), 5);
}

#[tokio::test]
async fn an_unregistered_certificate_is_refused_with_a_hint() {
    let sandbox = sandbox().await;
    let (pem, _) = certificate_for(TEST_KEY_A);
    let credential = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        &pem,
        TEST_KEY_A,
    )
    .expect("loads");
    let error = auth_error(
        list(&client_with(&sandbox, credential))
            .await
            .expect_err("refused"),
    );
    assert_eq!(error.aadsts, Some(700027));
    assert!(
        error.hint.is_some_and(|hint| hint.contains("certificate")),
        "{error}"
    );
}

#[tokio::test]
async fn unusable_keys_are_explained_before_anything_is_sent() {
    let (pem_a, _) = certificate_for(TEST_KEY_A);
    let mismatch = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        &pem_a,
        TEST_KEY_B,
    )
    .expect_err("the key is another certificate's");
    assert!(
        mismatch.to_string().contains("does not belong"),
        "{mismatch}"
    );

    let ec = rcgen::KeyPair::generate().expect("an EC key");
    let ec_certificate = rcgen::CertificateParams::new(vec!["ec.contoso.com".to_owned()])
        .expect("params")
        .self_signed(&ec)
        .expect("self-signed");
    let not_rsa = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        ec_certificate.pem(),
        ec.serialize_pem(),
    )
    .expect_err("not RSA");
    assert!(not_rsa.to_string().contains("RSA"), "{not_rsa}");

    let no_certificate = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        TEST_KEY_A,
        TEST_KEY_A,
    )
    .expect_err("no certificate");
    assert!(no_certificate.to_string().contains("BEGIN CERTIFICATE"));
    let missing = ClientCertificateCredential::from_pem_files(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        "/nonexistent/app.crt",
        "/nonexistent/app.key",
    )
    .expect_err("no file");
    assert!(missing.to_string().contains("/nonexistent/app.crt"));
}

// ---------------------------------------------------------------- device code

/// What a device code test records: the prompts shown, and the manual clock the polls wait
/// on (instantly), which records the waits.
type Recorded = (Arc<Mutex<Vec<DeviceCodeInfo>>>, ManualClock);

fn device_code_credential(client_id: &str) -> (DeviceCodeCredential, Recorded) {
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let shown = Arc::clone(&prompts);
    let clock = ManualClock::new();
    let credential = DeviceCodeCredential::new(demo::TENANT_ID, client_id)
        .with_prompt(move |info| shown.lock().expect("lock").push(info.clone()))
        .with_sleeper(clock.clone());
    (credential, (prompts, clock))
}

/// The waits a manual clock recorded, in whole seconds.
fn seconds_slept(clock: &ManualClock) -> Vec<u64> {
    clock.sleeps().iter().map(Duration::as_secs).collect()
}

#[tokio::test]
async fn device_code_polls_at_the_interval_slows_down_and_then_uses_the_refresh_token() {
    let sandbox = sandbox().await;
    sandbox.set_device_code_flow(DeviceCodeFlow::approve_after(2).slow_down_on(2));
    let (credential, (prompts, clock)) = device_code_credential(demo::PUBLIC_CLIENT_ID);
    // The client's own waits run on the same manual clock.
    let client = sandbox_builder(&sandbox)
        .clock_and_sleeper(clock.clone())
        .credential(credential)
        .build()
        .expect("the client builds");
    let groups = list(&client).await.expect("the user approved");
    assert!(
        groups
            .iter()
            .any(|group| group.id == id(demo::FINANCE_WORKSPACE_ID))
    );
    {
        let prompts = prompts.lock().expect("lock");
        assert_eq!(prompts.len(), 1);
        let info = &prompts[0];
        assert!(info.message.contains(&info.user_code), "{}", info.message);
        assert!(info.message.contains("microsoft.com/devicelogin"));
        assert_eq!(info.expires_in, Duration::from_secs(900));
    }
    assert_eq!(
        seconds_slept(&clock),
        [5, 5, 10],
        "interval 5, then +5 after slow_down"
    );
    assert_eq!(clock.elapsed(), Duration::from_secs(20), "no real waiting");
    // devicecode + three polls.
    assert_eq!(sandbox.token_requests(), 4);

    // The next token comes from the refresh token: no new prompt.
    sandbox.expire_all_tokens();
    list(&client).await.expect("renewed with the refresh token");
    assert_eq!(prompts.lock().expect("lock").len(), 1);
    assert_eq!(sandbox.token_requests(), 5);
}

/// A device code answer naming an absurd interval and expiry (`u64::MAX` seconds) and then a
/// `slow_down`: the interval used to overflow (`interval += 5 s` panicked). Now the interval is
/// kept between 1 s and a minute and the code's lifetime at most an hour.
#[tokio::test]
async fn device_code_with_absurd_numbers_polls_within_bounds() {
    let sandbox = sandbox().await;
    sandbox.set_device_code_flow(
        DeviceCodeFlow::approve_after(2)
            .slow_down_on(1)
            .interval(u64::MAX)
            .expires_in(u64::MAX),
    );
    let (credential, (prompts, clock)) = device_code_credential(demo::PUBLIC_CLIENT_ID);
    list(&client_with(&sandbox, credential))
        .await
        .expect("the user approved");
    assert_eq!(
        prompts.lock().expect("lock")[0].expires_in,
        Duration::from_secs(3600)
    );
    assert_eq!(
        seconds_slept(&clock),
        [60, 60, 60],
        "at most a minute between polls"
    );
}

#[tokio::test]
async fn device_code_endings_are_explained() {
    let sandbox = sandbox().await;
    for (flow, error, hint) in [
        (
            DeviceCodeFlow::decline_after(1),
            "authorization_declined",
            "declined",
        ),
        (DeviceCodeFlow::expire_after(2), "expired_token", "in time"),
        (
            DeviceCodeFlow::reject_code_after(0),
            "bad_verification_code",
            "did not recognise",
        ),
    ] {
        sandbox.set_device_code_flow(flow);
        let (credential, _) = device_code_credential(demo::PUBLIC_CLIENT_ID);
        let failed = auth_error(
            list(&client_with(&sandbox, credential))
                .await
                .expect_err("ends without a token"),
        );
        assert_eq!(failed.error.as_deref(), Some(error), "{failed}");
        assert!(
            failed.hint.is_some_and(|text| text.contains(hint)),
            "{failed}"
        );
    }
    // The code's own expiry, counted on the (manual) clock.
    sandbox.set_device_code_flow(DeviceCodeFlow::approve_after(1000).expires_in(20));
    let (credential, (_, clock)) = device_code_credential(demo::PUBLIC_CLIENT_ID);
    let expired = auth_error(
        list(&client_with(&sandbox, credential))
            .await
            .expect_err("expires"),
    );
    assert!(
        expired
            .description
            .is_some_and(|text| text.contains("expired"))
    );
    assert_eq!(seconds_slept(&clock), [5, 5, 5, 5]);
    // A confidential client cannot use the device code flow.
    let (credential, _) = device_code_credential(demo::SP_CLIENT_ID);
    let confidential = auth_error(
        list(&client_with(&sandbox, credential))
            .await
            .expect_err("refused"),
    );
    assert_eq!(confidential.aadsts, Some(7000218));
}

// ---------------------------------------------------------------- Azure CLI

/// Writes an executable stand-in for `az` printing `stdout` (or `stderr` and exit 1).
#[cfg(unix)]
pub fn fake_az(dir: &Path, name: &str, stdout: Option<&str>, stderr: Option<&str>) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    let mut script = String::from(
        "#!/bin/sh\n\
         if [ \"$1 $2 $3 $4 $5 $6\" != \"account get-access-token --resource https://analysis.windows.net/powerbi/api --output json\" ]; then\n\
         echo \"unexpected arguments: $*\" >&2; exit 2\nfi\n",
    );
    if let Some(stdout) = stdout {
        script.push_str(&format!("cat <<'JSON'\n{stdout}\nJSON\n"));
    }
    if let Some(stderr) = stderr {
        script.push_str(&format!("echo \"{stderr}\" >&2\nexit 1\n"));
    }
    std::fs::write(&path, script).expect("write the script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Runs `call`, again when a freshly written script was still busy (ETXTBSY after a fork).
pub async fn retry_busy<T, F: AsyncFnMut() -> powerbi::Result<T>>(
    mut call: F,
) -> powerbi::Result<T> {
    let mut tries = 0;
    loop {
        let result = call().await;
        match &result {
            Err(error) if tries < 5 && error.to_string().contains("busy") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            _ => return result,
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_tokens_and_its_failures() {
    let sandbox = sandbox().await;
    let token = raw_token(&sandbox).await;
    let dir = temp_dir();
    let expires_on = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 3000;
    let output = format!(
        r#"{{"accessToken": "{token}", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": {expires_on}, "subscription": "00000000-0000-0000-0000-000000000001", "tenant": "{}", "tokenType": "Bearer"}}"#,
        demo::TENANT_ID
    );
    let az = fake_az(&dir, "az", Some(&output), None);
    let client = client_with(&sandbox, AzureCliCredential::new().with_program(&az));
    retry_busy(async || list(&client).await)
        .await
        .expect("the CLI's token works");

    // Older CLIs print only expiresOn, a local time.
    let local = chrono_free_local(3000);
    let old_output =
        format!(r#"{{"accessToken": "{token}", "expiresOn": "{local}", "tokenType": "Bearer"}}"#);
    let old_az = fake_az(&dir, "az-old", Some(&old_output), None);
    let client = client_with(&sandbox, AzureCliCredential::new().with_program(&old_az));
    retry_busy(async || list(&client).await)
        .await
        .expect("expiresOn alone is enough");

    let logged_out = fake_az(
        &dir,
        "az-logged-out",
        None,
        Some("ERROR: Please run 'az login' to setup account."),
    );
    let client = client_with(
        &sandbox,
        AzureCliCredential::new().with_program(&logged_out),
    );
    let error = auth_error(
        retry_busy(async || list(&client).await)
            .await
            .expect_err("not signed in"),
    );
    assert!(
        error.hint.is_some_and(|hint| hint.contains("az login")),
        "{error}"
    );

    let client = client_with(
        &sandbox,
        AzureCliCredential::new().with_program(dir.join("no-such-az")),
    );
    let error = auth_error(list(&client).await.expect_err("absent"));
    assert!(
        error
            .description
            .as_deref()
            .is_some_and(|text| text.contains("not installed")),
        "{error}"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// Now plus `seconds`, written as UTC in the CLI's zone-less layout (the credential assumes
/// nothing about the zone, so UTC is as good as any).
#[cfg(unix)]
fn chrono_free_local(seconds: u64) -> String {
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + seconds;
    let days = at / 86_400;
    let (hour, minute, second) = ((at % 86_400) / 3600, (at % 3600) / 60, at % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = i64::try_from(days).expect("days") + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.000000")
}

// ---------------------------------------------------------------- managed identity

#[tokio::test]
async fn managed_identity_through_app_service_and_imds() {
    let sandbox = sandbox().await;
    let app_service = ManagedIdentityCredential::from_env(&sandbox.managed_identity_env());
    assert_eq!(app_service.identity_kind(), IdentityKind::ServicePrincipal);
    let groups = list(&client_with(&sandbox, app_service))
        .await
        .expect("App Service identity");
    assert!(
        groups
            .iter()
            .any(|group| group.id == id(demo::SALES_WORKSPACE_ID))
    );

    let imds = ManagedIdentityCredential::imds_at(sandbox.imds_endpoint().parse().expect("URL"));
    list(&client_with(&sandbox, imds))
        .await
        .expect("IMDS identity");

    // A user-assigned identity that is not a member of Sales Analytics: the hints speak to a
    // service principal.
    let outsider =
        ManagedIdentityCredential::imds_at(sandbox.imds_endpoint().parse().expect("URL"))
            .with_client_id(demo::OUTSIDER_SP_CLIENT_ID);
    let client = client_with(&sandbox, outsider);
    let error = assert_api_error(client.datasets().list_datasets(sales()).await, 401, None);
    assert!(
        error.hint.as_deref().is_some_and(|hint| hint
            .contains("Service principals can use Fabric APIs")
            && !hint.contains("delegated scope")),
        "{error}"
    );
    let unknown = powerbi::Workspace::Id(id("00000000-0000-0000-0000-00000000beef"));
    let error = assert_api_error(client.datasets().list_datasets(unknown).await, 404, None);
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("principalType App")),
        "{error}"
    );
    assert_eq!(sandbox.tokens_issued(), 3);
}

#[tokio::test]
async fn managed_identity_failures_are_explained() {
    let sandbox = sandbox().await;
    let mut wrong_header = sandbox.managed_identity_env();
    wrong_header.insert("IDENTITY_HEADER".to_owned(), "not-the-header".to_owned());
    let error = auth_error(
        list(&client_with(
            &sandbox,
            ManagedIdentityCredential::from_env(&wrong_header),
        ))
        .await
        .expect_err("refused"),
    );
    assert_eq!(error.status, Some(401));
    assert!(
        error
            .hint
            .is_some_and(|hint| hint.contains("IDENTITY_HEADER")),
        "{error}"
    );

    let unknown = ManagedIdentityCredential::imds_at(sandbox.imds_endpoint().parse().expect("URL"))
        .with_client_id("00000000-0000-0000-0000-0000000000aa");
    let error = auth_error(
        list(&client_with(&sandbox, unknown))
            .await
            .expect_err("refused"),
    );
    assert_eq!(error.status, Some(400));
    assert!(
        error
            .hint
            .is_some_and(|hint| hint.contains("user-assigned")),
        "{error}"
    );

    let closed = closed_port_url();
    let nowhere = ManagedIdentityCredential::imds_at(closed.parse().expect("URL"))
        .with_timeout(Duration::from_secs(2));
    let error = auth_error(
        list(&client_with(&sandbox, nowhere))
            .await
            .expect_err("nothing there"),
    );
    assert!(
        error
            .hint
            .is_some_and(|hint| hint.contains("no managed identity")),
        "{error}"
    );
}

/// `http://127.0.0.1:PORT` where nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// ---------------------------------------------------------------- workload identity

const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
const GITHUB_SUBJECT: &str = "repo:contoso/reports:ref:refs/heads/main";

#[tokio::test]
async fn workload_identity_signs_in_with_a_federated_token_file() {
    let sandbox = sandbox().await;
    sandbox.add_federated_credential(demo::SP_CLIENT_ID, GITHUB_ISSUER, GITHUB_SUBJECT);
    let dir = temp_dir();
    let file = dir.join("token");
    std::fs::write(&file, federated_token(GITHUB_ISSUER, GITHUB_SUBJECT)).expect("write");
    let credential = WorkloadIdentityCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, &file);
    list(&client_with(&sandbox, credential))
        .await
        .expect("federated sign-in");

    let vars = HashMap::from([
        ("AZURE_TENANT_ID".to_owned(), demo::TENANT_ID.to_owned()),
        ("AZURE_CLIENT_ID".to_owned(), demo::SP_CLIENT_ID.to_owned()),
        (
            "AZURE_FEDERATED_TOKEN_FILE".to_owned(),
            file.display().to_string(),
        ),
    ]);
    let from_env = WorkloadIdentityCredential::from_env(&vars).expect("configured");
    list(&client_with(&sandbox, from_env))
        .await
        .expect("from AKS-style variables");
    let incomplete = WorkloadIdentityCredential::from_env(&HashMap::new()).expect_err("empty");
    assert!(
        incomplete
            .to_string()
            .contains("AZURE_FEDERATED_TOKEN_FILE")
    );

    // Another subject: no matching federated credential.
    std::fs::write(
        &file,
        federated_token(GITHUB_ISSUER, "repo:contoso/other:ref:refs/heads/main"),
    )
    .expect("write");
    let credential = WorkloadIdentityCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, &file);
    let error = auth_error(
        list(&client_with(&sandbox, credential))
            .await
            .expect_err("refused"),
    );
    assert_eq!(error.aadsts, Some(70021));
    assert!(error.hint.is_some());

    let missing = WorkloadIdentityCredential::new(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        dir.join("no-such-token"),
    );
    let error = auth_error(
        list(&client_with(&sandbox, missing))
            .await
            .expect_err("no file"),
    );
    assert!(
        error
            .description
            .is_some_and(|text| text.contains("no-such-token"))
    );
    std::fs::remove_dir_all(dir).ok();
}

// ---------------------------------------------------------------- environment

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_environment_chooses_and_configures_a_credential() {
    let sandbox = sandbox().await;
    let secret = vars(&[
        ("POWERBI_TENANT_ID", demo::TENANT_ID),
        ("POWERBI_CLIENT_ID", demo::SP_CLIENT_ID),
        ("POWERBI_CLIENT_SECRET", demo::SP_CLIENT_SECRET),
    ]);
    let credential = EnvironmentCredential::new(&secret);
    assert!(credential.is_configured());
    assert_eq!(credential.kind(), "client secret");
    list(&client_with(&sandbox, credential))
        .await
        .expect("client secret");
    let boxed = credential_from_env(&secret).expect("configured");
    list(&client_with(&sandbox, boxed)).await.expect("boxed");

    let user = vars(&[
        ("POWERBI_TENANT_ID", demo::TENANT_DOMAIN),
        ("POWERBI_CLIENT_ID", demo::PUBLIC_CLIENT_ID),
        ("POWERBI_USERNAME", demo::USER_NAME),
        ("POWERBI_PASSWORD", demo::USER_PASSWORD),
    ]);
    let credential = EnvironmentCredential::new(&user);
    assert_eq!(credential.identity_kind(), IdentityKind::User);
    list(&client_with(&sandbox, credential))
        .await
        .expect("user");

    let dir = temp_dir();
    let (pem, der) = certificate_for(TEST_KEY_A);
    sandbox.add_client_certificate(demo::SP_CLIENT_ID, &der);
    let certificate_path = dir.join("app.crt");
    let key_path = dir.join("app.key");
    std::fs::write(&certificate_path, pem).expect("write");
    std::fs::write(&key_path, TEST_KEY_A).expect("write");
    let certificate = vars(&[
        ("POWERBI_TENANT_ID", demo::TENANT_ID),
        ("POWERBI_CLIENT_ID", demo::SP_CLIENT_ID),
        (
            "POWERBI_CLIENT_CERTIFICATE_PATH",
            &certificate_path.display().to_string(),
        ),
        (
            "POWERBI_CLIENT_CERTIFICATE_KEY_PATH",
            &key_path.display().to_string(),
        ),
    ]);
    let credential = EnvironmentCredential::new(&certificate);
    assert_eq!(credential.kind(), "client certificate");
    list(&client_with(&sandbox, credential))
        .await
        .expect("certificate");

    sandbox.add_federated_credential(demo::SP_CLIENT_ID, GITHUB_ISSUER, GITHUB_SUBJECT);
    let token_file = dir.join("federated");
    std::fs::write(&token_file, federated_token(GITHUB_ISSUER, GITHUB_SUBJECT)).expect("write");
    let workload = vars(&[
        ("POWERBI_CREDENTIAL", "workload_identity"),
        ("AZURE_TENANT_ID", demo::TENANT_ID),
        ("AZURE_CLIENT_ID", demo::SP_CLIENT_ID),
        (
            "AZURE_FEDERATED_TOKEN_FILE",
            &token_file.display().to_string(),
        ),
    ]);
    list(&client_with(
        &sandbox,
        EnvironmentCredential::new(&workload),
    ))
    .await
    .expect("workload identity");

    let mut managed = sandbox.managed_identity_env();
    managed.insert(
        "POWERBI_CREDENTIAL".to_owned(),
        "managed-identity".to_owned(),
    );
    list(&client_with(&sandbox, EnvironmentCredential::new(&managed)))
        .await
        .expect("managed identity (App Service)");
    let imds = vars(&[
        ("POWERBI_CREDENTIAL", "managed_identity"),
        ("POWERBI_IMDS_ENDPOINT", &sandbox.imds_endpoint()),
    ]);
    list(&client_with(&sandbox, EnvironmentCredential::new(&imds)))
        .await
        .expect("managed identity (IMDS)");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_wrong_environment_says_what_is_missing() {
    let sandbox = sandbox().await;
    assert!(!EnvironmentCredential::new(&HashMap::new()).is_configured());
    assert!(credential_from_env(&HashMap::new()).is_none());

    let incomplete = vars(&[("POWERBI_CLIENT_SECRET", "x"), ("POWERBI_CLIENT_ID", "y")]);
    let error = list(&client_with(
        &sandbox,
        EnvironmentCredential::new(&incomplete),
    ))
    .await
    .expect_err("incomplete");
    assert!(
        matches!(&error, Error::Config(text) if text.contains("POWERBI_TENANT_ID")),
        "{error}"
    );
    assert!(
        error.to_string().contains("not set: POWERBI_TENANT_ID)"),
        "{error}"
    );

    let bogus = vars(&[("POWERBI_CREDENTIAL", "carrier_pigeon")]);
    let error = list(&client_with(&sandbox, EnvironmentCredential::new(&bogus)))
        .await
        .expect_err("unknown kind");
    assert!(error.to_string().contains("device_code"), "{error}");
    assert_eq!(sandbox.token_requests(), 0);
}

// ---------------------------------------------------------------- chain, static, custom

#[tokio::test]
async fn a_chain_uses_the_first_credential_that_works_and_explains_when_none_does() {
    let sandbox = sandbox().await;
    let nowhere = ManagedIdentityCredential::imds_at(closed_port_url().parse().expect("URL"));
    let no_cli = AzureCliCredential::new().with_program("/nonexistent/az");
    let working = service_principal_credential();
    let chain = ChainedCredential::new()
        .with(nowhere.clone())
        .with(no_cli.clone())
        .with(working);
    assert_eq!(chain.credentials().len(), 3);
    let client = client_with(&sandbox, chain.clone());
    list(&client).await.expect("the third one works");
    assert_eq!(chain.identity_kind(), IdentityKind::ServicePrincipal);

    let failing = ChainedCredential::new().with(nowhere).with(no_cli);
    let error = auth_error(
        list(&client_with(&sandbox, failing))
            .await
            .expect_err("none works"),
    );
    let text = error.to_string();
    assert!(
        text.contains("1) managed identity") && text.contains("2) Azure CLI"),
        "{text}"
    );
    assert!(!text.contains('\n'), "one line: {text}");

    let vars = vars(&[
        ("POWERBI_TENANT_ID", demo::TENANT_ID),
        ("POWERBI_CLIENT_ID", demo::SP_CLIENT_ID),
        ("POWERBI_CLIENT_SECRET", demo::SP_CLIENT_SECRET),
    ]);
    let default_chain = ChainedCredential::default_chain(&vars);
    list(&client_with(&sandbox, default_chain))
        .await
        .expect("the environment comes first");
}

#[derive(Debug)]
struct Fixed(String);

impl TokenCredential for Fixed {
    fn get_token<'a>(
        &'a self,
        _context: TokenContext<'a>,
    ) -> BoxFuture<'a, powerbi::Result<AccessToken>> {
        Box::pin(async move {
            Ok(AccessToken {
                token: self.0.clone().into(),
                expires_in: Duration::from_secs(600),
            })
        })
    }

    fn kind(&self) -> &'static str {
        "fixed test token"
    }
}

#[tokio::test]
async fn static_tokens_and_your_own_credential_work() {
    let sandbox = sandbox().await;
    let token = raw_token(&sandbox).await;
    let credential = StaticTokenCredential::new(token.clone(), Duration::from_secs(600))
        .with_identity_kind(IdentityKind::ServicePrincipal);
    assert!(!format!("{credential:?}").contains(&token));
    list(&client_with(&sandbox, credential))
        .await
        .expect("static token");
    list(&client_with(&sandbox, Fixed(token)))
        .await
        .expect("own credential");
    assert_eq!(sandbox.token_requests(), 1);
}
