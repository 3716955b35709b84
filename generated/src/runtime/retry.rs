//! The one retry policy for calls, page fetches and polls (they all go through the one send
//! path), with an injectable clock and sleeper so tests never wait.
//!
//! What is retried: 408, 429, 500, 502, 503 and 504 answers, connection failures and timeouts.
//! A `Retry-After` (seconds or an HTTP date) is honoured up to [`RetryPolicy::max_retry_after`];
//! a longer one is returned as the error, which carries it ([`crate::Error::retry_after`]), so
//! the caller decides. Without one the wait is exponential backoff with full jitter. Attempts
//! are bounded, and so is the total time a call may spend waiting between attempts.
//!
//! A call whose method is not idempotent (POST, PATCH) is retried only where a retry cannot
//! duplicate its side effect: after a 429 (the service refused it), after a failure to
//! connect (nothing was sent), or when the spec marks the operation `retry: safe`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(any(test, feature = "test-util"))]
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A boxed future returned by [`Sleeper::sleep`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where the policy reads the time: a monotonic reading for budgets, and the wall clock for
/// `Retry-After` given as an HTTP date.
pub trait Clock: Send + Sync {
    /// A monotonic reading: only differences between two readings matter.
    fn elapsed(&self) -> Duration;
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// How the policy waits between attempts.
pub trait Sleeper: Send + Sync {
    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The real clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Waits with `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when something sleeps on it: sleeping returns at once and
/// advances the clock. For tests: a call that would wait minutes finishes instantly, and the
/// waits it asked for can be read back with [`ManualClock::sleeps`]. Behind the `test-util`
/// feature: it is for your tests, not your product.
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[cfg(any(test, feature = "test-util"))]
#[derive(Debug)]
struct ManualInner {
    start: SystemTime,
    nanos: AtomicU64,
    sleeps: Mutex<Vec<Duration>>,
}

#[cfg(any(test, feature = "test-util"))]
impl ManualClock {
    /// A clock starting at the current wall-clock time.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A clock starting at `start`.
    pub fn starting_at(start: SystemTime) -> Self {
        ManualClock {
            inner: Arc::new(ManualInner {
                start,
                nanos: AtomicU64::new(0),
                sleeps: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.inner.nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    /// Every wait asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.inner
            .sleeps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Clock for ManualClock {
    fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.inner.nanos.load(Ordering::SeqCst))
    }

    fn now(&self) -> SystemTime {
        // A clock advanced beyond what `SystemTime` can represent stays at its start.
        self.inner
            .start
            .checked_add(self.elapsed())
            .unwrap_or(self.inner.start)
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Sleeper for ManualClock {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.inner
            .sleeps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(duration);
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

/// How a client retries. Cheap to clone; set per client with
/// [`crate::PowerBiClientBuilder::retry_policy`] or per call with
/// [`crate::PowerBiClient::with_retry_policy`] / [`crate::runtime::RequestBuilder::retry_policy`].
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    budget: Duration,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    jitter: Arc<Jitter>,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_retry_after", &self.max_retry_after)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 1 s up to 30 s, `Retry-After` honoured up to 60 s, at most
    /// 5 minutes of waiting per call.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            budget: Duration::from_secs(300),
            clock: Arc::new(SystemClock::default()),
            sleeper: Arc::new(TokioSleeper),
            jitter: Arc::new(Jitter::from_time()),
        }
    }
}

impl RetryPolicy {
    /// The default policy (see [`RetryPolicy::default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Never retries: every failure is returned as it happens.
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts per call, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff's upper bound; each later one doubles, up to `max_backoff`.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The longest `Retry-After` waited for; a longer one is returned as the error.
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// The total time a call may spend, retries and waits included, measured on the policy's
    /// clock: a wait that would end past it is not started, and the last error is returned.
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Reads time from `clock` (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Waits with `sleeper` (default: `tokio::time::sleep`).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// Uses `clock` for both the time and the waits (in tests, a `ManualClock` of the
    /// `test-util` feature).
    pub fn clock_and_sleeper<C: Clock + Sleeper + Clone + 'static>(self, clock: C) -> Self {
        self.clock(clock.clone()).sleeper(clock)
    }

    /// Seeds the jitter, so the backoff sequence is reproducible.
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.jitter = Arc::new(Jitter::new(seed));
        self
    }

    /// Attempts per call, the first included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The `Retry-After` cap.
    pub fn retry_after_cap(&self) -> Duration {
        self.max_retry_after
    }

    /// The total time budget per call.
    pub fn time_budget(&self) -> Duration {
        self.budget
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.clock.elapsed()
    }

    pub(crate) fn wall_clock(&self) -> SystemTime {
        self.clock.now()
    }

    pub(crate) fn sleep(&self, duration: Duration) -> SleepFuture {
        self.sleeper.sleep(duration)
    }

    /// The backoff before attempt `attempt + 1` (attempt counts from 1): a uniformly random
    /// wait between zero and `min(max_backoff, initial * 2^(attempt-1))` (full jitter).
    pub(crate) fn backoff_for(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        // The fraction is in [0, 1): the product never exceeds the ceiling.
        Duration::try_from_secs_f64(ceiling.as_secs_f64() * self.jitter.next_fraction())
            .map_or(ceiling, |wait| wait.min(ceiling))
    }

    /// What to do after attempt `attempt` failed with `failure`, `started` being the clock
    /// reading when the call began.
    pub(crate) fn decide(
        &self,
        failure: &Failure,
        idempotent: bool,
        attempt: u32,
        started: Duration,
    ) -> Decision {
        let retryable = match failure.kind {
            FailureKind::Status(429) | FailureKind::NotSent => true,
            FailureKind::Status(408 | 500 | 502 | 503 | 504) | FailureKind::Unanswered => {
                idempotent
            }
            FailureKind::Status(_) => false,
        };
        if !retryable {
            return Decision::GiveUp(GiveUp::NotRetryable);
        }
        if let Some(wait) = failure.retry_after
            && wait > self.max_retry_after
        {
            return Decision::GiveUp(GiveUp::RetryAfterTooLong);
        }
        if attempt >= self.max_attempts {
            return Decision::GiveUp(GiveUp::Attempts);
        }
        let wait = failure
            .retry_after
            .unwrap_or_else(|| self.backoff_for(attempt));
        let spent = self.elapsed().saturating_sub(started);
        if spent.saturating_add(wait) > self.budget {
            return Decision::GiveUp(GiveUp::Budget);
        }
        Decision::Retry(wait)
    }
}

/// One failed attempt, as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Failure {
    pub(crate) kind: FailureKind,
    pub(crate) retry_after: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// An error answer with this status.
    Status(u16),
    /// The request never left: connecting failed.
    NotSent,
    /// Sent, but no (complete) answer: a timeout or a dropped connection.
    Unanswered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Retry(Duration),
    GiveUp(GiveUp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    NotRetryable,
    RetryAfterTooLong,
    Attempts,
    Budget,
}

/// A small xorshift generator: jitter needs spread, not cryptographic quality.
#[derive(Debug)]
struct Jitter(AtomicU64);

impl Jitter {
    fn new(seed: u64) -> Self {
        Jitter(AtomicU64::new(seed | 1))
    }

    fn from_time() -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Self::new(nanos ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A fraction in `[0, 1)`.
    fn next_fraction(&self) -> f64 {
        let mut current = self.0.load(Ordering::Relaxed);
        loop {
            let mut next = current;
            next ^= next << 13;
            next ^= next >> 7;
            next ^= next << 17;
            match self
                .0
                .compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return (next >> 11) as f64 / (1u64 << 53) as f64,
                Err(actual) => current = actual,
            }
        }
    }
}

/// Parses `Retry-After`: delay seconds, or an HTTP date (then the wait until it, zero when
/// it has passed). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::format_description::well_known::Rfc2822;
    let date = time::OffsetDateTime::parse(value, &format)
        .ok()
        .or_else(|| parse_imf_fixdate(value))?;
    // Whole seconds, compared as numbers: `SystemTime::from` a date the platform's clock
    // cannot represent (year 1 on Windows) would panic.
    let now = match now.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            i64::try_from(before.duration().as_secs()).map_or(i64::MIN, i64::saturating_neg)
        }
    };
    let wait = date.unix_timestamp().saturating_sub(now);
    Some(u64::try_from(wait).map_or(Duration::ZERO, Duration::from_secs))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110's IMF-fixdate), in case RFC 2822 parsing
/// refuses the `GMT` zone name.
fn parse_imf_fixdate(value: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value, &format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: FailureKind, retry_after: Option<u64>) -> Failure {
        Failure {
            kind,
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_677)
            ),
            Some(Duration::from_secs(100))
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn post_is_retried_only_when_nothing_happened() {
        let policy = RetryPolicy::new().jitter_seed(7);
        let start = policy.elapsed();
        for status in [500, 502, 503, 504, 408] {
            assert_eq!(
                policy.decide(&failure(FailureKind::Status(status), None), false, 1, start),
                Decision::GiveUp(GiveUp::NotRetryable)
            );
            assert!(matches!(
                policy.decide(&failure(FailureKind::Status(status), None), true, 1, start),
                Decision::Retry(_)
            ));
        }
        assert_eq!(
            policy.decide(&failure(FailureKind::Unanswered, None), false, 1, start),
            Decision::GiveUp(GiveUp::NotRetryable)
        );
        assert_eq!(
            policy.decide(&failure(FailureKind::Status(429), Some(5)), false, 1, start),
            Decision::Retry(Duration::from_secs(5))
        );
        assert!(matches!(
            policy.decide(&failure(FailureKind::NotSent, None), false, 1, start),
            Decision::Retry(_)
        ));
        assert_eq!(
            policy.decide(&failure(FailureKind::Status(404), None), true, 1, start),
            Decision::GiveUp(GiveUp::NotRetryable)
        );
    }

    #[test]
    fn long_retry_after_attempts_and_budget_end_the_call() {
        let clock = ManualClock::new();
        let policy = RetryPolicy::new()
            .clock_and_sleeper(clock.clone())
            .max_attempts(3)
            .budget(Duration::from_secs(100));
        let start = policy.elapsed();
        assert_eq!(
            policy.decide(
                &failure(FailureKind::Status(429), Some(3392)),
                true,
                1,
                start
            ),
            Decision::GiveUp(GiveUp::RetryAfterTooLong)
        );
        assert_eq!(
            policy.decide(&failure(FailureKind::Status(503), None), true, 3, start),
            Decision::GiveUp(GiveUp::Attempts)
        );
        clock.advance(Duration::from_secs(90));
        assert_eq!(
            policy.decide(&failure(FailureKind::Status(429), Some(30)), true, 1, start),
            Decision::GiveUp(GiveUp::Budget)
        );
    }

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_ceiling() {
        let policy = RetryPolicy::new()
            .backoff(Duration::from_millis(100), Duration::from_secs(1))
            .jitter_seed(42);
        for attempt in 1..20 {
            let ceiling = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(20))
                .min(Duration::from_secs(1));
            assert!(policy.backoff_for(attempt) <= ceiling);
        }
    }
}
