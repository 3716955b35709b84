//! Secretless sign-in from CI: `ClientAssertionCredential` with a closure, and its GitHub
//! Actions and Azure Pipelines helpers asking the sandbox's copies of those systems' OIDC
//! endpoints for a federated token that Entra ID (the sandbox's) exchanges for an access token.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use powerbi::Error;
use powerbi::auth::{ClientAssertionCredential, FEDERATED_AUDIENCE};
use powerbi::runtime::AuthError;
use powerbi_sandbox::{AZURE_PIPELINES_OIDC_PATH, GITHUB_ACTIONS_OIDC_PATH, demo};

use crate::common::*;
use crate::credentials::{federated_token, list};

const CONNECTION: &str = "5f6b8a2e-0c1d-4e3f-9a8b-7c6d5e4f3a2b";

fn vars(pairs: &[(&str, String)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect()
}

fn auth(error: Error) -> Box<AuthError> {
    match error {
        Error::Auth(auth) => auth,
        other => panic!("a sign-in error, not {other:?}"),
    }
}

#[tokio::test]
async fn a_github_actions_job_signs_in_with_its_oidc_token() {
    let sandbox = sandbox().await;
    sandbox.add_federated_credential(
        demo::SP_CLIENT_ID,
        demo::GITHUB_ACTIONS_ISSUER,
        demo::GITHUB_ACTIONS_SUBJECT,
    );
    let url = format!(
        "{}{GITHUB_ACTIONS_OIDC_PATH}?api-version=2.0",
        sandbox.base_url()
    );
    let job = vars(&[
        ("ACTIONS_ID_TOKEN_REQUEST_URL", url.clone()),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            demo::GITHUB_ACTIONS_REQUEST_TOKEN.to_owned(),
        ),
    ]);
    let credential =
        ClientAssertionCredential::github_actions(demo::TENANT_ID, demo::SP_CLIENT_ID, &job)
            .expect("configured");
    assert!(
        !format!("{credential:?}").contains(demo::GITHUB_ACTIONS_REQUEST_TOKEN),
        "the job's token stays out of Debug"
    );
    sandbox.clear_recorded();
    list(&client_with(&sandbox, credential))
        .await
        .expect("signed in with the workflow's token");
    let asked: Vec<_> = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.path == GITHUB_ACTIONS_OIDC_PATH)
        .collect();
    assert_eq!(asked.len(), 1, "one OIDC token per access token");
    let query = asked[0].query.clone().unwrap_or_default();
    assert!(query.contains("api-version=2.0"), "{query}");
    assert!(
        query.contains("audience=api%3A%2F%2FAzureADTokenExchange"),
        "{query}"
    );

    // The job's token is wrong: the endpoint refuses, and the error says where.
    let wrong = vars(&[
        ("ACTIONS_ID_TOKEN_REQUEST_URL", url),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "not-the-job-token".to_owned(),
        ),
    ]);
    let credential =
        ClientAssertionCredential::github_actions(demo::TENANT_ID, demo::SP_CLIENT_ID, &wrong)
            .expect("configured");
    let error = auth(
        list(&client_with(&sandbox, credential))
            .await
            .expect_err("refused"),
    );
    let text = error.to_string();
    assert!(
        text.contains("GitHub Actions OIDC token") && text.contains("401"),
        "{text}"
    );
    assert!(!text.contains("not-the-job-token"), "{text}");

    // Outside a job (no id-token permission): a configuration error naming the fix.
    let missing = ClientAssertionCredential::github_actions(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        &HashMap::new(),
    )
    .expect_err("not configured");
    let text = missing.to_string();
    assert!(text.contains("ACTIONS_ID_TOKEN_REQUEST_URL"), "{text}");
    assert!(text.contains("id-token: write"), "{text}");
}

#[tokio::test]
async fn an_azure_pipelines_job_signs_in_through_its_service_connection() {
    let sandbox = sandbox().await;
    let subject = format!("sc://contoso/reports/{CONNECTION}");
    sandbox.add_federated_credential(demo::SP_CLIENT_ID, demo::AZURE_PIPELINES_ISSUER, &subject);
    let job = vars(&[
        (
            "SYSTEM_OIDCREQUESTURI",
            format!("{}{AZURE_PIPELINES_OIDC_PATH}", sandbox.base_url()),
        ),
        (
            "SYSTEM_ACCESSTOKEN",
            demo::AZURE_PIPELINES_ACCESS_TOKEN.to_owned(),
        ),
    ]);
    let credential = ClientAssertionCredential::azure_pipelines(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        CONNECTION,
        &job,
    )
    .expect("configured");
    sandbox.clear_recorded();
    list(&client_with(&sandbox, credential))
        .await
        .expect("signed in through the service connection");
    let asked: Vec<_> = sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.path == AZURE_PIPELINES_OIDC_PATH)
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].method, "POST");
    let query = asked[0].query.clone().unwrap_or_default();
    assert!(
        query.contains(&format!("serviceConnectionId={CONNECTION}")),
        "{query}"
    );

    // Another service connection's token matches no federated credential of the app.
    let credential = ClientAssertionCredential::azure_pipelines(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        "00000000-0000-0000-0000-000000000000",
        &job,
    )
    .expect("configured");
    let error = auth(
        list(&client_with(&sandbox, credential))
            .await
            .expect_err("refused"),
    );
    assert_eq!(error.aadsts, Some(70021), "{error}");

    let missing = ClientAssertionCredential::azure_pipelines(
        demo::TENANT_ID,
        demo::SP_CLIENT_ID,
        CONNECTION,
        &vars(&[(
            "SYSTEM_OIDCREQUESTURI",
            "https://dev.azure.com/x".to_owned(),
        )]),
    )
    .expect_err("no access token");
    assert!(
        missing.to_string().contains("SYSTEM_ACCESSTOKEN"),
        "{missing}"
    );
}

#[tokio::test]
async fn a_closure_supplies_the_assertion_for_every_token_request() {
    let sandbox = sandbox().await;
    sandbox.add_federated_credential(
        demo::SP_CLIENT_ID,
        demo::GITHUB_ACTIONS_ISSUER,
        demo::GITHUB_ACTIONS_SUBJECT,
    );
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let credential =
        ClientAssertionCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async {
                Ok(federated_token(
                    demo::GITHUB_ACTIONS_ISSUER,
                    demo::GITHUB_ACTIONS_SUBJECT,
                ))
            }
        });
    let client = client_with(&sandbox, credential);
    list(&client).await.expect("first call");
    list(&client).await.expect("second call, cached token");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one assertion per token");
    assert_eq!(FEDERATED_AUDIENCE, "api://AzureADTokenExchange");

    // A closure that fails: its error comes back as it is.
    let failing = ClientAssertionCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, || async {
        Err(Error::Config("no token in this job".to_owned()))
    });
    let error = list(&client_with(&sandbox, failing))
        .await
        .expect_err("no assertion");
    assert!(
        error.to_string().contains("no token in this job"),
        "{error}"
    );
}
