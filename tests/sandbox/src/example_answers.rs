//! Every operation of Microsoft's description that the stateful routes do not model, answered
//! with Microsoft's own example response.
//!
//! `data/example_answers.json` is the sandbox's own copy of those responses: one entry per operation
//! (method, path template, the scopes a delegated token needs, the example's status, headers
//! and body). It is generated from Microsoft's description by the e2e test
//! `sandbox_example_answers` (`UPDATE_EXPECTED=1` rewrites it; without it, the test fails when
//! the file is out of date); the sandbox itself never reads the description or the spec.
//!
//! Stateful routes keep priority. A request whose method and path match an operation of the
//! catalogue is answered here when no stateful route has that operation's path (the router
//! fell back, or matched a route of another shape: `/groups/{groupId}/datasets/upstreamDataflows`
//! is not the dataset route `/groups/{group_id}/datasets/{dataset_id}`), or when the stateful
//! route has the path but not the method (it answered 405). The answer comes after the same
//! bearer checks as every route and, for a delegated token, the operation's scopes, and
//! carries [`EXAMPLE_ANSWER_HEADER`] naming the operation. Paths match literally (ASCII
//! case-insensitive) outside their placeholders; when several templates match, the one with
//! the most literal characters wins.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::app::App;
use crate::auth::{authenticate, require_scope_groups};
use crate::wire::ODATA_JSON;

/// The catalogue, as checked in.
const DATA: &str = include_str!("../data/example_answers.json");

/// The host Microsoft's example links point at; rewritten to the sandbox in headers.
const MICROSOFT_HOST: &str = "https://api.powerbi.com";

/// The header on every answer taken from Microsoft's examples; its value is the operationId.
pub const EXAMPLE_ANSWER_HEADER: &str = "x-sandbox-example";

/// Bytes answered for an operation whose response is a file.
pub(crate) const BINARY_EXAMPLE_ANSWER: &[u8] = b"powerbi-sandbox example file\n";

/// `data/example_answers.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct Catalogue {
    /// One entry per operation of Microsoft's description.
    pub(crate) operations: Vec<AnsweredOperation>,
}

/// One operation and the answer the sandbox gives for it.
#[derive(Debug, Deserialize)]
pub(crate) struct AnsweredOperation {
    /// Microsoft's operationId.
    pub(crate) operation_id: String,
    /// Upper-case HTTP method.
    pub(crate) method: String,
    /// Full path template (`/v1.0/myorg/...`).
    pub(crate) path: String,
    /// Scope groups: a delegated token needs one scope of every group.
    pub(crate) scopes: Vec<Vec<String>>,
    /// The answer.
    pub(crate) response: ExampleAnswer,
    #[serde(skip)]
    template: Vec<Vec<Part>>,
}

/// What the sandbox answers for an operation.
#[derive(Debug, Deserialize)]
pub(crate) struct ExampleAnswer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// `json`, `binary` or `empty`.
    pub(crate) kind: Kind,
    /// The JSON body (`kind: json`).
    #[serde(default)]
    pub(crate) body: Option<Value>,
    /// Response headers the example shows (`Location`, ...).
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
}

/// The kind of body an operation answers.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// A JSON document.
    Json,
    /// A file.
    Binary,
    /// No content.
    Empty,
}

/// A piece of one path segment of a template.
#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Placeholder,
}

/// The parsed catalogue, shared by every sandbox of the process.
pub(crate) fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut catalogue: Catalogue =
            serde_json::from_str(DATA).expect("data/example_answers.json is valid");
        for operation in &mut catalogue.operations {
            operation.template = parse_template(&operation.path);
        }
        catalogue
    })
}

impl Catalogue {
    /// The operation a request addresses: the best-matching template among those with this
    /// method; `None` when no template with this method matches.
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<&AnsweredOperation> {
        let segments: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|operation| operation.method.eq_ignore_ascii_case(method))
            .filter(|operation| matches_template(&operation.template, &segments))
            .max_by_key(|operation| literal_len(&operation.template))
    }
}

fn parse_template(path: &str) -> Vec<Vec<Part>> {
    path.split('/')
        .map(|segment| {
            let mut parts = Vec::new();
            let mut rest = segment;
            while let Some(open) = rest.find('{') {
                if open > 0 {
                    parts.push(Part::Literal(rest[..open].to_owned()));
                }
                let close = rest[open..]
                    .find('}')
                    .map_or(rest.len(), |at| open + at + 1);
                parts.push(Part::Placeholder);
                rest = &rest[close..];
            }
            if !rest.is_empty() {
                parts.push(Part::Literal(rest.to_owned()));
            }
            parts
        })
        .collect()
}

fn literal_len(template: &[Vec<Part>]) -> usize {
    template
        .iter()
        .flatten()
        .map(|part| match part {
            Part::Literal(text) => text.len(),
            Part::Placeholder => 0,
        })
        .sum()
}

fn matches_template(template: &[Vec<Part>], segments: &[&str]) -> bool {
    template.len() == segments.len()
        && template
            .iter()
            .zip(segments)
            .all(|(parts, segment)| matches_segment(parts, segment))
}

/// Whether `segment` fits `parts`: literals compare ASCII case-insensitively, a placeholder
/// takes one or more characters.
fn matches_segment(parts: &[Part], segment: &str) -> bool {
    match parts.split_first() {
        None => segment.is_empty(),
        Some((Part::Literal(text), rest)) => {
            segment.len() >= text.len()
                && segment.is_char_boundary(text.len())
                && segment[..text.len()].eq_ignore_ascii_case(text)
                && matches_segment(rest, &segment[text.len()..])
        }
        Some((Part::Placeholder, rest)) => (1..=segment.len())
            .filter(|&end| segment.is_char_boundary(end))
            .any(|end| matches_segment(rest, &segment[end..])),
    }
}

/// Middleware answering operations the stateful routes do not model.
pub(crate) async fn serve_unmodeled(
    State(app): State<App>,
    request: Request,
    next: Next,
) -> Response {
    let Some(operation) = catalogue().find(request.method().as_str(), request.uri().path()) else {
        return next.run(request).await;
    };
    let stateful_path = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|matched| path_shape(matched.as_str()) == path_shape(&operation.path));
    let query = request.uri().query().map(str::to_owned);
    if !stateful_path {
        return answer(&app, request.headers(), query.as_deref(), operation);
    }
    let headers = request.headers().clone();
    let response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        answer(&app, &headers, query.as_deref(), operation)
    } else {
        response
    }
}

/// An example list answer cut to the request's `$skip` and `$top`, as the service pages: so a
/// client paging an example-served listing gets each item once and then an empty page.
fn page(body: &serde_json::Value, query: Option<&str>) -> serde_json::Value {
    let Some(items) = body.get("value").and_then(serde_json::Value::as_array) else {
        return body.clone();
    };
    let mut skip = None;
    let mut top = None;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match name.as_ref() {
            "$skip" => skip = value.trim().parse::<usize>().ok(),
            "$top" => top = value.trim().parse::<usize>().ok(),
            _ => {}
        }
    }
    if skip.is_none() && top.is_none() {
        return body.clone();
    }
    let mut paged = body.clone();
    paged["value"] = items
        .iter()
        .skip(skip.unwrap_or(0))
        .take(top.unwrap_or(usize::MAX))
        .cloned()
        .collect();
    paged
}

/// A path template with its placeholders blanked, in lower case: `/groups/{}/datasets`.
/// Two templates of the same path compare equal whatever their placeholders are named
/// (`{groupId}`, `{group_id}`) and however they are cased.
pub fn path_shape(template: &str) -> String {
    let mut out = String::new();
    let mut in_placeholder = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_placeholder = true;
                out.push_str("{}");
            }
            '}' => in_placeholder = false,
            _ if in_placeholder => {}
            _ => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

fn answer(
    app: &App,
    headers: &HeaderMap,
    query: Option<&str>,
    operation: &AnsweredOperation,
) -> Response {
    let checked = authenticate(headers, app)
        .and_then(|principal| require_scope_groups(&principal, &operation.scopes));
    if let Err(error) = checked {
        return error.into_response();
    }
    let response = &operation.response;
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut answer = match (response.kind, &response.body) {
        (Kind::Json, Some(body)) => (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON))],
            serde_json::to_vec(&page(body, query)).unwrap_or_default(),
        )
            .into_response(),
        (Kind::Binary, _) => (
            status,
            [(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )],
            BINARY_EXAMPLE_ANSWER,
        )
            .into_response(),
        (Kind::Json | Kind::Empty, _) => status.into_response(),
    };
    let base = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .map_or_else(
            || app.base_url().to_owned(),
            |host| format!("http://{host}"),
        );
    for (name, value) in &response.headers {
        let value = match value.strip_prefix(MICROSOFT_HOST) {
            Some(rest) => format!("{base}{rest}"),
            None => value.clone(),
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value),
        ) {
            answer.headers_mut().insert(name, value);
        }
    }
    if let Ok(id) = HeaderValue::try_from(operation.operation_id.as_str()) {
        answer
            .headers_mut()
            .insert(HeaderName::from_static(EXAMPLE_ANSWER_HEADER), id);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<&str> {
        path.split('/').collect()
    }

    #[test]
    fn placeholders_take_one_segment_and_literals_ignore_case() {
        let template = parse_template("/v1.0/myorg/groups/{groupId}/reports/{reportId}/Clone");
        assert!(matches_template(
            &template,
            &segments("/v1.0/myorg/groups/g/reports/r/clone")
        ));
        assert!(!matches_template(
            &template,
            &segments("/v1.0/myorg/groups/g/reports//Clone")
        ));
        assert!(!matches_template(
            &template,
            &segments("/v1.0/myorg/groups/g/x/reports/r/Clone")
        ));
    }

    #[test]
    fn odata_keys_match_inside_a_segment() {
        let template = parse_template("/v1.0/myorg/availableFeatures(featureName='{featureName}')");
        assert!(matches_template(
            &template,
            &segments("/v1.0/myorg/availableFeatures(featureName='embedTrial')")
        ));
        assert!(!matches_template(
            &template,
            &segments("/v1.0/myorg/availableFeatures")
        ));
        let template = parse_template(
            "/v1.0/myorg/groups/{groupId}/scorecards({scorecardId})/goals({goalId})",
        );
        assert!(matches_template(
            &template,
            &segments("/v1.0/myorg/groups/g/scorecards(s)/goals(x)")
        ));
    }

    #[test]
    fn the_catalogue_parses_and_prefers_literal_segments() {
        let catalogue = catalogue();
        let found = catalogue
            .find("GET", "/v1.0/myorg/groups/a5c038c3-6622-4977-bbf2-73fbd3d2f085/datasets/upstreamDataflows")
            .map(|operation| operation.operation_id.as_str());
        if !catalogue.operations.is_empty() {
            assert_eq!(found, Some("Datasets_GetDatasetToDataflowsLinksInGroup"));
        }
    }

    #[test]
    fn shapes_ignore_placeholder_names_and_case() {
        assert_eq!(
            path_shape("/v1.0/myorg/groups/{group_id}/datasets/{dataset_id}"),
            path_shape("/v1.0/myorg/groups/{groupId}/Datasets/{datasetId}")
        );
        assert_ne!(
            path_shape("/v1.0/myorg/groups/{group_id}/datasets/{dataset_id}"),
            path_shape("/v1.0/myorg/groups/{groupId}/datasets/upstreamDataflows")
        );
    }
}
