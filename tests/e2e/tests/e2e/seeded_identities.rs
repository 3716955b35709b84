//! Identities seeded with the sandbox's seeding API sign in with every credential kind the
//! `powerbi` client has, and see exactly the seeded workspaces they belong to.

use powerbi::auth::{
    ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential,
    ManagedIdentityCredential, UsernamePasswordCredential, WorkloadIdentityCredential,
};
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::time::ManualClock;
use powerbi::{Error, PowerBiClient};
use powerbi_sandbox::{
    DeviceCodeFlow, Role, Sandbox, ServicePrincipalSeed, UserSeed, WorkspaceSeed, demo,
};

use crate::common::*;
use crate::credentials::{TEST_KEY_A, certificate_for, federated_token, temp_dir};

const ISSUER: &str = "https://token.actions.githubusercontent.com";
const SUBJECT: &str = "repo:contoso/automation:ref:refs/heads/main";

/// The names of the workspaces `client` sees.
async fn workspaces(client: &PowerBiClient) -> Result<Vec<String>, Error> {
    let groups = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await?;
    Ok(groups.into_iter().filter_map(|group| group.name).collect())
}

#[tokio::test]
async fn seeded_service_principals_sign_in_by_certificate_federated_token_and_managed_identity() {
    let (certificate_pem, certificate_der) = certificate_for(TEST_KEY_A);
    let by_certificate =
        ServicePrincipalSeed::new("Certificate app").certificate_der(certificate_der);
    let federated = ServicePrincipalSeed::new("CI app").federated_credential(ISSUER, SUBJECT);
    let no_credential = ServicePrincipalSeed::new("Unfinished app");
    let sandbox = Sandbox::builder()
        .without_demo_content()
        .service_principal(by_certificate.clone())
        .service_principal(federated.clone())
        .service_principal(no_credential.clone())
        .workspace(
            WorkspaceSeed::new("Certificates")
                .service_principal(by_certificate.object_id(), Role::Member),
        )
        .workspace(
            WorkspaceSeed::new("Pipelines").service_principal(federated.client_id(), Role::Admin),
        )
        .start()
        .await
        .expect("the sandbox starts");

    let credential = ClientCertificateCredential::from_pem(
        demo::TENANT_ID,
        by_certificate.client_id(),
        &certificate_pem,
        TEST_KEY_A,
    )
    .expect("the certificate credential");
    let client = client_with(&sandbox, credential);
    assert_eq!(workspaces(&client).await.unwrap(), ["Certificates"]);

    let file = temp_dir().join("federated");
    std::fs::write(&file, federated_token(ISSUER, SUBJECT)).expect("write the token file");
    let credential = WorkloadIdentityCredential::new(demo::TENANT_ID, federated.client_id(), &file);
    assert_eq!(
        workspaces(&client_with(&sandbox, credential))
            .await
            .unwrap(),
        ["Pipelines"]
    );

    // A user-assigned managed identity is any service principal, by client id.
    let identity =
        ManagedIdentityCredential::imds_at(sandbox.imds_endpoint().parse().expect("URL"))
            .with_client_id(by_certificate.client_id());
    assert_eq!(
        workspaces(&client_with(&sandbox, identity)).await.unwrap(),
        ["Certificates"]
    );

    // An app seeded without a credential cannot sign in, whatever it presents.
    for secret in ["", "unset", "secret"] {
        let credential =
            ClientSecretCredential::new(demo::TENANT_ID, no_credential.client_id(), secret);
        let error = workspaces(&client_with(&sandbox, credential))
            .await
            .expect_err("no secret works");
        assert!(matches!(error, Error::Auth(_)), "{error}");
    }
}

#[tokio::test]
async fn seeded_users_sign_in_by_password_and_device_code() {
    let dana = UserSeed::new("dana@contoso.onmicrosoft.com", "Dana Data").password("Dana~P@ss+1");
    let sandbox = Sandbox::builder()
        .user(dana.clone())
        .workspace(WorkspaceSeed::new("Dana's team").user(dana.upn(), Role::Contributor))
        .start()
        .await
        .expect("the sandbox starts");

    let by_password = UsernamePasswordCredential::new(
        demo::TENANT_ID,
        demo::PUBLIC_CLIENT_ID,
        dana.upn(),
        "Dana~P@ss+1",
    );
    assert_eq!(
        workspaces(&client_with(&sandbox, by_password))
            .await
            .unwrap(),
        ["Dana's team"]
    );

    sandbox.set_device_code_flow(DeviceCodeFlow::approve_after(1).signed_in_as(dana.upn()));
    let by_device_code = DeviceCodeCredential::new(demo::TENANT_ID, demo::PUBLIC_CLIENT_ID)
        .with_prompt(|_| {})
        .with_sleeper(ManualClock::new());
    assert_eq!(
        workspaces(&client_with(&sandbox, by_device_code))
            .await
            .unwrap(),
        ["Dana's team"]
    );

    let wrong = UsernamePasswordCredential::new(
        demo::TENANT_ID,
        demo::PUBLIC_CLIENT_ID,
        dana.upn(),
        "wrong",
    );
    let error = workspaces(&client_with(&sandbox, wrong))
        .await
        .expect_err("a wrong password");
    assert!(matches!(error, Error::Auth(_)), "{error}");
}
