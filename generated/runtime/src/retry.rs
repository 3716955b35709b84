//! The one retry policy for calls, page fetches and polls (they all go through the one send
//! path): which failures are retried, how long to wait, when to give up. Time, waits and the
//! backoff come from [`crate::time`], so tests never wait.
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
//!
//! Fabric's error answers say `isRetriable`. Where following it is safe it is followed: `false`
//! stops retries of a server error or timeout (408, 5xx); `true` makes another status (a 409
//! while a previous operation runs, say) retried, but only for an idempotent call, as server
//! errors are. It never makes a POST or PATCH retried, and a 429 waits its `Retry-After`
//! whatever it says.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::time::{Backoff, Clock, Jitter, SleepFuture, Sleeper, SystemClock, Time};

/// How a client retries. Cheap to clone; set per client with
/// [`crate::PowerBiClientBuilder::retry_policy`] or per call with
/// [`crate::Client::with_retry_policy`] / [`crate::RequestBuilder::retry_policy`].
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
    max_retry_after: Duration,
    budget: Duration,
    /// `None`: the client's (see [`RetryPolicy::clock`]).
    clock: Option<Arc<dyn Clock>>,
    /// `None`: the client's.
    sleeper: Option<Arc<dyn Sleeper>>,
    jitter: Arc<Jitter>,
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.backoff.initial())
            .field("max_backoff", &self.backoff.max())
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
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(30)),
            max_retry_after: Duration::from_secs(60),
            budget: Duration::from_secs(300),
            clock: None,
            sleeper: None,
            jitter: Arc::new(Jitter::from_entropy()),
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
        self.backoff = Backoff::new(initial, max);
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

    /// Reads time from `clock` (default: the client's, see
    /// [`PowerBiClientBuilder::clock_and_sleeper`](crate::PowerBiClientBuilder::clock_and_sleeper);
    /// the system clock when the client has none).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Waits with `sleeper` (default: the client's; `tokio::time::sleep` when it has none).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Some(Arc::new(sleeper));
        self
    }

    /// Uses `clock` for both the time and the waits (in tests, a `ManualClock` of the
    /// `test-util` feature, in [`crate::time`]).
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

    /// This policy reading and waiting on `time` where it was given no clock or sleeper of
    /// its own (a client hands its own to the policies its calls use).
    pub(crate) fn or_time(mut self, time: &Time) -> Self {
        if self.clock.is_none() {
            self.clock = Some(Arc::clone(time.clock()));
        }
        if self.sleeper.is_none() {
            self.sleeper = Some(Arc::clone(time.sleeper()));
        }
        self
    }

    pub(crate) fn elapsed(&self) -> Duration {
        match &self.clock {
            Some(clock) => clock.elapsed(),
            None => SystemClock.elapsed(),
        }
    }

    pub(crate) fn wall_clock(&self) -> SystemTime {
        match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }

    pub(crate) fn sleep(&self, duration: Duration) -> SleepFuture {
        match &self.sleeper {
            Some(sleeper) => sleeper.sleep(duration),
            None => SystemClock.sleep(duration),
        }
    }

    /// The backoff before attempt `attempt + 1` (attempt counts from 1): full jitter under
    /// `min(max_backoff, initial * 2^(attempt-1))` ([`Backoff`]).
    pub(crate) fn backoff_for(&self, attempt: u32) -> Duration {
        self.backoff.wait(attempt, self.jitter.next_fraction())
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
        let retryable = match (failure.kind, failure.retriable) {
            (FailureKind::Status(429) | FailureKind::NotSent, _) => true,
            (FailureKind::Status(_), Some(false)) => false,
            (FailureKind::Status(408 | 500 | 502 | 503 | 504) | FailureKind::Unanswered, _)
            | (FailureKind::Status(_), Some(true)) => idempotent,
            (FailureKind::Status(_), None) => false,
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
    /// The answer's `isRetriable` (Fabric), when it said.
    pub(crate) retriable: Option<bool>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{ManualClock, Time};

    fn failure(kind: FailureKind, retry_after: Option<u64>) -> Failure {
        Failure {
            kind,
            retry_after: retry_after.map(Duration::from_secs),
            retriable: None,
        }
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
    fn is_retriable_is_followed_where_safe() {
        let policy = RetryPolicy::new().jitter_seed(3);
        let start = policy.elapsed();
        let with = |status, retriable| Failure {
            retriable,
            ..failure(FailureKind::Status(status), Some(1))
        };
        let retried = |failure: &Failure, idempotent| {
            matches!(
                policy.decide(failure, idempotent, 1, start),
                Decision::Retry(_)
            )
        };
        assert!(!retried(&with(503, Some(false)), true));
        assert!(retried(&with(409, Some(true)), true));
        assert!(!retried(&with(409, Some(true)), false));
        assert!(!retried(&with(409, None), true));
        assert!(retried(&with(429, Some(false)), false));
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

    #[test]
    fn a_policy_without_a_clock_of_its_own_reads_the_clients() {
        let client = ManualClock::new();
        let time = Time::of(client.clone());
        let inherited = RetryPolicy::new().or_time(&time);
        client.advance(Duration::from_secs(7));
        assert_eq!(inherited.elapsed(), Duration::from_secs(7));
        let own = ManualClock::new();
        let kept = RetryPolicy::new()
            .clock_and_sleeper(own.clone())
            .or_time(&time);
        assert_eq!(kept.elapsed(), Duration::ZERO);
        drop(kept.sleep(Duration::from_secs(2)));
        assert_eq!(own.sleeps(), [Duration::from_secs(2)]);
        assert!(client.sleeps().is_empty());
    }
}
