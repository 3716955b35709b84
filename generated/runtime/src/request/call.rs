//! [`Call`]: the future of a call whose answer is decoded into a type, which every generated
//! method that answers JSON returns (behind `impl Future + Send + 'static`).
//!
//! [`BoxedCall`]: the future of every other call a generated method returns (no body, bytes,
//! a job), the whole call boxed once.
//!
//! Why a hand-written future and not `async fn send_json<T>`: an `async fn` generic over the
//! answer is a separate coroutine for every answer type, and a generated method returning it
//! as `impl Future + Send` makes the compiler prove `Send` through that coroutine once per
//! method: 0.8 s of `cargo check`'s 6.0 s for Power BI's 226 operations, 8 s of 25 s with
//! Fabric's (measured when it was written; BENCHMARKS.md, issue 13). Here the sending is one boxed future, compiled once
//! for every call, and the answer type only picks the decoding run when it completes, so a
//! method's future is `Send` by its fields alone and its decoding is compiled only where the
//! call is awaited.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::{BoxFuture, FutureExt};
use serde::de::DeserializeOwned;

use super::odata_list::ODataList;
use super::send::Response;
use crate::Result;

/// The sending part of a call: every request, retry and body read, not yet decoded.
pub(crate) type Sending = BoxFuture<'static, Result<Response>>;

/// How a [`Call`]'s answer is decoded: [`Json`] or [`ODataItems`]. Sealed: the runtime decides
/// which answer shapes exist.
pub trait Answer: sealed::Decode<Decoded = <Self as Answer>::Output> {
    /// What the call returns.
    type Output;
}

/// The answer is a JSON document decoded as `T` (under the client's decode policy).
pub struct Json<T>(PhantomData<fn() -> T>);

/// The answer is an OData list, `{"value": [...]}`; the call returns its items.
pub struct ODataItems<T>(PhantomData<fn() -> T>);

impl<T: DeserializeOwned> Answer for Json<T> {
    type Output = T;
}

impl<T: DeserializeOwned> sealed::Decode for Json<T> {
    type Decoded = T;

    fn decode(sent: sealed::Sent) -> Result<T> {
        sent.response.decode(sent.operation)
    }
}

impl<T: DeserializeOwned> Answer for ODataItems<T> {
    type Output = Vec<T>;
}

impl<T: DeserializeOwned> sealed::Decode for ODataItems<T> {
    type Decoded = Vec<T>;

    fn decode(sent: sealed::Sent) -> Result<Vec<T>> {
        sent.response
            .decode::<ODataList<T>>(sent.operation)
            .map(|list| list.0)
    }
}

mod sealed {
    use super::{Response, Result};

    /// The decoding itself, out of users' reach.
    pub trait Decode {
        type Decoded;
        fn decode(sent: Sent) -> Result<Self::Decoded>;
    }

    /// A successful answer and the operation it answers (the runtime's `Response` is private).
    pub struct Sent {
        pub(super) response: Response,
        pub(super) operation: &'static str,
    }
}

/// A call on its way: resolves to the decoded answer ([`Answer::Output`]) or the call's
/// [`Error`](crate::Error). Like every future, it does nothing until awaited.
#[must_use = "a call is sent only when awaited"]
pub struct Call<A> {
    sending: Sending,
    operation: &'static str,
    answer: PhantomData<fn() -> A>,
}

impl<A> Call<A> {
    pub(crate) fn new(sending: Sending, operation: &'static str) -> Self {
        Call {
            sending,
            operation,
            answer: PhantomData,
        }
    }
}

impl<A: Answer> Future for Call<A> {
    type Output = Result<A::Output>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let call = self.get_mut();
        call.sending.as_mut().poll(context).map(|sent| {
            sent.and_then(|response| {
                <A as sealed::Decode>::decode(sealed::Sent {
                    response,
                    operation: call.operation,
                })
            })
        })
    }
}

impl<A> std::fmt::Debug for Call<A> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Call")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

/// A call on its way whose answer needs no decoding by type: an answer without a body, a
/// binary body, a started or finished job. Resolves to `T` or the call's
/// [`Error`](crate::Error); like every future, it does nothing until awaited.
///
/// Why not an `async fn`: a generated method returns its call as `impl Future + Send`, and
/// for a coroutine the compiler proves `Send` through every value it holds across an
/// `.await`, again for each method (about 10 ms of `cargo check` per method; measured in
/// issue 13). This future holds one boxed
/// `dyn Future + Send`, which is `Send` by its type alone, at the price of one allocation per
/// call.
#[must_use = "a call is sent only when awaited"]
pub struct BoxedCall<T>(BoxFuture<'static, Result<T>>);

impl<T> BoxedCall<T> {
    /// Boxes `call` (the runtime's own `async` blocks, each compiled once).
    pub(crate) fn new(call: impl Future<Output = Result<T>> + Send + 'static) -> Self {
        BoxedCall(call.boxed())
    }
}

impl<T> Future for BoxedCall<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.as_mut().poll(context)
    }
}

impl<T> std::fmt::Debug for BoxedCall<T> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("BoxedCall").finish_non_exhaustive()
    }
}
