//! Paginators: every operation the spec marks with a `paging` strategy gets a sibling
//! `*_pages` method returning a [`Paginator`], built from the same request as the method.
//!
//! A paginator is lazy (nothing is sent until it is polled), is a [`futures::Stream`] of items,
//! and has inherent [`next`](Paginator::next), [`try_next`](Paginator::try_next) and
//! [`collect`](Paginator::collect) so no trait import is needed. Whole pages come from
//! [`next_page`](Paginator::next_page); [`continuation`](Paginator::continuation) tells where the
//! next page starts, and [`resume_from`](Paginator::resume_from) picks it up later. Every page
//! goes through the one send path, so retries apply to pages as to any call.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use time::format_description::FormatItem;
use time::macros::format_description;

use super::request::RequestBuilder;
use super::{DateTime, Error, Result};

/// The page size `$top`/`$skip` paginators use when the caller sets none: the largest the
/// admin listings accept.
pub const DEFAULT_PAGE_SIZE: u32 = 5000;

/// How an operation pages (the runtime side of the spec's `paging` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// `$top`/`$skip`: stop on a short page.
    TopSkip { page_size: u32 },
    /// `@odata.nextLink`.
    NextLink,
    /// `continuationUri`/`continuationToken`, until none or `lastResultSet`.
    Continuation,
}

/// Where the next page of a paginator starts. It can be stored (it is `Serialize`) and given
/// to [`Paginator::resume_from`] on a paginator built the same way, even in another process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continuation {
    next: Cursor,
    /// Query parameters of the windows not started yet (activity events: one per UTC day).
    windows: VecDeque<Vec<(String, String)>>,
}

impl Continuation {
    /// Whether nothing is left to fetch.
    pub fn is_done(&self) -> bool {
        self.next == Cursor::Done && self.windows.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Cursor {
    /// The first request of the current window.
    Start(Vec<(String, String)>),
    /// `$skip` of the next page.
    Skip(u64),
    /// A link the service returned (`@odata.nextLink`, `continuationUri`).
    Url(String),
    /// A `continuationToken` the service returned.
    Token(String),
    /// Nothing more in this window.
    Done,
}

/// One page: its items and whether more follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of the page (possibly none: a continuation page may be empty).
    pub items: Vec<T>,
    /// The continuation token the page carried, if any.
    pub continuation_token: Option<String>,
    /// The next link the page carried (`@odata.nextLink` or `continuationUri`), if any.
    pub next_link: Option<String>,
    /// `lastResultSet`, when the page said.
    pub last_result_set: Option<bool>,
}

type PageFuture<'c, T> = Pin<Box<dyn Future<Output = Result<Page<T>>> + Send + 'c>>;

/// A lazy sequence of items fetched page by page. See the [module documentation](self).
#[must_use = "a paginator sends nothing until it is polled"]
pub struct Paginator<'c, T> {
    base: RequestBuilder<'c>,
    strategy: Strategy,
    items_field: &'static str,
    next: Cursor,
    windows: VecDeque<Vec<(String, String)>>,
    seen: HashSet<String>,
    buffer: VecDeque<T>,
    in_flight: Option<PageFuture<'c, T>>,
    failed: bool,
}

impl<T> std::fmt::Debug for Paginator<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.base.operation_name())
            .field("strategy", &self.strategy)
            .field("next", &self.next)
            .field("windows", &self.windows.len())
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> Paginator<'c, T> {
    fn new(base: RequestBuilder<'c>, strategy: Strategy, items_field: &'static str) -> Self {
        Paginator {
            base,
            strategy,
            items_field,
            next: Cursor::Start(Vec::new()),
            windows: VecDeque::new(),
            seen: HashSet::new(),
            buffer: VecDeque::new(),
            in_flight: None,
            failed: false,
        }
    }

    /// `$top`/`$skip` paging over an OData `value` list. `page_size` is the caller's `$top`
    /// (`None`: [`DEFAULT_PAGE_SIZE`]); any `$skip` the caller set is where paging starts.
    #[doc(hidden)]
    pub fn top_skip(base: RequestBuilder<'c>, page_size: Option<i64>, skip: Option<i64>) -> Self {
        let page_size = page_size
            .and_then(|size| u32::try_from(size).ok())
            .filter(|size| *size > 0)
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let mut paginator = Self::new(
            base.set_query("$top", page_size.to_string()),
            Strategy::TopSkip { page_size },
            "value",
        );
        paginator.next = Cursor::Skip(skip.and_then(|skip| u64::try_from(skip).ok()).unwrap_or(0));
        paginator
    }

    /// `@odata.nextLink` paging over an OData `value` list.
    #[doc(hidden)]
    pub fn next_link(base: RequestBuilder<'c>) -> Self {
        Self::new(base, Strategy::NextLink, "value")
    }

    /// Continuation paging; the items are the page's `items_field` array.
    #[doc(hidden)]
    pub fn continuation_token(base: RequestBuilder<'c>, items_field: &'static str) -> Self {
        Self::new(base, Strategy::Continuation, items_field)
    }

    /// Continuation paging over `[start, end)` split into UTC days, one window per day, each
    /// sent as `startDateTime='YYYY-MM-DDTHH:MM:SS'&endDateTime='...'` (the activity log
    /// accepts one UTC day per request). Times are whole seconds: a window ends at
    /// `23:59:59` of its day, which the service reads as the whole last second.
    #[doc(hidden)]
    pub fn by_utc_day(
        base: RequestBuilder<'c>,
        items_field: &'static str,
        start: DateTime,
        end: DateTime,
    ) -> Self {
        let mut paginator = Self::continuation_token(base, items_field);
        let mut windows = utc_days(start, end);
        match windows.pop_front() {
            Some(first) => paginator.next = Cursor::Start(first),
            None => paginator.next = Cursor::Done,
        }
        paginator.windows = windows;
        paginator
    }

    /// Continues where `continuation` (from [`Paginator::continuation`]) left off, instead of
    /// from the first page. Call it before polling.
    pub fn resume_from(mut self, continuation: Continuation) -> Self {
        self.next = continuation.next;
        self.windows = continuation.windows;
        self.buffer.clear();
        self.in_flight = None;
        self
    }

    /// Where the next page not yet fetched starts. Items already fetched but not yet taken are
    /// not part of it: take it right after [`next_page`](Paginator::next_page).
    pub fn continuation(&self) -> Continuation {
        Continuation {
            next: self.next.clone(),
            windows: self.windows.clone(),
        }
    }

    /// The next item, fetching a page when needed; `None` at the end.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<Result<T>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_item(cx)).await
    }

    /// The next item, or `Ok(None)` at the end.
    pub async fn try_next(&mut self) -> Result<Option<T>> {
        self.next().await.transpose()
    }

    /// Every remaining item.
    pub async fn collect(mut self) -> Result<Vec<T>> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }

    /// The next whole page (items fetched but not yet taken come first, as their own page);
    /// `None` at the end. An empty page that carries a continuation is returned as it is.
    pub async fn next_page(&mut self) -> Option<Result<Page<T>>> {
        if !self.buffer.is_empty() {
            return Some(Ok(Page {
                items: self.buffer.drain(..).collect(),
                continuation_token: None,
                next_link: None,
                last_result_set: None,
            }));
        }
        let future = match self.in_flight.take() {
            Some(future) => future,
            None => self.start_fetch()?,
        };
        let page = future.await;
        Some(self.finish_fetch(page))
    }

    /// Starts fetching the next page, or `None` when there is none.
    fn start_fetch(&mut self) -> Option<PageFuture<'c, T>> {
        if self.failed {
            return None;
        }
        loop {
            let request = match &self.next {
                Cursor::Done => {
                    let window = self.windows.pop_front()?;
                    self.next = Cursor::Start(window);
                    continue;
                }
                Cursor::Start(window) => {
                    let mut request = self.base.clone();
                    for (name, value) in window {
                        request = request.query(name.clone(), value);
                    }
                    request
                }
                Cursor::Skip(skip) => self.base.clone().set_query("$skip", skip.to_string()),
                Cursor::Url(link) => match self.link(link) {
                    Ok(url) => self.base.clone().absolute_url(url),
                    Err(error) => {
                        self.failed = true;
                        return Some(Box::pin(std::future::ready(Err(error))));
                    }
                },
                Cursor::Token(token) => self
                    .base
                    .clone()
                    .set_query("continuationToken", quoted_token(token)),
            };
            let field = self.items_field;
            return Some(Box::pin(fetch(request, field)));
        }
    }

    /// Checks a link the service returned: absolute, and the same scheme as the API base
    /// (the bearer token goes with it).
    fn link(&self, link: &str) -> Result<url::Url> {
        let base = self.base.client().api_base();
        let url = url::Url::parse(link).or_else(|_| base.join(link));
        match url {
            Ok(url) if url.scheme() == base.scheme() => Ok(url),
            _ => Err(Error::InvalidRequest(format!(
                "{}: the service returned an unusable continuation link {link}",
                self.base.operation_name()
            ))),
        }
    }

    /// Moves the cursor past a fetched page.
    fn finish_fetch(&mut self, page: Result<Page<T>>) -> Result<Page<T>> {
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                // The cursor stays: polling again retries the same page.
                return Err(error);
            }
        };
        self.next = match self.strategy {
            Strategy::TopSkip { page_size } => {
                let skip = match &self.next {
                    Cursor::Skip(skip) => *skip,
                    _ => 0,
                };
                if page.items.len() < page_size as usize {
                    Cursor::Done
                } else {
                    Cursor::Skip(skip + page.items.len() as u64)
                }
            }
            Strategy::NextLink => match &page.next_link {
                Some(link) if self.first_time(link) => Cursor::Url(link.clone()),
                _ => Cursor::Done,
            },
            Strategy::Continuation => {
                // The URI is followed only where the client may send its token (the API
                // base, or the cloud's cluster hosts over https); otherwise the token is sent
                // to the operation's own path, which the service equally accepts.
                let usable = page.next_link.as_ref().filter(|link| {
                    self.link(link)
                        .is_ok_and(|url| self.base.client().transport_rules().may_see_token(&url))
                });
                if page.last_result_set == Some(true) {
                    Cursor::Done
                } else if let Some(link) = usable {
                    if self.first_time(link) {
                        Cursor::Url(link.clone())
                    } else {
                        Cursor::Done
                    }
                } else if let Some(token) = &page.continuation_token {
                    if self.first_time(token) {
                        Cursor::Token(token.clone())
                    } else {
                        Cursor::Done
                    }
                } else {
                    Cursor::Done
                }
            }
        };
        Ok(page)
    }

    /// Records a token or link; `false` (and a warning) when it came before: the service is
    /// looping, and the paginator stops rather than fetch the same pages forever.
    fn first_time(&mut self, token: &str) -> bool {
        let new = self.seen.insert(token.to_owned());
        if !new {
            tracing::warn!(
                operation = self.base.operation_name(),
                "the service repeated a continuation; stopping"
            );
        }
        new
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if self.in_flight.is_none() {
                match self.start_fetch() {
                    Some(future) => self.in_flight = Some(future),
                    None => return Poll::Ready(None),
                }
            }
            let Some(future) = self.in_flight.as_mut() else {
                return Poll::Ready(None);
            };
            let page = std::task::ready!(future.as_mut().poll(cx));
            self.in_flight = None;
            match self.finish_fetch(page) {
                Ok(page) => self.buffer.extend(page.items),
                Err(error) => {
                    // A stream ends after an error; `next()` again retries the page.
                    return Poll::Ready(Some(Err(error)));
                }
            }
        }
    }
}

impl<'c, T: DeserializeOwned + Send + 'c> futures::Stream for Paginator<'c, T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

impl<T> Unpin for Paginator<'_, T> {}

/// A token as the query wants it: decoded once (the service sends it URL-encoded) and wrapped
/// in single quotes; the request encodes it again.
fn quoted_token(token: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(token)
        .decode_utf8()
        .map_or_else(|_| token.to_owned(), |text| text.into_owned());
    if decoded.len() >= 2 && decoded.starts_with('\'') && decoded.ends_with('\'') {
        decoded
    } else {
        format!("'{decoded}'")
    }
}

/// Fetches and decodes one page.
async fn fetch<T: DeserializeOwned>(
    request: RequestBuilder<'_>,
    items_field: &'static str,
) -> Result<Page<T>> {
    let operation = request.operation_name();
    let response = request.send().await?;
    let seed = || PageSeed::<T> {
        items_field,
        items: std::marker::PhantomData,
    };
    // One pass over the body straight into the items and the continuation fields; only a
    // failure pays for decoding again with path tracking, to name where the page went wrong.
    let mut plain = serde_json::Deserializer::from_slice(&response.body);
    if let Ok(page) = seed().deserialize(&mut plain) {
        return Ok(page);
    }
    let mut tracked = serde_json::Deserializer::from_slice(&response.body);
    let mut track = serde_path_to_error::Track::new();
    let error = match seed().deserialize(serde_path_to_error::Deserializer::new(
        &mut tracked,
        &mut track,
    )) {
        Ok(page) => return Ok(page),
        Err(error) => error,
    };
    Err(Error::Decode {
        operation,
        path: track.path().to_string(),
        message: error.to_string(),
        request_id: response
            .headers
            .get("RequestId")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("-")
            .to_owned(),
    })
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
fn non_empty(value: serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) if !text.is_empty() => Some(text),
        _ => None,
    }
}

const WIRE: &[FormatItem<'static>] =
    format_description!("'[year]-[month]-[day]T[hour]:[minute]:[second]'");

/// `[start, end)` as one query window per UTC day.
fn utc_days(start: DateTime, end: DateTime) -> VecDeque<Vec<(String, String)>> {
    let utc = time::UtcOffset::UTC;
    let start = start.0.to_offset(utc);
    let end = end.0.to_offset(utc);
    let mut windows = VecDeque::new();
    let mut day = start.date();
    loop {
        let day_start = day.midnight().assume_utc();
        if start >= end || day_start >= end {
            break;
        }
        let from = start
            .max(day_start)
            .replace_nanosecond(0)
            .unwrap_or(day_start);
        let last_second = day_start + time::Duration::seconds(86_399);
        let mut to = last_second;
        if end <= last_second {
            // `end` is exclusive: the last whole second before it.
            let whole = end.replace_nanosecond(0).unwrap_or(end);
            to = if whole == end {
                whole - time::Duration::seconds(1)
            } else {
                whole
            };
        }
        if to >= from
            && let (Ok(from), Ok(to)) = (from.format(WIRE), to.format(WIRE))
        {
            windows.push_back(vec![
                ("startDateTime".to_owned(), from),
                ("endDateTime".to_owned(), to),
            ]);
        }
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        DateTime::parse(text).unwrap()
    }

    #[test]
    fn days_are_split_in_utc_with_quoted_whole_seconds() {
        let windows = utc_days(
            at("2019-08-30T22:00:00.5+02:00"),
            at("2019-09-01T00:00:00Z"),
        );
        let flat: Vec<_> = windows
            .iter()
            .map(|window| format!("{}..{}", window[0].1, window[1].1))
            .collect();
        assert_eq!(
            flat,
            [
                "'2019-08-30T20:00:00'..'2019-08-30T23:59:59'",
                "'2019-08-31T00:00:00'..'2019-08-31T23:59:59'",
            ]
        );
        assert!(utc_days(at("2019-08-30T00:00:00Z"), at("2019-08-30T00:00:00Z")).is_empty());
    }

    #[test]
    fn tokens_are_quoted_once() {
        assert_eq!(quoted_token("abc%3D"), "'abc='");
        assert_eq!(quoted_token("%27abc%27"), "'abc'");
        assert_eq!(quoted_token("'abc'"), "'abc'");
    }
}
