//! Time, in one place: where the runtime reads the time ([`Clock`]), how it waits
//! ([`Sleeper`]), the jitter and the capped exponential backoff of its retries, and
//! `Retry-After` parsing ([`parse_retry_after`]).
//!
//! Every wait of the crate goes through a [`Sleeper`] and every deadline is read from a
//! [`Clock`]: retries between attempts, the token cache's renewal and its backoff after a
//! failed renewal, a job's polls and its overall limit, the device code flow's polls. A
//! client takes both from [`PowerBiClientBuilder::clock_and_sleeper`] (default: the system
//! clock and `tokio::time::sleep`) for its retries, its jobs and the token cache it creates;
//! a device code credential takes its sleeper with
//! [`DeviceCodeCredential::with_sleeper`](crate::auth::DeviceCodeCredential::with_sleeper).
//! One `ManualClock` (feature `test-util`) given to all of them makes every wait instant in a
//! test and records what was waited for.
//!
//! Limits on work in flight (a request's timeout, the token load timeout, a job's limit
//! while a poll runs) are real time: a manual clock only moves when something sleeps on it,
//! so it decides whether a wait may start, never cuts a request short.
//!
//! [`PowerBiClientBuilder::clock_and_sleeper`]: crate::PowerBiClientBuilder::clock_and_sleeper

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
#[cfg(any(test, feature = "test-util"))]
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A boxed future returned by [`Sleeper::sleep`].
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where the runtime reads the time: a monotonic reading for deadlines and budgets, and the
/// wall clock for `Retry-After` given as an HTTP date.
pub trait Clock: Send + Sync {
    /// A monotonic reading: only differences between two readings of one clock matter.
    fn elapsed(&self) -> Duration;
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// How the runtime waits: between retries, between polls of a job or a device code.
pub trait Sleeper: Send + Sync {
    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The real clock (and, as a [`Sleeper`], `tokio::time::sleep`). Every `SystemClock` reads
/// the same monotonic origin, so readings of two of them compare.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// The monotonic origin every [`SystemClock`] reads from: the first reading of the process.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        origin().elapsed()
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

impl Sleeper for SystemClock {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        TokioSleeper.sleep(duration)
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

/// A clock that only moves when something sleeps on it (or [`ManualClock::advance`] moves
/// it): sleeping returns at once and advances the clock. For tests: a call, a job or a
/// sign-in that would wait minutes finishes instantly, and the waits it asked for can be read
/// back with [`ManualClock::sleeps`]. Clones share one clock. Behind the `test-util` feature:
/// it is for your tests, not your product.
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

    /// Moves the clock forward (not recorded as a sleep).
    pub fn advance(&self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        // Saturates: a clock pushed past u64::MAX nanoseconds (584 years) stays there.
        let _ = self
            .inner
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                Some(current.saturating_add(nanos))
            });
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

/// A clock and a sleeper together: what a client, its jobs and the token cache it creates
/// read the time from and wait with.
#[derive(Clone)]
pub(crate) struct Time {
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
}

impl Default for Time {
    /// The system clock and `tokio::time::sleep`.
    fn default() -> Self {
        Time::of(SystemClock)
    }
}

impl fmt::Debug for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Time")
            .field("elapsed", &self.elapsed())
            .finish_non_exhaustive()
    }
}

impl Time {
    /// Reads from and sleeps on `clock`.
    pub(crate) fn of<C: Clock + Sleeper + Clone + 'static>(clock: C) -> Self {
        Time {
            clock: Arc::new(clock.clone()),
            sleeper: Arc::new(clock),
        }
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub(crate) fn sleeper(&self) -> &Arc<dyn Sleeper> {
        &self.sleeper
    }

    /// The clock's monotonic reading.
    pub(crate) fn elapsed(&self) -> Duration {
        self.clock.elapsed()
    }

    /// The clock's wall time.
    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// Waits `duration` on the sleeper.
    pub(crate) fn sleep(&self, duration: Duration) -> SleepFuture {
        self.sleeper.sleep(duration)
    }
}

/// A small xorshift generator of fractions in `[0, 1)`: jitter needs spread, not
/// cryptographic quality. Shared by many callers without a lock.
#[derive(Debug)]
pub(crate) struct Jitter(AtomicU64);

impl Jitter {
    /// A reproducible sequence.
    pub(crate) fn new(seed: u64) -> Self {
        Jitter(AtomicU64::new(seed | 1))
    }

    /// A sequence seeded from the operating system's random source (through a v4 UUID), so
    /// that processes started together do not wait in step.
    pub(crate) fn from_entropy() -> Self {
        Self::new(uuid::Uuid::new_v4().as_u64_pair().0)
    }

    /// A fraction in `[0, 1)`.
    pub(crate) fn next_fraction(&self) -> f64 {
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
                // 53 bits fit an f64 mantissa exactly.
                Ok(_) => return (next >> 11) as f64 / (1u64 << 53) as f64,
                Err(actual) => current = actual,
            }
        }
    }
}

/// The one backoff: after the `n`-th consecutive failure the ceiling is `initial` doubled
/// `n - 1` times, capped at `max`, and jitter takes a random part of at most `spread` of it
/// off. A `spread` of 1 is full jitter (anywhere up to the ceiling: the retry policy's); a
/// smaller one keeps a floor (the token cache's fifth: a failed renewal always waits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    spread: f64,
}

impl Backoff {
    /// From `initial` up to `max` (at least `initial`), with full jitter unless
    /// [`Backoff::spread`] says otherwise.
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max: max.max(initial),
            spread: 1.0,
        }
    }

    /// The same ceilings, with at most `spread` (between 0 and 1) of each taken off at random.
    pub(crate) fn spread(mut self, spread: f64) -> Self {
        self.spread = spread.clamp(0.0, 1.0);
        self
    }

    /// The first ceiling.
    pub(crate) fn initial(&self) -> Duration {
        self.initial
    }

    /// The largest ceiling.
    pub(crate) fn max(&self) -> Duration {
        self.max
    }

    /// The ceiling after the `failures`-th consecutive failure (counting from 1).
    pub(crate) fn ceiling(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }

    /// The wait after the `failures`-th consecutive failure, `fraction` (in `[0, 1)`, from a
    /// [`Jitter`]) choosing where under the ceiling.
    pub(crate) fn wait(&self, failures: u32, fraction: f64) -> Duration {
        let ceiling = self.ceiling(failures);
        let off = scale(ceiling, self.spread * fraction.clamp(0.0, 1.0));
        ceiling.saturating_sub(off).min(ceiling)
    }
}

/// `duration` times `factor` (finite, not negative), saturating instead of panicking.
pub(crate) fn scale(duration: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(duration.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// Parses `Retry-After`: delay seconds, or an HTTP date (then the wait until it, zero when
/// it has passed, `now` being the wall-clock time). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = powerbi_types::datetime::text::http_date(value)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn full_jitter_stays_under_a_doubling_ceiling() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let jitter = Jitter::new(42);
        for failures in 1..40 {
            let ceiling = Duration::from_millis(100)
                .saturating_mul(1 << (failures - 1).min(20))
                .min(Duration::from_secs(1));
            assert_eq!(backoff.ceiling(failures), ceiling);
            assert!(backoff.wait(failures, jitter.next_fraction()) <= ceiling);
        }
        assert_eq!(backoff.wait(1, 0.0), Duration::from_millis(100));
        assert_eq!(backoff.wait(1, 0.5), Duration::from_millis(50));
    }

    #[test]
    fn a_spread_keeps_a_floor_and_absurd_steps_saturate() {
        let backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(60)).spread(0.2);
        assert_eq!(backoff.wait(1, 0.0), Duration::from_secs(5));
        assert_eq!(backoff.wait(2, 0.0), Duration::from_secs(10));
        assert_eq!(backoff.wait(9, 0.0), Duration::from_secs(60));
        assert_eq!(backoff.wait(1, 0.5), Duration::from_millis(4500));
        assert_eq!(backoff.wait(u32::MAX, 0.0), Duration::from_secs(60));
        assert!(backoff.wait(3, 0.999_999) >= Duration::from_millis(16_000));
        let huge = Backoff::new(Duration::MAX, Duration::MAX).spread(0.2);
        assert_eq!(huge.wait(3, 0.0), Duration::MAX);
        assert!(huge.wait(3, 0.999) <= Duration::MAX);
    }

    #[test]
    fn jitter_fractions_stay_in_range() {
        let jitter = Jitter::from_entropy();
        for _ in 0..1000 {
            assert!((0.0..1.0).contains(&jitter.next_fraction()));
        }
    }

    #[tokio::test]
    async fn a_manual_clock_moves_only_when_slept_on_or_advanced() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let clock = ManualClock::starting_at(start);
        let time = Time::of(clock.clone());
        assert_eq!(time.elapsed(), Duration::ZERO);
        time.sleep(Duration::from_secs(5)).await;
        clock.advance(Duration::from_secs(2));
        assert_eq!(time.elapsed(), Duration::from_secs(7));
        assert_eq!(time.now(), start + Duration::from_secs(7));
        assert_eq!(clock.sleeps(), [Duration::from_secs(5)]);
        clock.advance(Duration::MAX);
        assert_eq!(time.elapsed(), Duration::from_nanos(u64::MAX));
        // Two system clocks read one origin.
        let first = SystemClock.elapsed();
        assert!(SystemClock.elapsed() >= first);
    }
}
