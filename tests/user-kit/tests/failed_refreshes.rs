//! Testing `failed_refreshes` without a tenant: each test seeds a sandbox with the workspaces,
//! datasets and service principal it needs, points a `PowerBiClient` at it, and checks what the
//! function returns, what it sent, and how it copes with throttling and outages.

use powerbi::auth::ClientSecretCredential;
use powerbi::runtime::RetryPolicy;
use powerbi::runtime::time::ManualClock;
use powerbi::{Cloud, PowerBiClient};
use powerbi_sandbox::{
    DatasetSeed, Fault, FaultPlan, Role, Sandbox, ServicePrincipalSeed, WorkspaceSeed, demo,
};
use powerbi_user_kit_example::{FailedRefresh, failed_refreshes};

const SECRET: &str = "automation~secret";

/// The tenant of these tests: the automation's service principal, a workspace it belongs to
/// with three datasets (latest refresh failed, latest completed after a failure, never
/// refreshed), and a workspace it does not belong to, with a failed refresh it cannot see.
struct Tenant {
    sandbox: Sandbox,
    app: ServicePrincipalSeed,
    broken: DatasetSeed,
}

async fn tenant() -> Tenant {
    let app = ServicePrincipalSeed::new("Morning report").client_secret(SECRET);
    let broken = DatasetSeed::new("Sales")
        .completed_refresh()
        .failed_refresh("ModelRefreshFailed_CredentialsNotSpecified");
    let operations = WorkspaceSeed::new("Operations")
        .service_principal(app.object_id(), Role::Viewer)
        .dataset(broken.clone())
        .dataset(
            DatasetSeed::new("Stock")
                .failed_refresh("ModelRefreshFailed_CredentialsNotSpecified")
                .completed_refresh(),
        )
        .dataset(DatasetSeed::new("Targets"));
    let hidden = WorkspaceSeed::new("HR")
        .user(demo::USER_NAME, Role::Admin)
        .dataset(DatasetSeed::new("Payroll").failed_refresh("Timeout"));
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .service_principal(app.clone())
        .workspace(operations)
        .workspace(hidden)
        .start()
        .await
        .expect("the sandbox starts");
    Tenant {
        sandbox,
        app,
        broken,
    }
}

/// A client signed in as the seeded service principal, at the sandbox (plain http on
/// loopback), retrying on a manual clock so no test waits.
fn client(tenant: &Tenant, clock: &ManualClock) -> PowerBiClient {
    let sandbox = &tenant.sandbox;
    PowerBiClient::builder()
        .cloud(Cloud::custom(
            sandbox.authority_host().parse().expect("authority URL"),
            sandbox.api_base_url().parse().expect("API URL"),
        ))
        .allow_insecure_loopback()
        .credential(ClientSecretCredential::new(
            demo::TENANT_ID,
            tenant.app.client_id(),
            SECRET,
        ))
        .retry_policy(RetryPolicy::new().clock_and_sleeper(clock.clone()))
        .build()
        .expect("the client builds")
}

fn expected(tenant: &Tenant) -> Vec<FailedRefresh> {
    vec![FailedRefresh {
        workspace: "Operations".to_owned(),
        dataset: "Sales".to_owned(),
        dataset_id: tenant.broken.id().to_owned(),
        error_code: Some("ModelRefreshFailed_CredentialsNotSpecified".to_owned()),
    }]
}

#[tokio::test]
async fn reports_the_datasets_whose_latest_refresh_failed_in_the_callers_workspaces() {
    let tenant = tenant().await;
    let clock = ManualClock::new();
    let failed = failed_refreshes(&client(&tenant, &clock))
        .await
        .expect("the report runs");
    assert_eq!(failed, expected(&tenant));
}

#[tokio::test]
async fn asks_only_for_the_latest_refresh_of_each_dataset() {
    let tenant = tenant().await;
    let clock = ManualClock::new();
    failed_refreshes(&client(&tenant, &clock))
        .await
        .expect("the report runs");
    let history_requests: Vec<_> = tenant
        .sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.is_api() && request.path.ends_with("/refreshes"))
        .collect();
    assert_eq!(history_requests.len(), 3, "one per visible dataset");
    for request in &history_requests {
        assert_eq!(request.method, "GET");
        assert_eq!(request.query.as_deref(), Some("$top=1"), "{request:?}");
    }
}

#[tokio::test]
async fn survives_throttling_and_an_outage() {
    let tenant = tenant().await;
    let clock = ManualClock::new();
    // The first two requests for a workspace's content are throttled, then refused with 503.
    tenant.sandbox.set_faults(Some(
        FaultPlan::script([
            Some(Fault::Throttle { retry_after: 30 }),
            Some(Fault::Unavailable),
        ])
        .endpoint("GET", "/v1.0/myorg/groups/"),
    ));
    let failed = failed_refreshes(&client(&tenant, &clock))
        .await
        .expect("retries get through");
    assert_eq!(failed, expected(&tenant));
    assert_eq!(tenant.sandbox.faults_injected().len(), 2);
    // The client honoured Retry-After on the manual clock: nothing really waited.
    assert!(
        clock.sleeps().contains(&std::time::Duration::from_secs(30)),
        "{:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn an_outage_that_outlasts_the_retries_is_an_error_naming_the_status() {
    let tenant = tenant().await;
    let clock = ManualClock::new();
    tenant
        .sandbox
        .set_faults(Some(FaultPlan::new(7, 1.0).weights(0, 1, 0, 0, 0)));
    let error = failed_refreshes(&client(&tenant, &clock).with_retry_policy(RetryPolicy::none()))
        .await
        .expect_err("every request is refused");
    assert!(error.to_string().contains("503"), "{error}");
}
