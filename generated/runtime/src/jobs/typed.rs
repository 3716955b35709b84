//! [`TypedJob`]: a started Fabric long-running operation that knows the type of its result,
//! which the generated `*_job` siblings of Fabric operations return.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use futures::FutureExt;
use serde::de::DeserializeOwned;

use super::Job;
use crate::request::RequestBuilder;
use crate::{LongRunning, Result};

/// A started Fabric long-running operation whose result decodes as `T`: a [`Job`] (it derefs
/// to one: [`wait_with`](Job::wait_with) for progress, [`timeout`](TypedJob::timeout),
/// [`poll`](Job::poll)) whose [`result`](TypedJob::result) needs no type annotation.
#[must_use = "a job handle does nothing until waited on"]
pub struct TypedJob<T> {
    job: Job,
    result: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for TypedJob<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedJob")
            .field("result", &std::any::type_name::<T>())
            .field("job", &self.job)
            .finish()
    }
}

impl<T> Clone for TypedJob<T> {
    fn clone(&self) -> Self {
        TypedJob {
            job: self.job.clone(),
            result: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> TypedJob<T> {
    /// Sends `request` (a Fabric operation that may answer `202` and run on) and returns the
    /// handle.
    #[doc(hidden)]
    ///
    /// Not an `async fn`: the future is `Job::start`'s [`BoxedCall`](crate::BoxedCall),
    /// mapped, which is `Send` by its type alone (no coroutine to prove `Send` through for each
    /// generated `*_job` method).
    pub fn start(request: RequestBuilder) -> impl Future<Output = Result<Self>> + Send + 'static {
        Job::start(request, LongRunning::FabricOperation).map(|started| {
            started.map(|job| TypedJob {
                job,
                result: PhantomData,
            })
        })
    }

    /// The operation's result: waits first if it has not ended; an operation that ended
    /// `Failed` is its error (see [`Job::result`]).
    pub async fn result(&mut self) -> Result<T> {
        self.job.result().await
    }

    /// The overall limit of a wait (see [`Job::timeout`]).
    pub fn timeout(self, timeout: std::time::Duration) -> Self {
        self.map(|job| job.timeout(timeout))
    }

    /// Time between polls (see [`Job::poll_interval`]).
    pub fn poll_interval(self, interval: std::time::Duration) -> Self {
        self.map(|job| job.poll_interval(interval))
    }

    /// The untyped [`Job`].
    pub fn into_job(self) -> Job {
        self.job
    }

    fn map(self, change: impl FnOnce(Job) -> Job) -> Self {
        TypedJob {
            job: change(self.job),
            result: PhantomData,
        }
    }
}

impl<T> Deref for TypedJob<T> {
    type Target = Job;

    fn deref(&self) -> &Job {
        &self.job
    }
}

impl<T> DerefMut for TypedJob<T> {
    fn deref_mut(&mut self) -> &mut Job {
        &mut self.job
    }
}
