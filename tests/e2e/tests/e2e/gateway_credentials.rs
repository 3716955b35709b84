//! Credentials for on-premises data sources: `get_gateway` → encrypt with its public key →
//! `create_datasource` / `update_datasource`, and the sandbox's gateway decrypts them with its
//! private key (a 2048-bit gateway, Microsoft's hybrid layout, and a 1024-bit one, the
//! segmented layout).

use powerbi::models::{
    CredentialDetails, CredentialType, EncryptionAlgorithm, Gateway, GatewayPublicKey,
    PrivacyLevel, PublishDatasourceToGatewayRequest, UpdateDatasourceRequest,
};
use powerbi::{CredentialsEncryptor, Error, GatewayCredentials, PowerBiClient};
use powerbi_sandbox::{DecryptedCredentials, Sandbox, demo};

use crate::common::*;

/// A password with characters JSON escapes, long enough for several 1024-bit segments.
const PASSWORD: &str = "Gw \"P@ss\" \\ wörd/=+%\t — long enough to span more than one RSA segment";

/// Credentials, their `credentialType`, and the `credentialData` the gateway must read.
type Kind = (
    GatewayCredentials,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

/// Every kind `create_datasource` takes.
fn kinds() -> Vec<Kind> {
    vec![
        (
            GatewayCredentials::basic("sql-reader", PASSWORD),
            "Basic",
            vec![("username", "sql-reader"), ("password", PASSWORD)],
        ),
        (
            GatewayCredentials::windows("CONTOSO\\svc-reports", PASSWORD),
            "Windows",
            vec![("username", "CONTOSO\\svc-reports"), ("password", PASSWORD)],
        ),
        (
            GatewayCredentials::key("ec3F+account/key=="),
            "Key",
            vec![("key", "ec3F+account/key==")],
        ),
        (GatewayCredentials::anonymous(), "Anonymous", vec![]),
    ]
}

fn pairs(credentials: &DecryptedCredentials) -> Vec<(&str, &str)> {
    credentials
        .credential_data
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

async fn gateway(client: &PowerBiClient, id: &str) -> Gateway {
    client
        .gateways()
        .get_gateway(id_of(id))
        .await
        .expect("get_gateway")
}

fn id_of(text: &str) -> powerbi::Uuid {
    id(text)
}

async fn create(
    client: &PowerBiClient,
    gateway_id: &str,
    details: CredentialDetails,
) -> powerbi::Result<powerbi::models::GatewayDatasource> {
    let request = PublishDatasourceToGatewayRequest::new(
        "Sql".into(),
        r#"{"server":"sql01.contoso.local","database":"Sales"}"#.into(),
        details,
        "Sales on sql01".into(),
    );
    client
        .gateways()
        .create_datasource(id_of(gateway_id), &request)
        .await
}

#[tokio::test]
async fn every_kind_reaches_both_gateways_decryptable() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    for (gateway_id, bits) in [(demo::GATEWAY_ID, 2048), (demo::GATEWAY_1024_ID, 1024)] {
        let gateway = gateway(&client, gateway_id).await;
        let encryptor = CredentialsEncryptor::for_gateway(&gateway).expect("the key is usable");
        assert_eq!(encryptor.key_bits(), bits);
        for (credentials, kind, expected) in kinds() {
            let details = CredentialDetails::for_gateway(
                &gateway,
                &credentials,
                PrivacyLevel::Organizational,
            )
            .expect("encrypts");
            assert_eq!(details.credential_type.as_str(), kind);
            let created = create(&client, gateway_id, details)
                .await
                .unwrap_or_else(|error| panic!("{kind} on the {bits}-bit gateway: {error}"));
            assert_eq!(created.credential_type, Some(credentials.credential_type()));
            let decrypted = sandbox
                .gateway_credentials(gateway_id, &created.id.to_string())
                .expect("the gateway kept what it decrypted");
            assert_eq!(pairs(&decrypted), expected, "{kind}, {bits} bits");
            assert_eq!(decrypted.credential_type, kind);
            assert_eq!(decrypted.encrypted_connection, "Encrypted");
            assert_eq!(decrypted.privacy_level, "Organizational");
            let algorithm = if kind == "Anonymous" {
                "None"
            } else {
                "RSA-OAEP"
            };
            assert_eq!(decrypted.encryption_algorithm, algorithm, "{kind}");

            // What went over the wire never held the secret in clear.
            let body = sandbox
                .recorded_requests()
                .into_iter()
                .rev()
                .find(|request| request.method == "POST")
                .expect("the create request was recorded")
                .body;
            let body = String::from_utf8_lossy(&body).into_owned();
            assert!(
                !body.contains("account/key") && !body.contains("P@ss"),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn oauth2_and_every_kind_update_an_existing_datasource_on_both_gateways() {
    let sandbox = sandbox().await;
    let client = user(&sandbox);
    let legacy = gateway(&client, demo::GATEWAY_1024_ID).await;
    let created = create(
        &client,
        demo::GATEWAY_1024_ID,
        CredentialDetails::for_gateway(
            &legacy,
            &GatewayCredentials::anonymous(),
            PrivacyLevel::Private,
        )
        .expect("details"),
    )
    .await
    .expect("create");
    let mut targets = vec![
        (demo::GATEWAY_ID, demo::GATEWAY_SQL_DATASOURCE_ID.to_owned()),
        (demo::GATEWAY_1024_ID, created.id.to_string()),
    ];
    for (gateway_id, datasource_id) in targets.drain(..) {
        let gateway = gateway(&client, gateway_id).await;
        let mut all = kinds();
        all.push((
            GatewayCredentials::oauth2("eyJ0eXAi.sandbox-access-token.fwtQ"),
            "OAuth2",
            vec![("accessToken", "eyJ0eXAi.sandbox-access-token.fwtQ")],
        ));
        for (credentials, kind, expected) in all {
            let details =
                CredentialDetails::for_gateway(&gateway, &credentials, PrivacyLevel::Private)
                    .expect("encrypts");
            client
                .gateways()
                .update_datasource(
                    id_of(gateway_id),
                    id_of(&datasource_id),
                    &UpdateDatasourceRequest::new(details),
                )
                .await
                .unwrap_or_else(|error| panic!("{kind} on {gateway_id}: {error}"));
            let decrypted = sandbox
                .gateway_credentials(gateway_id, &datasource_id)
                .expect("credentials were set");
            assert_eq!(pairs(&decrypted), expected, "{kind} on {gateway_id}");
            assert_eq!(decrypted.privacy_level, "Private");
        }
    }

    // A deleted data source and its credentials are gone.
    let gateways = client.gateways();
    let (legacy_id, created_id) = (id_of(demo::GATEWAY_1024_ID), created.id);
    gateways
        .delete_datasource(legacy_id, created_id)
        .await
        .expect("delete");
    assert_api_error(
        gateways.get_datasource(legacy_id, created_id).await,
        404,
        Some("PowerBIEntityNotFound"),
    );
    assert!(
        sandbox
            .gateway_credentials(demo::GATEWAY_1024_ID, &created_id.to_string())
            .is_none()
    );
}

#[tokio::test]
async fn tampered_or_misdirected_ciphertext_is_refused() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let big = gateway(&client, demo::GATEWAY_ID).await;
    let legacy = gateway(&client, demo::GATEWAY_1024_ID).await;
    let credentials = GatewayCredentials::basic("sql-reader", PASSWORD);
    let details = |gateway: &Gateway| {
        CredentialDetails::for_gateway(gateway, &credentials, PrivacyLevel::Private)
            .expect("encrypts")
    };

    // One bit flipped in the data block (the HMAC fails), in the key block (RSA-OAEP fails),
    // and in a 1024-bit segment.
    for (gateway, gateway_id, position) in [
        (&big, demo::GATEWAY_ID, 400),
        (&big, demo::GATEWAY_ID, 10),
        (&legacy, demo::GATEWAY_1024_ID, 10),
    ] {
        let mut tampered = details(gateway);
        tampered.credentials = flip_base64(&tampered.credentials, position);
        let error = assert_api_error(
            create(&client, gateway_id, tampered).await,
            400,
            Some("DM_GWPipeline_Gateway_CredentialsDecryptionFailed"),
        );
        assert!(!error.to_string().contains("P@ss"), "{error}");
    }

    // Encrypted for the other gateway's key.
    assert_api_error(
        create(&client, demo::GATEWAY_1024_ID, details(&big)).await,
        400,
        Some("DM_GWPipeline_Gateway_CredentialsDecryptionFailed"),
    );
    // Sent in clear to an on-premises gateway.
    let mut clear = details(&big);
    clear.credentials =
        r#"{"credentialData":[{"name":"username","value":"u"},{"name":"password","value":"p"}]}"#
            .into();
    clear.encryption_algorithm = EncryptionAlgorithm::None;
    assert_api_error(
        create(&client, demo::GATEWAY_ID, clear).await,
        400,
        Some("InvalidRequest"),
    );
    // Encrypted key credentials declared as Basic: the gateway reads them but they do not fit.
    let mut mislabeled =
        CredentialDetails::for_gateway(&big, &GatewayCredentials::key("k"), PrivacyLevel::Private)
            .expect("encrypts");
    mislabeled.credential_type = CredentialType::Basic;
    assert_api_error(
        create(&client, demo::GATEWAY_ID, mislabeled).await,
        400,
        Some("InvalidRequest"),
    );
    assert!(
        sandbox
            .gateway_credentials(demo::GATEWAY_ID, demo::GATEWAY_SQL_DATASOURCE_ID)
            .is_none(),
        "nothing was stored"
    );
}

/// `text` (base64) with one bit of the byte at `position` flipped, still valid base64.
fn flip_base64(text: &str, position: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[position] = match bytes[position] {
        b'A' => b'B',
        _ => b'A',
    };
    String::from_utf8(bytes).expect("ASCII")
}

#[tokio::test]
async fn a_malformed_public_key_is_a_clear_error_not_a_panic() {
    let sandbox: Sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let mut gateway = gateway(&client, demo::GATEWAY_ID).await;
    let good = gateway.public_key.clone().expect("the gateway has a key");
    let cases = [
        (
            "publicKey.modulus",
            GatewayPublicKey {
                modulus: Some("%%not base64%%".into()),
                ..good.clone()
            },
        ),
        (
            "publicKey.modulus",
            GatewayPublicKey {
                modulus: Some("AQAB".into()),
                ..good.clone()
            },
        ),
        (
            "publicKey.modulus",
            GatewayPublicKey {
                modulus: Some("A".repeat(100_000)),
                ..good.clone()
            },
        ),
        (
            "publicKey.exponent",
            GatewayPublicKey {
                exponent: None,
                ..good.clone()
            },
        ),
        (
            "publicKey.exponent",
            GatewayPublicKey {
                exponent: Some("////////////".into()),
                ..good.clone()
            },
        ),
    ];
    for (field, key) in cases {
        gateway.public_key = Some(key);
        let error = CredentialDetails::for_gateway(
            &gateway,
            &GatewayCredentials::basic("u", "secret-password"),
            PrivacyLevel::None,
        )
        .expect_err("a malformed key is refused");
        let line = error.to_string();
        assert!(line.contains(field), "{line}");
        assert!(
            !line.contains("secret-password") && !line.contains('\n'),
            "{line}"
        );
        assert!(matches!(error, Error::Unusable { .. }), "{error:?}");
    }
    gateway.public_key = None;
    let error = CredentialsEncryptor::for_gateway(&gateway).expect_err("no key");
    assert!(error.to_string().contains("no public key"), "{error}");
}

#[tokio::test]
async fn gateways_are_for_their_admins() {
    let sandbox = sandbox().await;
    assert_api_error(
        outsider(&sandbox)
            .gateways()
            .get_gateway(id_of(demo::GATEWAY_ID))
            .await,
        401,
        Some("PowerBINotAuthorizedException"),
    );
    assert_api_error(
        service_principal(&sandbox)
            .gateways()
            .get_gateway(id_of("00000000-0000-0000-0000-0000000000aa"))
            .await,
        404,
        Some("PowerBIEntityNotFound"),
    );
}
