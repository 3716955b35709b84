//! Fields the spec marks `secret: true` never reach `Debug`: an embed token and an eventstream's
//! access keys as the sandbox answers them over HTTP, and Fabric's connection credentials and
//! KQL invitation token as a caller builds or decodes them. Encoding still carries them.

use powerbi::fabric::models as fabric;
use powerbi::models::{EmbedToken, GenerateTokenRequestV2};
use powerbi::runtime::time::ManualClock;
use powerbi::{PowerBiClient, Uuid};
use powerbi_sandbox::Sandbox;
use serde_json::json;

use crate::common::*;

/// `Debug` and pretty `Debug` of `value` hold none of `secrets`; `Debug` holds all of `shown`.
fn assert_redacted(value: &impl std::fmt::Debug, secrets: &[&str], shown: &[&str]) {
    for rendering in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in secrets {
            assert!(!rendering.contains(secret), "{secret} in {rendering}");
        }
    }
    let rendering = format!("{value:?}");
    for part in shown {
        assert!(rendering.contains(part), "{part} missing from {rendering}");
    }
}

fn fabric_client(sandbox: &Sandbox) -> PowerBiClient {
    sandbox_builder(sandbox)
        .fabric_api_base(sandbox.api_base_url().parse().expect("the sandbox's URL"))
        .credential(service_principal_credential())
        .clock_and_sleeper(ManualClock::new())
        .build()
        .expect("the client builds")
}

#[tokio::test]
async fn an_embed_token_from_the_service_never_reaches_debug() {
    let sandbox = sandbox().await;
    let client = client_with(&sandbox, service_principal_credential());
    let token = client
        .embed_token()
        .generate_token(&GenerateTokenRequestV2::default())
        .await
        .expect("the sandbox answers with Microsoft's example");
    // Microsoft's example token, decoded as sent.
    assert_eq!(token.token, "H4sI....AAA=");
    assert_redacted(
        &token,
        &["H4sI"],
        &["token: REDACTED", "ab4d49ae-c054-4c29-af52-93b5c80619ff"],
    );

    let decoded: EmbedToken = serde_json::from_value(json!({
        "token": "eyJhbGciOiJSUzI1NiJ9.EMBED-SECRET",
        "tokenId": "49ae3742-54c0-4c29-af52-619ff93b5c80",
        "expiration": "2030-01-01T00:00:00Z"
    }))
    .expect("an embed token");
    assert_redacted(
        &decoded,
        &["eyJhbGci", "EMBED-SECRET"],
        &["token_id", "expiration"],
    );
    assert_eq!(
        serde_json::to_value(&decoded).expect("encodes")["token"],
        "eyJhbGciOiJSUzI1NiJ9.EMBED-SECRET"
    );
}

#[tokio::test]
async fn an_eventstream_connection_from_the_service_never_reaches_debug() {
    let sandbox = sandbox().await;
    let client = fabric_client(&sandbox);
    let connection = client
        .fabric()
        .eventstream()
        .get_eventstream_source_connection(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4())
        .await
        .expect("the sandbox answers with Microsoft's example");
    let keys = connection.access_keys.as_ref().expect("access keys");
    assert_eq!(
        (
            keys.primary_key.as_str(),
            keys.secondary_connection_string.as_str()
        ),
        ("key1", "connectionString2")
    );
    assert_redacted(
        &connection,
        &["key1", "key2", "connectionString1", "connectionString2"],
        &["primary_key: REDACTED", "namespace.servicebus.windows.net"],
    );
}

#[test]
fn fabric_connection_credentials_never_reach_debug() {
    // Microsoft's CreateCloudConnectionWithKeyPair example, with secrets of our own.
    let wire = json!({
        "connectivityType": "ShareableCloud",
        "displayName": "ContosoCloudConnection",
        "connectionDetails": {
            "type": "Snowflake",
            "creationMethod": "Snowflake.Databases",
            "parameters": [{"dataType": "Text", "name": "server", "value": "contoso.snowflakecomputing.com"}]
        },
        "privacyLevel": "Organizational",
        "credentialDetails": {
            "singleSignOnType": "None",
            "connectionEncryption": "NotEncrypted",
            "skipTestConnection": false,
            "credentials": {
                "credentialType": "KeyPair",
                "identifier": "svc-user",
                "privateKey": "-----BEGIN PRIVATE KEY-----PRIVATE-SECRET",
                "passphrase": "PASSPHRASE-SECRET"
            }
        }
    });
    let request: fabric::CreateConnectionRequest =
        serde_json::from_value(wire.clone()).expect("a create connection request");
    assert!(
        request.unknown_fields.is_empty(),
        "{:?}",
        request.unknown_fields.keys()
    );
    assert_redacted(
        &request,
        &["PRIVATE-SECRET", "PASSPHRASE-SECRET", "svc-user", "KeyPair"],
        &[
            "credential_details: Some(REDACTED)",
            "ContosoCloudConnection",
        ],
    );
    assert_eq!(serde_json::to_value(&request).expect("encodes"), wire);

    let update: fabric::UpdateConnectionRequest = serde_json::from_value(json!({
        "connectivityType": "ShareableCloud",
        "credentialDetails": {
            "credentials": {"credentialType": "Basic", "username": "admin", "password": "PASSWORD-SECRET"}
        }
    }))
    .expect("an update connection request");
    assert_redacted(
        &update,
        &["PASSWORD-SECRET"],
        &["credential_details: Some(REDACTED)"],
    );

    let shortcut: fabric::KqlDatabaseCreationPayload = serde_json::from_value(json!({
        "databaseType": "Shortcut",
        "parentEventhouseItemId": "5b218778-e7a5-4d73-8187-f10824047836",
        "sourceDatabaseName": "Sales",
        "invitationToken": "eyJ0eXAiOiJKV-INVITATION-SECRET"
    }))
    .expect("a KQL database creation payload");
    assert_redacted(
        &shortcut,
        &["INVITATION-SECRET", "eyJ0eXAi"],
        &["invitation_token: Some(REDACTED)", "Sales"],
    );
}
