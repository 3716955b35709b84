//! The leak test: a full run through every credential, with secrets that encoding changes,
//! while a TRACE-level subscriber records everything; then the Debug and Display of every
//! credential, client and error, the prompts and the log are searched for each secret raw,
//! percent-encoded, form-encoded and base64-encoded, and for every 8-character piece of it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use powerbi::Error;
use powerbi::auth::{
    ChainedCredential, ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential,
    EnvironmentCredential, ManagedIdentityCredential, StaticTokenCredential, TokenCache,
    TokenCredential, UsernamePasswordCredential, WorkloadIdentityCredential,
};
use powerbi_sandbox::{DeviceCodeFlow, demo};

use crate::common::*;
use crate::credentials::{
    TEST_KEY_A, certificate_for, closed_port_url, federated_token, list, raw_token, temp_dir,
};

/// A client secret with every character encoding changes.
const SECRET: &str = "Lk8~Q+/=%zR2+v/W=x%9~mT";
/// A wrong client secret, just as awkward.
const WRONG_SECRET: &str = "Wr0ng~+/=%Secret/Value=+";
/// A wrong password.
const WRONG_PASSWORD: &str = "N0t~The+/Pass=%word";

/// The process-wide default subscriber while the leak test runs: interested in everything
/// ("sometimes"), so no callsite caches "never" while another test's thread hits it first,
/// yet it records nothing; the test's own subscriber, set on its thread, does the recording.
pub(crate) struct Undecided;

impl tracing::Subscriber for Undecided {
    fn register_callsite(
        &self,
        _metadata: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn enabled(&self, _metadata: &tracing::Metadata<'_>) -> bool {
        false
    }

    fn new_span(&self, _span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _span: &tracing::span::Id, _values: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _span: &tracing::span::Id, _follows: &tracing::span::Id) {}

    fn event(&self, _event: &tracing::Event<'_>) {}

    fn enter(&self, _span: &tracing::span::Id) {}

    fn exit(&self, _span: &tracing::span::Id) {}
}

/// The texts to search, and the failures seen.
#[derive(Default)]
struct Captured(Vec<String>, Vec<String>);

impl Captured {
    fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.0.push(format!("{value:?}"));
        self.0.push(format!("{value:#?}"));
    }

    /// Records a call's outcome (Display and Debug of an error).
    fn outcome<T>(&mut self, result: &powerbi::Result<T>) {
        if let Err(error) = result {
            self.error(error);
        }
    }

    fn error(&mut self, error: &Error) {
        self.0.push(error.to_string());
        self.debug(error);
    }

    /// Runs one sign-in through `credential` and records the credential, client and result.
    async fn run(
        &mut self,
        sandbox: &powerbi_sandbox::Sandbox,
        credential: impl TokenCredential + 'static,
    ) -> bool {
        self.debug(&credential);
        self.0.push(credential.kind().to_owned());
        let client = client_with(sandbox, credential);
        self.debug(&client);
        let result = list(&client).await;
        self.outcome(&result);
        if let Err(error) = &result {
            self.1.push(error.to_string());
        }
        result.is_ok()
    }
}

/// The forms of `secret` that must never appear.
fn forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    vec![
        secret.to_owned(),
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        url::form_urlencoded::byte_serialize(bytes).collect(),
        STANDARD.encode(bytes),
        STANDARD_NO_PAD.encode(bytes),
        URL_SAFE.encode(bytes),
        URL_SAFE_NO_PAD.encode(bytes),
    ]
}

/// Every 8-byte window of `text`.
fn windows(text: &str) -> impl Iterator<Item = &[u8]> {
    text.as_bytes().windows(8)
}

#[tokio::test]
async fn no_secret_appears_in_any_debug_display_error_or_trace_line() {
    let buffer = CapturedLog::default();
    let _ = tracing::subscriber::set_global_default(Undecided);
    // This test runs on a current-thread runtime: every task (client, sandbox, hyper) runs on
    // this thread, under this subscriber (`log` records, reqwest's and hyper's, too).
    let _guard = buffer.capture();

    let sandbox = sandbox().await;
    sandbox.add_client_secret(demo::SP_CLIENT_ID, SECRET);
    let (certificate_pem, certificate_der) = certificate_for(TEST_KEY_A);
    sandbox.add_client_certificate(demo::SP_CLIENT_ID, &certificate_der);
    let issuer = "https://vstoken.dev.azure.com/contoso";
    let subject = "sc://contoso/reports/powerbi";
    sandbox.add_federated_credential(demo::SP_CLIENT_ID, issuer, subject);
    sandbox.set_device_code_flow(DeviceCodeFlow::approve_after(1));
    let dir = temp_dir();
    let federated = federated_token(issuer, subject);
    let token_file = dir.join("federated-token");
    std::fs::write(&token_file, &federated).expect("write");
    let identity_header = sandbox.managed_identity_env()["IDENTITY_HEADER"].clone();

    let mut captured = Captured::default();
    let mut signed_in = 0;

    // Client secret: form body, HTTP Basic, v1, wrong.
    let secret = ClientSecretCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, SECRET);
    signed_in += usize::from(captured.run(&sandbox, secret.clone()).await);
    signed_in += usize::from(
        captured
            .run(&sandbox, secret.clone().with_basic_auth(true))
            .await,
    );
    signed_in += usize::from(captured.run(&sandbox, secret.with_v1_endpoint(true)).await);
    assert!(
        !captured
            .run(
                &sandbox,
                ClientSecretCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, WRONG_SECRET)
                    .with_basic_auth(true),
            )
            .await
    );
    assert!(
        !captured
            .run(
                &sandbox,
                ClientSecretCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, WRONG_SECRET),
            )
            .await
    );

    // Users: right, wrong, MFA-blocked.
    for (name, password, works) in [
        (demo::USER_NAME, demo::USER_PASSWORD, true),
        (demo::USER_NAME, WRONG_PASSWORD, false),
        (demo::MFA_USER_NAME, demo::MFA_USER_PASSWORD, false),
        (
            demo::FEDERATED_USER_NAME,
            demo::FEDERATED_USER_PASSWORD,
            false,
        ),
    ] {
        let credential = UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::PUBLIC_CLIENT_ID,
            name,
            password,
        );
        assert_eq!(captured.run(&sandbox, credential).await, works, "{name}");
        signed_in += usize::from(works);
    }

    // Certificate.
    let certificate = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        &certificate_pem,
        TEST_KEY_A,
    )
    .expect("loads");
    signed_in += usize::from(captured.run(&sandbox, certificate).await);

    // Device code, then its refresh token.
    let prompts = Arc::new(Mutex::new(Vec::new()));
    let shown = Arc::clone(&prompts);
    let sleeper = powerbi::runtime::time::ManualClock::new();
    let device = DeviceCodeCredential::new(demo::TENANT_ID, demo::PUBLIC_CLIENT_ID)
        .with_prompt(move |info| {
            shown
                .lock()
                .expect("lock")
                .push(format!("{info:?} {}", info.message))
        })
        .with_sleeper(sleeper);
    captured.debug(&device);
    let device_client = client_with(&sandbox, device);
    captured.outcome(&list(&device_client).await);
    sandbox.expire_all_tokens();
    captured.outcome(&list(&device_client).await);
    captured.debug(&device_client);
    signed_in += 1;

    // Managed identity: App Service (secret header), IMDS, and a wrong header.
    signed_in += usize::from(
        captured
            .run(
                &sandbox,
                ManagedIdentityCredential::from_env(&sandbox.managed_identity_env()),
            )
            .await,
    );
    signed_in += usize::from(
        captured
            .run(
                &sandbox,
                ManagedIdentityCredential::imds_at(sandbox.imds_endpoint().parse().expect("URL")),
            )
            .await,
    );

    // Workload identity.
    signed_in += usize::from(
        captured
            .run(
                &sandbox,
                WorkloadIdentityCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, &token_file),
            )
            .await,
    );

    // The environment, holding secrets in the map.
    let vars = HashMap::from([
        ("POWERBI_TENANT_ID".to_owned(), demo::TENANT_ID.to_owned()),
        (
            "POWERBI_CLIENT_ID".to_owned(),
            demo::SP_CLIENT_ID.to_owned(),
        ),
        ("POWERBI_CLIENT_SECRET".to_owned(), SECRET.to_owned()),
        ("IDENTITY_HEADER".to_owned(), identity_header.clone()),
    ]);
    signed_in += usize::from(
        captured
            .run(&sandbox, EnvironmentCredential::new(&vars))
            .await,
    );

    // A chain whose first link fails, and a chain that fails entirely.
    let chain = ChainedCredential::new()
        .with(ManagedIdentityCredential::imds_at(
            closed_port_url().parse().expect("URL"),
        ))
        .with(UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::PUBLIC_CLIENT_ID,
            demo::USER_NAME,
            WRONG_PASSWORD,
        ))
        .with(ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::SP_CLIENT_ID,
            SECRET,
        ));
    signed_in += usize::from(captured.run(&sandbox, chain).await);
    let failing = ChainedCredential::new()
        .with(ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::SP_CLIENT_ID,
            WRONG_SECRET,
        ))
        .with(UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::PUBLIC_CLIENT_ID,
            demo::USER_NAME,
            WRONG_PASSWORD,
        ));
    assert!(!captured.run(&sandbox, failing).await);

    // A static token, and a shared cache.
    let token = raw_token(&sandbox).await;
    signed_in += usize::from(
        captured
            .run(
                &sandbox,
                StaticTokenCredential::new(token.clone(), Duration::from_secs(600)),
            )
            .await,
    );
    let cache = TokenCache::new();
    let cached = sandbox_builder(&sandbox)
        .credential(ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::SP_CLIENT_ID,
            SECRET,
        ))
        .token_cache(cache.clone())
        .build()
        .expect("builds");
    captured.outcome(&list(&cached).await);
    captured.debug(&cache);
    captured.debug(&cached);

    // The Azure CLI, from a stand-in script that prints a real token.
    #[cfg(unix)]
    {
        let output = format!(
            r#"{{"accessToken": "{token}", "expires_on": 9999999999, "tokenType": "Bearer"}}"#
        );
        let az = crate::credentials::fake_az(&dir, "az", Some(&output), None);
        let cli = powerbi::auth::AzureCliCredential::new().with_program(az);
        captured.debug(&cli);
        let client = client_with(&sandbox, cli);
        let result = crate::credentials::retry_busy(async || list(&client).await).await;
        captured.outcome(&result);
        result.expect("the CLI's token works");
        signed_in += 1;
    }

    assert!(
        signed_in >= 13,
        "the run signed in {signed_in} times; failures: {:#?}",
        captured.1
    );
    std::fs::remove_dir_all(&dir).ok();

    let mut haystack = captured.0;
    haystack.extend(prompts.lock().expect("lock").iter().cloned());
    let log = buffer.text();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the subscriber captured the run"
    );
    assert!(
        log.contains("new Power BI token"),
        "the cache's log lines are there"
    );
    haystack.push(log);

    let mut secrets: Vec<String> = [
        SECRET,
        WRONG_SECRET,
        WRONG_PASSWORD,
        demo::SP_CLIENT_SECRET,
        demo::USER_PASSWORD,
        demo::MFA_USER_PASSWORD,
        demo::FEDERATED_USER_PASSWORD,
    ]
    .iter()
    .map(|secret| (*secret).to_owned())
    .collect();
    secrets.push(identity_header);
    secrets.push(federated);
    secrets.push(token);
    // The private key: every line of its base64 body.
    secrets.extend(
        TEST_KEY_A
            .lines()
            .filter(|line| !line.starts_with("-----") && line.len() >= 8)
            .map(str::to_owned),
    );
    secrets.extend(sandbox.issued_secrets());
    assert!(
        secrets.len() > 30,
        "tokens, refresh tokens and device codes are included"
    );

    let all_windows: HashSet<&[u8]> = haystack.iter().flat_map(|text| windows(text)).collect();
    let mut found = Vec::new();
    for secret in &secrets {
        for form in forms(secret) {
            if haystack.iter().any(|text| text.contains(&form)) {
                found.push(format!("{form:?} (a form of a secret)"));
            }
        }
        for window in windows(secret) {
            if all_windows.contains(window) {
                found.push(format!(
                    "{:?} (8 characters of a secret)",
                    String::from_utf8_lossy(window)
                ));
            }
        }
    }
    assert!(found.is_empty(), "secrets leaked: {found:?}");
}
