//! The shared token cache: single flight, renewal inside the window, renewal after an
//! expiry in the middle of a run, the load timeout, backoff after failed renewals, and keys.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use powerbi::auth::{
    ManagedIdentityCredential, StaticTokenCredential, TokenCache, TokenCredential,
    UsernamePasswordCredential,
};
use powerbi::groups::ListGroupsOptions;
use powerbi::runtime::time::ManualClock;
use powerbi::{Cloud, Error, PowerBiClient};
use powerbi_sandbox::{RawLifetime, Sandbox, SandboxConfig, TokenFailure, demo};

use crate::common::*;

/// A client for the sandbox with `credential` and `cache`.
fn cached_client(
    sandbox: &Sandbox,
    credential: Arc<dyn TokenCredential>,
    cache: &TokenCache,
) -> PowerBiClient {
    sandbox_builder(sandbox)
        .credential_arc(credential)
        .token_cache(cache.clone())
        .build()
        .expect("the client builds")
}

/// `calls` concurrent `list_groups` calls; panics unless every one succeeds.
async fn concurrent_calls(client: &PowerBiClient, calls: usize) {
    let results = join_all((0..calls).map(|_| {
        let client = client.clone();
        async move {
            client
                .groups()
                .list_groups(ListGroupsOptions::default())
                .await
        }
    }))
    .await;
    for result in results {
        result.expect("every call succeeds");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_calls_through_a_fresh_client_make_one_token_request() {
    let sandbox =
        sandbox_with(SandboxConfig::default().token_delay(Duration::from_millis(200))).await;
    let client = service_principal(&sandbox);
    concurrent_calls(&client, 1000).await;
    assert_eq!(sandbox.token_requests(), 1);
    assert_eq!(sandbox.tokens_issued(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_calls_inside_the_renewal_window_make_one_token_request() {
    let sandbox = sandbox().await;
    // The first token (one hour) is in its renewal window at once (renew two hours before
    // expiry) yet valid for an hour; the renewed one lives ten hours, so it is not.
    sandbox.set_token_lifetime(Duration::from_secs(3600));
    let cache = TokenCache::new().renew_before(Duration::from_secs(2 * 3600));
    let client = cached_client(&sandbox, Arc::new(service_principal_credential()), &cache);
    concurrent_calls(&client, 1).await;
    assert_eq!(sandbox.token_requests(), 1);

    sandbox.set_token_lifetime(Duration::from_secs(10 * 3600));
    sandbox.set_token_delay(Duration::from_millis(200));
    concurrent_calls(&client, 1000).await;
    assert_eq!(sandbox.token_requests(), 2, "one renewal for 1000 calls");
    assert_eq!(sandbox.tokens_issued(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_expiring_in_the_middle_of_a_run_is_renewed_once() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    let done = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                for _ in 0..20 {
                    client
                        .groups()
                        .list_groups(ListGroupsOptions::default())
                        .await
                        .expect("every call succeeds, across the expiry");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    while done.load(Ordering::Relaxed) < 200 {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The service now answers 403 TokenExpired for the token every task is using.
    sandbox.expire_all_tokens();
    for task in tasks {
        task.await.expect("the task finishes");
    }
    assert_eq!(done.load(Ordering::Relaxed), 1000);
    assert_eq!(sandbox.tokens_issued(), 2, "renewed once");
    assert_eq!(sandbox.token_requests(), 2);
}

#[tokio::test]
async fn a_hanging_token_endpoint_gives_a_timeout_error() {
    let sandbox = sandbox().await;
    sandbox.fail_token_requests(1, TokenFailure::Hang);
    let client = sandbox_builder(&sandbox)
        .credential(service_principal_credential())
        .token_timeout(Duration::from_millis(300))
        .build()
        .expect("builds");
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("no token in time");
    let Error::Auth(auth) = &error else {
        panic!("expected a sign-in error, got {error}");
    };
    assert!(
        auth.description
            .as_deref()
            .is_some_and(|text| text.contains("no token within")),
        "{error}"
    );
    assert!(error.to_string().contains("token_timeout"), "{error}");
    // The endpoint answers again: the next call signs in.
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("signs in once the endpoint answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_renewal_keeps_the_valid_token_and_backs_off() {
    let sandbox = sandbox().await;
    sandbox.set_token_lifetime(Duration::from_secs(3600));
    let cache = TokenCache::new()
        .renew_before(Duration::from_secs(2 * 3600))
        .retry_backoff(Duration::from_secs(60), Duration::from_secs(600));
    let client = cached_client(&sandbox, Arc::new(service_principal_credential()), &cache);
    concurrent_calls(&client, 1).await;
    assert_eq!(sandbox.token_requests(), 1);

    sandbox.fail_token_requests(10_000, TokenFailure::ServerError);
    concurrent_calls(&client, 300).await;
    for _ in 0..100 {
        concurrent_calls(&client, 1).await;
    }
    assert_eq!(
        sandbox.token_requests(),
        2,
        "one failed renewal, then backoff instead of a request per call"
    );
    assert_eq!(sandbox.tokens_issued(), 1);
}

#[tokio::test]
async fn without_a_valid_token_failures_are_reported_and_shared() {
    let sandbox = sandbox().await;
    sandbox.fail_token_requests(1, TokenFailure::ServerError);
    let client = service_principal(&sandbox);
    let results = join_all((0..20).map(|_| {
        let client = client.clone();
        async move {
            client
                .groups()
                .list_groups(ListGroupsOptions::default())
                .await
        }
    }))
    .await;
    for result in &results {
        let error = result.as_ref().expect_err("the only token request failed");
        assert_eq!(error.status(), Some(500), "{error}");
    }
    assert_eq!(sandbox.token_requests(), 1, "the waiting callers shared it");
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("the next call tries again");
}

#[tokio::test]
async fn clients_share_tokens_only_for_the_same_authority_identity_and_scope() {
    let sandbox = sandbox().await;
    let cache = TokenCache::new();
    let shared: Arc<dyn TokenCredential> = Arc::new(service_principal_credential());
    // Same credential, cloud and scope: one token.
    let first = cached_client(&sandbox, Arc::clone(&shared), &cache);
    let second = cached_client(&sandbox, Arc::clone(&shared), &cache);
    concurrent_calls(&first, 3).await;
    concurrent_calls(&second, 3).await;
    assert_eq!(sandbox.token_requests(), 1);
    // Another credential object for the same app and tenant: the same identity.
    let twin = cached_client(&sandbox, Arc::new(service_principal_credential()), &cache);
    concurrent_calls(&twin, 3).await;
    assert_eq!(sandbox.token_requests(), 1);

    // Same credential, another authority (the same sandbox spelled `localhost`).
    let port = sandbox
        .base_url()
        .rsplit(':')
        .next()
        .expect("a port")
        .to_owned();
    let other_cloud = Cloud::custom(
        format!("http://localhost:{port}").parse().expect("URL"),
        sandbox.api_base_url().parse().expect("URL"),
    );
    let elsewhere = PowerBiClient::builder()
        .cloud(other_cloud)
        .allow_insecure_loopback()
        .credential_arc(Arc::clone(&shared))
        .token_cache(cache.clone())
        .build()
        .expect("builds");
    concurrent_calls(&elsewhere, 2).await;
    assert_eq!(
        sandbox.token_requests(),
        2,
        "another authority, another token"
    );

    // A user credential with two scopes: two tokens.
    let user: Arc<dyn TokenCredential> = Arc::new(UsernamePasswordCredential::new(
        demo::TENANT_ID,
        demo::PUBLIC_CLIENT_ID,
        demo::USER_NAME,
        demo::USER_PASSWORD,
    ));
    let everything = cached_client(&sandbox, Arc::clone(&user), &cache);
    let read_only = sandbox_builder(&sandbox)
        .credential_arc(Arc::clone(&user))
        .token_cache(cache.clone())
        .scope(format!("{}/Workspace.Read.All", demo::POWER_BI_RESOURCE))
        .build()
        .expect("builds");
    concurrent_calls(&everything, 2).await;
    concurrent_calls(&read_only, 2).await;
    assert_eq!(sandbox.token_requests(), 4, "another scope, another token");
    // The narrower token really is narrower: creating a workspace needs ReadWrite.
    let request = powerbi::models::GroupCreationRequest {
        name: "Not with a read-only token".to_owned(),
        ..Default::default()
    };
    let refused = read_only
        .groups()
        .create_group(&request, Default::default())
        .await;
    assert_api_error(refused, 401, Some("PowerBINotAuthorizedException"));
    // A 401 is an error, not a reason to renew.
    assert_eq!(sandbox.token_requests(), 4);
    assert!(format!("{cache:?}").contains("entries"));
}

/// Token answers whose lifetime a hostile or broken token endpoint chose: near `u64::MAX`
/// seconds as a number, a float or a string, in `expires_in` or `expires_on`, negative, zero.
/// Before the clamp, the first of these panicked in the cache ("overflow when adding duration
/// to instant") on every call. Now a huge lifetime is cut to a day (one sign-in serves every
/// call) and a negative or zero one serves its call only (every call signs in again), through
/// the v2 and v1 endpoints and a managed identity alike.
#[tokio::test]
async fn hostile_token_lifetimes_never_panic_and_calls_keep_working() {
    let sandbox = sandbox().await;
    let credentials: Vec<(&str, Arc<dyn TokenCredential>)> = vec![
        ("v2", Arc::new(service_principal_credential())),
        (
            "v1",
            Arc::new(service_principal_credential().with_v1_endpoint(true)),
        ),
        (
            "managed identity",
            Arc::new(ManagedIdentityCredential::from_env(
                &sandbox.managed_identity_env(),
            )),
        ),
    ];
    let huge = [
        (Some("18446744073709551615"), None),
        (Some("18446744073709551616"), None),
        (Some("1e300"), None),
        (Some(r#""18446744073709551615""#), None),
        (Some(r#""1e300""#), None),
        (None, Some("18446744073709551615")),
        (None, Some(r#""1e300""#)),
        (Some("1.8e19"), Some("-1")),
    ];
    let spent = [
        (Some("-5"), None),
        (Some(r#""-1""#), None),
        (Some("0"), None),
        (Some("-1e300"), None),
        (None, Some(r#""-1""#)),
        (None, Some("0")),
    ];
    for (name, credential) in &credentials {
        for (cases, requests_for_three_calls) in [(&huge[..], 1), (&spent[..], 3)] {
            for (expires_in, expires_on) in cases {
                sandbox.set_raw_token_lifetime(Some(RawLifetime {
                    expires_in: expires_in.map(str::to_owned),
                    expires_on: expires_on.map(str::to_owned),
                }));
                let client = cached_client(&sandbox, Arc::clone(credential), &TokenCache::new());
                let before = sandbox.token_requests();
                for _ in 0..3 {
                    client
                        .groups()
                        .list_groups(ListGroupsOptions::default())
                        .await
                        .unwrap_or_else(|error| {
                            panic!("{name} {expires_in:?} {expires_on:?}: {error}")
                        });
                }
                assert_eq!(
                    sandbox.token_requests() - before,
                    requests_for_three_calls,
                    "{name} {expires_in:?} {expires_on:?}"
                );
            }
        }
    }
}

/// A lifetime that is not a number at all is a sign-in error naming the field (never a
/// panic, never the token), and the next good answer works.
#[tokio::test]
async fn a_lifetime_that_is_not_a_number_is_a_sign_in_error() {
    let sandbox = sandbox().await;
    let client = service_principal(&sandbox);
    for text in [r#""soon""#, r#""NaN""#, "1e400", "null", r#"{"seconds":1}"#] {
        sandbox.set_raw_token_lifetime(Some(RawLifetime {
            expires_in: Some(text.to_owned()),
            expires_on: None,
        }));
        let error = client
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect_err("no usable lifetime");
        assert!(matches!(error, Error::Auth(_)), "{text}: {error}");
        assert!(
            error.to_string().contains("unexpected token response"),
            "{error}"
        );
    }
    sandbox.set_raw_token_lifetime(None);
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("a good answer works again");
}

/// `StaticTokenCredential::new(token, Duration::MAX)`: a token that never expires, from the
/// caller's side. It used to panic building the credential; now the cache keeps it a day at a
/// time and every call uses it.
#[tokio::test]
async fn a_static_token_that_never_expires_is_used() {
    let sandbox = sandbox().await;
    let token = crate::credentials::raw_token(&sandbox).await;
    let client = client_with(&sandbox, StaticTokenCredential::new(token, Duration::MAX));
    for _ in 0..2 {
        client
            .groups()
            .list_groups(ListGroupsOptions::default())
            .await
            .expect("the static token works");
    }
    assert_eq!(sandbox.token_requests(), 1, "only the test's own sign-in");
}

/// Renewal and its backoff run on the client's clock: on a manual clock, a one-hour token is
/// not renewed before its window (5 minutes before expiry, plus up to a quarter more), is
/// renewed once inside it, and a failed renewal is retried only after its backoff (5 s, at
/// least four fifths of it, then 10 s) has passed on that clock, the valid token serving
/// every call meanwhile. Nothing waits in real time.
#[tokio::test]
async fn a_manual_clock_drives_renewal_and_its_backoff() {
    let sandbox = sandbox().await;
    sandbox.set_token_lifetime(Duration::from_secs(3600));
    let clock = ManualClock::new();
    let client = sandbox_builder(&sandbox)
        .clock_and_sleeper(clock.clone())
        .credential(service_principal_credential())
        .build()
        .expect("the client builds");
    let requests_after = |advance: u64| {
        clock.advance(Duration::from_secs(advance));
        let client = client.clone();
        let sandbox = &sandbox;
        async move {
            concurrent_calls(&client, 3).await;
            sandbox.token_requests()
        }
    };
    assert_eq!(requests_after(0).await, 1);
    // 3200 s: before the window, which opens between 3225 and 3300 s.
    assert_eq!(requests_after(3200).await, 1);
    // 3300 s: inside it. The renewal fails twice, then works.
    sandbox.fail_token_requests(2, TokenFailure::ServerError);
    assert_eq!(requests_after(100).await, 2, "one failed renewal");
    assert_eq!(requests_after(3).await, 2, "3 s: backing off (4 to 5 s)");
    assert_eq!(requests_after(2).await, 3, "5 s: tried again, failed again");
    assert_eq!(
        requests_after(7).await,
        3,
        "7 s more: backing off (8 to 10 s)"
    );
    assert_eq!(requests_after(3).await, 4, "10 s: renewed");
    assert_eq!(sandbox.tokens_issued(), 2);
    assert_eq!(requests_after(60).await, 4, "the new token is fresh");
    assert!(clock.sleeps().is_empty(), "nothing slept");
}

/// A static token's lifetime runs on the clock it is given: past it, signing in fails saying
/// so, however little real time passed.
#[tokio::test]
async fn a_static_token_expires_on_its_clock() {
    let sandbox = sandbox().await;
    let token = crate::credentials::raw_token(&sandbox).await;
    let clock = ManualClock::new();
    let client = sandbox_builder(&sandbox)
        .clock_and_sleeper(clock.clone())
        .credential(
            StaticTokenCredential::new(token, Duration::from_secs(600)).with_clock(clock.clone()),
        )
        .build()
        .expect("the client builds");
    concurrent_calls(&client, 1).await;
    clock.advance(Duration::from_secs(601));
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("the token has expired");
    assert!(matches!(error, Error::Auth(_)), "{error}");
    assert!(error.to_string().contains("expired"), "{error}");
}
