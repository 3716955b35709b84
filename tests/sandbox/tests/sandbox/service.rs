//! End-to-end checks of the sandbox over real HTTP.

use std::time::Duration;

use crate::http;
use powerbi_sandbox::{Sandbox, SandboxConfig, demo};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

fn token_url(sandbox: &Sandbox, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", sandbox.authority_host())
}

fn api(sandbox: &Sandbox, path: &str) -> String {
    format!("{}/v1.0/myorg{path}", sandbox.api_base_url())
}

async fn request_token(sandbox: &Sandbox, form: &[(&str, &str)]) -> Response {
    http()
        .post(token_url(sandbox, demo::TENANT_ID))
        .form(form)
        .send()
        .await
        .expect("token endpoint answers")
}

async fn access_token(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

async fn sp_token(sandbox: &Sandbox) -> String {
    access_token(
        request_token(
            sandbox,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", demo::SP_CLIENT_ID),
                ("client_secret", demo::SP_CLIENT_SECRET),
                ("scope", demo::POWER_BI_DEFAULT_SCOPE),
            ],
        )
        .await,
    )
    .await
}

async fn user_token(sandbox: &Sandbox, client_id: &str) -> String {
    access_token(
        request_token(
            sandbox,
            &[
                ("grant_type", "password"),
                ("client_id", client_id),
                ("username", demo::USER_NAME),
                ("password", demo::USER_PASSWORD),
                (
                    "scope",
                    &format!("{} offline_access", demo::POWER_BI_DEFAULT_SCOPE),
                ),
            ],
        )
        .await,
    )
    .await
}

async fn get(sandbox: &Sandbox, token: &str, path: &str) -> Response {
    http()
        .get(api(sandbox, path))
        .bearer_auth(token)
        .send()
        .await
        .expect("API answers")
}

async fn json_of(response: Response) -> Value {
    response.json().await.expect("JSON body")
}

fn has_request_id(response: &Response) -> bool {
    response
        .headers()
        .get("RequestId")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| uuid::Uuid::parse_str(value).is_ok())
}

#[tokio::test]
async fn service_principal_gets_a_token_and_the_counters_move() {
    let sandbox = Sandbox::start().await.unwrap();
    let response = request_token(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", demo::SP_CLIENT_ID),
            ("client_secret", demo::SP_CLIENT_SECRET),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_u64().expect("numeric expires_in");
    assert!((3600..=5400).contains(&expires_in), "{expires_in}");
    assert_eq!(body["ext_expires_in"], body["expires_in"]);
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
    assert!(body.get("scope").is_none());
    assert_eq!((sandbox.token_requests(), sandbox.tokens_issued()), (1, 1));

    // HTTP Basic client authentication with form-encoded credentials (RFC 6749 2.3.1).
    let response = http()
        .post(token_url(&sandbox, demo::TENANT_DOMAIN))
        .basic_auth(
            demo::SP_CLIENT_ID,
            Some(
                url::form_urlencoded::byte_serialize(demo::SP_CLIENT_SECRET.as_bytes())
                    .collect::<String>(),
            ),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!((sandbox.token_requests(), sandbox.tokens_issued()), (2, 2));
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_as_entra_does() {
    let sandbox = Sandbox::start().await.unwrap();
    let response = request_token(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", demo::SP_CLIENT_ID),
            ("client_secret", "not-the-secret"),
            ("scope", demo::POWER_BI_DEFAULT_SCOPE),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = json_of(response).await;
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"], json!([7_000_215]));
    let description = body["error_description"].as_str().unwrap();
    assert!(description.starts_with("AADSTS7000215: "), "{description}");
    assert!(description.contains("client secret value, not the client secret ID"));
    assert!(description.contains("\r\nTrace ID: "));
    assert!(description.contains("\r\nCorrelation ID: "));
    assert!(description.contains("\r\nTimestamp: "));
    for field in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[field].is_string(), "{field}");
    }
    assert_eq!(
        body["error_uri"],
        "https://login.microsoftonline.com/error?code=7000215"
    );
    assert_eq!((sandbox.token_requests(), sandbox.tokens_issued()), (1, 0));
}

#[tokio::test]
async fn delegated_scopes_limit_what_a_user_may_do() {
    let sandbox = Sandbox::start().await.unwrap();
    let response = request_token(
        &sandbox,
        &[
            ("grant_type", "password"),
            ("client_id", demo::READONLY_PUBLIC_CLIENT_ID),
            ("username", demo::USER_NAME),
            ("password", demo::USER_PASSWORD),
            (
                "scope",
                &format!("{}/Dataset.Read.All openid", demo::POWER_BI_RESOURCE),
            ),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    assert_eq!(
        body["scope"],
        format!("{}/Dataset.Read.All", demo::POWER_BI_RESOURCE)
    );
    let token = body["access_token"].as_str().unwrap();

    let datasets = format!("/groups/{}/datasets", demo::SALES_WORKSPACE_ID);
    assert_eq!(
        get(&sandbox, token, &datasets).await.status(),
        StatusCode::OK
    );
    let refresh = http()
        .post(api(
            &sandbox,
            &format!("{datasets}/{}/refreshes", demo::SALES_DATASET_ID),
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(refresh).await["error"]["code"],
        "PowerBINotAuthorizedException"
    );

    let personal = get(&sandbox, token, "/datasets").await;
    assert_eq!(personal.status(), StatusCode::OK);
    let body = json_of(personal).await;
    assert_eq!(body["value"][0]["id"], demo::MY_WORKSPACE_DATASET_ID);
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/myorg/$metadata#datasets")
    );
}

#[tokio::test]
async fn a_created_workspace_is_then_listed() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = sp_token(&sandbox).await;
    let created = http()
        .post(api(&sandbox, "/groups?workspaceV2=true"))
        .bearer_auth(&token)
        .json(&json!({"name": "Sandbox Created"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    assert!(has_request_id(&created));
    let group = json_of(created).await;
    assert_eq!(group["name"], "Sandbox Created");
    assert_eq!(group["isOnDedicatedCapacity"], false);
    let id = group["id"].as_str().unwrap().to_owned();

    let listed = json_of(get(&sandbox, &token, "/groups").await).await;
    let names: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [demo::SALES_WORKSPACE_NAME, "Sandbox Created"]);

    let filtered = json_of(
        get(
            &sandbox,
            &token,
            "/groups?$filter=name%20eq%20'sandbox%20created'",
        )
        .await,
    )
    .await;
    assert_eq!(filtered["value"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["value"][0]["id"], id.as_str());

    let duplicate = http()
        .post(api(&sandbox, "/groups?workspaceV2=true"))
        .bearer_auth(&token)
        .json(&json!({"name": "Sandbox Created"}))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_service_principal_cannot_use_my_workspace_routes() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = sp_token(&sandbox).await;
    let response = get(&sandbox, &token, "/reports").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(has_request_id(&response));
    assert_eq!(
        json_of(response).await,
        json!({"Message": "API is not accessible for application"})
    );
}

#[tokio::test]
async fn workspace_visibility_errors_are_distinct() {
    let sandbox = Sandbox::start().await.unwrap();
    let outsider = access_token(
        request_token(
            &sandbox,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", demo::OUTSIDER_SP_CLIENT_ID),
                ("client_secret", demo::OUTSIDER_SP_CLIENT_SECRET),
                ("scope", demo::POWER_BI_DEFAULT_SCOPE),
            ],
        )
        .await,
    )
    .await;
    let not_member = get(
        &sandbox,
        &outsider,
        &format!("/groups/{}/reports", demo::SALES_WORKSPACE_ID),
    )
    .await;
    assert_eq!(not_member.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(not_member).await,
        json!({"error": {"code": "PowerBINotAuthorizedException", "pbi.error": {
            "code": "PowerBINotAuthorizedException", "parameters": {}, "details": [], "exceptionCulprit": 1}}})
    );

    // A percent-encoded slash stays inside one segment: an unknown workspace, not an unknown route.
    let unknown = get(&sandbox, &outsider, "/groups/a%2Fb/reports").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(unknown).await["error"]["code"],
        "PowerBIEntityNotFound"
    );
}

#[tokio::test]
async fn bad_bearers_and_unknown_routes_answer_like_power_bi() {
    let sandbox = Sandbox::start().await.unwrap();
    let missing = http().get(api(&sandbox, "/groups")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(has_request_id(&missing));
    assert_eq!(missing.headers()["X-PowerBI-Error-Info"], "InvalidToken");
    assert!(missing.bytes().await.unwrap().is_empty());

    let token = sp_token(&sandbox).await;
    let forged = format!("{token}x");
    assert_eq!(
        get(&sandbox, &forged, "/groups").await.status(),
        StatusCode::FORBIDDEN
    );

    let unknown = get(&sandbox, &token, "/nothing/here").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(has_request_id(&unknown));
    assert_eq!(json_of(unknown).await["error"]["code"], "NotFound");
}

#[tokio::test]
async fn expired_tokens_get_token_expired() {
    let sandbox = Sandbox::start().await.unwrap();
    let token = sp_token(&sandbox).await;
    assert_eq!(
        get(&sandbox, &token, "/groups").await.status(),
        StatusCode::OK
    );
    sandbox.expire_all_tokens();
    let response = get(&sandbox, &token, "/groups").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(has_request_id(&response));
    assert_eq!(
        json_of(response).await,
        json!({"error": {"code": "TokenExpired", "message": "Access token has expired, resubmit with a new access token"}})
    );
    let fresh = sp_token(&sandbox).await;
    assert_eq!(
        get(&sandbox, &fresh, "/groups").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_second_refresh_while_one_runs_is_refused() {
    let config = SandboxConfig::default().refresh_duration(Duration::from_secs(3600));
    let sandbox = Sandbox::start_with(config).await.unwrap();
    let token = user_token(&sandbox, demo::PUBLIC_CLIENT_ID).await;
    let refreshes = format!(
        "/groups/{}/datasets/{}/refreshes",
        demo::SALES_WORKSPACE_ID,
        demo::SALES_DATASET_ID
    );
    let start = || {
        http()
            .post(api(&sandbox, &refreshes))
            .bearer_auth(&token)
            .json(&json!({"notifyOption": "MailOnFailure"}))
            .send()
    };

    let accepted = start().await.unwrap();
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let request_id = accepted.headers()["x-ms-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let location = accepted.headers()["Location"].to_str().unwrap();
    assert_eq!(
        location,
        api(&sandbox, &format!("{refreshes}/{request_id}"))
    );
    assert!(has_request_id(&accepted));
    assert_eq!(sandbox.refreshes_started(), 1);

    let history = json_of(get(&sandbox, &token, &format!("{refreshes}?$top=1")).await).await;
    let latest = &history["value"][0];
    assert_eq!(latest["requestId"], request_id.as_str());
    assert_eq!(latest["status"], "Unknown");
    assert_eq!(latest["refreshType"], "ViaApi");
    assert!(latest.get("endTime").is_none());
    assert_eq!(history["value"].as_array().unwrap().len(), 1);

    let refused = start().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(refused).await,
        json!({"error": {"code": "InvalidRequest",
            "message": "Invalid dataset refresh request. Another refresh request is already executing"}})
    );
    assert_eq!(sandbox.refreshes_started(), 1);
}
