//! Tracing async work: a span that is current while the future is polled and
//! ends when it completes or is dropped.

use super::builder::SpanBuilder;
use super::{Span, SpanHandle};
use pin_project_lite::pin_project;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

/// Traces futures: `future.in_span(span)` makes `span` current whenever the future
/// is polled and ends it when the future completes. Dropped before completing, the
/// span ends then, with the attribute `traced.cancelled = true`.
///
/// ```
/// use traced::Instrument;
///
/// async fn fetch() -> u32 { 7 }
///
/// let traced_fetch = fetch().in_span(traced::span("fetch"));
/// # let _ = traced_fetch;
/// ```
pub trait Instrument: Future + Sized {
    /// Traces this future with `span`: a [`SpanBuilder`] (started now) or a
    /// started [`Span`].
    fn in_span(self, span: impl Into<Span>) -> Traced<Self> {
        Traced::new(span.into(), self, ())
    }

    /// Carries the context current now into this future: it is current whenever
    /// the future is polled, on whatever thread, so work spawned with it stays in
    /// the trace.
    fn in_current_context(self) -> opentelemetry::context::WithContext<Self> {
        opentelemetry::context::FutureExt::with_current_context(self)
    }
}

impl<F: Future> Instrument for F {}

impl From<SpanBuilder> for Span {
    fn from(builder: SpanBuilder) -> Span {
        builder.start()
    }
}

/// Called with the output of a traced future before its span ends.
#[doc(hidden)]
pub trait OutputHook<T> {
    fn output(self, span: &SpanHandle, output: &T);
}

impl<T> OutputHook<T> for () {
    fn output(self, _: &SpanHandle, _: &T) {}
}

impl<T, F: FnOnce(&SpanHandle, &T)> OutputHook<T> for F {
    fn output(self, span: &SpanHandle, output: &T) {
        self(span, output);
    }
}

pin_project! {
    /// A future traced by a span; see [`Instrument`].
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct Traced<F, H = ()> {
        #[pin]
        future: F,
        // Not live once ended, or when nothing records: then polls go straight
        // through. Dropped by hand, only when live: no drop glue otherwise.
        span: ManuallyDrop<Span>,
        hook: Option<H>,
        polling: bool,
    }

    impl<F, H> PinnedDrop for Traced<F, H> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.span.is_live() {
                let span = take(this.span);
                if *this.polling && std::thread::panicking() {
                    span.end_panicked();
                } else {
                    span.end_cancelled();
                }
            }
        }
    }
}

/// The span, leaving one with nothing to end (and nothing to drop) in its place.
fn take(span: &mut ManuallyDrop<Span>) -> Span {
    ManuallyDrop::into_inner(std::mem::replace(span, ManuallyDrop::new(Span::none())))
}

impl<F: Future, H: OutputHook<F::Output>> Traced<F, H> {
    #[doc(hidden)]
    #[inline]
    pub fn new(span: Span, future: F, hook: H) -> Self {
        Traced {
            future,
            span: ManuallyDrop::new(span),
            hook: Some(hook),
            polling: false,
        }
    }
}

impl<F: Future, H: OutputHook<F::Output>> Future for Traced<F, H> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        if !this.span.is_live() {
            return this.future.poll(task);
        }
        let entered = this.span.enter();
        *this.polling = true;
        let poll = this.future.poll(task);
        *this.polling = false;
        drop(entered);
        if let Poll::Ready(output) = &poll {
            let span = take(this.span);
            if let Some(hook) = this.hook.take() {
                if span.is_recording() {
                    hook.output(&span, output);
                }
            }
            span.end();
        }
        poll
    }
}
