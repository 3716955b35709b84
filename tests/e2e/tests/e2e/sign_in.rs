//! Sign-in through the sandbox's Entra ID endpoint, and the shared token cache.

use std::time::Duration;

use powerbi::Error;
use powerbi::Workspace;
use powerbi::auth::{ClientSecretCredential, UsernamePasswordCredential};
use powerbi::groups::ListGroupsOptions;
use powerbi_sandbox::{SandboxConfig, demo};

use crate::common::*;

fn auth_error(error: Error) -> powerbi::runtime::AuthError {
    match error {
        Error::Auth(auth) => *auth,
        other => panic!("expected a sign-in error, got: {other}"),
    }
}

#[tokio::test]
async fn building_a_client_sends_nothing() {
    let sandbox = sandbox().await;
    let _client = service_principal(&sandbox);
    assert_eq!(sandbox.token_requests(), 0);
}

#[tokio::test]
async fn an_expired_token_is_renewed_once() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("first call");
    sandbox.expire_all_tokens();
    let groups = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("the call after expiry renews the token");
    assert!(!groups.is_empty());
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_before_it_expires() {
    let sandbox =
        sandbox_with(SandboxConfig::default().token_lifetime(Duration::from_secs(2))).await;
    let client = service_principal(&sandbox);
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("first call");
    // A 2 s token is renewed in its last quarter: after 1.6 s the cache asks again.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("second call");
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn wrong_secret_is_explained_without_showing_the_secret() {
    let sandbox = sandbox().await;
    let secret = "not+the/secret=value~%";
    let client = client_with(
        &sandbox,
        ClientSecretCredential::new(demo::TENANT_ID, demo::SP_CLIENT_ID, secret),
    );
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("refused");
    let line = error.to_string();
    let debug = format!("{error:?}");
    let auth = auth_error(error);
    assert_eq!(auth.status, Some(401));
    assert_eq!(auth.error.as_deref(), Some("invalid_client"));
    assert_eq!(auth.aadsts, Some(7000215));
    assert!(auth.trace_id.is_some() && auth.correlation_id.is_some());
    assert!(
        line.contains("Value") && line.contains("Secret ID"),
        "hint: {line}"
    );
    for text in [&line, &debug] {
        assert!(
            !text.contains(secret) && !text.contains("secret=value"),
            "no secret in {text}"
        );
    }
}

#[tokio::test]
async fn secret_sent_with_basic_auth_works() {
    let sandbox = sandbox().await;
    let credential = service_principal_credential().with_basic_auth(true);
    let client = client_with(&sandbox, credential);
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("signed in with HTTP Basic");
}

#[tokio::test]
async fn unknown_client_and_unknown_tenant_are_named() {
    let sandbox = sandbox().await;
    let unknown_client = client_with(
        &sandbox,
        ClientSecretCredential::new(demo::TENANT_ID, "00000000-0000-0000-0000-00000000abcd", "x"),
    );
    let error = auth_error(
        unknown_client
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("refused"),
    );
    assert_eq!((error.status, error.aadsts), (Some(400), Some(700016)));
    assert!(error.hint.is_some_and(|hint| hint.contains("client id")));

    let unknown_tenant = client_with(
        &sandbox,
        ClientSecretCredential::new(
            "contoso-typo.example",
            demo::SP_CLIENT_ID,
            demo::SP_CLIENT_SECRET,
        ),
    );
    let error = auth_error(
        unknown_tenant
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("refused"),
    );
    assert_eq!((error.status, error.aadsts), (Some(400), Some(90002)));
}

#[tokio::test]
async fn user_signs_in_with_password_and_bad_password_is_explained() {
    let sandbox = sandbox().await;
    let groups = user(&sandbox)
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("user signs in");
    assert!(
        groups
            .iter()
            .any(|group| group.id == id(demo::FINANCE_WORKSPACE_ID)),
        "the user is a Finance member"
    );

    let wrong = client_with(
        &sandbox,
        UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::PUBLIC_CLIENT_ID,
            demo::USER_NAME,
            "wrong password",
        ),
    );
    let error = auth_error(
        wrong
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("refused"),
    );
    assert_eq!(error.aadsts, Some(50126));
    assert_eq!(error.error.as_deref(), Some("invalid_grant"));
    assert!(!format!("{error} {error:?}").contains("wrong password"));
}

#[tokio::test]
async fn password_grant_on_common_is_refused_with_a_hint() {
    let sandbox = sandbox().await;
    let client = client_with(
        &sandbox,
        UsernamePasswordCredential::new(
            "common",
            demo::PUBLIC_CLIENT_ID,
            demo::USER_NAME,
            demo::USER_PASSWORD,
        ),
    );
    let error = auth_error(
        client
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("refused"),
    );
    assert_eq!(error.aadsts, Some(9001023));
    assert!(error.hint.is_some_and(|hint| hint.contains("/common")));
}

#[tokio::test]
async fn missing_delegated_scope_is_refused_with_the_scope_named() {
    let sandbox = sandbox().await;
    let client = read_only_user(&sandbox);
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("reading is allowed");
    let request = powerbi::models::GroupCreationRequest {
        name: "Not allowed".to_owned(),
        ..Default::default()
    };
    let error = assert_api_error(
        client
            .groups()
            .create_group(&request, Default::default())
            .await,
        401,
        Some("PowerBINotAuthorizedException"),
    );
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("Workspace.ReadWrite.All")),
        "{error}"
    );
}

#[tokio::test]
async fn the_v1_endpoint_answers_strings_and_expires_on_and_they_parse() {
    let sandbox = sandbox().await;
    let secret = service_principal_credential().with_v1_endpoint(true);
    client_with(&sandbox, secret)
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("v1 client credentials");
    let user = UsernamePasswordCredential::new(
        demo::TENANT_ID,
        demo::PUBLIC_CLIENT_ID,
        demo::USER_NAME,
        demo::USER_PASSWORD,
    )
    .with_v1_endpoint(true);
    client_with(&sandbox, user)
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("v1 password grant");
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test]
async fn mfa_and_federated_accounts_are_explained() {
    let sandbox = sandbox().await;
    let mfa = client_with(
        &sandbox,
        UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::PUBLIC_CLIENT_ID,
            demo::MFA_USER_NAME,
            demo::MFA_USER_PASSWORD,
        ),
    );
    let error = auth_error(
        mfa.groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("MFA blocks the password grant"),
    );
    assert_eq!(error.aadsts, Some(50076));
    assert_eq!(error.error.as_deref(), Some("interaction_required"));
    assert!(
        error.hint.is_some_and(|hint| hint.contains("multi-factor")),
        "{error}"
    );

    let federated = client_with(
        &sandbox,
        UsernamePasswordCredential::new(
            demo::TENANT_ID,
            demo::PUBLIC_CLIENT_ID,
            demo::FEDERATED_USER_NAME,
            demo::FEDERATED_USER_PASSWORD,
        ),
    );
    let error = auth_error(
        federated
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("the password cannot be checked in the cloud"),
    );
    assert_eq!(error.aadsts, Some(50126));
    assert!(
        error.hint.is_some_and(|hint| hint.contains("federated")),
        "{error}"
    );
}

#[tokio::test]
async fn not_found_hints_speak_to_a_user_or_a_service_principal() {
    let sandbox = sandbox().await;
    let nowhere = Workspace::Id(id("00000000-0000-0000-0000-00000000beef"));
    let as_user = assert_api_error(
        user(&sandbox).datasets().list_datasets(nowhere).await,
        404,
        None,
    );
    assert!(
        as_user
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("the user cannot see it")),
        "{as_user}"
    );
    let as_app = assert_api_error(
        outsider(&sandbox).datasets().list_datasets(nowhere).await,
        404,
        None,
    );
    assert!(
        as_app
            .hint
            .as_deref()
            .is_some_and(|hint| hint.contains("service principal")),
        "{as_app}"
    );
    // Errors are not renewals: one token per client.
    assert_eq!(sandbox.token_requests(), 2);
}
