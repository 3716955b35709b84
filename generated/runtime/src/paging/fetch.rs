//! Fetching one page and decoding it in one pass: its items and its continuation fields.

use std::hash::{BuildHasher, RandomState};

use serde::Deserialize;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use tracing::Instrument;
use tracing::field::Empty;

use super::{Page, Strategy};
use crate::request::RequestBuilder;
use crate::request::api_error::header;
use crate::{Result, decode, telemetry};

/// What a fetch learned besides the page: the answer's `RequestId` (for errors) and, for
/// `$top`/`$skip` paging, a hash of its body.
pub(super) struct Fetched<T> {
    pub(super) page: Page<T>,
    pub(super) request_id: String,
    pub(super) body_hash: Option<u64>,
}

/// The `powerbi.page` span of page `number` of a listing by `operation`.
pub(super) fn page_span(operation: &'static str, strategy: Strategy, number: u64) -> tracing::Span {
    let paging = match strategy {
        Strategy::TopSkip { .. } => "top_skip",
        Strategy::NextLink => "next_link",
        Strategy::Continuation { quoted: true } => "continuation",
        Strategy::Continuation { quoted: false } => "continuation_uri",
    };
    tracing::info_span!(
        "powerbi.page",
        powerbi.operation = operation,
        powerbi.paging = paging,
        powerbi.page.number = number,
        powerbi.page.items = Empty,
        otel.status_code = Empty,
        "error.type" = Empty,
    )
}

/// Fetches and decodes one page in `span` (its `powerbi.page` span), recording how many items
/// it held or why it failed.
pub(super) async fn fetch_in<T: DeserializeOwned>(
    span: tracing::Span,
    request: RequestBuilder,
    items_field: &'static str,
    hash_keys: Option<RandomState>,
) -> Result<Fetched<T>> {
    let fetched = fetch(request, items_field, hash_keys)
        .instrument(span.clone())
        .await;
    match &fetched {
        Ok(fetched) => {
            span.record("powerbi.page.items", fetched.page.items.len());
        }
        Err(error) => telemetry::failed(&span, error),
    }
    fetched
}

/// Fetches and decodes one page; with `hash_keys`, hashes its body too.
async fn fetch<T: DeserializeOwned>(
    request: RequestBuilder,
    items_field: &'static str,
    hash_keys: Option<RandomState>,
) -> Result<Fetched<T>> {
    let operation = request.operation_name();
    let response = request.send().await?;
    let request_id = header(&response.headers, "RequestId").unwrap_or_else(|| "-".to_owned());
    let body_hash = hash_keys.map(|keys| keys.hash_one(&response.body[..]));
    let fetched = |page| Fetched {
        page,
        request_id: request_id.clone(),
        body_hash,
    };
    let seed = || PageSeed::<T> {
        items_field,
        items: std::marker::PhantomData,
    };
    // One pass over the body straight into the items and the continuation fields; only a
    // failure pays for decoding again, to name where the page went wrong.
    let mut plain = serde_json::Deserializer::from_slice(&response.body);
    if let Ok(page) = seed().deserialize(&mut plain) {
        return Ok(fetched(page));
    }
    // The page did not fit: the client's decode policy repairs the items that drifted and
    // reports them, or (strict) names where the page went wrong.
    // A body that is not JSON at all is named at the root, as `decode_json` names it.
    let value = decode::parse_json(operation, &response.body)
        .map_err(|error| decode::with_request_id(error, Some(&request_id)))?;
    let page = response
        .decoding
        .repair_with(operation, Some(&request_id), value, |value| {
            // The same decoder as the first pass above, over the page written out again.
            decode::decode_parsed(value, |text| {
                seed().deserialize(&mut serde_json::Deserializer::from_slice(text))
            })
        })?;
    Ok(fetched(page))
}

/// Decodes a page object: the items under `items_field` (`value`, `activityEventEntities`, a
/// missing or null list being empty) and the continuation fields; every other key is skipped.
struct PageSeed<T> {
    items_field: &'static str,
    items: std::marker::PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for PageSeed<T> {
    type Value = Page<T>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Page<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageSeed<T> {
    type Value = Page<T>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "a page object with `{}`", self.items_field)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Page<T>, A::Error> {
        let mut items = None;
        let mut continuation_token = None;
        let mut odata_next_link = None;
        let mut continuation_uri = None;
        let mut last_result_set = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                key if key == self.items_field => items = map.next_value::<Option<Vec<T>>>()?,
                "continuationToken" => continuation_token = non_empty(map.next_value()?),
                "@odata.nextLink" => odata_next_link = non_empty(map.next_value()?),
                "continuationUri" => continuation_uri = non_empty(map.next_value()?),
                "lastResultSet" => {
                    last_result_set = map.next_value::<serde_json::Value>()?.as_bool();
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Page {
            items: items.unwrap_or_default(),
            continuation_token,
            next_link: odata_next_link.or(continuation_uri),
            last_result_set,
        })
    }
}

/// A text field, `None` when null, not text, or empty.
/// A continuation, unless absent, empty, or the text `"null"` (which Fabric's environment
/// library listings send on their last page, per Microsoft's examples).
fn non_empty(value: serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) if !text.is_empty() && text != "null" => Some(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::non_empty;
    use serde_json::json;

    #[test]
    fn an_absent_empty_or_null_continuation_ends_the_listing() {
        for last in [json!(null), json!(""), json!("null"), json!(7)] {
            assert_eq!(non_empty(last.clone()), None, "{last}");
        }
        assert_eq!(non_empty(json!("abc")), Some("abc".to_owned()));
    }
}
