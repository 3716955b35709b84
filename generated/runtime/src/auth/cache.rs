//! The token cache: entries keyed by authority, identity and scope; one token request in
//! flight however many callers wait (single flight); renewal a few minutes before expiry, with
//! jitter; a still-valid token keeps serving while renewals fail, and failed renewals are
//! retried with backoff instead of on every call; invalidation when the API says a token
//! expired. Time is read from the cache's [`Clock`] (the client's, for the cache a client
//! creates), so a `ManualClock` drives renewal and backoff in tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing::Instrument;

use super::entra::{auth_error, clamp_lifetime};
use super::{MAX_TOKEN_LIFETIME, Secret, TokenContext, TokenCredential};
use crate::time::{Backoff, Clock, Jitter, SystemClock, scale};
use crate::{Cloud, Error, Result, telemetry};

/// Renew this long before expiry by default (Entra ID tokens live 60–90 minutes).
const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);
/// First wait after a failed renewal while the current token is still valid.
const DEFAULT_BACKOFF_INITIAL: Duration = Duration::from_secs(5);
/// Longest wait between failed renewals.
const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(60);
/// The part of a renewal backoff taken off at random: a failed renewal always waits at least
/// four fifths of its step.
const BACKOFF_SPREAD: f64 = 0.2;

/// Tokens shared by every client built with it, keyed by the cloud's authority host, the
/// credential's identity ([`TokenCredential::cache_key`]: tenant, client, user) and the scope.
///
/// Every [`Client`](crate::Client) has its own cache unless given one with
/// [`PowerBiClientBuilder::token_cache`](crate::PowerBiClientBuilder::token_cache); share one
/// when several clients (say, with different timeouts) sign in as the same identity. Two
/// clients with different scopes or clouds never share a token, and credentials that return
/// no cache key never share theirs with another credential. Cheap to clone.
///
/// Renewal starts a few minutes before expiry (5 minutes, or a quarter of the lifetime for
/// short-lived tokens, plus up to a quarter more at random so that many processes do not renew
/// at the same moment). Set the options before building clients with the cache.
///
/// Renewal and backoff are timed on the cache's [`Clock`] ([`TokenCache::clock`]); the cache a
/// client creates for itself uses the client's
/// ([`PowerBiClientBuilder::clock_and_sleeper`](crate::PowerBiClientBuilder::clock_and_sleeper)).
#[derive(Clone)]
pub struct TokenCache {
    shared: Arc<Shared>,
}

struct Shared {
    options: Mutex<Options>,
    entries: Mutex<HashMap<Key, Arc<Entry>>>,
}

#[derive(Clone)]
struct Options {
    /// `None`: 5 minutes, at most a quarter of the lifetime.
    renew_before: Option<Duration>,
    backoff: Backoff,
    clock: Arc<dyn Clock>,
    jitter: Arc<Jitter>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            renew_before: None,
            backoff: Backoff::new(DEFAULT_BACKOFF_INITIAL, DEFAULT_BACKOFF_MAX)
                .spread(BACKOFF_SPREAD),
            clock: Arc::new(SystemClock),
            jitter: Arc::new(Jitter::from_entropy()),
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("renew_before", &self.renew_before)
            .field("backoff_initial", &self.backoff.initial())
            .field("backoff_max", &self.backoff.max())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    authority: String,
    scope: String,
    identity: Identity,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    /// The credential's own cache key.
    Named(String),
    /// A credential without a key: its address (kept alive by the entry, so never reused).
    Instance(usize),
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &lock(&self.shared.entries).len())
            .field("options", &*lock(&self.shared.options))
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TokenCache {
    /// An empty cache with the default renewal and backoff.
    pub fn new() -> Self {
        TokenCache {
            shared: Arc::new(Shared {
                options: Mutex::new(Options::default()),
                entries: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Renews a token once less than `margin` of its lifetime is left (plus up to a quarter
    /// more at random). The default is 5 minutes, and at most a quarter of the lifetime; a
    /// margin set here is used as is (at most the whole lifetime).
    pub fn renew_before(self, margin: Duration) -> Self {
        lock(&self.shared.options).renew_before = Some(margin);
        self
    }

    /// After a failed renewal while the current token is still valid, waits `initial` before
    /// trying again, doubling up to `max` (defaults 5 s and 60 s, each shortened by up to a
    /// fifth at random). Calls meanwhile use the current token. Without a valid token, every
    /// call tries (callers arriving together share one attempt).
    pub fn retry_backoff(self, initial: Duration, max: Duration) -> Self {
        lock(&self.shared.options).backoff = Backoff::new(initial, max).spread(BACKOFF_SPREAD);
        self
    }

    /// Times renewal and backoff on `clock` (default: the system clock; in tests, a
    /// `ManualClock` of the `test-util` feature, in [`crate::time`]).
    pub fn clock(self, clock: impl Clock + 'static) -> Self {
        self.clock_arc(Arc::new(clock))
    }

    /// [`TokenCache::clock`], already shared.
    pub(crate) fn clock_arc(self, clock: Arc<dyn Clock>) -> Self {
        lock(&self.shared.options).clock = clock;
        self
    }

    /// Forgets every cached token (the next call of every client signs in again).
    pub fn clear(&self) {
        for entry in lock(&self.shared.entries).values() {
            lock(&entry.state).token = None;
        }
    }

    /// The entry for `credential` in `cloud` with `scope`, created when new.
    pub(crate) fn slot(
        &self,
        credential: &Arc<dyn TokenCredential>,
        cloud: &Cloud,
        scope: &str,
    ) -> TokenSlot {
        let (identity, owner) = match credential.cache_key() {
            Some(key) => (Identity::Named(key), None),
            None => (
                Identity::Instance(Arc::as_ptr(credential).cast::<()>() as usize),
                Some(Arc::clone(credential)),
            ),
        };
        let key = Key {
            authority: cloud
                .authority_host
                .as_str()
                .trim_end_matches('/')
                .to_ascii_lowercase(),
            scope: scope.to_owned(),
            identity,
        };
        let options = lock(&self.shared.options).clone();
        let mut entries = lock(&self.shared.entries);
        // Entries of keyless credentials no client uses any more can never be reached again.
        entries.retain(|key, entry| {
            !(matches!(key.identity, Identity::Instance(_)) && Arc::strong_count(entry) == 1)
        });
        let entry = entries
            .entry(key)
            .or_insert_with(|| Arc::new(Entry::new(options, owner)));
        TokenSlot {
            entry: Arc::clone(entry),
        }
    }
}

/// One client's view of its cache entry.
#[derive(Clone)]
pub(crate) struct TokenSlot {
    entry: Arc<Entry>,
}

struct Entry {
    options: Options,
    state: Mutex<State>,
    /// Held while a token request is in flight: the single-flight gate.
    gate: tokio::sync::Mutex<()>,
    /// Keeps a keyless credential alive, so its address stays unique.
    _owner: Option<Arc<dyn TokenCredential>>,
}

#[derive(Default)]
struct State {
    token: Option<Cached>,
    /// Counts finished token requests, so callers that waited at the gate see the outcome.
    generation: u64,
    /// The last failure when there was no valid token, shared with the callers that waited.
    last_error: Option<Error>,
    /// Consecutive failures.
    failures: u32,
    /// While a valid token exists, no renewal before this reading of the clock.
    retry_at: Option<Duration>,
}

/// A cached token and when to renew it, as readings of the cache's clock.
#[derive(Clone)]
struct Cached {
    token: Secret,
    renew_at: Duration,
    expires_at: Duration,
}

impl Entry {
    fn new(options: Options, owner: Option<Arc<dyn TokenCredential>>) -> Self {
        Entry {
            options,
            state: Mutex::new(State::default()),
            gate: tokio::sync::Mutex::new(()),
            _owner: owner,
        }
    }
}

impl TokenSlot {
    /// A fresh token, fetching one (once, for all waiting callers) when needed.
    pub(crate) async fn token(
        &self,
        credential: &dyn TokenCredential,
        context: TokenContext<'_>,
        load_timeout: Duration,
    ) -> Result<Secret> {
        let entry = &*self.entry;
        let clock = &*entry.options.clock;
        let now = clock.elapsed();
        let (seen, current, retry_at) = {
            let state = lock(&entry.state);
            (state.generation, state.token.clone(), state.retry_at)
        };
        if let Some(current) = &current {
            if now < current.renew_at {
                return Ok(current.token.clone());
            }
            if now < current.expires_at {
                // In the renewal window with a valid token: one caller renews, the others
                // (and everyone while a failed renewal backs off) keep using the token.
                if retry_at.is_some_and(|at| now < at) {
                    return Ok(current.token.clone());
                }
                let Ok(gate) = entry.gate.try_lock() else {
                    return Ok(current.token.clone());
                };
                if let Some(renewed) = lock(&entry.state)
                    .token
                    .as_ref()
                    .filter(|cached| clock.elapsed() < cached.renew_at)
                {
                    return Ok(renewed.token.clone());
                }
                return self.fetch(gate, credential, context, load_timeout).await;
            }
        }
        let gate = entry.gate.lock().await;
        {
            let state = lock(&entry.state);
            if let Some(cached) = state
                .token
                .as_ref()
                .filter(|cached| clock.elapsed() < cached.expires_at)
            {
                return Ok(cached.token.clone());
            }
            if state.generation != seen
                && let Some(error) = &state.last_error
            {
                // The request this caller waited for failed: report that, do not repeat it.
                return Err(share(credential.kind(), error));
            }
        }
        self.fetch(gate, credential, context, load_timeout).await
    }

    async fn fetch(
        &self,
        _gate: tokio::sync::MutexGuard<'_, ()>,
        credential: &dyn TokenCredential,
        context: TokenContext<'_>,
        load_timeout: Duration,
    ) -> Result<Secret> {
        let entry = &*self.entry;
        let kind = credential.kind();
        let options = &entry.options;
        let started = options.clock.elapsed();
        let span = tracing::info_span!(
            "powerbi.sign_in",
            powerbi.credential = kind,
            server.address = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            powerbi.token.expires_in_s = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
        );
        let fetched = if credential.waits_for_user() {
            credential.get_token(context).instrument(span.clone()).await
        } else {
            let limited = tokio::time::timeout(load_timeout, credential.get_token(context));
            match limited.instrument(span.clone()).await {
                Ok(result) => result,
                Err(_) => Err(timed_out(kind, load_timeout)),
            }
        };
        match &fetched {
            Ok(token) => {
                let lifetime = clamp_lifetime(token.expires_in).as_secs();
                span.record("powerbi.token.expires_in_s", lifetime);
            }
            Err(error) => telemetry::failed(&span, error),
        }
        // The token's fate is logged in the sign-in span (synchronously: no await follows).
        span.in_scope(|| self.settle(kind, started, fetched))
    }

    /// Stores a fetched token, or counts a failure (keeping a still valid token).
    fn settle(
        &self,
        kind: &'static str,
        started: Duration,
        fetched: Result<super::AccessToken>,
    ) -> Result<Secret> {
        let entry = &*self.entry;
        let options = &entry.options;
        let mut state = lock(&entry.state);
        state.generation = state.generation.wrapping_add(1);
        match fetched {
            Ok(token) => {
                let lifetime = clamp_lifetime(token.expires_in);
                let margin = renew_margin(
                    lifetime,
                    options.renew_before,
                    options.jitter.next_fraction(),
                );
                let cached = Cached {
                    token: token.token,
                    renew_at: later(started, lifetime.saturating_sub(margin)),
                    expires_at: later(started, lifetime),
                };
                state.token = Some(cached.clone());
                state.failures = 0;
                state.retry_at = None;
                state.last_error = None;
                drop(state);
                tracing::debug!(powerbi.credential = kind, expires_in = ?lifetime, renew_before = ?margin, "new Power BI token");
                Ok(cached.token)
            }
            Err(error) => {
                state.failures = state.failures.saturating_add(1);
                let delay = options
                    .backoff
                    .wait(state.failures, options.jitter.next_fraction());
                let now = options.clock.elapsed();
                state.retry_at = Some(later(now, delay));
                let valid = state
                    .token
                    .as_ref()
                    .filter(|cached| now < cached.expires_at)
                    .map(|cached| cached.token.clone());
                match valid {
                    Some(token) => {
                        state.last_error = None;
                        drop(state);
                        tracing::warn!(powerbi.credential = kind, %error, retry_in = ?delay, "token renewal failed; the current token is still valid");
                        Ok(token)
                    }
                    None => {
                        state.last_error = Some(share(kind, &error));
                        drop(state);
                        tracing::debug!(powerbi.credential = kind, %error, "sign-in failed");
                        Err(error)
                    }
                }
            }
        }
    }

    /// Forgets `used` if it is still the cached token (the API said it expired).
    pub(crate) fn invalidate(&self, used: &Secret) {
        let mut state = lock(&self.entry.state);
        if state
            .token
            .as_ref()
            .is_some_and(|cached| &cached.token == used)
        {
            state.token = None;
            state.retry_at = None;
        }
    }
}

/// The clock reading `after` past `start`, never panicking: `after` is at most
/// [`MAX_TOKEN_LIFETIME`] (a longer wait or lifetime is cut to it), and a reading past what a
/// `Duration` holds saturates.
fn later(start: Duration, after: Duration) -> Duration {
    start.saturating_add(after.min(MAX_TOKEN_LIFETIME))
}

/// How long before expiry to renew: the configured margin (default 5 minutes, at most a
/// quarter of the lifetime), plus up to a quarter more (`unit` in `[0, 1)`), at most the whole
/// lifetime.
fn renew_margin(lifetime: Duration, renew_before: Option<Duration>, unit: f64) -> Duration {
    let base = match renew_before {
        Some(margin) => margin,
        None => DEFAULT_RENEW_BEFORE.min(lifetime.checked_div(4).unwrap_or_default()),
    };
    scale(base, 1.0 + unit.clamp(0.0, 1.0) / 4.0).min(lifetime)
}

/// The load-time limit's error.
fn timed_out(kind: &'static str, after: Duration) -> Error {
    let mut error = auth_error(kind, None, None, Some(format!("no token within {after:?}")));
    error.hint = Some(
        "the sign-in endpoint did not answer in time: check the network path to it (proxy, firewall), or raise PowerBiClientBuilder::token_timeout",
    );
    Error::Auth(Box::new(error))
}

/// A copy of a failure for the callers that waited for it.
fn share(kind: &'static str, error: &Error) -> Error {
    match error {
        Error::Auth(auth) => Error::Auth(auth.clone()),
        Error::Config(text) => Error::Config(text.clone()),
        other => Error::Auth(Box::new(auth_error(
            kind,
            None,
            None,
            Some(other.to_string()),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_are_a_few_minutes_with_jitter() {
        let hour = Duration::from_secs(3600);
        assert_eq!(renew_margin(hour, None, 0.0), Duration::from_secs(300));
        assert_eq!(renew_margin(hour, None, 0.999_999).as_secs(), 374);
        // Short-lived tokens: a quarter of the lifetime.
        assert_eq!(
            renew_margin(Duration::from_secs(8), None, 0.0),
            Duration::from_secs(2)
        );
        // An explicit margin is used as is, at most the lifetime.
        assert_eq!(renew_margin(hour, Some(hour * 2), 0.5), hour);
    }

    #[test]
    fn renewal_backs_off_from_five_seconds_to_a_minute_keeping_four_fifths() {
        let backoff = Options::default().backoff;
        assert_eq!(backoff.wait(1, 0.0), Duration::from_secs(5));
        assert_eq!(backoff.wait(2, 0.0), Duration::from_secs(10));
        assert_eq!(backoff.wait(9, 0.0), Duration::from_secs(60));
        assert_eq!(backoff.wait(1, 0.5), Duration::from_millis(4500));
        assert!(backoff.wait(1, 0.999_999) >= Duration::from_secs(4));
    }

    #[test]
    fn absurd_margins_and_lifetimes_do_not_overflow() {
        let day = MAX_TOKEN_LIFETIME;
        assert_eq!(renew_margin(day, Some(Duration::MAX), 0.999), day);
        assert_eq!(renew_margin(Duration::ZERO, None, 0.5), Duration::ZERO);
        let now = Duration::from_secs(12);
        assert_eq!(later(now, Duration::MAX), later(now, day));
        assert!(later(now, Duration::MAX) > now);
        assert_eq!(later(Duration::MAX, day), Duration::MAX);
    }
}
