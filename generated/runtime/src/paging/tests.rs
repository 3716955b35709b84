//! Unit tests of the paginator's parts: day windows, the cycle guard, token quoting.

use super::*;

fn at(text: &str) -> DateTime {
    DateTime::parse(text).unwrap()
}

#[test]
fn days_are_split_in_utc_with_quoted_whole_seconds() {
    let windows = utc_days(
        at("2019-08-30T22:00:00.5+02:00"),
        at("2019-09-01T00:00:00Z"),
    )
    .unwrap();
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
    assert!(
        utc_days(at("2019-08-30T00:00:00Z"), at("2019-08-30T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
    // The edge of the calendar is no panic: 9999-12-31T23:00-05:00 has no UTC form.
    assert!(
        utc_days(
            at("9999-12-31T20:00:00-05:00"),
            at("9999-12-31T23:00:00-05:00")
        )
        .is_none()
    );
}

/// Feeds the guard `x0, x1, ...` where `x(i)` runs `lead` distinct keys, then loops over
/// `cycle` keys; returns after how many keys it objected.
fn detection(lead: u64, cycle: u64) -> u64 {
    let mut guard = CycleGuard::new();
    for step in 0..100_000 {
        let key = if step < lead {
            step
        } else {
            1_000_000 + (step - lead) % cycle
        };
        if guard.visit(key).is_err() {
            return step;
        }
    }
    panic!("no cycle found for lead {lead}, cycle {cycle}");
}

#[test]
fn cycles_are_found_within_a_bounded_number_of_pages() {
    // Back to the first key, and to the key just visited: at once.
    let mut guard = CycleGuard::new();
    assert!(guard.visit(7).is_ok() && guard.visit(8).is_ok() && guard.visit(9).is_ok());
    assert_eq!(guard.visit(7), Err("leads back to the first page"));
    let mut guard = CycleGuard::new();
    assert!(guard.visit(7).is_ok() && guard.visit(8).is_ok());
    assert_eq!(guard.visit(8), Err("leads to the page it came with"));
    // Any other cycle: by 2 * max(lead, cycle) + cycle keys, never before it repeats.
    for lead in [1, 2, 3, 10, 100, 1000] {
        for cycle in [2, 3, 5, 64, 999] {
            let found = detection(lead, cycle);
            assert!(found >= lead + cycle, "lead {lead}, cycle {cycle}: {found}");
            assert!(
                found <= 2 * lead.max(cycle) + cycle,
                "lead {lead}, cycle {cycle}: {found}"
            );
        }
    }
    // No false alarm over a long sequence without repeats.
    let mut guard = CycleGuard::new();
    assert!((0..200_000u64).all(|key| guard.visit(key).is_ok()));
}

#[test]
fn equal_urls_hash_alike_whatever_the_query_order_and_host_case() {
    let guard = CycleGuard::new();
    let key = |text: &str| guard.url_key(&url::Url::parse(text).unwrap());
    assert_eq!(
        key("https://api.powerbi.com/v1.0/myorg/x?b=2&a=1"),
        key("https://API.powerbi.com:443/v1.0/myorg/x?a=1&b=2")
    );
    assert_ne!(
        key("https://api.powerbi.com/v1.0/myorg/x?a=1"),
        key("https://api.powerbi.com/v1.0/myorg/x?a=2")
    );
    assert_ne!(
        guard.url_key(&url::Url::parse("https://h/t").unwrap()),
        guard.token_key("https://h/t")
    );
}

#[test]
fn tokens_are_quoted_once() {
    assert_eq!(quoted_token("abc%3D"), "'abc='");
    assert_eq!(quoted_token("%27abc%27"), "'abc'");
    assert_eq!(quoted_token("'abc'"), "'abc'");
}
