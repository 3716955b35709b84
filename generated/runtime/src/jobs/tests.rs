//! Unit tests of reading the service's answers: Location, Retry-After, statuses, limits.

use super::*;

#[test]
fn siblings_replace_the_last_segments() {
    let url = url::Url::parse("https://h/v1.0/myorg/groups/g/reports/r/ExportTo?x=1").unwrap();
    assert_eq!(
        sibling(&url, 1, &["exports", "e"]).as_str(),
        "https://h/v1.0/myorg/groups/g/reports/r/exports/e"
    );
    let status = url::Url::parse("https://h/v1.0/myorg/admin/workspaces/scanStatus/s").unwrap();
    assert_eq!(
        sibling(&status, 2, &["scanResult", "s"]).as_str(),
        "https://h/v1.0/myorg/admin/workspaces/scanResult/s"
    );
}

fn headers(pairs: &[(&str, &[u8])]) -> reqwest::header::HeaderMap {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            reqwest::header::HeaderValue::from_bytes(value).unwrap(),
        );
    }
    map
}

#[test]
fn an_unusable_location_is_an_error_and_a_usable_one_a_url() {
    let rules = super::super::transport::TransportRules::new(&super::super::Cloud::public(), false);
    let url = url::Url::parse("https://api.powerbi.com/v1.0/myorg/x").unwrap();
    let sees = |url: &url::Url| rules.may_see_token(url);
    let at = |value: &[u8]| location("op", &headers(&[("location", value)]), &url, &sees);
    for bad in [
        &b"http://[::1"[..],
        b"https://",
        b"https://api.powerbi.com/\xff\xfe",
        b"https://evil.example/status",
        b"http://api.powerbi.com/status",
    ] {
        match at(bad) {
            Err(Error::Unusable { field, .. }) => assert_eq!(field, "Location"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(
        at(b"/v1.0/myorg/status/1").unwrap().unwrap().as_str(),
        "https://api.powerbi.com/v1.0/myorg/status/1"
    );
    assert!(
        location("op", &headers(&[]), &url, &sees)
            .unwrap()
            .is_none()
    );
}

#[test]
fn retry_after_is_capped_in_both_forms() {
    let cap = Duration::from_secs(60);
    // Sun, 06 Nov 1994 08:49:37 GMT.
    let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
    let time = crate::time::Time::of(crate::time::ManualClock::starting_at(now));
    let at = |value: &str| retry_after(&headers(&[("retry-after", value.as_bytes())]), cap, &time);
    assert_eq!(at("3600"), Some(cap));
    assert_eq!(at("18446744073709551615"), Some(cap));
    assert_eq!(at("2"), Some(Duration::from_secs(2)));
    assert_eq!(at("Fri, 31 Dec 9999 23:59:59 GMT"), Some(cap));
    assert_eq!(at("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
    assert_eq!(
        at("Sun, 06 Nov 1994 08:50:07 GMT"),
        Some(Duration::from_secs(30))
    );
    assert_eq!(at("soon"), None);
}

#[test]
fn every_kind_has_a_default_limit() {
    assert_eq!(
        default_timeout(LongRunning::Refresh),
        Duration::from_secs(5 * 3600)
    );
    assert_eq!(
        default_timeout(LongRunning::Export),
        Duration::from_secs(3600)
    );
    assert_eq!(
        default_timeout(LongRunning::Scan),
        Duration::from_secs(1800)
    );
}

#[test]
fn refresh_statuses() {
    assert!(!refresh_status(serde_json::json!({"status": "Unknown"})).is_done());
    assert!(refresh_status(serde_json::json!({"status": "Completed"})).succeeded());
    let failed = refresh_status(serde_json::json!({"status": "Failed"}));
    assert!(failed.is_done() && !failed.succeeded());
}
