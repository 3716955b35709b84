//! Date-times as the service sends them: RFC 3339, sometimes without a zone.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A point in time from or for the service.
///
/// Decoding is lenient: the service sometimes omits the zone (`2021-12-14T03:46:04.833`); such
/// a time is read as UTC. Encoding always writes RFC 3339 in UTC with a `Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub OffsetDateTime);

impl DateTime {
    /// The current time.
    pub fn now() -> Self {
        DateTime(OffsetDateTime::now_utc())
    }

    /// Parses RFC 3339, an ISO 8601 date-time without a zone, or the US form some admin APIs
    /// send (`10/13/2021 12:00:00 AM`); times without a zone are read as UTC.
    pub fn parse(text: &str) -> Option<Self> {
        if let Ok(parsed) = OffsetDateTime::parse(text, &Rfc3339) {
            return Some(DateTime(parsed));
        }
        let format = time::macros::format_description!(
            version = 2,
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        if let Ok(parsed) = PrimitiveDateTime::parse(text, &format) {
            return Some(DateTime(parsed.assume_offset(UtcOffset::UTC)));
        }
        // Some admin APIs send US-style local times: `10/13/2021 12:00:00 AM` (read as UTC).
        let us = time::macros::format_description!(
            version = 2,
            "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period]"
        );
        PrimitiveDateTime::parse(text, &us)
            .ok()
            .map(|parsed| DateTime(parsed.assume_offset(UtcOffset::UTC)))
    }
}

/// The activity log's form of a time: `'2019-08-31T00:00:00'`, in UTC, to the second.
const QUOTED_UTC: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("'[year]-[month]-[day]T[hour]:[minute]:[second]'");

impl DateTime {
    /// The time in UTC to the second, in single quotes (`'2019-08-31T00:00:00'`); `None` when
    /// it has no UTC form (a date at the edge of the calendar).
    pub(crate) fn quoted_utc(self) -> Option<String> {
        let utc = self.0.checked_to_offset(UtcOffset::UTC)?;
        let whole = utc.replace_nanosecond(0).unwrap_or(utc);
        whole.format(QUOTED_UTC).ok()
    }
}

impl From<OffsetDateTime> for DateTime {
    fn from(value: OffsetDateTime) -> Self {
        DateTime(value)
    }
}

impl From<DateTime> for OffsetDateTime {
    fn from(value: DateTime) -> Self {
        value.0
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.to_offset(UtcOffset::UTC).format(&Rfc3339) {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: std::borrow::Cow<'de, str> = Deserialize::deserialize(deserializer)?;
        DateTime::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("'{text}' is not an RFC 3339 date-time"))
        })
    }
}
