//! The text forms of date-times the service and its neighbours use, read and written by hand.
//!
//! Why not `time`'s `parsing`, `formatting` and `macros` features: every format description
//! instantiates `time`'s generic parsers and formatters, about 28k of the 298k lines of LLVM
//! IR `powerbi` compiled (issue 13), and the features compile a proc-macro crate into every
//! user's build. These five fixed forms are short to read by hand, and `time` still does the
//! calendar arithmetic and its validation.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A date-time with an optional zone: `2021-12-14T03:46:04.8330000Z`,
/// `2021-12-14T03:46:04+02:00`, `2021-12-14T03:46:04.833` (RFC 3339 or ISO 8601 without a
/// zone). The separator may be `T`, `t` or a space, the zone `Z`, `z` or `±hh:mm`; any number of
/// fraction digits is read, to the nanosecond. `None` unless the whole text is one of these.
pub fn iso(text: &str) -> Option<(PrimitiveDateTime, Option<UtcOffset>)> {
    let mut cursor = Cursor::new(text);
    let year = cursor.digits(4, 4)?;
    cursor.expect(b'-')?;
    let month = cursor.digits(2, 2)?;
    cursor.expect(b'-')?;
    let day = cursor.digits(2, 2)?;
    if !(cursor.eat(b'T') || cursor.eat(b't') || cursor.eat(b' ')) {
        return None;
    }
    let (hour, minute, second) = cursor.clock(2)?;
    let nanosecond = if cursor.eat(b'.') {
        cursor.fraction()?
    } else {
        0
    };
    let offset = if cursor.eat(b'Z') || cursor.eat(b'z') {
        Some(UtcOffset::UTC)
    } else if let Some(sign) = cursor.sign() {
        let hours = cursor.digits(2, 2)?;
        cursor.expect(b':')?;
        let minutes = cursor.digits(2, 2)?;
        Some(offset(sign, hours, minutes)?)
    } else {
        None
    };
    cursor.end()?;
    let date = date(year, month, day)?;
    Some((
        PrimitiveDateTime::new(date, time(hour, minute, second, nanosecond)?),
        offset,
    ))
}

/// The US form some admin APIs send: `10/13/2021 12:00:00 AM` (month and day with or without
/// a leading zero, a 12-hour clock, `AM` or `PM` in any case).
pub fn us(text: &str) -> Option<PrimitiveDateTime> {
    let mut cursor = Cursor::new(text);
    let month = cursor.digits(1, 2)?;
    cursor.expect(b'/')?;
    let day = cursor.digits(1, 2)?;
    cursor.expect(b'/')?;
    let year = cursor.digits(4, 4)?;
    cursor.expect(b' ')?;
    let (hour, minute, second) = cursor.clock(1)?;
    cursor.expect(b' ')?;
    let afternoon = match cursor.word(2)?.to_ascii_uppercase().as_slice() {
        b"AM" => false,
        b"PM" => true,
        _ => return None,
    };
    cursor.end()?;
    if !(1..=12).contains(&hour) {
        return None;
    }
    let hour = hour % 12 + if afternoon { 12 } else { 0 };
    Some(PrimitiveDateTime::new(
        date(year, month, day)?,
        time(hour, minute, second, 0)?,
    ))
}

/// An HTTP date (RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) or an RFC 2822 date
/// (`6 Nov 1994 08:49 +0100`): an optional weekday, then day, month name, year, time with or
/// without seconds, and a zone (`GMT`, `UT`, `UTC`, `Z` or `±hhmm`).
pub fn http_date(text: &str) -> Option<OffsetDateTime> {
    let mut cursor = Cursor::new(text);
    if cursor.peek().is_some_and(|byte| byte.is_ascii_alphabetic()) {
        cursor.word(3)?;
        cursor.expect(b',')?;
        cursor.expect(b' ')?;
    }
    let day = cursor.digits(1, 2)?;
    cursor.expect(b' ')?;
    let month = month_named(cursor.word(3)?)?;
    cursor.expect(b' ')?;
    let year = cursor.digits(4, 4)?;
    cursor.expect(b' ')?;
    let hour = cursor.digits(2, 2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2, 2)?;
    let second = if cursor.eat(b':') {
        cursor.digits(2, 2)?
    } else {
        0
    };
    cursor.expect(b' ')?;
    let zone = match cursor.sign() {
        Some(sign) => {
            let hhmm = cursor.digits(4, 4)?;
            cursor.end()?;
            offset(sign, hhmm / 100, hhmm % 100)?
        }
        // Otherwise the rest of the text is the zone's name.
        None => match cursor.rest().to_ascii_uppercase().as_slice() {
            b"GMT" | b"UT" | b"UTC" | b"Z" => UtcOffset::UTC,
            _ => return None,
        },
    };
    let date = calendar_date(year, month, day)?;
    Some(PrimitiveDateTime::new(date, time(hour, minute, second, 0)?).assume_offset(zone))
}

/// RFC 3339 in UTC with a `Z`, the fraction to the nanosecond without trailing zeros
/// (`2021-12-14T03:46:04.833Z`); `None` for a time whose UTC year is not 0 to 9999.
pub fn rfc3339_utc(value: OffsetDateTime) -> Option<String> {
    let utc = value.checked_to_offset(UtcOffset::UTC)?;
    let mut text = utc_seconds(utc)?;
    let nanosecond = utc.nanosecond();
    if nanosecond != 0 {
        let digits = format!(".{nanosecond:09}");
        text.push_str(digits.trim_end_matches('0'));
    }
    text.push('Z');
    Some(text)
}

/// `2019-08-31T00:00:00`: the UTC time to the second (the fraction dropped), no zone; `None`
/// for a time whose UTC year is not 0 to 9999.
pub fn utc_to_the_second(value: OffsetDateTime) -> Option<String> {
    utc_seconds(value.checked_to_offset(UtcOffset::UTC)?)
}

fn utc_seconds(utc: OffsetDateTime) -> Option<String> {
    let year = utc.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some(format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    ))
}

/// A date from its numbers (month 1 to 12).
fn date(year: u32, month: u32, day: u32) -> Option<Date> {
    calendar_date(year, Month::try_from(u8::try_from(month).ok()?).ok()?, day)
}

fn calendar_date(year: u32, month: Month, day: u32) -> Option<Date> {
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// A time of day; a leap second (`:60`) is read as the last instant of the second before it.
fn time(hour: u32, minute: u32, second: u32, nanosecond: u32) -> Option<Time> {
    let (second, nanosecond) = if second == 60 {
        (59, 999_999_999)
    } else {
        (second, nanosecond)
    };
    Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanosecond,
    )
    .ok()
}

fn offset(sign: i8, hours: u32, minutes: u32) -> Option<UtcOffset> {
    if hours > 23 || minutes > 59 {
        return None;
    }
    let hours = i8::try_from(hours).ok()? * sign;
    let minutes = i8::try_from(minutes).ok()? * sign;
    UtcOffset::from_hms(hours, minutes, 0).ok()
}

fn month_named(name: &[u8]) -> Option<Month> {
    const NAMES: [&[u8; 3]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV",
        b"DEC",
    ];
    let upper = name.to_ascii_uppercase();
    let index = NAMES.iter().position(|known| known.as_slice() == upper)?;
    Month::try_from(u8::try_from(index + 1).ok()?).ok()
}

/// Reads a text left to right; every reader returns `None` on a mismatch.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            rest: text.as_bytes(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.rest
    }

    fn eat(&mut self, byte: u8) -> bool {
        match self.rest.split_first() {
            Some((&first, rest)) if first == byte => {
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// `hh:mm:ss`, the hour with at least `hour_digits` digits (1 or 2).
    fn clock(&mut self, hour_digits: usize) -> Option<(u32, u32, u32)> {
        let hour = self.digits(hour_digits, 2)?;
        self.expect(b':')?;
        let minute = self.digits(2, 2)?;
        self.expect(b':')?;
        Some((hour, minute, self.digits(2, 2)?))
    }

    /// `+1` or `-1` for a leading `+` or `-`.
    fn sign(&mut self) -> Option<i8> {
        if self.eat(b'+') {
            Some(1)
        } else if self.eat(b'-') {
            Some(-1)
        } else {
            None
        }
    }

    /// The leading ASCII digits, at most `max` of them, at least `min`.
    fn leading_digits(&mut self, min: usize, max: usize) -> Option<&'a [u8]> {
        let count = self
            .rest
            .iter()
            .take(max)
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if count < min {
            return None;
        }
        let (digits, rest) = self.rest.split_at(count);
        self.rest = rest;
        Some(digits)
    }

    /// Between `min` and `max` ASCII digits (`max` at most 9, so the value fits a `u32`).
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let digits = self.leading_digits(min, max)?;
        Some(
            digits
                .iter()
                .fold(0, |value, digit| value * 10 + u32::from(digit - b'0')),
        )
    }

    /// A fraction of a second after its `.`: one digit or more, read to the nanosecond (later
    /// digits are dropped).
    fn fraction(&mut self) -> Option<u32> {
        let digits = self.leading_digits(1, usize::MAX)?;
        let nanoseconds = (0..9).fold(0, |value, place| {
            value * 10 + digits.get(place).map_or(0, |digit| u32::from(digit - b'0'))
        });
        Some(nanoseconds)
    }

    /// Exactly `length` ASCII letters.
    fn word(&mut self, length: usize) -> Option<&'a [u8]> {
        let (word, rest) = self.rest.split_at_checked(length)?;
        if !word.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        self.rest = rest;
        Some(word)
    }

    fn end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
