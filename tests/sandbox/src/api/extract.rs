//! Request parsing for Power BI routes, with Power BI style rejections:
//! JSON bodies, path parameters, OData query options and absolute links.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::app::App;
use crate::model::Workspace;
use crate::wire::ApiError;

/// A JSON request body. Use `Body<Option<T>>` where the body is optional.
///
/// An empty body where one is required, or JSON that does not fit `T`
/// (request types reject unknown fields), answers 400 `InvalidRequest`; a
/// non-JSON content type answers 415.
#[derive(Debug)]
pub(crate) struct Body<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let declared_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::invalid(rejection.body_text()))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return serde_json::from_str("null")
                .map(Body)
                .map_err(|_| ApiError::invalid("The request body is missing."));
        }
        if declared_json == Some(false) {
            return Err(ApiError::Coded {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: "UnsupportedMediaType",
                message:
                    "The request entity's media type is not supported for this resource; send \
                          application/json."
                        .into(),
            });
        }
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|error| ApiError::invalid(format!("The request body is not valid: {error}")))
    }
}

/// Path parameters, percent-decoded once; a malformed segment answers 400 `InvalidRequest`.
#[derive(Debug)]
pub(crate) struct Params<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(params)| Params(params))
            .map_err(|rejection| ApiError::invalid(rejection.body_text()))
    }
}

/// The OData query options `$top`, `$skip` and `$filter`.
#[derive(Debug, Default)]
pub(crate) struct ODataQuery {
    pub(crate) top: Option<usize>,
    pub(crate) skip: usize,
    pub(crate) filter: Option<String>,
}

impl ODataQuery {
    /// Applies `$skip` then `$top` to a list.
    pub(crate) fn page<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items
            .into_iter()
            .skip(self.skip)
            .take(self.top.unwrap_or(usize::MAX))
            .collect()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ODataQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut query = ODataQuery::default();
        let Some(raw) = parts.uri.query() else {
            return Ok(query);
        };
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let count = || {
                value.trim().parse::<usize>().map_err(|_| {
                    ApiError::invalid(format!(
                        "The value '{value}' of query option '{key}' is not a valid count."
                    ))
                })
            };
            match key.as_ref() {
                "$top" => query.top = Some(count()?),
                "$skip" => query.skip = count()?,
                "$filter" => query.filter = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(query)
    }
}

/// Builds absolute links (`@odata.context`, `Location`) on the host the client called.
#[derive(Debug)]
pub(crate) struct Links {
    base: String,
}

impl Links {
    /// `{base}{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `@odata.context` for an entity set of the whole API, e.g. `groups`.
    pub(crate) fn root_context(&self, fragment: &str) -> String {
        self.url(&format!("/v1.0/myorg/$metadata#{fragment}"))
    }

    /// `@odata.context` for an entity set inside `workspace`, e.g. `datasets`.
    pub(crate) fn context(&self, workspace: &Workspace, fragment: &str) -> String {
        self.url(&format!("{}/$metadata#{fragment}", workspace.api_prefix()))
    }
}

impl FromRequestParts<App> for Links {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let base = parts
            .headers
            .get(HOST)
            .and_then(|value| value.to_str().ok())
            .map_or_else(
                || app.base_url().to_owned(),
                |host| format!("http://{host}"),
            );
        Ok(Links { base })
    }
}

/// The request's `Host` header (empty when missing): where the client reached the sandbox,
/// for the URLs it answers with.
pub(super) fn host(headers: &HeaderMap) -> String {
    headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
