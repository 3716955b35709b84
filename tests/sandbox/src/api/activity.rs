//! `GET /admin/activityevents`: the audit log, one UTC day per request, paged with
//! continuation tokens and URIs.
//!
//! The log holds fixed events over three days ([`EVENTS`]), two events a page. Every window
//! with more than two events has an empty page in the middle that still carries a
//! continuation. The continuation URI points at another host name of the sandbox, as the real
//! service points at its cluster host: the one set with `SandboxConfig::continuation_host`
//! (a `wabi-…analysis.windows.net` name the client resolves to the sandbox, over https), or
//! else the other loopback name (`localhost` when the client called `127.0.0.1`, and the
//! reverse). A window ends on an odd day of the month with
//! `lastResultSet: true` *and* a (stale) token, on an even day with a null token and URI and
//! `lastResultSet: false`, as Microsoft's documentation shows its final page. The filter
//! `Activity eq 'Loop'` makes a service that repeats its token forever.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header::HOST;
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::app::App;
use crate::auth::Caller;
use crate::wire::{self, ApiError, ApiResult};

/// The audit events: `(time, activity, user)`. Includes one at `23:59:59.5` and one at
/// `00:00:00.0` of the next day.
pub(crate) const EVENTS: &[(&str, &str, &str)] = &[
    ("2026-01-01T00:00:00Z", "ViewReport", "ana@contoso.com"),
    ("2026-01-01T03:00:00Z", "ViewReport", "bo@contoso.com"),
    ("2026-01-01T09:00:00Z", "ExportReport", "ana@contoso.com"),
    ("2026-01-01T15:00:00Z", "ViewDashboard", "cy@contoso.com"),
    ("2026-01-01T23:59:59.5Z", "ViewReport", "bo@contoso.com"),
    ("2026-01-02T00:00:00.0Z", "ViewReport", "ana@contoso.com"),
    ("2026-01-02T01:00:00Z", "ShareReport", "cy@contoso.com"),
    ("2026-01-02T02:00:00Z", "ViewReport", "ana@contoso.com"),
    ("2026-01-02T10:00:00Z", "ViewReport", "bo@contoso.com"),
    ("2026-01-02T20:00:00Z", "ExportReport", "cy@contoso.com"),
    ("2026-01-02T22:00:00Z", "ViewReport", "ana@contoso.com"),
    ("2026-01-03T12:00:00Z", "ViewReport", "bo@contoso.com"),
];

const PAGE: usize = 2;
/// The token of the looping answer.
const LOOP_TOKEN: &str = "AELOOP";

/// The activity log route.
pub(super) fn routes() -> Router<App> {
    Router::new().route("/v1.0/myorg/admin/activityevents", get(activity_events))
}

/// Where a continuation resumes: the window (unix seconds, inclusive), the next event index
/// and whether the empty middle page was already served.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    from: i64,
    to: i64,
    offset: usize,
    empty_served: bool,
}

impl Cursor {
    fn token(self) -> String {
        format!(
            "AE{}x{}x{}x{}",
            self.from,
            self.to,
            self.offset,
            u8::from(self.empty_served)
        )
    }

    fn parse(token: &str) -> Option<Cursor> {
        let token = token.trim_matches('\'');
        let mut parts = token.strip_prefix("AE")?.split('x');
        let cursor = Cursor {
            from: parts.next()?.parse().ok()?,
            to: parts.next()?.parse().ok()?,
            offset: parts.next()?.parse().ok()?,
            empty_served: parts.next()? == "1",
        };
        parts.next().is_none().then_some(cursor)
    }
}

/// A quoted date as the API wants it: `'2019-08-31T00:00:00'` (a zone or fraction tolerated).
fn quoted_date(text: &str) -> Result<OffsetDateTime, ApiError> {
    let inner = text
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
        .ok_or_else(|| {
            ApiError::invalid("startDateTime and endDateTime must be wrapped in single quotes")
        })?;
    if let Ok(at) = OffsetDateTime::parse(inner, &Rfc3339) {
        return Ok(at);
    }
    let layout = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    time::PrimitiveDateTime::parse(inner, &layout)
        .map(time::PrimitiveDateTime::assume_utc)
        .map_err(|_| ApiError::invalid(format!("{inner} is not a valid date time")))
}

/// The query of one request: a window (`startDateTime`, `endDateTime`) or a continuation
/// token, and an optional `$filter`.
#[derive(Default)]
struct ActivityQuery {
    start: Option<String>,
    end: Option<String>,
    token: Option<String>,
    filter: Option<String>,
}

impl ActivityQuery {
    fn parse(query: Option<&str>) -> Self {
        let mut parsed = ActivityQuery::default();
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match name.as_ref() {
                "startDateTime" => &mut parsed.start,
                "endDateTime" => &mut parsed.end,
                "continuationToken" => &mut parsed.token,
                "$filter" => &mut parsed.filter,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        parsed
    }

    /// Whether this asks the looping service: `Activity eq 'Loop'` or its token.
    fn is_looping(&self) -> bool {
        self.filter.as_deref() == Some("Activity eq 'Loop'")
            || self.token.as_deref().map(|token| token.trim_matches('\'')) == Some(LOOP_TOKEN)
    }

    /// Where this request starts: its token's cursor, or the start of its window.
    fn cursor(self) -> Result<Cursor, ApiError> {
        match (self.token, self.start, self.end) {
            (Some(token), None, None) => Cursor::parse(&token)
                .ok_or_else(|| ApiError::invalid("The continuation token is not valid")),
            (None, Some(start), Some(end)) => {
                let (start, end) = (quoted_date(&start)?, quoted_date(&end)?);
                if start.date() != end.date() || end < start {
                    return Err(ApiError::invalid(
                        "startDateTime and endDateTime must be in the same UTC day",
                    ));
                }
                Ok(Cursor {
                    from: start.unix_timestamp(),
                    to: end.unix_timestamp(),
                    offset: 0,
                    empty_served: false,
                })
            }
            _ => Err(ApiError::invalid(
                "Provide either continuationToken or both startDateTime and endDateTime",
            )),
        }
    }

    /// The activity `$filter` names (`Activity eq '...'`), if any.
    fn activity(&self) -> Option<String> {
        self.filter.as_deref().and_then(|filter| {
            filter
                .strip_prefix("Activity eq '")
                .and_then(|rest| rest.strip_suffix('\''))
                .map(str::to_owned)
        })
    }
}

async fn activity_events(
    State(app): State<App>,
    Caller(_principal): Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let query = ActivityQuery::parse(query.as_deref());
    if query.is_looping() {
        return Ok(wire::plain(&json!({
            "activityEventEntities": [{"Id": "loop", "Activity": "Loop"}],
            "continuationUri": null,
            "continuationToken": LOOP_TOKEN,
            "lastResultSet": false,
        })));
    }
    let activity = query.activity();
    let cursor = query.cursor()?;
    let events = events_in(cursor, activity.as_deref());
    let (items, next) = page(cursor, &events);
    let body = match next {
        Some(next) => {
            let token = next.token();
            json!({
                "activityEventEntities": items,
                "continuationUri": format!(
                    "{}/v1.0/myorg/admin/activityevents?continuationToken=%27{token}%27",
                    other_host(&headers, &app)
                ),
                "continuationToken": token,
                "lastResultSet": false,
            })
        }
        None => last_page(cursor, items, events.len()),
    };
    Ok(wire::plain(&body))
}

/// The events of the cursor's window, of `activity` when given, as the API writes them.
fn events_in(cursor: Cursor, activity: Option<&str>) -> Vec<Value> {
    // Whole seconds: an event belongs to the second it happened in.
    EVENTS
        .iter()
        .filter(|(at, name, _)| {
            let second = OffsetDateTime::parse(at, &Rfc3339)
                .expect("seed event times are RFC 3339")
                .unix_timestamp();
            (cursor.from..=cursor.to).contains(&second)
                && activity.is_none_or(|wanted| wanted == *name)
        })
        .enumerate()
        .map(|(index, (at, name, user))| {
            json!({
                "Id": format!("{index:08}-{}", cursor.from),
                "CreationTime": at.trim_end_matches('Z'),
                "Operation": name,
                "Activity": name,
                "UserId": user,
                "RecordType": 20,
            })
        })
        .collect()
}

/// The page at `cursor` and where the next one resumes, if there is one: [`PAGE`] events, or
/// the empty middle page of a window with more than [`PAGE`] events.
fn page(cursor: Cursor, events: &[Value]) -> (Vec<Value>, Option<Cursor>) {
    if cursor.offset == PAGE && !cursor.empty_served && events.len() > PAGE {
        let next = Cursor {
            empty_served: true,
            ..cursor
        };
        return (Vec::new(), Some(next));
    }
    let items: Vec<Value> = events
        .iter()
        .skip(cursor.offset)
        .take(PAGE)
        .cloned()
        .collect();
    let offset = cursor.offset + items.len();
    let next = (offset < events.len()).then_some(Cursor { offset, ..cursor });
    (items, next)
}

/// The last page of a window: on an odd day it says so yet still carries a token, on an even
/// day it is Microsoft's documented final page.
fn last_page(cursor: Cursor, items: Vec<Value>, event_count: usize) -> Value {
    let day = OffsetDateTime::from_unix_timestamp(cursor.from)
        .map(|at| at.day())
        .unwrap_or(1);
    if day % 2 == 1 {
        json!({
            "activityEventEntities": items,
            "continuationUri": null,
            "continuationToken": Cursor { offset: event_count, ..cursor }.token(),
            "lastResultSet": true,
        })
    } else {
        json!({
            "activityEventEntities": items,
            "continuationUri": null,
            "continuationToken": null,
            "lastResultSet": false,
        })
    }
}

/// The other host name of the sandbox, same scheme and port: the configured continuation
/// host, or the other loopback name (`localhost` for `127.0.0.1`, and the reverse).
fn other_host(headers: &HeaderMap, app: &App) -> String {
    let host = headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let (name, port) = host.rsplit_once(':').unwrap_or((host, "80"));
    let scheme = if app.base_url().starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let other = match app.continuation_host() {
        Some(configured) => configured,
        None if name == "localhost" => "127.0.0.1",
        None => "localhost",
    };
    format!("{scheme}://{other}:{port}")
}
