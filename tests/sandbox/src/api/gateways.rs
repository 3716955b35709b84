//! On-premises gateways: the gateway with its public key, and its data sources, whose
//! credentials arrive encrypted with that key and are decrypted here with the private key
//! (`gateway_crypto`). Other gateway operations (listing gateways and data sources, status,
//! users) keep Microsoft's example answers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::extract::{Body, Links, Params};
use crate::app::App;
use crate::auth::{Caller, require_scopes};
use crate::gateway_crypto::{DecryptedCredentials, GatewayKey, parse_plaintext};
use crate::model::{Gateway, GatewayDatasource};
use crate::principal::Principal;
use crate::scopes::{DATASET_READ, DATASET_WRITE};
use crate::state::State as Store;
use crate::wire::{self, ApiError, ApiResult};

const GATEWAY: &str = "/v1.0/myorg/gateways/{gateway_id}";

/// `GET /gateways/{id}`, `POST /gateways/{id}/datasources`, `GET`, `PATCH` and `DELETE
/// /gateways/{id}/datasources/{datasourceId}`.
pub(super) fn routes() -> Router<App> {
    Router::new()
        .route(GATEWAY, get(get_gateway))
        .route(&format!("{GATEWAY}/datasources"), post(create_datasource))
        .route(
            &format!("{GATEWAY}/datasources/{{datasource_id}}"),
            get(get_datasource)
                .patch(update_datasource)
                .delete(delete_datasource),
        )
}

#[derive(Deserialize)]
struct GatewayPath {
    gateway_id: String,
}

#[derive(Deserialize)]
struct DatasourcePath {
    gateway_id: String,
    datasource_id: String,
}

/// `CredentialDetails` as the service reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialDetailsBody {
    #[serde(rename = "credentials")]
    credentials: String,
    #[serde(rename = "credentialType")]
    credential_type: String,
    #[serde(rename = "encryptedConnection")]
    encrypted_connection: String,
    #[serde(rename = "encryptionAlgorithm")]
    encryption_algorithm: String,
    #[serde(rename = "privacyLevel")]
    privacy_level: String,
    #[serde(rename = "useCallerAADIdentity")]
    _use_caller_aad_identity: Option<bool>,
    #[serde(rename = "useEndUserOAuth2Credentials")]
    _use_end_user_oauth2_credentials: Option<bool>,
}

/// `PublishDatasourceToGatewayRequest`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateDatasourceBody {
    #[serde(rename = "dataSourceType")]
    data_source_type: String,
    #[serde(rename = "connectionDetails")]
    connection_details: String,
    #[serde(rename = "credentialDetails")]
    credential_details: CredentialDetailsBody,
    #[serde(rename = "dataSourceName", alias = "datasourceName")]
    data_source_name: String,
}

/// `UpdateDatasourceRequest`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateDatasourceBody {
    #[serde(rename = "credentialDetails")]
    credential_details: CredentialDetailsBody,
}

/// Wire shape of a gateway.
#[derive(Serialize)]
struct GatewayBody<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "gatewayAnnotation")]
    gateway_annotation: &'static str,
    #[serde(rename = "publicKey")]
    public_key: PublicKeyBody<'a>,
    #[serde(rename = "gatewayStatus")]
    gateway_status: &'static str,
}

#[derive(Serialize)]
struct PublicKeyBody<'a> {
    exponent: &'a str,
    modulus: &'a str,
}

/// Wire shape of a gateway data source.
#[derive(Serialize)]
struct DatasourceBody<'a> {
    id: &'a str,
    #[serde(rename = "gatewayId")]
    gateway_id: &'a str,
    #[serde(rename = "datasourceName")]
    datasource_name: &'a str,
    #[serde(rename = "datasourceType")]
    datasource_type: &'a str,
    #[serde(rename = "connectionDetails")]
    connection_details: &'a str,
    #[serde(rename = "credentialType", skip_serializing_if = "Option::is_none")]
    credential_type: Option<&'a str>,
}

impl<'a> DatasourceBody<'a> {
    fn of(gateway: &'a Gateway, source: &'a GatewayDatasource) -> Self {
        DatasourceBody {
            id: &source.id,
            gateway_id: &gateway.id,
            datasource_name: &source.name,
            datasource_type: &source.datasource_type,
            connection_details: &source.connection_details,
            credential_type: source
                .credentials
                .as_ref()
                .map(|credentials| credentials.credential_type.as_str()),
        }
    }
}

/// The gateway `principal` administers: 401 for missing scopes or not an admin, 404 when unknown.
fn open_gateway<'s>(
    store: &'s mut Store,
    principal: &Principal,
    id: &str,
    required: crate::scopes::Required,
) -> Result<&'s mut Gateway, ApiError> {
    require_scopes(principal, required)?;
    let gateway = store.gateway_mut(id).ok_or(ApiError::EntityNotFound)?;
    if gateway.administered_by(principal) {
        Ok(gateway)
    } else {
        Err(ApiError::NotAuthorized)
    }
}

/// `GET /gateways/{gatewayId}`: the gateway with its public key.
async fn get_gateway(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<GatewayPath>,
) -> ApiResult {
    let mut store = app.lock();
    let gateway = open_gateway(&mut store, &principal, &path.gateway_id, DATASET_READ)?;
    let key = GatewayKey::fixed(gateway.key);
    Ok(wire::entity(
        &links.root_context("gateways/$entity"),
        &GatewayBody {
            id: &gateway.id,
            name: &gateway.name,
            kind: "Resource",
            gateway_annotation: r#"{"gatewayContactInformation":["admin@contoso.com"],"gatewayVersion":"3000.0.0","gatewayMachine":"SANDBOX-GW"}"#,
            public_key: PublicKeyBody {
                exponent: &key.exponent,
                modulus: &key.modulus,
            },
            gateway_status: "Live",
        },
    ))
}

/// `POST /gateways/{gatewayId}/datasources`: 201 with the new data source, once its
/// credentials decrypt.
async fn create_datasource(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<GatewayPath>,
    Body(request): Body<CreateDatasourceBody>,
) -> ApiResult {
    let mut store = app.lock();
    let gateway = open_gateway(&mut store, &principal, &path.gateway_id, DATASET_WRITE)?;
    if request.credential_details.credential_type == "OAuth2" {
        return Err(ApiError::invalid(
            "OAuth2 credentials are not supported when creating a gateway data source",
        ));
    }
    let credentials = decrypt(GatewayKey::fixed(gateway.key), request.credential_details)?;
    gateway.datasources.push(GatewayDatasource {
        id: Uuid::new_v4().to_string(),
        name: request.data_source_name,
        datasource_type: request.data_source_type,
        connection_details: request.connection_details,
        credentials: Some(credentials),
    });
    let source = gateway.datasources.last().ok_or(ApiError::EntityNotFound)?;
    let mut response = wire::entity(
        &links.root_context("gateways/datasources/$entity"),
        &DatasourceBody::of(gateway, source),
    );
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// `GET /gateways/{gatewayId}/datasources/{datasourceId}`.
async fn get_datasource(
    State(app): State<App>,
    Caller(principal): Caller,
    links: Links,
    Params(path): Params<DatasourcePath>,
) -> ApiResult {
    let mut store = app.lock();
    let gateway = open_gateway(&mut store, &principal, &path.gateway_id, DATASET_READ)?;
    let source = gateway
        .datasources
        .iter()
        .find(|source| crate::model::same_id(&source.id, &path.datasource_id))
        .ok_or(ApiError::EntityNotFound)?;
    Ok(wire::entity(
        &links.root_context("gateways/datasources/$entity"),
        &DatasourceBody::of(gateway, source),
    ))
}

/// `PATCH /gateways/{gatewayId}/datasources/{datasourceId}`: new credentials, once they decrypt.
async fn update_datasource(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<DatasourcePath>,
    Body(request): Body<UpdateDatasourceBody>,
) -> ApiResult<Response> {
    let mut store = app.lock();
    let gateway = open_gateway(&mut store, &principal, &path.gateway_id, DATASET_WRITE)?;
    let key = GatewayKey::fixed(gateway.key);
    let source = gateway
        .datasource_mut(&path.datasource_id)
        .ok_or(ApiError::EntityNotFound)?;
    source.credentials = Some(decrypt(key, request.credential_details)?);
    Ok(wire::empty_ok())
}

/// `DELETE /gateways/{gatewayId}/datasources/{datasourceId}`.
async fn delete_datasource(
    State(app): State<App>,
    Caller(principal): Caller,
    Params(path): Params<DatasourcePath>,
) -> ApiResult<Response> {
    let mut store = app.lock();
    let gateway = open_gateway(&mut store, &principal, &path.gateway_id, DATASET_WRITE)?;
    let before = gateway.datasources.len();
    gateway
        .datasources
        .retain(|source| !crate::model::same_id(&source.id, &path.datasource_id));
    if gateway.datasources.len() == before {
        return Err(ApiError::EntityNotFound);
    }
    Ok(wire::empty_ok())
}

/// Reads credentials as an on-premises gateway does: `RSA-OAEP` with the gateway's key, or,
/// for anonymous access only, `None` with `{"credentialData":""}`.
fn decrypt(
    key: &GatewayKey,
    details: CredentialDetailsBody,
) -> Result<DecryptedCredentials, ApiError> {
    if !["Encrypted", "NotEncrypted"].contains(&details.encrypted_connection.as_str()) {
        return Err(ApiError::invalid(format!(
            "encryptedConnection '{}' is not Encrypted or NotEncrypted",
            details.encrypted_connection
        )));
    }
    let plaintext = match details.encryption_algorithm.as_str() {
        "RSA-OAEP" => key.decrypt(&details.credentials).map_err(undecryptable)?,
        "None" if details.credential_type == "Anonymous" => {
            details.credentials.clone().into_bytes()
        }
        other => {
            return Err(ApiError::invalid(format!(
                "On-premises data source credentials must be encrypted with the gateway public \
                 key (encryptionAlgorithm RSA-OAEP), not '{other}'"
            )));
        }
    };
    let (plaintext, credential_data) =
        parse_plaintext(&details.credential_type, &plaintext).map_err(ApiError::invalid)?;
    Ok(DecryptedCredentials {
        credential_type: details.credential_type,
        encryption_algorithm: details.encryption_algorithm,
        encrypted_connection: details.encrypted_connection,
        privacy_level: details.privacy_level,
        plaintext,
        credential_data,
    })
}

/// 400 for credentials the gateway's private key cannot read. (The service's exact code for
/// this case is not documented; this one is the sandbox's.)
fn undecryptable(reason: String) -> ApiError {
    ApiError::Coded {
        status: StatusCode::BAD_REQUEST,
        code: "DM_GWPipeline_Gateway_CredentialsDecryptionFailed",
        message: format!("The gateway could not decrypt the credentials: {reason}"),
    }
}
