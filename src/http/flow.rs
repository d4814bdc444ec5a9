//! The response future both adapters' services return: one state machine. The
//! framework's part (what a response looks like on its way out) comes in as plain
//! functions, so nothing of the crate's internals shows in the public type.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::gate::Authenticated;
use super::site::Site;

/// What a middleware keeps of a request that moved on, for the audit log: taken
/// only while a log listens (see [`listening`](super::extract::listening)).
pub(crate) type Kept = Box<dyn Site + Send + Sync>;

/// The inner service's answer `I` on its way out of the middleware that let its
/// request in, as the adapter's answer `O` (see
/// [`on_the_way_out`](super::extract::on_the_way_out)).
pub(crate) type Leave<I, O> = fn(I, &Authenticated, Option<&(dyn Site + Send + Sync)>) -> O;

pin_project_lite::pin_project! {
    /// The response future of the adapters' middleware and guard services: `F` is
    /// the inner service's future, `O` the answer, `W` a request whose
    /// authenticator waits, boxed whole.
    pub struct ResponseFuture<F, O, W>
    where
        F: Future,
    {
        #[pin]
        state: State<F, O, W>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProjection]
    enum State<F, O, W>
    where
        F: Future,
    {
        // Refused; the response is taken once. Polled again after that (a caller's
        // bug): `spent`, a server error, never a success, and no panic.
        Refused { response: Option<O>, spent: fn() -> O },
        // Let in by the middleware: the inner service's future.
        Inner {
            #[pin]
            future: F,
            context: Authenticated,
            kept: Option<Kept>,
            leave: Leave<F::Output, O>,
        },
        // Let through by a guard: the route's own future, its answer as `O`.
        Passed { #[pin] future: F, pass: fn(F::Output) -> O },
        // An authenticator that waits.
        Waiting { future: W },
    }
}

impl<F: Future, O, W> ResponseFuture<F, O, W> {
    pub(crate) fn refused(response: O, spent: fn() -> O) -> Self {
        Self::from(State::Refused {
            response: Some(response),
            spent,
        })
    }

    pub(crate) fn inner(future: F, context: Authenticated, kept: Option<Kept>, leave: Leave<F::Output, O>) -> Self {
        Self::from(State::Inner {
            future,
            context,
            kept,
            leave,
        })
    }

    pub(crate) fn passed(future: F, pass: fn(F::Output) -> O) -> Self {
        Self::from(State::Passed { future, pass })
    }

    pub(crate) fn waiting(future: W) -> Self {
        Self::from(State::Waiting { future })
    }

    fn from(state: State<F, O, W>) -> Self {
        ResponseFuture { state }
    }
}

impl<F, O, W> Future for ResponseFuture<F, O, W>
where
    F: Future,
    W: Future<Output = O> + Unpin,
{
    type Output = O;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        match self.project().state.project() {
            StateProjection::Refused { response, spent } => Poll::Ready(response.take().unwrap_or_else(*spent)),
            StateProjection::Inner {
                future,
                context,
                kept,
                leave,
            } => future.poll(cx).map(|answer| leave(answer, context, kept.as_deref())),
            StateProjection::Passed { future, pass } => future.poll(cx).map(*pass),
            StateProjection::Waiting { future } => Pin::new(future).poll(cx),
        }
    }
}
