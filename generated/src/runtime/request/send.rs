//! The one send path every generated method, raw call, page and poll goes through: sign in,
//! send, renew an expired token once, and turn error answers into [`Error`].

use std::time::Duration;

use serde::de::DeserializeOwned;

use super::RequestBuilder;
use super::api_error::{api_error, header, hint, is_expired_token};
use crate::runtime::Error;
use crate::runtime::Result;

impl RequestBuilder<'_> {
    /// Sends the request and returns the successful answer with its body not yet read, so a
    /// caller can stream it (downloads) or read it whole ([`RequestBuilder::send`]).
    ///
    /// Takes `&self`: the same request can be sent again (pages, polls, retries).
    pub(crate) async fn execute(&self) -> Result<reqwest::Response> {
        let operation = self.operation_name();
        let url = self.url()?;
        let body = match &self.body {
            Some(Ok(body)) => Some(body),
            Some(Err(message)) => {
                return Err(Error::InvalidRequest(format!(
                    "{operation}: the body cannot be encoded: {message}"
                )));
            }
            None => None,
        };
        let client = self.client;
        let host = url.host_str().unwrap_or_default().to_owned();
        let mut renewed = false;
        loop {
            let token = client.token().await?;
            let mut request = client
                .http()
                .request(self.method.clone(), url.clone())
                .bearer_auth(token.expose());
            if let Some(profile) = client.profile() {
                request = request.header("X-PowerBI-Profile-Id", profile.to_string());
            }
            for (name, value) in &self.headers {
                request = request.header(name.as_ref(), value);
            }
            if let Some(body) = body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            if let Some(file) = &self.file {
                request = request.multipart(file.form().await?);
            }
            tracing::debug!(operation, method = %self.method, path = url.path(), "sending");
            let response = request
                .send()
                .await
                .map_err(|error| transport(operation, &host, client.timeout(), error))?;
            let status = response.status();
            tracing::debug!(
                operation,
                status = status.as_u16(),
                request_id = header(response.headers(), "RequestId")
                    .as_deref()
                    .unwrap_or("-"),
                "answered"
            );
            if status.is_success() {
                return Ok(response);
            }
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|error| transport(operation, &host, client.timeout(), error))?;
            let mut error = api_error(
                operation,
                &self.method,
                &url,
                status.as_u16(),
                &headers,
                &body,
                self.operation,
            );
            // Address the hint to a service principal or a user when the credential says.
            error.hint = hint(
                error.status,
                error.code.as_deref(),
                error.message.as_deref(),
                self.operation,
                client.identity_kind(),
            );
            if !renewed && is_expired_token(&error) {
                // The token expired early (or was revoked): forget it and try once more.
                client.invalidate_token(&token);
                renewed = true;
                continue;
            }
            return Err(Error::Api(Box::new(error)));
        }
    }

    /// Sends the request and reads the whole successful answer.
    pub(crate) async fn send(&self) -> Result<Response> {
        let operation = self.operation_name();
        let response = self.execute().await?;
        let headers = response.headers().clone();
        let host = response.url().host_str().unwrap_or_default().to_owned();
        let body = response
            .bytes()
            .await
            .map_err(|error| transport(operation, &host, self.client.timeout(), error))?;
        Ok(Response { headers, body })
    }
}

/// A successful response.
pub(crate) struct Response {
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: bytes::Bytes,
}

impl Response {
    pub(crate) fn decode<T: DeserializeOwned>(&self, operation: &'static str) -> Result<T> {
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| Error::Decode {
            operation,
            path: error.path().to_string(),
            message: error.inner().to_string(),
            request_id: header(&self.headers, "RequestId").unwrap_or_else(|| "-".to_owned()),
        })
    }
}

pub(crate) fn transport(
    operation: &'static str,
    host: &str,
    timeout: Duration,
    error: reqwest::Error,
) -> Error {
    if error.is_timeout() {
        return Error::Timeout {
            operation,
            host: host.to_owned(),
            after: timeout,
        };
    }
    // reqwest's Display names the URL, whose query may carry filters; keep the cause chain.
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&error);
    while let Some(cause) = source {
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    if message.is_empty() {
        message = "connection failed".to_owned();
    }
    Error::Transport {
        operation,
        host: host.to_owned(),
        message,
    }
}
