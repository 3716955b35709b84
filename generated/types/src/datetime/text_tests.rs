//! The hand-written forms against fixed cases and, for arbitrary times, against `time`'s own
//! RFC 3339 and RFC 2822 (a dev-dependency with its `parsing` and `formatting` features).

use proptest::prelude::*;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::{http_date, iso, rfc3339_utc, us, utc_to_the_second};

fn at(year: i32, month: Month, day: u8, hms: (u8, u8, u8), nanosecond: u32) -> PrimitiveDateTime {
    let date = Date::from_calendar_date(year, month, day).expect("a valid date");
    let time = Time::from_hms_nano(hms.0, hms.1, hms.2, nanosecond).expect("a valid time");
    PrimitiveDateTime::new(date, time)
}

#[test]
fn iso_reads_the_forms_the_service_sends() {
    let local = at(2021, Month::December, 14, (3, 46, 4), 833_000_000);
    assert_eq!(iso("2021-12-14T03:46:04.833"), Some((local, None)));
    assert_eq!(
        iso("2021-12-14T03:46:04.8330000Z"),
        Some((local, Some(UtcOffset::UTC)))
    );
    assert_eq!(
        iso("2021-12-14t03:46:04.833z"),
        Some((local, Some(UtcOffset::UTC)))
    );
    assert_eq!(iso("2021-12-14 03:46:04.833"), Some((local, None)));
    let plus = UtcOffset::from_hms(5, 30, 0).expect("an offset");
    assert_eq!(
        iso("2021-12-14T03:46:04+05:30"),
        Some((at(2021, Month::December, 14, (3, 46, 4), 0), Some(plus)))
    );
    let minus = UtcOffset::from_hms(-8, 0, 0).expect("an offset");
    assert_eq!(
        iso("2021-12-14T03:46:04-08:00"),
        Some((at(2021, Month::December, 14, (3, 46, 4), 0), Some(minus)))
    );
    // Digits past the nanosecond are dropped, not rounded.
    assert_eq!(
        iso("2021-12-14T03:46:04.1234567899Z").map(|(local, _)| local.nanosecond()),
        Some(123_456_789)
    );
    // A leap second is the last instant of the second before it.
    assert_eq!(
        iso("2016-12-31T23:59:60Z").map(|(local, _)| (local.second(), local.nanosecond())),
        Some((59, 999_999_999))
    );
}

#[test]
fn iso_refuses_what_is_not_a_date_time() {
    for text in [
        "",
        "2021-12-14",
        "2021-12-14T03:46",
        "2021-13-14T03:46:04Z",
        "2021-02-30T03:46:04Z",
        "2021-12-14T24:00:00Z",
        "2021-12-14T03:46:04.Z",
        "2021-12-14T03:46:04+24:00",
        "2021-12-14T03:46:04+05",
        "2021-12-14T03:46:04Z ",
        "2021-12-14X03:46:04Z",
        "21-12-14T03:46:04Z",
        "２０２１-12-14T03:46:04Z",
        "2021-12-14T03:46:04.833+",
    ] {
        assert_eq!(iso(text), None, "{text:?}");
    }
}

#[test]
fn us_reads_a_twelve_hour_clock() {
    assert_eq!(
        us("10/13/2021 12:00:00 AM"),
        Some(at(2021, Month::October, 13, (0, 0, 0), 0))
    );
    assert_eq!(
        us("1/2/2021 12:30:15 PM"),
        Some(at(2021, Month::January, 2, (12, 30, 15), 0))
    );
    assert_eq!(
        us("01/02/2021 1:05:09 pm"),
        Some(at(2021, Month::January, 2, (13, 5, 9), 0))
    );
    for text in [
        "10/13/2021 13:00:00 PM",
        "10/13/2021 0:00:00 AM",
        "10/13/2021 12:00:00",
        "13/13/2021 12:00:00 AM",
        "10/13/2021 12:00:00 XM",
    ] {
        assert_eq!(us(text), None, "{text:?}");
    }
}

#[test]
fn http_date_reads_imf_fixdate_and_rfc_2822() {
    let expected = at(1994, Month::November, 6, (8, 49, 37), 0).assume_utc();
    assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(expected));
    assert_eq!(http_date("6 Nov 1994 08:49:37 UT"), Some(expected));
    assert_eq!(http_date("Sun, 06 nov 1994 09:49:37 +0100"), Some(expected));
    assert_eq!(
        http_date("Sun, 06 Nov 1994 08:49 GMT"),
        Some(at(1994, Month::November, 6, (8, 49, 0), 0).assume_utc())
    );
    for text in [
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 PST8",
        "120",
    ] {
        assert_eq!(http_date(text), None, "{text:?}");
    }
}

#[test]
fn writes_utc_with_the_fraction_trimmed() {
    let time = at(2021, Month::December, 14, (3, 46, 4), 833_000_000)
        .assume_offset(UtcOffset::from_hms(2, 0, 0).expect("an offset"));
    assert_eq!(
        rfc3339_utc(time).as_deref(),
        Some("2021-12-14T01:46:04.833Z")
    );
    assert_eq!(
        utc_to_the_second(time).as_deref(),
        Some("2021-12-14T01:46:04")
    );
    let whole = at(2021, Month::December, 14, (3, 46, 4), 0).assume_utc();
    assert_eq!(rfc3339_utc(whole).as_deref(), Some("2021-12-14T03:46:04Z"));
    let early = at(-1, Month::January, 1, (0, 0, 0), 0).assume_utc();
    assert_eq!(rfc3339_utc(early), None);
    assert_eq!(utc_to_the_second(early), None);
}

fn any_time() -> impl Strategy<Value = OffsetDateTime> {
    (
        0i32..=9999,
        1u8..=12,
        1u8..=28,
        (0u8..24, 0u8..60, 0u8..60),
        prop_oneof![
            Just(0u32),
            0u32..1_000_000_000,
            (0u32..1000).prop_map(|ms| ms * 1_000_000)
        ],
        (-23i8..=23, 0i8..60),
    )
        .prop_map(|(year, month, day, hms, nanosecond, (hours, minutes))| {
            let month = Month::try_from(month).expect("1 to 12");
            let minutes = if hours < 0 { -minutes } else { minutes };
            let offset = UtcOffset::from_hms(hours, minutes, 0).expect("within a day");
            at(year, month, day, hms, nanosecond).assume_offset(offset)
        })
}

proptest! {
    /// Whatever `time` writes as RFC 3339, `iso` reads back as the same instant.
    #[test]
    fn iso_reads_what_time_writes(value in any_time()) {
        let text = value.format(&Rfc3339).expect("years 0 to 9999 have an RFC 3339 form");
        let (local, offset) = iso(&text).expect("RFC 3339 is read");
        prop_assert_eq!(local.assume_offset(offset.expect("RFC 3339 has a zone")), value);
    }

    /// What `rfc3339_utc` writes, `time` reads back as the same instant, and writes the same
    /// way when the UTC year allows (a time near the year's edges may move to another year).
    #[test]
    fn time_reads_what_rfc3339_utc_writes(value in any_time()) {
        let utc = value.to_offset(UtcOffset::UTC);
        match rfc3339_utc(value) {
            Some(text) => {
                prop_assert_eq!(OffsetDateTime::parse(&text, &Rfc3339).expect("time reads it"), value);
                prop_assert_eq!(text, utc.format(&Rfc3339).expect("time writes it"));
            }
            None => prop_assert!(!(0..=9999).contains(&utc.year())),
        }
    }

    /// Whatever `time` writes as RFC 2822 (to the second), `http_date` reads back.
    #[test]
    fn http_date_reads_what_time_writes(value in any_time()) {
        let value = value.replace_nanosecond(0).expect("zero is a nanosecond");
        if value.year() >= 1900 {
            let text = value.format(&Rfc2822).expect("RFC 2822 from 1900");
            prop_assert_eq!(http_date(&text), Some(value));
        }
    }
}
