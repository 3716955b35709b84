//! Date-times as the service sends them: RFC 3339, sometimes without a zone.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{OffsetDateTime, UtcOffset};

// The runtime reads Azure CLI's `expiresOn` and HTTP dates (`Retry-After`) with these forms too.
#[doc(hidden)]
pub mod text;

/// A point in time from or for the service.
///
/// Decoding is lenient: the service sometimes omits the zone (`2021-12-14T03:46:04.833`); such
/// a time is read as UTC. Encoding always writes RFC 3339 in UTC with a `Z` (a time whose UTC
/// year is outside 0 to 9999, which RFC 3339 cannot write, is written as `time` displays it).
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
        if let Some((local, offset)) = text::iso(text) {
            return Some(DateTime(
                local.assume_offset(offset.unwrap_or(UtcOffset::UTC)),
            ));
        }
        // Some admin APIs send US-style local times: `10/13/2021 12:00:00 AM` (read as UTC).
        text::us(text).map(|local| DateTime(local.assume_offset(UtcOffset::UTC)))
    }

    /// The activity log's form of a time: `'2019-08-31T00:00:00'`, in UTC, to the second, in
    /// single quotes; `None` when it has no such form (a UTC year outside 0 to 9999). For the
    /// runtime's `QuotedUtc` parameters and activity log windows.
    #[doc(hidden)]
    pub fn quoted_utc(self) -> Option<String> {
        text::utc_to_the_second(self.0).map(|time| format!("'{time}'"))
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
        match text::rfc3339_utc(self.0) {
            Some(text) => f.write_str(&text),
            None => write!(f, "{}", self.0),
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
