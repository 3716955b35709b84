//! Starting the sandbox and building clients for its demo identities.

use powerbi::auth::{ClientSecretCredential, TokenCredential, UsernamePasswordCredential};
use powerbi::runtime::{ApiError, DecodePolicy, Uuid};
use powerbi::{Cloud, Error, PowerBiClient, PowerBiClientBuilder, Workspace};
use powerbi_sandbox::{Sandbox, SandboxConfig, demo};

/// A sandbox with the default configuration.
pub async fn sandbox() -> Sandbox {
    Sandbox::start().await.expect("the sandbox starts")
}

/// A sandbox with `config`.
pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start_with(config)
        .await
        .expect("the sandbox starts")
}

/// The sandbox as a cloud.
pub fn cloud(sandbox: &Sandbox) -> Cloud {
    Cloud::custom(
        sandbox.authority_host().parse().expect("authority URL"),
        sandbox.api_base_url().parse().expect("API URL"),
    )
}

/// A client builder aimed at the sandbox (over plain http on loopback), for a test that sets
/// more than the credential. Answers decode strictly: the sandbox serves what the spec
/// describes, so anything that does not fit is a spec or sandbox mistake to fail on.
pub fn sandbox_builder(sandbox: &Sandbox) -> PowerBiClientBuilder {
    PowerBiClient::builder()
        .cloud(cloud(sandbox))
        .allow_insecure_loopback()
        .decode_policy(DecodePolicy::Strict)
}

/// A client signing in with `credential` at the sandbox.
pub fn client_with(sandbox: &Sandbox, credential: impl TokenCredential + 'static) -> PowerBiClient {
    sandbox_builder(sandbox)
        .credential(credential)
        .build()
        .expect("the client builds")
}

/// The demo service principal's client secret credential.
pub fn service_principal_credential() -> ClientSecretCredential {
    ClientSecretCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, demo::SP_CLIENT_SECRET)
}

/// The demo service principal (Admin of Sales Analytics, not a member of Finance).
pub fn service_principal(sandbox: &Sandbox) -> PowerBiClient {
    client_with(sandbox, service_principal_credential())
}

/// The demo user through the public client that has every scope.
pub fn user(sandbox: &Sandbox) -> PowerBiClient {
    client_with(
        sandbox,
        UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::PUBLIC_CLIENT_ID,
            demo::USER_NAME,
            demo::USER_PASSWORD,
        ),
    )
}

/// The demo user through the public client consented for `*.Read.All` scopes only.
pub fn read_only_user(sandbox: &Sandbox) -> PowerBiClient {
    client_with(
        sandbox,
        UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::READONLY_PUBLIC_CLIENT_ID,
            demo::USER_NAME,
            demo::USER_PASSWORD,
        ),
    )
}

/// A service principal that is a member of no workspace.
pub fn outsider(sandbox: &Sandbox) -> PowerBiClient {
    client_with(
        sandbox,
        ClientSecretCredential::new(
            demo::TENANT_ID,
            demo::OUTSIDER_SP_CLIENT_ID,
            demo::OUTSIDER_SP_CLIENT_SECRET,
        ),
    )
}

/// Parses a demo id.
pub fn id(text: &str) -> Uuid {
    text.parse().expect("demo ids are GUIDs")
}

/// The Sales Analytics workspace.
pub fn sales() -> Workspace {
    Workspace::Id(id(demo::SALES_WORKSPACE_ID))
}

/// The Finance workspace.
pub fn finance() -> Workspace {
    Workspace::Id(id(demo::FINANCE_WORKSPACE_ID))
}

/// The API error inside `error`, or a failed test saying what came instead.
#[track_caller]
pub fn api_error(error: Error) -> ApiError {
    match error {
        Error::Api(api) => *api,
        other => panic!("expected an API error, got: {other}"),
    }
}

/// Asserts `result` failed with `status` (and `code` when given), and that its one-line
/// Display carries the status and the RequestId.
#[track_caller]
pub fn assert_api_error<T: std::fmt::Debug>(
    result: powerbi::Result<T>,
    status: u16,
    code: Option<&str>,
) -> ApiError {
    let error = api_error(result.expect_err("the call fails"));
    assert_eq!(error.status, status, "status of {error}");
    if let Some(code) = code {
        assert_eq!(error.code.as_deref(), Some(code), "code of {error}");
    }
    let request_id = error
        .request_id
        .clone()
        .expect("every sandbox answer has a RequestId");
    let line = error.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(
        line.contains(&status.to_string()) && line.contains(&request_id),
        "{line}"
    );
    error
}

/// Everything a TRACE `fmt` subscriber (with `log` records: reqwest, hyper) writes while it is
/// the current one: what the tests that look for secrets in log lines read.
#[derive(Clone, Default)]
pub struct CapturedLog(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    /// Records this thread's events until the guard drops (tests on a current-thread runtime:
    /// the client's, hyper's and the sandbox's tasks all run on this thread).
    pub fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _ = tracing_log::LogTracer::init();
        tracing::subscriber::set_default(subscriber)
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

/// The demo service principal at the sandbox, Fabric included (the sandbox serves Fabric at
/// `/v1` on the same server), waiting on `clock` (so the polls of long-running operations
/// never wait in real time).
pub fn sandbox_fabric_client(
    sandbox: &Sandbox,
    clock: &powerbi::runtime::time::ManualClock,
) -> PowerBiClient {
    sandbox_builder(sandbox)
        .fabric_api_base(sandbox.api_base_url().parse().expect("the sandbox's URL"))
        .credential(service_principal_credential())
        .clock_and_sleeper(clock.clone())
        .build()
        .expect("the client builds")
}
