//! A paginator's memory does not grow with the number of pages: 3,000 pages whose
//! continuation tokens are 48 KiB each, and 300 pages whose next links are 48 KiB each,
//! streamed with `next_page()` from a raw server on loopback, with a counting allocator
//! proving that the live heap after the last page is where it was after the first hundred
//! (a paginator that remembered every token would hold about 140 MiB more).
//!
//! One test function, so no other test allocates at the same time. The server runs in this
//! process, so its allocations count too (they are freed once each page is written).

use std::time::Duration;

use powerbi::auth::StaticTokenCredential;
use powerbi::runtime::{DateTime, RetryPolicy};
use powerbi::{Cloud, PowerBiClient};
use powerbi_sandbox::raw::{RawRequest, RawServer, json};

#[global_allocator]
static ALLOCATOR: powerbi_memory_tests::Counting = powerbi_memory_tests::Counting;

/// The size of every token and link.
const LARGE: usize = 48 * 1024;
/// Pages after which the baseline is taken (pools, buffers and caches have settled).
const WARM_UP: u64 = 100;
/// Far below what remembering them would cost (3,000 × 48 KiB ≈ 141 MiB of tokens, 300 × 48
/// KiB ≈ 14 MiB of links), far above the noise of buffers and connection pools.
const ALLOWED_GROWTH: usize = 4 * 1024 * 1024;

fn client(server: &RawServer) -> PowerBiClient {
    let api = server.url().parse().expect("the server's URL");
    let authority = server.url().parse().expect("the server's URL");
    PowerBiClient::builder()
        .cloud(Cloud::custom(authority, api))
        .allow_insecure_loopback()
        .credential(StaticTokenCredential::new(
            "memory-test-token",
            Duration::from_secs(3600),
        ))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("the client builds")
}

/// The page number carried by a request: the 8 digits after `marker` in its target.
fn page_of(request: &RawRequest, marker: &str) -> u64 {
    request
        .target
        .split_once(marker)
        .and_then(|(_, rest)| rest.get(..8))
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

/// Pages through `pages` with `next_page()`, returning how many pages came and how far the
/// live heap rose above where it was after [`WARM_UP`] pages.
async fn growth<T: powerbi::runtime::serde::de::DeserializeOwned + Send + 'static>(
    mut pages: powerbi::runtime::Paginator<T>,
) -> (u64, usize) {
    let mut count = 0;
    let mut baseline = 0;
    let mut highest = 0;
    while let Some(page) = pages.next_page().await {
        drop(page.expect("a page"));
        count += 1;
        let live = powerbi_memory_tests::live();
        if count == WARM_UP {
            baseline = live;
        }
        if count >= WARM_UP {
            highest = highest.max(live);
        }
    }
    (count, highest.saturating_sub(baseline))
}

#[tokio::test]
async fn a_paginator_keeps_the_same_memory_over_thousands_of_large_tokens_and_links() {
    let padding = "A".repeat(LARGE);

    // Continuation tokens: `NNNNNNNNAAAA...` (48 KiB), the last page says lastResultSet.
    const TOKEN_PAGES: u64 = 3000;
    let tokens = {
        let padding = padding.clone();
        RawServer::start_counting(move |request| {
            let page = page_of(request, "continuationToken=%27");
            let next = page + 1;
            json(&format!(
                r#"{{"activityEventEntities":[{{"Id":"{page}"}}],"continuationToken":"{next:08}{padding}","lastResultSet":{}}}"#,
                next == TOKEN_PAGES
            ))
        })
    };
    let token_client = client(&tokens);
    let start = DateTime::parse("2026-01-01T00:00:00Z").expect("a time");
    let end = DateTime::parse("2026-01-01T12:00:00Z").expect("a time");
    let (count, grown) = growth(token_client.admin().get_activity_events_pages(
        start,
        end,
        Default::default(),
    ))
    .await;
    eprintln!("{count} pages with {LARGE}-byte tokens: live heap grew {grown} bytes");
    assert_eq!(count, TOKEN_PAGES);
    assert_eq!(tokens.count() as u64, TOKEN_PAGES);
    assert!(
        grown < ALLOWED_GROWTH,
        "grew {grown} bytes over {count} pages"
    );

    // Next links: `...?page=NNNNNNNN&pad=AAAA...` (48 KiB), the last page has none.
    const LINK_PAGES: u64 = 300;
    let links = RawServer::start_counting(move |request| {
        let page = page_of(request, "page=");
        let next = page + 1;
        let link = if next < LINK_PAGES {
            format!(
                r#","@odata.nextLink":"http://{}{}?page={next:08}&pad={padding}""#,
                request.header("host").unwrap_or_default(),
                request.path()
            )
        } else {
            String::new()
        };
        json(&format!(r#"{{"value":[{{"name":"{page}"}}]{link}}}"#))
    });
    let link_client = client(&links);
    let workspace = "cfafbeb1-8037-4d0c-896e-a46fb27ff229"
        .parse()
        .expect("a GUID");
    let (count, grown) = growth(
        link_client
            .scorecards()
            .list_scorecards_pages(workspace, Default::default()),
    )
    .await;
    eprintln!("{count} pages with {LARGE}-byte links: live heap grew {grown} bytes");
    assert_eq!(count, LINK_PAGES);
    assert!(
        grown < ALLOWED_GROWTH,
        "grew {grown} bytes over {count} pages"
    );
}
