//! Paginators generated from the spec's `paging` key: `$top`/`$skip` and continuation
//! (activity events split into UTC days, continuation URIs on a second host name).

use futures::StreamExt;
use powerbi::admin::GetActivityEventsOptions;
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::{DateTime, JsonValue};

use crate::common::*;

fn at(text: &str) -> DateTime {
    DateTime::parse(text).expect("a test time")
}

fn decoded(query: &str) -> String {
    percent_encoding::percent_decode_str(query)
        .decode_utf8_lossy()
        .into_owned()
}

fn api_requests(sandbox: &powerbi_sandbox::Sandbox) -> Vec<powerbi_sandbox::RecordedRequest> {
    sandbox
        .recorded_requests()
        .into_iter()
        .filter(|request| request.is_api())
        .collect()
}

#[tokio::test]
async fn top_skip_pages_through_everything_lazily() {
    let sandbox = sandbox().await;
    let client = user(&sandbox);
    let all = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("list");
    assert!(all.len() >= 2, "the demo user sees several workspaces");
    sandbox.clear_recorded();

    let pages = client
        .groups()
        .list_groups_pages(ListGroupsOptions::default().top(1));
    assert!(
        api_requests(&sandbox).is_empty(),
        "nothing is sent before polling"
    );
    let paged = pages.collect().await.expect("every page");
    let ids = |groups: &[powerbi::models::Group]| groups.iter().map(|g| g.id).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&all));
    let queries: Vec<String> = api_requests(&sandbox)
        .into_iter()
        .filter_map(|request| request.query)
        .collect();
    // One page per workspace, then the short (empty) page that ends it.
    assert_eq!(queries.len(), all.len() + 1, "{queries:?}");
    assert!(queries[1].contains("%24skip=1") || queries[1].contains("$skip=1"));

    // The default page size fetches everything in one short page.
    sandbox.clear_recorded();
    let mut stream = client
        .groups()
        .list_groups_pages(ListGroupsOptions::default());
    let mut streamed = Vec::new();
    while let Some(group) = StreamExt::next(&mut stream).await {
        streamed.push(group.expect("a group"));
    }
    assert_eq!(ids(&streamed), ids(&all));
    assert_eq!(api_requests(&sandbox).len(), 1);
}

async fn events(client: &powerbi::PowerBiClient, start: &str, end: &str) -> Vec<JsonValue> {
    client
        .admin()
        .get_activity_events_pages(at(start), at(end), GetActivityEventsOptions::default())
        .collect()
        .await
        .expect("activity events")
}

#[tokio::test]
async fn activity_events_are_split_into_utc_days_and_counted_exactly() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);

    let all = events(&client, "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z").await;
    assert_eq!(all.len(), 12);
    let mut ids: Vec<&str> = all
        .iter()
        .map(|e| e["CreationTime"].as_str().unwrap())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no event twice");

    // Each day alone, and the two events either side of midnight.
    assert_eq!(
        events(&client, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
            .await
            .len(),
        5
    );
    assert_eq!(
        events(&client, "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z")
            .await
            .len(),
        6
    );
    let midnight = events(&client, "2026-01-01T23:59:59.5Z", "2026-01-02T00:00:00.5Z").await;
    let times: Vec<&str> = midnight
        .iter()
        .map(|e| e["CreationTime"].as_str().unwrap())
        .collect();
    assert_eq!(times, ["2026-01-01T23:59:59.5", "2026-01-02T00:00:00.0"]);

    // A time zone other than UTC is converted: 2026-01-02T01:00+02:00 is 23:00 UTC on day 1.
    let shifted = events(
        &client,
        "2026-01-02T01:00:00+02:00",
        "2026-01-02T03:00:00+02:00",
    )
    .await;
    assert_eq!(
        shifted.len(),
        2,
        "23:59:59.5 on day 1 and 00:00:00.0 on day 2"
    );

    // Requests: quoted dates, one UTC day each, continuations followed on the other host.
    sandbox.clear_recorded();
    let all_again = events(&client, "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z").await;
    assert_eq!(all_again, all);
    let requests = api_requests(&sandbox);
    let windows: Vec<String> = requests
        .iter()
        .filter_map(|request| request.query.as_deref().map(decoded))
        .filter(|query| query.contains("startDateTime"))
        .collect();
    assert_eq!(
        windows,
        [
            "startDateTime='2026-01-01T00:00:00'&endDateTime='2026-01-01T23:59:59'",
            "startDateTime='2026-01-02T00:00:00'&endDateTime='2026-01-02T23:59:59'",
            "startDateTime='2026-01-03T00:00:00'&endDateTime='2026-01-03T23:59:59'",
        ]
    );
    // The sandbox publishes its continuation URIs on a second host name; over plain http the
    // client may send its token only to the configured API base, so it continues with the
    // page's token on the operation's own path instead (over https it follows the URI on the
    // cloud's cluster hosts).
    let continued: Vec<String> = requests
        .iter()
        .filter_map(|request| request.query.as_deref().map(decoded))
        .filter(|query| query.starts_with("continuationToken='AE"))
        .collect();
    assert!(!continued.is_empty(), "continuations are followed");
    assert!(
        requests.iter().all(|request| request
            .header("host")
            .is_none_or(|host| !host.starts_with("localhost"))),
        "the token never goes to a host the client may not send it to"
    );
}

#[tokio::test]
async fn pages_include_empty_ones_and_a_paginator_resumes_from_its_continuation() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let start = at("2026-01-02T00:00:00Z");
    let end = at("2026-01-03T00:00:00Z");
    let admin = client.admin();
    let mut pages =
        admin.get_activity_events_pages(start, end, GetActivityEventsOptions::default());
    let first = pages
        .next_page()
        .await
        .expect("a page")
        .expect("first page");
    assert_eq!(first.items.len(), 2);
    let second = pages
        .next_page()
        .await
        .expect("a page")
        .expect("second page");
    assert!(
        second.items.is_empty(),
        "an empty page with a token is not the end"
    );
    assert!(second.continuation_token.is_some());
    let saved = pages.continuation();
    drop(pages);
    let serialized = serde_json::to_string(&saved).expect("a continuation serializes");
    let restored = serde_json::from_str(&serialized).expect("and deserializes");

    let rest = admin
        .get_activity_events_pages(start, end, GetActivityEventsOptions::default())
        .resume_from(restored)
        .collect()
        .await
        .expect("the rest");
    assert_eq!(rest.len(), 4);

    let mut filtered = admin.get_activity_events_pages(
        start,
        end,
        GetActivityEventsOptions::default().filter("Activity eq 'ShareReport'"),
    );
    let only = filtered
        .try_next()
        .await
        .expect("a page")
        .expect("one event");
    assert_eq!(only["Activity"], "ShareReport");
    assert!(filtered.try_next().await.expect("the end").is_none());
}

#[tokio::test]
async fn next_link_paging_reads_the_odata_list() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let single = client
        .scorecards()
        .list_scorecards(id(SALES), Default::default())
        .await
        .expect("one call");
    let paged = client
        .scorecards()
        .list_scorecards_pages(id(SALES), Default::default())
        .collect()
        .await
        .expect("every page");
    assert_eq!(paged.len(), single.len());
}

const SALES: &str = powerbi_sandbox::demo::SALES_WORKSPACE_ID;

#[tokio::test]
async fn a_repeated_token_is_an_error_after_the_pages_before_it() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let admin = client.admin();
    let mut events = admin.get_activity_events_pages(
        at("2026-01-01T00:00:00Z"),
        at("2026-01-01T12:00:00Z"),
        GetActivityEventsOptions::default().filter("Activity eq 'Loop'"),
    );
    // The first page, then the page its token leads to, whose token is the same: a cycle.
    let mut items = 0;
    let error = loop {
        match events.next().await {
            Some(Ok(_)) => items += 1,
            Some(Err(error)) => break error,
            None => panic!("a repeated token must not end the listing silently"),
        }
    };
    assert_eq!(items, 2);
    match &error {
        powerbi::Error::Unusable {
            field: path,
            message,
            ..
        } => {
            assert_eq!(path, "continuationToken");
            assert!(message.contains("cycle"), "{error}");
        }
        other => panic!("expected a paging cycle error, got {other:?}"),
    }
    assert!(events.next().await.is_none(), "nothing after the error");
}

#[tokio::test]
async fn an_admin_listing_that_requires_top_pages_through_everything_with_it() {
    let sandbox = sandbox().await;
    let client = user(&sandbox);
    let all = client
        .admin()
        .get_apps_as_admin(5000, Default::default())
        .await
        .expect("one page of everything");
    assert!(all.len() > 1, "the served listing has several apps");
    sandbox.clear_recorded();
    let paged: Vec<_> = client
        .admin()
        .get_apps_as_admin_pages(1, Default::default())
        .collect()
        .await
        .expect("every page");
    assert_eq!(
        paged.iter().map(|app| app.id).collect::<Vec<_>>(),
        all.iter().map(|app| app.id).collect::<Vec<_>>(),
        "each app once, in order"
    );
    let requests = api_requests(&sandbox);
    assert!(requests.len() >= all.len(), "one page per app at $top=1");
    for request in &requests {
        let query = decoded(request.query.as_deref().unwrap_or_default());
        assert!(
            query.contains("$top=1"),
            "every page sends the required $top: {query}"
        );
    }
}

// ------------------------------------------------ hostile paging (a raw server on loopback)

use crate::raw::{RawServer, json, raw_client};

const SCORECARDS: &str = "/v1.0/myorg/groups/cfafbeb1-8037-4d0c-896e-a46fb27ff229/scorecards";

fn scorecards_id() -> powerbi::runtime::Uuid {
    id("cfafbeb1-8037-4d0c-896e-a46fb27ff229")
}

/// The page number a scorecards request asks for (`?page=N`, page 1 without it).
fn page_number(request: &crate::raw::RawRequest) -> u64 {
    request
        .query()
        .and_then(|query| query.strip_prefix("page="))
        .and_then(|page| page.parse().ok())
        .unwrap_or(1)
}

/// A scorecards page `page` whose next link is `next` (none when `None`).
fn scorecards_page(page: u64, next: Option<String>) -> Vec<u8> {
    let link = next.map_or(String::new(), |next| {
        format!(r#","@odata.nextLink":"{next}""#)
    });
    json(&format!(
        r#"{{"value":[{{"name":"p{page}-a"}},{{"name":"p{page}-b"}}]{link}}}"#
    ))
}

/// Every item name a paginator yields before it ends or fails, and how it ended.
async fn drain(
    mut pages: powerbi::runtime::Paginator<powerbi::models::Scorecard>,
) -> (Vec<String>, Option<powerbi::Error>) {
    let mut names = Vec::new();
    while let Some(item) = pages.next().await {
        match item {
            Ok(card) => names.push(card.name.unwrap_or_default()),
            Err(error) => {
                assert!(pages.next().await.is_none(), "nothing after an error");
                return (names, Some(error));
            }
        }
    }
    (names, None)
}

#[track_caller]
fn assert_paging_error(error: Option<powerbi::Error>, field: &str, words: &str) {
    match error {
        Some(powerbi::Error::Unusable {
            field: path,
            message,
            ..
        }) => {
            assert_eq!(path, field, "{message}");
            assert!(message.contains(words), "{message}");
        }
        other => panic!("expected a paging error at {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_next_link_back_to_page_one_is_an_error_before_page_one_comes_twice() {
    let server = RawServer::start(|request| {
        let base = format!("http://{}", request.header("host").unwrap_or_default());
        match page_number(request) {
            1 => scorecards_page(1, Some(format!("{base}{SCORECARDS}?page=2"))),
            // Back to page 1, as the first request was sent.
            _ => scorecards_page(2, Some(format!("{base}{SCORECARDS}"))),
        }
    });
    let client = raw_client(&server);
    let (names, error) = drain(
        client
            .scorecards()
            .list_scorecards_pages(scorecards_id(), Default::default()),
    )
    .await;
    assert_eq!(names, ["p1-a", "p1-b", "p2-a", "p2-b"], "page 1 once");
    assert_paging_error(error, "@odata.nextLink", "first page");
    assert_eq!(server.count(), 2, "page 1 is not fetched again");
}

#[tokio::test]
async fn a_next_link_to_itself_is_an_error_at_once() {
    let server = RawServer::start(|request| {
        let base = format!("http://{}", request.header("host").unwrap_or_default());
        match page_number(request) {
            1 => scorecards_page(1, Some(format!("{base}{SCORECARDS}?page=2"))),
            page => scorecards_page(page, Some(format!("{base}{SCORECARDS}?page={page}"))),
        }
    });
    let client = raw_client(&server);
    let (names, error) = drain(
        client
            .scorecards()
            .list_scorecards_pages(scorecards_id(), Default::default()),
    )
    .await;
    assert_eq!(names.len(), 4);
    assert_paging_error(error, "@odata.nextLink", "cycle");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_longer_cycle_is_an_error_after_a_bounded_number_of_pages() {
    // Pages 1..=4 lead into a cycle 5 → 6 → ... → 10 → 5 (4 pages before it, 6 in it).
    let server = RawServer::start(|request| {
        let base = format!("http://{}", request.header("host").unwrap_or_default());
        let page = page_number(request);
        let next = if page == 10 { 5 } else { page + 1 };
        scorecards_page(page, Some(format!("{base}{SCORECARDS}?page={next}")))
    });
    let client = raw_client(&server);
    let (names, error) = drain(
        client
            .scorecards()
            .list_scorecards_pages(scorecards_id(), Default::default()),
    )
    .await;
    assert_paging_error(error, "@odata.nextLink", "cycle");
    // Brent's bound: at most 2 * max(4, 6) + 6 pages.
    let fetched = server.count();
    assert!((10..=18).contains(&fetched), "{fetched} pages");
    assert_eq!(names.len(), 2 * fetched);
}

#[tokio::test]
async fn a_next_link_to_a_host_the_token_would_not_go_to_is_refused() {
    let server = RawServer::start(|request| match page_number(request) {
        1 => scorecards_page(
            1,
            Some("https://collector.example/v1.0/myorg/scorecards?page=2".to_owned()),
        ),
        page => scorecards_page(page, None),
    });
    let client = raw_client(&server);
    let pages = client
        .scorecards()
        .list_scorecards_pages(scorecards_id(), Default::default());
    let (names, error) = drain(pages).await;
    assert_eq!(names, ["p1-a", "p1-b"], "no item from the other host");
    assert_paging_error(error, "@odata.nextLink", "collector.example");
    assert_eq!(server.count(), 1);
    let listed = client
        .scorecards()
        .list_scorecards_pages(scorecards_id(), Default::default())
        .collect()
        .await;
    assert!(
        listed.is_err(),
        "a listing with a foreign page is not a listing"
    );
}

#[tokio::test]
async fn a_continuation_uri_to_another_host_without_a_token_is_an_error_not_an_end() {
    let server = RawServer::start(|_| {
        json(
            r#"{"activityEventEntities":[{"Id":"1"}],"continuationUri":"https://collector.example/next","lastResultSet":false}"#,
        )
    });
    let client = raw_client(&server);
    let result = client
        .admin()
        .get_activity_events_pages(
            at("2026-01-01T00:00:00Z"),
            at("2026-01-01T12:00:00Z"),
            GetActivityEventsOptions::default(),
        )
        .collect()
        .await;
    match result {
        Err(powerbi::Error::Unusable {
            field: path,
            message,
            ..
        }) => {
            assert_eq!(path, "continuationUri");
            assert!(message.contains("collector.example"), "{message}");
        }
        other => panic!("expected the foreign continuation refused, got {other:?}"),
    }
    assert_eq!(server.count(), 1);
}

fn groups_page(first: u64, count: u64) -> Vec<u8> {
    let items: Vec<String> = (first..first + count)
        .map(|n| format!(r#"{{"id":"00000000-0000-4000-8000-{n:012}","name":"g{n}"}}"#))
        .collect();
    json(&format!(r#"{{"value":[{}]}}"#, items.join(",")))
}

#[tokio::test]
async fn a_server_that_ignores_skip_is_detected_at_the_repeated_page() {
    let server = RawServer::start(|_| groups_page(0, 2));
    let client = raw_client(&server);
    let mut pages = client
        .groups()
        .list_groups_pages(ListGroupsOptions::default().top(2));
    let first = pages.next_page().await.expect("a page").expect("page 1");
    assert_eq!(first.items.len(), 2);
    match pages.next_page().await {
        Some(Err(powerbi::Error::Unusable {
            field: path,
            message,
            ..
        })) => {
            assert_eq!(path, "value");
            assert!(message.contains("ignores $skip"), "{message}");
        }
        other => panic!("expected the repeated page detected, got {other:?}"),
    }
    assert!(pages.next_page().await.is_none());
    assert_eq!(server.count(), 2);

    // A server that honours $skip is paged to its end as before.
    let honest = RawServer::start(|request| {
        let skip = request
            .query()
            .map(decoded)
            .and_then(|query| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("$skip=").map(str::to_owned))
            })
            .and_then(|skip| skip.parse().ok())
            .unwrap_or(0u64);
        groups_page(skip, if skip < 6 { 2 } else { 1 })
    });
    let all = raw_client(&honest)
        .groups()
        .list_groups_pages(ListGroupsOptions::default().top(2))
        .collect()
        .await
        .expect("every page");
    assert_eq!(all.len(), 7);
}

#[tokio::test]
async fn max_pages_ends_the_paginator_where_it_can_resume() {
    // An endless listing: page N links to page N + 1.
    let server = RawServer::start(|request| {
        let base = format!("http://{}", request.header("host").unwrap_or_default());
        let page = page_number(request);
        scorecards_page(page, Some(format!("{base}{SCORECARDS}?page={}", page + 1)))
    });
    let client = raw_client(&server);
    let scorecards = client.scorecards();
    let mut pages = scorecards
        .list_scorecards_pages(scorecards_id(), Default::default())
        .max_pages(3);
    let mut names = Vec::new();
    while let Some(item) = pages.try_next().await.expect("no error") {
        names.push(item.name.unwrap_or_default());
    }
    assert_eq!(names.len(), 6, "three pages of two");
    assert_eq!(pages.pages_fetched(), 3);
    assert_eq!(server.count(), 3);
    let rest = pages.continuation();
    assert!(!rest.is_done(), "the listing goes on");

    let resumed = scorecards
        .list_scorecards_pages(scorecards_id(), Default::default())
        .resume_from(rest)
        .max_pages(2)
        .collect()
        .await
        .expect("two more pages");
    let names: Vec<_> = resumed.into_iter().filter_map(|card| card.name).collect();
    assert_eq!(names, ["p4-a", "p4-b", "p5-a", "p5-b"]);
    assert_eq!(server.count(), 5);
}
