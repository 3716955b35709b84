//! Wall-clock time and the timestamp spellings the two services use.

use std::time::Duration;

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Power BI style: `2024-05-02T07:30:12.587Z`.
const POWER_BI: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
/// Power BI without a zone designator: `2024-05-02T07:30:12.587` (the service sends some like this).
const POWER_BI_ZONELESS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]");
/// Entra error style: `2024-05-02 07:30:12Z`.
const ENTRA: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");

/// The current UTC time.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `start + duration`, saturating at the end of year 9999 instead of overflowing.
pub(crate) fn later(start: OffsetDateTime, duration: Duration) -> OffsetDateTime {
    time::Duration::try_from(duration)
        .ok()
        .and_then(|duration| start.checked_add(duration))
        .unwrap_or_else(|| PrimitiveDateTime::MAX.assume_utc())
}

/// Formats a UTC time as Power BI does: RFC 3339 with milliseconds and `Z`.
pub(crate) fn power_bi(at: OffsetDateTime) -> String {
    format(at, POWER_BI)
}

/// Formats a UTC time as Power BI sometimes does: milliseconds, no zone designator.
pub(crate) fn power_bi_zoneless(at: OffsetDateTime) -> String {
    format(at, POWER_BI_ZONELESS)
}

/// Formats a UTC time as Entra error bodies do.
pub(crate) fn entra(at: OffsetDateTime) -> String {
    format(at, ENTRA)
}

/// Parses a fixed seed timestamp written as RFC 3339.
pub(crate) fn parse(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|error| panic!("seed timestamp {text:?} is not RFC 3339: {error}"))
}

fn format(at: OffsetDateTime, layout: &[BorrowedFormatItem<'_>]) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(layout)
        .expect("a UTC date-time always formats")
}
