//! Paginators: every operation the spec marks with a `paging` strategy gets a sibling
//! `*_pages` method returning a [`Paginator`], built from the same request as the method.
//!
//! A paginator is lazy (nothing is sent until it is polled), is a [`futures::Stream`] of items,
//! and has inherent [`next`](Paginator::next), [`try_next`](Paginator::try_next) and
//! [`collect`](Paginator::collect) so no trait import is needed. Whole pages come from
//! [`next_page`](Paginator::next_page); [`continuation`](Paginator::continuation) tells where the
//! next page starts, and [`resume_from`](Paginator::resume_from) picks it up later. Every page
//! goes through the one send path, so retries apply to pages as to any call.
//!
//! # What a paginator does not trust
//!
//! A paginator keeps a fixed amount of state whatever the number of pages: the cursor of the
//! next page (one link or token) and a few 64-bit hashes, keyed per paginator, never a history
//! of the links and tokens seen. With them it refuses a service that misbehaves, with an
//! [`Error::Unusable`] naming the field at fault (the answer is unusable as a page sequence);
//! the items of the pages before the fault have been yielded, nothing after it is fetched:
//!
//! - **Cycles of links and tokens.** A link back to the first page of the listing (or of the
//!   current activity-log day) is refused before that page is fetched again; a link or token
//!   that repeats the page just fetched is refused at once; any longer cycle is refused after
//!   at most about twice the number of pages it took to enter it and go round it once (a
//!   checkpoint hash whose distance doubles, Brent's method). The check compares hashes of the
//!   URL (scheme, host, port, path and the sorted query parameters) or of the token.
//! - **Links to other hosts.** A `@odata.nextLink` or `continuationUri` to a host the bearer
//!   token would not be sent to (see `transport.rs`: the API base and the cloud's cluster
//!   hosts, over https) is not followed: its items would not come from Power BI. A continuation
//!   page that also carries a `continuationToken` continues with the token on the operation's
//!   own path instead, which the service equally accepts; without a token it is an error.
//! - **A `$skip` the server ignores.** `$top`/`$skip` paging compares a hash of each full
//!   page's body with the previous one's: the same page again is an error, not an endless
//!   listing of duplicates.
//!
//! [`Paginator::max_pages`] bounds how many pages one paginator fetches: it then ends (not an
//! error), and [`Paginator::continuation`] tells where to resume.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde::de::DeserializeOwned;

use super::request::RequestBuilder;
use super::{DateTime, Error, Result};

mod cycle;
mod fetch;
mod stored;
mod windows;

use cycle::CycleGuard;
use fetch::{Fetched, fetch_in, page_span};
use windows::utc_days;

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
    /// `continuationUri`/`continuationToken`, until none or `lastResultSet`; the token goes
    /// in single quotes (Power BI) or as it is (Fabric).
    Continuation { quoted: bool },
}

/// Where the next page of a paginator starts. It can be stored (it is `Serialize`) and given
/// to [`Paginator::resume_from`] on a paginator built the same way, even in another process.
#[derive(Debug, Clone, PartialEq, Eq)]
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

#[derive(Clone, PartialEq, Eq)]
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

// Links and tokens are the service's and may carry signed queries: Debug shows a link
// without its query and a token by its length only.
impl std::fmt::Debug for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cursor::Start(query) => f.debug_tuple("Start").field(&query.len()).finish(),
            Cursor::Skip(skip) => f.debug_tuple("Skip").field(skip).finish(),
            Cursor::Url(link) => f
                .debug_tuple("Url")
                .field(&super::redact::text(link))
                .finish(),
            Cursor::Token(token) => write!(f, "Token(<{} characters>)", token.chars().count()),
            Cursor::Done => f.write_str("Done"),
        }
    }
}

/// One page: its items and whether more follow.
#[derive(Clone, PartialEq)]
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

impl<T: std::fmt::Debug> std::fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("items", &self.items)
            .field(
                "continuation_token",
                &self
                    .continuation_token
                    .as_ref()
                    .map(|token| format!("<{} characters>", token.chars().count())),
            )
            .field(
                "next_link",
                &self.next_link.as_deref().map(super::redact::text),
            )
            .field("last_result_set", &self.last_result_set)
            .finish()
    }
}

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Fetched<T>>> + Send + 'static>>;

/// A lazy sequence of items fetched page by page. See the [module documentation](self).
#[must_use = "a paginator sends nothing until it is polled"]
pub struct Paginator<T> {
    /// Where the walk is: everything but the items, with the checks of the links it follows,
    /// so that their code is compiled once, not once per item type (a generated method makes
    /// one paginator per operation; issue 13).
    walk: Walk,
    buffer: VecDeque<T>,
    in_flight: Option<PageFuture<T>>,
}

/// The state of a paginator's walk through the pages, whatever their items.
struct Walk {
    base: RequestBuilder,
    strategy: Strategy,
    items_field: &'static str,
    next: Cursor,
    windows: VecDeque<Vec<(String, String)>>,
    guard: CycleGuard,
    /// The hash of the previous full `$top`/`$skip` page's body.
    previous_body: Option<u64>,
    /// An error to return instead of the next page (the service's continuation is unusable).
    stop: Option<Error>,
    max_pages: Option<u64>,
    pages: u64,
    failed: bool,
}

impl Walk {
    fn new(base: RequestBuilder, strategy: Strategy, items_field: &'static str) -> Self {
        Walk {
            base,
            strategy,
            items_field,
            next: Cursor::Start(Vec::new()),
            windows: VecDeque::new(),
            guard: CycleGuard::new(),
            previous_body: None,
            stop: None,
            max_pages: None,
            pages: 0,
            failed: false,
        }
    }

    /// Parses a link the service returned (absolute, or relative to the API base).
    fn parse_link(&self, link: &str) -> Option<url::Url> {
        url::Url::parse(link)
            .ok()
            .or_else(|| self.base.link_base()?.join(link).ok())
            .filter(|url| url.host_str().is_some_and(|host| !host.is_empty()))
    }

    /// A link the paginator may follow: it parses, and it goes where the client sends its
    /// token (the API base, or the cloud's cluster hosts over https), so the items it brings
    /// come from Power BI. The error names the host only: a link may carry a token.
    fn followable(&self, link: &str, field: &str, request_id: &str) -> Result<url::Url> {
        let operation = self.base.operation_name();
        let Some(url) = self.parse_link(link) else {
            return Err(unusable(
                operation,
                field,
                "the service returned a continuation link that is not a usable URL".to_owned(),
                request_id,
            ));
        };
        if !self.base.sees_token(&url) {
            return Err(unusable(
                operation,
                field,
                format!(
                    "the service's continuation link leads to {}://{}, which is not a host of the configured cloud this listing's token goes to; its items are refused",
                    url.scheme(),
                    url.host_str().unwrap_or_default()
                ),
                request_id,
            ));
        }
        Ok(url)
    }

    /// Admits the next cursor: a link must be followable, and neither a link nor a token may
    /// lead back to a page already fetched.
    fn admit(&mut self, next: &Cursor, field: &str, request_id: &str) -> Result<()> {
        let key = match next {
            Cursor::Url(link) => {
                let url = self.followable(link, field, request_id)?;
                self.guard.url_key(&url)
            }
            Cursor::Token(token) => self.guard.token_key(token),
            Cursor::Start(_) | Cursor::Skip(_) | Cursor::Done => return Ok(()),
        };
        self.guard.visit(key).map_err(|repeat| {
            unusable(
                self.base.operation_name(),
                field,
                format!(
                    "the service's continuation {repeat} (a paging cycle); stopped instead of fetching pages again"
                ),
                request_id,
            )
        })
    }
}

impl<T> std::fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &self.walk.base.operation_name())
            .field("strategy", &self.walk.strategy)
            .field("next", &self.walk.next)
            .field("windows", &self.walk.windows.len())
            .field("buffered", &self.buffer.len())
            .field("pages", &self.walk.pages)
            .field("max_pages", &self.walk.max_pages)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> Paginator<T> {
    fn new(base: RequestBuilder, strategy: Strategy, items_field: &'static str) -> Self {
        Paginator {
            walk: Walk::new(base, strategy, items_field),
            buffer: VecDeque::new(),
            in_flight: None,
        }
    }

    /// `$top`/`$skip` paging over an OData `value` list. `page_size` is the caller's `$top`
    /// (`None`: [`DEFAULT_PAGE_SIZE`]); any `$skip` the caller set is where paging starts.
    #[doc(hidden)]
    pub fn top_skip(base: RequestBuilder, page_size: Option<i64>, skip: Option<i64>) -> Self {
        let page_size = page_size
            .and_then(|size| u32::try_from(size).ok())
            .filter(|size| *size > 0)
            .unwrap_or(DEFAULT_PAGE_SIZE);
        let mut paginator = Self::new(
            base.set_query("$top", page_size.to_string()),
            Strategy::TopSkip { page_size },
            "value",
        );
        paginator.walk.next =
            Cursor::Skip(skip.and_then(|skip| u64::try_from(skip).ok()).unwrap_or(0));
        paginator
    }

    /// `@odata.nextLink` paging over an OData `value` list.
    #[doc(hidden)]
    pub fn next_link(base: RequestBuilder) -> Self {
        Self::new(base, Strategy::NextLink, "value")
    }

    /// Continuation paging; the items are the page's `items_field` array.
    #[doc(hidden)]
    pub fn continuation_token(base: RequestBuilder, items_field: &'static str) -> Self {
        Self::new(base, Strategy::Continuation { quoted: true }, items_field)
    }

    /// Fabric's paging over the page's `items_field` list (`value`, or `workspaces`,
    /// `itemEntities`, ... in the admin APIs): `continuationUri` when it stays on the Fabric
    /// host, else `continuationToken` sent as it is in the query of the operation's own path.
    #[doc(hidden)]
    pub fn continuation_uri(base: RequestBuilder, items_field: &'static str) -> Self {
        Self::new(base, Strategy::Continuation { quoted: false }, items_field)
    }

    /// Continuation paging over `[start, end)` split into UTC days, one window per day, each
    /// sent as `startDateTime='YYYY-MM-DDTHH:MM:SS'&endDateTime='...'` (the activity log
    /// accepts one UTC day per request). Times are whole seconds: a window ends at
    /// `23:59:59` of its day, which the service reads as the whole last second.
    #[doc(hidden)]
    pub fn by_utc_day(
        base: RequestBuilder,
        items_field: &'static str,
        start: DateTime,
        end: DateTime,
    ) -> Self {
        let mut paginator = Self::continuation_token(base, items_field);
        let Some(mut windows) = utc_days(start, end) else {
            paginator.walk.next = Cursor::Done;
            paginator.walk.stop = Some(Error::InvalidRequest(format!(
                "{}: the time range cannot be expressed in UTC",
                paginator.walk.base.operation_name()
            )));
            return paginator;
        };
        match windows.pop_front() {
            Some(first) => paginator.walk.next = Cursor::Start(first),
            None => paginator.walk.next = Cursor::Done,
        }
        paginator.walk.windows = windows;
        paginator
    }

    /// Continues where `continuation` (from [`Paginator::continuation`]) left off, instead of
    /// from the first page. Call it before polling.
    pub fn resume_from(mut self, continuation: Continuation) -> Self {
        self.walk.next = continuation.next;
        self.walk.windows = continuation.windows;
        self.buffer.clear();
        self.in_flight = None;
        self.walk.guard.reset();
        self.walk.previous_body = None;
        self.walk.stop = None;
        self.walk.failed = false;
        self
    }

    /// Fetches at most `pages` pages, then ends (an end, not an error): what is left starts
    /// at [`continuation`](Paginator::continuation), which is not
    /// [`is_done`](Continuation::is_done) when the listing goes on. Counts the pages this
    /// paginator fetches, from where it starts or resumes. No limit by default.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.walk.max_pages = Some(pages);
        self
    }

    /// How many pages this paginator has fetched so far.
    pub fn pages_fetched(&self) -> u64 {
        self.walk.pages
    }

    /// Where the next page not yet fetched starts. Items already fetched but not yet taken are
    /// not part of it: take it right after [`next_page`](Paginator::next_page).
    pub fn continuation(&self) -> Continuation {
        Continuation {
            next: self.walk.next.clone(),
            windows: self.walk.windows.clone(),
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
    fn start_fetch(&mut self) -> Option<PageFuture<T>> {
        if let Some(error) = self.walk.stop.take() {
            self.walk.failed = true;
            return Some(Box::pin(std::future::ready(Err(error))));
        }
        if self.walk.failed
            || self
                .walk
                .max_pages
                .is_some_and(|max| self.walk.pages >= max)
        {
            return None;
        }
        loop {
            let request = match &self.walk.next {
                Cursor::Done => {
                    let window = self.walk.windows.pop_front()?;
                    self.walk.next = Cursor::Start(window);
                    continue;
                }
                Cursor::Start(window) => {
                    let mut request = self.walk.base.clone();
                    for (name, value) in window {
                        request = request.query(name.clone(), value);
                    }
                    // A new listing (or day): links back to its first page are cycles.
                    self.walk.guard.reset();
                    if let Ok(url) = request.url() {
                        let key = self.walk.guard.url_key(&url);
                        let _first = self.walk.guard.visit(key);
                    }
                    request
                }
                Cursor::Skip(skip) => self.walk.base.clone().set_query("$skip", skip.to_string()),
                Cursor::Url(link) => match self.walk.followable(link, "continuation", "-") {
                    Ok(url) => {
                        if self.walk.guard.first.is_none() {
                            // Resumed from a link: it is the first page of this run.
                            let _first = self.walk.guard.visit(self.walk.guard.url_key(&url));
                        }
                        self.walk.base.clone().absolute_url(url)
                    }
                    Err(error) => {
                        self.walk.failed = true;
                        return Some(Box::pin(std::future::ready(Err(error))));
                    }
                },
                Cursor::Token(token) => {
                    if self.walk.guard.first.is_none() {
                        let _first = self.walk.guard.visit(self.walk.guard.token_key(token));
                    }
                    let token = match self.walk.strategy {
                        Strategy::Continuation { quoted: false } => token.clone(),
                        _ => quoted_token(token),
                    };
                    self.walk.base.clone().set_query("continuationToken", token)
                }
            };
            let field = self.walk.items_field;
            let hash_keys = matches!(self.walk.strategy, Strategy::TopSkip { .. })
                .then(|| self.walk.guard.keys.clone());
            let number = self.walk.pages.saturating_add(1);
            let span = page_span(self.walk.base.operation_name(), self.walk.strategy, number);
            return Some(Box::pin(fetch_in(span, request, field, hash_keys)));
        }
    }

    /// Moves the cursor past a fetched page. A page that is itself wrong (a `$skip` ignored)
    /// is an error; a page whose continuation is unusable is returned, and the error comes
    /// instead of the next page.
    fn finish_fetch(&mut self, fetched: Result<Fetched<T>>) -> Result<Page<T>> {
        // On an error the cursor stays: polling again retries the same page.
        let Fetched {
            page,
            request_id,
            body_hash,
        } = fetched?;
        let (next, field) = match self.walk.strategy {
            Strategy::TopSkip { page_size } => {
                let skip = match &self.walk.next {
                    Cursor::Skip(skip) => *skip,
                    _ => 0,
                };
                if page.items.len() < page_size as usize {
                    (Cursor::Done, "value")
                } else {
                    if body_hash.is_some() && body_hash == self.walk.previous_body {
                        self.walk.failed = true;
                        return Err(unusable(
                            self.walk.base.operation_name(),
                            "value",
                            format!(
                                "the page at $skip={skip} is the same as the page before it: the service ignores $skip; stopped instead of listing the same items again"
                            ),
                            &request_id,
                        ));
                    }
                    self.walk.previous_body = body_hash;
                    let skip = skip.saturating_add(page.items.len() as u64);
                    (Cursor::Skip(skip), "value")
                }
            }
            Strategy::NextLink => match &page.next_link {
                Some(link) => (Cursor::Url(link.clone()), "@odata.nextLink"),
                None => (Cursor::Done, "@odata.nextLink"),
            },
            Strategy::Continuation { .. } => {
                // The URI is followed only where the client may send its token (the API
                // base, or the cloud's cluster hosts over https); otherwise the token is sent
                // to the operation's own path, which the service equally accepts.
                let usable = page.next_link.as_ref().filter(|link| {
                    self.walk
                        .parse_link(link)
                        .is_some_and(|url| self.walk.base.sees_token(&url))
                });
                if page.last_result_set == Some(true) {
                    (Cursor::Done, "lastResultSet")
                } else if let Some(link) = usable {
                    (Cursor::Url(link.clone()), "continuationUri")
                } else if let Some(token) = &page.continuation_token {
                    (Cursor::Token(token.clone()), "continuationToken")
                } else if let Some(link) = &page.next_link {
                    // Only a link the client may not follow: refused, not a silent end.
                    (Cursor::Url(link.clone()), "continuationUri")
                } else {
                    (Cursor::Done, "continuationToken")
                }
            }
        };
        self.walk.pages = self.walk.pages.saturating_add(1);
        if let Err(error) = self.walk.admit(&next, field, &request_id) {
            self.walk.stop = Some(error);
        }
        self.walk.next = next;
        Ok(page)
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

impl<T: DeserializeOwned + Send + 'static> futures::Stream for Paginator<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

impl<T> Unpin for Paginator<T> {}

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

/// The error for an answer that cannot be paged on: the field at fault and what is wrong.
fn unusable(operation: &'static str, field: &str, message: String, request_id: &str) -> Error {
    Error::Unusable {
        operation,
        field: field.to_owned(),
        message,
        request_id: request_id.to_owned(),
    }
}

#[cfg(test)]
mod tests;
