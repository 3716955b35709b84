//! Activity-event windows: a time range as one query per UTC day.

use std::collections::VecDeque;

use crate::DateTime;

/// `[start, end)` as one query window per UTC day; `None` when a time has no UTC form (a
/// date at the edge of the calendar). The arithmetic is checked: no time can panic here.
#[inline] // opt-in: compiled only in the programs that use it (lib.rs)
pub(super) fn utc_days(start: DateTime, end: DateTime) -> Option<VecDeque<Vec<(String, String)>>> {
    let utc = time::UtcOffset::UTC;
    let start = start.0.checked_to_offset(utc)?;
    let end = end.0.checked_to_offset(utc)?;
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
        let last_second = day_start.checked_add(time::Duration::seconds(86_399))?;
        let mut to = last_second;
        if end <= last_second {
            // `end` is exclusive: the last whole second before it.
            let whole = end.replace_nanosecond(0).unwrap_or(end);
            to = if whole == end {
                whole.checked_sub(time::Duration::seconds(1))?
            } else {
                whole
            };
        }
        if to >= from
            && let (Some(from), Some(to)) = (DateTime(from).quoted_utc(), DateTime(to).quoted_utc())
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
    Some(windows)
}
