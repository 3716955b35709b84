//! Fabric's error answer: `{"errorCode","message","requestId","moreDetails","relatedResource",
//! "isRetriable"}` with the same request id in the `RequestId` header.

use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::wire::{fabric_error_body as body, fabric_error_response as respond, guid_header};

use crate::wire::FABRIC_REQUEST_ID as REQUEST_ID;

/// A Fabric error answer.
#[derive(Debug)]
pub(crate) struct FabricError {
    status: StatusCode,
    code: &'static str,
    message: String,
    related: Option<(String, &'static str)>,
}

impl FabricError {
    /// An error with this status, code and message.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        FabricError {
            status,
            code,
            message: message.into(),
            related: None,
        }
    }

    /// Names the resource the error is about (`relatedResource`).
    pub(crate) fn about(mut self, id: impl Into<String>, kind: &'static str) -> Self {
        self.related = Some((id.into(), kind));
        self
    }

    /// 401 for a missing, unknown or expired bearer, or one issued for another audience.
    pub(crate) fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403 `InsufficientPrivileges`.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "InsufficientPrivileges", message)
    }

    /// 400 `InvalidInput`.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidInput", message)
    }

    /// 404 with a code such as `WorkspaceNotFound` or `ItemNotFound`.
    pub(crate) fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 with a code such as `ItemDisplayNameAlreadyInUse`.
    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
}

impl IntoResponse for FabricError {
    fn into_response(self) -> Response {
        let request_id = Uuid::new_v4();
        let retriable =
            self.status == StatusCode::TOO_MANY_REQUESTS || self.status.is_server_error();
        let related = self.related.as_ref().map(|(id, kind)| (id.as_str(), *kind));
        let body = body(self.code, &self.message, request_id, related, retriable);
        respond(self.status, body, request_id)
    }
}

/// Adds a `RequestId` header to every Fabric answer that has none.
pub(crate) async fn add_request_id(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(REQUEST_ID) {
        headers.insert(
            HeaderName::from_static(REQUEST_ID),
            guid_header(Uuid::new_v4()),
        );
    }
    response
}
