//! Power BI wire conventions shared by every route: error bodies, OData
//! wrappers, empty answers and the `RequestId` header.

use axum::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

/// Content type of Power BI JSON success bodies.
pub(crate) const ODATA_JSON: &str = "application/json; odata.metadata=minimal";
/// Content type of Power BI JSON error bodies.
const ERROR_JSON: &str = "application/json; charset=utf-8";
/// Per-response id header, present on every Power BI answer.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("requestid");
/// Short error code header used when the body is empty.
const ERROR_INFO: HeaderName = HeaderName::from_static("x-powerbi-error-info");

/// Result of a Power BI handler.
pub(crate) type ApiResult<T = Response> = Result<T, ApiError>;

/// Every way a Power BI call fails, each with the status and body the real service uses.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// No bearer, or one this sandbox never issued: 403, empty body, `X-PowerBI-Error-Info: InvalidToken`.
    InvalidToken,
    /// An issued token past its expiry: 403 `TokenExpired`.
    TokenExpired,
    /// An app-only token on a My-workspace route: 403 `{"Message": ...}`.
    NotAccessibleForApplication,
    /// Missing scope, not a member, or a role too low: 401 `PowerBINotAuthorizedException`.
    NotAuthorized,
    /// Unknown or invisible item or workspace: 404 `PowerBIEntityNotFound`.
    EntityNotFound,
    /// Invalid input: 400 `InvalidRequest` with a message.
    InvalidRequest(String),
    /// Any other `{"error":{"code","message"}}` answer.
    Coded {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// A DAX query the engine rejects: 400 `DatasetExecuteQueriesError`.
    DaxQuery(String),
    /// No route has this path: 404 `NotFound`.
    RouteNotFound(String),
    /// The path exists but not with this method: 405.
    MethodNotAllowed(Method),
}

impl ApiError {
    /// A 400 `InvalidRequest` with `message`.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ApiError::InvalidRequest(message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::InvalidToken => (
                StatusCode::FORBIDDEN,
                [(ERROR_INFO, HeaderValue::from_static("InvalidToken"))],
            )
                .into_response(),
            ApiError::TokenExpired => error_body(
                StatusCode::FORBIDDEN,
                coded(
                    "TokenExpired",
                    "Access token has expired, resubmit with a new access token",
                ),
            ),
            ApiError::NotAccessibleForApplication => error_body(
                StatusCode::FORBIDDEN,
                json!({"Message": "API is not accessible for application"}),
            ),
            ApiError::NotAuthorized => error_body(
                StatusCode::UNAUTHORIZED,
                pbi_error("PowerBINotAuthorizedException", json!([])),
            ),
            ApiError::EntityNotFound => error_body(
                StatusCode::NOT_FOUND,
                pbi_error("PowerBIEntityNotFound", json!([])),
            ),
            ApiError::InvalidRequest(message) => {
                error_body(StatusCode::BAD_REQUEST, coded("InvalidRequest", &message))
            }
            ApiError::Coded {
                status,
                code,
                message,
            } => error_body(status, coded(code, &message)),
            ApiError::DaxQuery(detail) => error_body(
                StatusCode::BAD_REQUEST,
                pbi_error(
                    "DatasetExecuteQueriesError",
                    json!([{"code": "DetailsMessage", "detail": {"type": 1, "value": detail}}]),
                ),
            ),
            ApiError::RouteNotFound(uri) => error_body(
                StatusCode::NOT_FOUND,
                coded(
                    "NotFound",
                    &format!("No HTTP resource was found that matches the request URI '{uri}'."),
                ),
            ),
            ApiError::MethodNotAllowed(method) => error_body(
                StatusCode::METHOD_NOT_ALLOWED,
                json!({"Message": format!("The requested resource does not support http method '{method}'.")}),
            ),
        }
    }
}

/// `{"error":{"code","message"}}`.
fn coded(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

/// `{"error":{"code","pbi.error":{"code","parameters","details","exceptionCulprit"}}}`.
fn pbi_error(code: &str, details: Value) -> Value {
    json!({"error": {
        "code": code,
        "pbi.error": {"code": code, "parameters": {}, "details": details, "exceptionCulprit": 1},
    }})
}

fn error_body(status: StatusCode, body: Value) -> Response {
    json_response(status, ERROR_JSON, &body)
}

fn json_response(
    status: StatusCode,
    content_type: &'static str,
    body: &impl Serialize,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("sandbox failed to serialize a response: {error}"),
        )
            .into_response(),
    }
}

/// `{"@odata.context": ..., "value": [...]}`.
#[derive(Serialize)]
struct ODataList<'a, T> {
    #[serde(rename = "@odata.context")]
    context: &'a str,
    #[serde(rename = "value")]
    value: &'a [T],
}

/// A single entity with its `@odata.context` alongside its own fields.
#[derive(Serialize)]
struct ODataEntity<'a, T> {
    #[serde(rename = "@odata.context")]
    context: &'a str,
    #[serde(flatten)]
    entity: &'a T,
}

/// 200 with an OData list.
pub(crate) fn list<T: Serialize>(context: &str, items: &[T]) -> Response {
    json_response(
        StatusCode::OK,
        ODATA_JSON,
        &ODataList {
            context,
            value: items,
        },
    )
}

/// 200 with one entity and its `@odata.context`.
pub(crate) fn entity<T: Serialize>(context: &str, item: &T) -> Response {
    json_response(
        StatusCode::OK,
        ODATA_JSON,
        &ODataEntity {
            context,
            entity: item,
        },
    )
}

/// 200 with a JSON body that carries no `@odata.context` (e.g. query results).
pub(crate) fn plain<T: Serialize>(body: &T) -> Response {
    json_response(StatusCode::OK, ODATA_JSON, body)
}

/// 200 with an empty body, as the service answers most writes.
pub(crate) fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

/// Adds a fresh `RequestId` (unless the handler set one) to every Power BI answer.
pub(crate) async fn add_request_id(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(REQUEST_ID) {
        headers.insert(REQUEST_ID, guid_header(Uuid::new_v4()));
    }
    headers.insert(
        HeaderName::from_static("access-control-expose-headers"),
        HeaderValue::from_static("RequestId"),
    );
    response
}

/// A GUID as a header value.
pub(crate) fn guid_header(id: Uuid) -> HeaderValue {
    HeaderValue::from_str(&id.to_string()).expect("a GUID is a valid header value")
}

/// Fallback for paths no route matches.
pub(crate) async fn route_not_found(uri: Uri) -> ApiError {
    ApiError::RouteNotFound(uri.to_string())
}

/// Fallback for known paths called with the wrong method.
pub(crate) async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method)
}

/// The header carrying the request id on every Fabric answer (`RequestId`).
pub(crate) const FABRIC_REQUEST_ID: &str = "requestid";

/// The JSON body of a Fabric error (also used by fault injection).
pub(crate) fn fabric_error_body(
    code: &str,
    message: &str,
    request_id: Uuid,
    related: Option<(&str, &str)>,
    retriable: bool,
) -> Value {
    let mut body = json!({
        "errorCode": code,
        "message": message,
        "requestId": request_id.to_string(),
        "moreDetails": [],
        "isRetriable": retriable,
    });
    if let Some((id, kind)) = related {
        body["relatedResource"] = json!({"resourceId": id, "resourceType": kind});
    }
    body
}

/// A JSON error response with its request id in the body and the `RequestId` header.
pub(crate) fn fabric_error_response(status: StatusCode, body: Value, request_id: Uuid) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(
        HeaderName::from_static(FABRIC_REQUEST_ID),
        guid_header(request_id),
    );
    response
}
