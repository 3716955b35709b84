//! Observability: the `tracing` spans of calls, attempts, pages, job polls and sign-ins with
//! their OpenTelemetry-style fields (the table in `powerbi::runtime::telemetry`), recorded by
//! a small layer of our own, and no secret in any of them; transport errors keep reqwest's
//! error (without its URL) as their source.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use powerbi::auth::{AccessToken, ClientSecretCredential, TokenContext, TokenCredential};
use powerbi::ext::import::ImportSettings;
use powerbi::groups::ListGroupsOptions;
use powerbi::imports::PostImportOptions;
use powerbi::runtime::time::ManualClock;
use powerbi::runtime::{RetryPolicy, Upload};
use powerbi::{Error, PowerBiClient};
use powerbi_sandbox::{Fault, FaultPlan, SandboxConfig, demo};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::common::*;

/// A closed span (or, with `name` "event", an event): its fields as text and the names of the
/// spans around it, innermost first.
#[derive(Clone, Debug, Default)]
struct Recorded {
    name: &'static str,
    fields: BTreeMap<String, String>,
    ancestors: Vec<&'static str>,
}

impl Recorded {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    fn has(&self, name: &str, value: &str) -> bool {
        self.field(name) == Some(value)
    }

    fn parent(&self) -> Option<&'static str> {
        self.ancestors.first().copied()
    }
}

impl Visit for Recorded {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.fields
            .insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .insert(field.name().to_owned(), value.to_owned());
    }
}

/// A layer that keeps every span of the `powerbi` crate when it closes, and every event.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<Recorded>>>,
    events: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    fn spans(&self, name: &str) -> Vec<Recorded> {
        let spans = self.spans.lock().expect("lock");
        spans
            .iter()
            .filter(|span| span.name == name)
            .cloned()
            .collect()
    }

    fn events(&self) -> Vec<Recorded> {
        self.events.lock().expect("lock").clone()
    }

    /// Every text recorded: span names, field names and values, of spans and events.
    fn texts(&self) -> Vec<String> {
        let spans = self.spans.lock().expect("lock").clone();
        spans
            .into_iter()
            .chain(self.events())
            .flat_map(|recorded| {
                recorded
                    .fields
                    .into_iter()
                    .flat_map(|(name, value)| [name, value])
            })
            .collect()
    }
}

fn ours(target: &str) -> bool {
    // The runtime's spans come from `powerbi_runtime` (its own crate), the rest from `powerbi`.
    target == "powerbi"
        || target.starts_with("powerbi::")
        || target.starts_with("powerbi_runtime::")
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let Some(span) = context.span(id) else { return };
        if !ours(span.metadata().target()) {
            return;
        }
        let mut recorded = Recorded {
            name: span.name(),
            ancestors: span.scope().skip(1).map(|outer| outer.name()).collect(),
            ..Recorded::default()
        };
        attributes.record(&mut recorded);
        span.extensions_mut().insert(recorded);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, context: Context<'_, S>) {
        if let Some(span) = context.span(id)
            && let Some(recorded) = span.extensions_mut().get_mut::<Recorded>()
        {
            values.record(recorded);
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        if !ours(event.metadata().target()) {
            return;
        }
        let mut recorded = Recorded {
            name: "event",
            ancestors: context
                .event_scope(event)
                .map(|scope| scope.map(|span| span.name()).collect())
                .unwrap_or_default(),
            ..Recorded::default()
        };
        event.record(&mut recorded);
        self.events.lock().expect("lock").push(recorded);
    }

    fn on_close(&self, id: Id, context: Context<'_, S>) {
        if let Some(span) = context.span(&id)
            && let Some(recorded) = span.extensions_mut().remove::<Recorded>()
        {
            self.spans.lock().expect("lock").push(recorded);
        }
    }
}

/// Sets `leaks::Undecided` as the process-wide default, before a test sets its own subscriber
/// on its thread. tracing-core computes a callsite's interest from the current thread's
/// subscriber alone while only one subscriber is registered: a test's subscriber registered
/// alone would have another test's thread (without one) decide "never" for callsites it hits
/// first. With the global one always registered there are two, and every callsite asks both.
pub(crate) fn interested_process_wide() {
    let _ = tracing::subscriber::set_global_default(crate::leaks::Undecided);
}

/// Records everything the client traces on this thread (a `#[tokio::test]` runs the client and
/// the sandbox on it) until the guard drops.
fn record() -> (Recorder, tracing::subscriber::DefaultGuard) {
    interested_process_wide();
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    (recorder, tracing::subscriber::set_default(subscriber))
}

/// The demo service principal's credential, remembering every token it obtains (so that the
/// test can look for them in the trace).
#[derive(Debug)]
struct Remembering {
    inner: ClientSecretCredential,
    tokens: Arc<Mutex<Vec<String>>>,
}

impl TokenCredential for Remembering {
    fn get_token<'a>(
        &'a self,
        context: TokenContext<'a>,
    ) -> BoxFuture<'a, powerbi::Result<AccessToken>> {
        Box::pin(async move {
            let token = self.inner.get_token(context).await?;
            let mut tokens = self.tokens.lock().expect("lock");
            tokens.push(token.token.expose().to_owned());
            Ok(token)
        })
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
}

/// A client of the demo service principal, retrying instantly, and the tokens it gets.
fn remembering_client(
    sandbox: &powerbi_sandbox::Sandbox,
    clock: &ManualClock,
) -> (PowerBiClient, Arc<Mutex<Vec<String>>>) {
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let credential = Remembering {
        inner: service_principal_credential(),
        tokens: Arc::clone(&tokens),
    };
    let policy = RetryPolicy::new()
        .clock_and_sleeper(clock.clone())
        .jitter_seed(1);
    let client = client_with(sandbox, credential).with_retry_policy(policy);
    (client, tokens)
}

/// No token, client secret, authorization header or signed query in any recorded text.
fn assert_no_secret(recorder: &Recorder, tokens: &[String]) {
    assert!(!tokens.is_empty(), "the client signed in");
    let texts = recorder.texts();
    assert!(!texts.is_empty());
    for text in &texts {
        for token in tokens {
            assert!(
                !text.contains(token.as_str()),
                "a token in the trace: {text}"
            );
        }
        for secret in [
            demo::SP_CLIENT_SECRET,
            "Bearer",
            "sig=",
            "sp=cw",
            "client_secret",
        ] {
            assert!(!text.contains(secret), "{secret} in the trace: {text}");
        }
    }
}

#[tokio::test]
async fn a_retried_call_has_a_call_span_attempt_spans_and_a_sign_in_span() {
    let (recorder, _guard) = record();
    let sandbox = sandbox().await;
    let clock = ManualClock::new();
    let (client, tokens) = remembering_client(&sandbox, &clock);
    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Throttle { retry_after: 2 })])
            .endpoint("GET", "/v1.0/myorg/groups"),
    ));
    client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect("retried");
    let host = url::Url::parse(&sandbox.api_base_url()).expect("a URL");
    let host = host.host_str().expect("a host").to_owned();

    let calls = recorder.spans("powerbi.call");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    for (field, value) in [
        ("otel.name", "Groups_GetGroups"),
        ("otel.kind", "client"),
        ("powerbi.operation", "list_groups"),
        ("powerbi.operation_id", "Groups_GetGroups"),
        ("http.request.method", "GET"),
        ("server.address", host.as_str()),
        ("url.path", "/v1.0/myorg/groups"),
        ("http.response.status_code", "200"),
        ("powerbi.attempts", "2"),
    ] {
        assert!(call.has(field, value), "{field}={value} in {call:?}");
    }
    assert!(
        call.field("powerbi.request_id")
            .is_some_and(|id| !id.is_empty())
    );
    assert!(call.field("powerbi.duration_ms").is_some(), "{call:?}");
    assert_eq!(call.field("otel.status_code"), None, "unset on success");
    assert_eq!(call.field("error.type"), None);

    let attempts = recorder.spans("powerbi.attempt");
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(
        attempts
            .iter()
            .all(|attempt| attempt.parent() == Some("powerbi.call"))
    );
    let (first, second) = (&attempts[0], &attempts[1]);
    for (field, value) in [
        ("powerbi.attempt", "1"),
        ("http.response.status_code", "429"),
        ("powerbi.retry.reason", "throttled"),
        ("powerbi.retry.wait_ms", "2000"),
        ("otel.status_code", "ERROR"),
        ("error.type", "429"),
    ] {
        assert!(first.has(field, value), "{field}={value} in {first:?}");
    }
    assert!(first.field("powerbi.request_id").is_some());
    assert_eq!(first.field("http.request.resend_count"), None);
    for (field, value) in [
        ("powerbi.attempt", "2"),
        ("http.request.resend_count", "1"),
        ("http.response.status_code", "200"),
    ] {
        assert!(second.has(field, value), "{field}={value} in {second:?}");
    }
    assert_eq!(second.field("error.type"), None);

    // The first attempt needed a token: its sign-in span is inside it.
    let sign_ins = recorder.spans("powerbi.sign_in");
    assert_eq!(sign_ins.len(), 1, "{sign_ins:?}");
    let sign_in = &sign_ins[0];
    assert_eq!(sign_in.parent(), Some("powerbi.attempt"));
    for (field, value) in [
        ("powerbi.credential", "client secret"),
        ("http.response.status_code", "200"),
    ] {
        assert!(sign_in.has(field, value), "{field}={value} in {sign_in:?}");
    }
    assert!(sign_in.field("server.address").is_some(), "{sign_in:?}");
    assert!(
        sign_in.field("powerbi.token.expires_in_s").is_some(),
        "{sign_in:?}"
    );

    // The events sit in the spans and use the same names.
    let events = recorder.events();
    let retrying = events
        .iter()
        .find(|event| event.has("message", "retrying"))
        .unwrap_or_else(|| panic!("a retry event: {events:?}"));
    assert_eq!(retrying.ancestors, ["powerbi.attempt", "powerbi.call"]);
    for (field, value) in [
        ("powerbi.operation", "list_groups"),
        ("powerbi.attempt", "1"),
        ("http.response.status_code", "429"),
        ("powerbi.retry.wait_ms", "2000"),
        ("powerbi.retry.reason", "throttled"),
    ] {
        assert!(
            retrying.has(field, value),
            "{field}={value} in {retrying:?}"
        );
    }
    let token_request = events
        .iter()
        .find(|event| event.has("message", "token request"))
        .unwrap_or_else(|| panic!("a token request event: {events:?}"));
    assert_eq!(token_request.parent(), Some("powerbi.sign_in"));
    assert_no_secret(&recorder, &tokens.lock().expect("lock"));
}

#[tokio::test]
async fn every_page_of_a_paginator_has_its_span_around_its_call() {
    let (recorder, _guard) = record();
    let sandbox = sandbox().await;
    let (client, tokens) = remembering_client(&sandbox, &ManualClock::new());
    let groups = client
        .groups()
        .list_groups_pages(ListGroupsOptions::default().top(1))
        .collect()
        .await
        .expect("every page");
    assert!(!groups.is_empty());

    let pages = recorder.spans("powerbi.page");
    // One page per workspace, then the empty page that ends the listing.
    assert_eq!(pages.len(), groups.len() + 1, "{pages:?}");
    for (index, page) in pages.iter().enumerate() {
        let number = (index + 1).to_string();
        let items = if index < groups.len() { "1" } else { "0" };
        for (field, value) in [
            ("powerbi.operation", "list_groups"),
            ("powerbi.paging", "top_skip"),
            ("powerbi.page.number", number.as_str()),
            ("powerbi.page.items", items),
        ] {
            assert!(page.has(field, value), "{field}={value} in {page:?}");
        }
    }
    let calls = recorder.spans("powerbi.call");
    assert_eq!(calls.len(), pages.len());
    assert!(
        calls
            .iter()
            .all(|call| call.parent() == Some("powerbi.page"))
    );
    assert!(
        calls
            .iter()
            .all(|call| call.has("url.path", "/v1.0/myorg/groups"))
    );
    assert_no_secret(&recorder, &tokens.lock().expect("lock"));
}

#[tokio::test]
async fn every_job_poll_has_its_span_with_the_state_it_saw() {
    let (recorder, _guard) = record();
    let sandbox = sandbox_with(
        SandboxConfig::default()
            .refresh_duration(Duration::from_millis(150))
            .refresh_publish_delay(Duration::from_millis(50)),
    )
    .await;
    let (client, tokens) = remembering_client(&sandbox, &ManualClock::new());
    let mut job = client
        .datasets()
        .refresh_dataset_job(sales(), demo::SALES_DATASET_ID, None)
        .await
        .expect("refresh accepted")
        .poll_interval(Duration::from_millis(10))
        .timeout(Duration::from_secs(20));
    let request_id = job.id().expect("a request id").to_owned();
    let done = job.wait().await.expect("the refresh ends");
    assert!(done.succeeded());

    let polls = recorder.spans("powerbi.job.poll");
    assert!(!polls.is_empty());
    for poll in &polls {
        for (field, value) in [
            ("powerbi.operation", "refresh_dataset"),
            ("powerbi.job.kind", "refresh"),
            ("powerbi.job.id", request_id.as_str()),
        ] {
            assert!(poll.has(field, value), "{field}={value} in {poll:?}");
        }
        assert!(poll.field("powerbi.job.state").is_some(), "{poll:?}");
    }
    let last = polls.last().expect("a poll");
    assert!(last.has("powerbi.job.state", "Completed"), "{last:?}");
    assert!(last.has("powerbi.job.done", "true"), "{last:?}");
    assert!(
        polls[..polls.len() - 1]
            .iter()
            .all(|poll| poll.has("powerbi.job.done", "false"))
    );
    // The start is a call of its own; every poll's call is inside its poll span.
    let calls = recorder.spans("powerbi.call");
    assert_eq!(calls.len(), polls.len() + 1, "{calls:?}");
    assert!(
        calls[0].has("otel.name", "Datasets_RefreshDatasetInGroup"),
        "{:?}",
        calls[0]
    );
    assert!(
        calls[1..]
            .iter()
            .all(|call| call.parent() == Some("powerbi.job.poll"))
    );
    assert_no_secret(&recorder, &tokens.lock().expect("lock"));
}

/// An import through a temporary upload location: its SAS URL (`sig=`) appears nowhere.
#[tokio::test]
async fn an_import_through_a_signed_upload_location_traces_no_signature() {
    let (recorder, _guard) = record();
    let sandbox =
        sandbox_with(SandboxConfig::default().refresh_duration(Duration::from_millis(80))).await;
    let (client, tokens) = remembering_client(&sandbox, &ManualClock::new());
    let length = 200_000u64;
    let file = Upload::reopen("Signed.pbix", length, move || {
        futures::stream::iter([Ok(Bytes::from(vec![7u8; length as usize]))])
    });
    let settings = ImportSettings::default()
        .large_file_threshold(64 * 1024)
        .block_size(64 * 1024)
        .poll_interval(Duration::from_millis(10));
    let mut job = client
        .import_file(
            sales(),
            "Signed.pbix",
            file,
            PostImportOptions::default(),
            settings,
        )
        .await
        .expect("import accepted");
    assert!(job.wait().await.expect("the import ends").succeeded());
    assert!(
        !recorder.spans("powerbi.job.poll").is_empty(),
        "the import was polled"
    );
    assert_no_secret(&recorder, &tokens.lock().expect("lock"));
}

/// A request that ran out of time keeps reqwest's error as its source: callers can test
/// `is_timeout()`; the URL is not in it.
#[tokio::test]
async fn a_timeout_keeps_reqwest_s_error_as_its_source() {
    let (recorder, _guard) = record();
    let sandbox = sandbox().await;
    let client = sandbox_builder(&sandbox)
        .credential(service_principal_credential())
        .timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::new().max_attempts(1))
        .build()
        .expect("builds");
    sandbox.set_faults(Some(
        FaultPlan::script([Some(Fault::Slow)])
            .endpoint("GET", "/v1.0/myorg/groups")
            .slow_delay(Duration::from_secs(5)),
    ));
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("too slow");
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    let source = std::error::Error::source(&error).expect("a source");
    let reqwest = source
        .downcast_ref::<reqwest::Error>()
        .expect("reqwest's error");
    assert!(reqwest.is_timeout(), "{reqwest:?}");
    assert!(reqwest.url().is_none(), "without its URL: {reqwest:?}");
    assert!(!format!("{reqwest} {reqwest:?}").contains("/v1.0/myorg"));
    assert!(error.to_string().contains("request timeout"), "{error}");
    // The failed call and its attempt say so in their spans.
    let calls = recorder.spans("powerbi.call");
    let attempts = recorder.spans("powerbi.attempt");
    for span in [&calls[0], &attempts[0]] {
        assert!(span.has("otel.status_code", "ERROR"), "{span:?}");
        assert!(span.has("error.type", "timeout"), "{span:?}");
    }
    assert!(calls[0].has("powerbi.attempts", "1"), "{:?}", calls[0]);
}

/// A connection refused is a transport error whose source says `is_connect()`.
#[tokio::test]
async fn a_refused_connection_keeps_reqwest_s_error_as_its_source() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = closed.local_addr().expect("an address");
    drop(closed);
    let sandbox = sandbox().await;
    let cloud = powerbi::Cloud::custom(
        sandbox.authority_host().parse().expect("authority URL"),
        format!("http://{address}/").parse().expect("API URL"),
    );
    let client = PowerBiClient::builder()
        .cloud(cloud)
        .allow_insecure_loopback()
        .credential(service_principal_credential())
        .retry_policy(RetryPolicy::new().max_attempts(1))
        .build()
        .expect("builds");
    let error = client
        .groups()
        .list_groups(ListGroupsOptions::default())
        .await
        .expect_err("nothing listens");
    assert!(matches!(error, Error::Transport { .. }), "{error}");
    let reqwest = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<reqwest::Error>())
        .expect("reqwest's error");
    assert!(reqwest.is_connect(), "{reqwest:?}");
    assert!(reqwest.url().is_none());
}
