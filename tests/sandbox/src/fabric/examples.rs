//! Every Fabric operation the stateful routes do not model, answered with Microsoft's own
//! example: `data/fabric_example_answers.json` holds, per operation, its method, path
//! template, operationId and the example's 200/201 (else first 2xx) status and body. It is
//! written from microsoft/fabric-rest-api-specs by the test `fabric_examples`
//! (`UPDATE_EXPECTED=1` rewrites it; without it, the test fails when the file is out of date).
//!
//! The answer comes after the same bearer check as every Fabric route and carries
//! [`EXAMPLE_ANSWER_HEADER`](crate::EXAMPLE_ANSWER_HEADER) naming the operation. Paths match
//! literally (ASCII case-insensitive) outside their placeholders; when several templates
//! match, the one with the most literal characters wins. No match: 404 (405 when the path is
//! known for other methods), in Fabric's error shape.

use std::sync::OnceLock;

use axum::extract::{Request, State};
use axum::http::header::HeaderValue;
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::{FabricError, authenticate, base_url, json_answer};
use crate::app::App;
use crate::example_answers::EXAMPLE_ANSWER_HEADER;

/// The catalogue, as checked in.
const DATA: &str = include_str!("../../data/fabric_example_answers.json");

/// The host Microsoft's example links point at; rewritten to the sandbox.
const MICROSOFT_HOST: &str = "https://api.fabric.microsoft.com";

#[derive(Debug, Deserialize)]
struct Catalogue {
    operations: Vec<Operation>,
}

#[derive(Debug, Deserialize)]
struct Operation {
    operation_id: String,
    method: String,
    path: String,
    status: u16,
    #[serde(default)]
    body: Option<Value>,
}

impl Operation {
    /// The template's segments, without the query some templates carry (`?beta=true`).
    fn segments(&self) -> impl Iterator<Item = &str> {
        let path = self.path.split('?').next().unwrap_or_default();
        path.split('/').filter(|segment| !segment.is_empty())
    }

    fn matches(&self, segments: &[&str]) -> bool {
        self.segments().count() == segments.len()
            && self.segments().zip(segments).all(|(template, actual)| {
                (template.starts_with('{') && template.ends_with('}') && !actual.is_empty())
                    || template.eq_ignore_ascii_case(actual)
            })
    }

    fn literal_len(&self) -> usize {
        self.segments()
            .filter(|segment| !segment.starts_with('{'))
            .map(str::len)
            .sum()
    }
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        serde_json::from_str(DATA).expect("data/fabric_example_answers.json is valid")
    })
}

/// Answers a Fabric request no stateful route took.
pub(super) async fn serve(State(app): State<App>, request: Request) -> Response {
    if let Err(error) = authenticate(request.headers(), &app) {
        return error.into_response();
    }
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let candidates: Vec<&Operation> = catalogue()
        .operations
        .iter()
        .filter(|operation| operation.matches(&segments))
        .collect();
    let method = request.method().as_str();
    let Some(operation) = candidates
        .iter()
        .filter(|operation| operation.method.eq_ignore_ascii_case(method))
        .max_by_key(|operation| operation.literal_len())
    else {
        return if candidates.is_empty() {
            FabricError::not_found("EntityNotFound", format!("No Fabric operation at {path}."))
        } else {
            FabricError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!("{method} is not allowed on {path}."),
            )
        }
        .into_response();
    };
    let status = StatusCode::from_u16(operation.status).unwrap_or(StatusCode::OK);
    let mut response = match &operation.body {
        Some(body) => {
            let base = base_url(request.headers(), &app);
            let text = body.to_string().replace(MICROSOFT_HOST, &base);
            let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| body.clone());
            json_answer(status, &body)
        }
        None => status.into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&operation.operation_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(EXAMPLE_ANSWER_HEADER), value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_prefers_literal_segments() {
        assert!(catalogue().operations.len() > 700);
        let segments = ["v1", "workspaces", "abc", "items", "bulkMove"];
        let best = catalogue()
            .operations
            .iter()
            .filter(|op| op.method == "POST" && op.matches(&segments))
            .max_by_key(|op| op.literal_len())
            .map(|op| op.path.as_str());
        assert_eq!(best, Some("/v1/workspaces/{workspaceId}/items/bulkMove"));
    }
}
