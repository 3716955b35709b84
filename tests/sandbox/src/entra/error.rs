//! Entra ID error answers: OAuth error code, AADSTS number, and the body
//! layout with trace and correlation ids.

use axum::http::StatusCode;
use axum::http::header::HeaderName;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use uuid::Uuid;

use crate::clock;

/// Entra's per-request trace id header.
pub(super) const MS_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");

/// A failed token request.
#[derive(Debug)]
pub(super) struct EntraError {
    status: StatusCode,
    error: &'static str,
    code: u32,
    text: String,
}

impl EntraError {
    fn new(status: StatusCode, error: &'static str, code: u32, text: impl Into<String>) -> Self {
        EntraError {
            status,
            error,
            code,
            text: text.into(),
        }
    }

    /// 400 `invalid_request`.
    pub(super) fn invalid_request(code: u32, text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", code, text)
    }

    /// 401 `invalid_client`.
    pub(super) fn invalid_client(code: u32, text: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", code, text)
    }

    /// 400 `unauthorized_client`.
    pub(super) fn unauthorized_client(code: u32, text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", code, text)
    }

    /// 400 `invalid_grant`.
    pub(super) fn invalid_grant(code: u32, text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", code, text)
    }

    /// 400 `invalid_scope`.
    pub(super) fn invalid_scope(code: u32, text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", code, text)
    }

    /// 400 `invalid_resource`.
    pub(super) fn invalid_resource(code: u32, text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_resource", code, text)
    }

    /// 400 `unsupported_grant_type`.
    pub(super) fn unsupported_grant_type(code: u32, text: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            code,
            text,
        )
    }

    /// 400 with any OAuth `error` (device code polling answers, `interaction_required`).
    pub(super) fn oauth(error: &'static str, code: u32, text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, code, text)
    }

    /// 500 `temporarily_unavailable`, for injected failures.
    pub(super) fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily_unavailable",
            50_000,
            "There was an error issuing a token or an issue with our sign-in service.",
        )
    }

    /// 400 `invalid_request` AADSTS900144 for a missing body parameter.
    pub(super) fn missing(parameter: &str) -> Self {
        Self::invalid_request(
            900_144,
            format!("The request body must contain the following parameter: '{parameter}'."),
        )
    }

    /// The answer, carrying `trace_id` and `correlation_id` in the body.
    pub(super) fn respond(self, trace_id: Uuid, correlation_id: Uuid) -> Response {
        let timestamp = clock::entra(clock::now());
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
            self.code, self.text
        );
        let body = json!({
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id.to_string(),
            "correlation_id": correlation_id.to_string(),
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        (
            self.status,
            super::token_headers(trace_id),
            body.to_string(),
        )
            .into_response()
    }
}
