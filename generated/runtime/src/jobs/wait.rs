//! Waiting on a job: polls spaced by the interval or the service's `Retry-After`, busy
//! exports restarted, and the overall limit. The time is the client's
//! ([`crate::time`]): its clock reads the deadline and its sleeper waits between polls.

use std::time::Duration;

use tracing::Instrument;
use tracing::field::Empty;

use super::{Job, JobStatus};
use crate::time::Time;
use crate::{Error, LongRunning, Result, TimeoutKind, telemetry};

impl Job {
    /// Polls once: the current status and the delay the service asked for (`Retry-After`).
    /// Each poll is a `powerbi.job.poll` span ([`crate::telemetry`]).
    #[inline]
    pub async fn poll(&mut self) -> Result<(JobStatus, Option<Duration>)> {
        let span = tracing::info_span!(
            "powerbi.job.poll",
            powerbi.operation = self.start.operation_name(),
            powerbi.job.kind = kind_name(self.kind),
            powerbi.job.id = self.id.as_deref(),
            powerbi.job.state = Empty,
            powerbi.job.done = Empty,
            otel.status_code = Empty,
            "error.type" = Empty,
        );
        let polled = self.poll_once().instrument(span.clone()).await;
        match &polled {
            Ok((status, _)) => {
                span.record("powerbi.job.state", status.status.as_str());
                span.record("powerbi.job.done", status.done);
            }
            Err(error) => telemetry::failed(&span, error),
        }
        polled
    }

    /// Polls until the operation ends and returns its last status (check
    /// [`JobStatus::succeeded`]: a failed refresh or export is an answer, not an error).
    #[inline]
    pub async fn wait(&mut self) -> Result<JobStatus> {
        self.wait_with(|_| {}).await
    }

    /// [`wait`](Job::wait), calling `progress` with every status seen.
    pub async fn wait_with(&mut self, mut progress: impl FnMut(&JobStatus)) -> Result<JobStatus> {
        let time = self.start.client().time().clone();
        // A limit too far away for the clock to read is no limit.
        let deadline = time.elapsed().checked_add(self.timeout);
        let mut restarts = 0;
        if let Some(wait) = self.first_wait.take() {
            // Fabric: the start answer's Retry-After comes before the first poll, exactly (the
            // poll interval spaces the polls after it).
            self.sleep_for(&time, deadline, wait.min(self.max_retry_after))
                .await?;
        }
        loop {
            let timed_out = self.timed_out();
            let (status, delay) = within(&time, deadline, timed_out, self.poll()).await?;
            progress(&status);
            if status.done {
                let busy = self.kind == LongRunning::Export && !status.succeeded && delay.is_some();
                if busy && restarts < self.max_restarts {
                    // The service was busy: start the export again after its Retry-After.
                    restarts += 1;
                    self.sleep(&time, deadline, delay).await?;
                    let fresh = within(
                        &time,
                        deadline,
                        self.timed_out(),
                        Job::start(self.start.clone(), self.kind),
                    )
                    .await?;
                    self.id = fresh.id;
                    self.next_poll = fresh.next_poll;
                    self.initial = fresh.initial;
                    continue;
                }
                return Ok(status);
            }
            self.sleep(&time, deadline, delay).await?;
        }
    }

    #[inline]
    fn timed_out(&self) -> Error {
        let host = self
            .start
            .url()
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_default();
        Error::Timeout {
            operation: self.start.operation_name(),
            host,
            after: self.timeout,
            limit: TimeoutKind::Job,
            source: None,
        }
    }

    /// Waits before the next poll: the interval or the service's (capped) `Retry-After`; an
    /// error at once when the poll would come after the deadline.
    #[inline]
    async fn sleep(
        &self,
        time: &Time,
        deadline: Option<Duration>,
        delay: Option<Duration>,
    ) -> Result<()> {
        let wait = delay.map_or(self.interval, |delay| delay.max(self.interval));
        self.sleep_for(time, deadline, wait).await
    }

    /// Waits `wait`; an error at once when it would end after the deadline.
    #[inline]
    async fn sleep_for(
        &self,
        time: &Time,
        deadline: Option<Duration>,
        wait: Duration,
    ) -> Result<()> {
        if let Some(deadline) = deadline
            && time
                .elapsed()
                .checked_add(wait)
                .is_none_or(|wake| wake > deadline)
        {
            return Err(self.timed_out());
        }
        time.sleep(wait).await;
        Ok(())
    }
}

/// The `powerbi.job.kind` field of a poll span.
#[inline]
fn kind_name(kind: LongRunning) -> &'static str {
    match kind {
        LongRunning::Refresh => "refresh",
        LongRunning::Export => "export",
        LongRunning::Import => "import",
        LongRunning::Pipeline => "pipeline",
        LongRunning::Scan => "scan",
        LongRunning::Poll | LongRunning::None => "poll",
        LongRunning::FabricOperation => "fabric_operation",
        LongRunning::JobInstance => "job_instance",
    }
}

/// Runs `work` until `deadline` (a reading of `time`'s clock) at most; `timed_out` past it.
/// Work in flight is cut short in real time (tokio's timer): a manual clock only moves when
/// something sleeps on it, and decides only whether the work starts.
async fn within<T>(
    time: &Time,
    deadline: Option<Duration>,
    timed_out: Error,
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    let Some(deadline) = deadline else {
        return work.await;
    };
    let left = deadline.saturating_sub(time.elapsed());
    if left.is_zero() {
        return Err(timed_out);
    }
    match tokio::time::timeout(left, work).await {
        Ok(result) => result,
        Err(_) => Err(timed_out),
    }
}
