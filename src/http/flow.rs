//! The response future both adapters' services return: one state machine. The
//! framework's part (what a response looks like on its way out) is [`Exit`],
//! implemented by each adapter for its answer type and called statically.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::gate::Authenticated;
use super::site::Site;

/// What a middleware keeps of a request that moved on, for the audit log: taken
/// only while a log listens (see [`listening`](super::extract::listening)).
pub(crate) type Kept = Box<dyn Site + Send + Sync>;

/// An adapter's answer, made from its inner service's answer `I`.
pub(crate) trait Exit<I>: Sized {
    /// The inner service's answer on its way out of the middleware that let its
    /// request in (see [`on_the_way_out`](super::extract::on_the_way_out)).
    fn leave(answer: I, context: &Authenticated, kept: Option<&(dyn Site + Send + Sync)>) -> Self;

    /// The inner service's answer past a guard, as it is.
    fn pass(answer: I) -> Self;

    /// The answer of a future polled after it finished (a caller's bug): a server
    /// error, never a success, and no panic.
    fn spent() -> Self;
}

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
        // Refused; the response is taken once.
        Refused { response: Option<O> },
        // Let in by the middleware: the inner service's future.
        Inner {
            #[pin]
            future: F,
            context: Authenticated,
            kept: Option<Kept>,
        },
        // Let through by a guard: the route's own future, its answer as `O`.
        Passed { #[pin] future: F },
        // An authenticator that waits.
        Waiting { future: W },
    }
}

impl<F: Future, O, W> ResponseFuture<F, O, W> {
    pub(crate) fn refused(response: O) -> Self {
        Self::from(State::Refused {
            response: Some(response),
        })
    }

    pub(crate) fn inner(future: F, context: Authenticated, kept: Option<Kept>) -> Self {
        Self::from(State::Inner { future, context, kept })
    }

    pub(crate) fn passed(future: F) -> Self {
        Self::from(State::Passed { future })
    }

    pub(crate) fn waiting(future: W) -> Self {
        Self::from(State::Waiting { future })
    }

    fn from(state: State<F, O, W>) -> Self {
        ResponseFuture { state }
    }
}

// The bound is the crate's own: only the adapters' services make this future.
#[allow(private_bounds)]
impl<F, O, W> Future for ResponseFuture<F, O, W>
where
    F: Future,
    O: Exit<F::Output>,
    W: Future<Output = O> + Unpin,
{
    type Output = O;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        match self.project().state.project() {
            StateProjection::Refused { response } => Poll::Ready(response.take().unwrap_or_else(O::spent)),
            StateProjection::Inner { future, context, kept } => {
                future.poll(cx).map(|answer| O::leave(answer, context, kept.as_deref()))
            }
            StateProjection::Passed { future } => future.poll(cx).map(O::pass),
            StateProjection::Waiting { future } => Pin::new(future).poll(cx),
        }
    }
}
