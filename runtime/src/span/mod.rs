//! Spans held by guards: the only way this crate hands out a span, so that every
//! span it starts is ended.

mod builder;
mod future;
mod guard;
mod handle;
pub(crate) mod teardown;

pub use builder::{in_span, span, SpanBuilder};
pub use future::{Instrument, Traced};
pub use guard::{Entered, SpanGuard};
pub use handle::{current_server_span, current_span, SpanHandle};

use crate::record::{forget_panic, record_panic};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, ContextGuard, KeyValue};
use std::marker::PhantomData;

/// A started span that is not current. It is `Send`, so it can move into other
/// threads and tasks, and it ends when dropped (or with [`Span::end`]).
///
/// Make it current for a while with [`Span::enter`] or [`Span::in_span`], or for
/// the life of a future with [`crate::Instrument::in_span`].
#[must_use = "a span ends when dropped: bind it to a variable for as long as the work runs"]
#[derive(Debug)]
pub struct Span {
    // `None` when nothing records: then every operation is one check of this.
    live: Option<Live>,
}

#[derive(Debug)]
struct Live {
    handle: SpanHandle,
    panicking_at_start: bool,
    /// False for a context that only carries an unsampled decision: nothing to
    /// record, nothing to end.
    records: bool,
    /// Whether the span records, as its tracer said when it started (a span only
    /// stops recording when it ends): asked once, not at every use.
    recording: bool,
}

impl Span {
    /// The span active in `cx`, and whether it records.
    pub(crate) fn from_context(cx: Context, recording: bool) -> Self {
        Span {
            live: Some(Live {
                handle: SpanHandle { cx },
                panicking_at_start: std::thread::panicking(),
                records: true,
                recording,
            }),
        }
    }

    /// Marks the span as the server span of the work under it: what
    /// [`current_server_span`] finds from any span started inside it.
    pub(crate) fn mark_server(mut self) -> Self {
        if let Some(live) = &mut self.live {
            let own = live.handle.cx.clone();
            // The marker holds the context as it was before it: no cycle.
            live.handle.cx = own.with_value(handle::ServerSpan(own.clone()));
        }
        self
    }

    /// A context that carries an unsampled decision and ends nothing.
    pub(crate) fn unsampled(cx: Context) -> Self {
        Span {
            live: Some(Live {
                handle: SpanHandle { cx },
                panicking_at_start: false,
                records: false,
                recording: false,
            }),
        }
    }

    /// A span that records nothing and has nothing to end.
    #[inline]
    pub const fn none() -> Self {
        Span { live: None }
    }

    /// What a call guard makes current without keeping the span: `Ok(None)` when there is
    /// nothing, `Ok(Some(context))` for a context that only carries an unsampled
    /// decision (nothing to end), `Err(self)` for a span to end.
    #[inline]
    pub(crate) fn into_carrier(mut self) -> Result<Option<Context>, Span> {
        match &self.live {
            None => Ok(None),
            Some(live) if !live.records => Ok(self.live.take().map(|live| live.handle.cx)),
            Some(_) => Err(self),
        }
    }

    /// Whether there is a span to end (false for [`Span::none`] and when no tracer
    /// provider records).
    #[inline]
    pub(crate) fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// Whether the span records what is added to it.
    #[inline]
    #[must_use]
    pub fn is_recording(&self) -> bool {
        self.live.as_ref().is_some_and(|live| live.recording)
    }

    /// Makes the span current until the guard drops, without borrowing the span;
    /// not while the thread tears down (see `teardown`).
    #[inline]
    pub(crate) fn attach(&self) -> Option<ContextGuard> {
        let live = self.live.as_ref()?;
        teardown::alive().then(|| live.handle.cx.clone().attach())
    }

    /// [`Span::attach`] for a span started by this very call, which found the
    /// thread alive.
    #[inline]
    pub(crate) fn attach_started(&self) -> Option<ContextGuard> {
        self.live
            .as_ref()
            .map(|live| live.handle.cx.clone().attach())
    }

    /// Makes this span current on this thread until the returned guard drops.
    /// The guard cannot be held across an `.await` in a `Send` future.
    #[inline]
    pub fn enter(&self) -> Entered<'_> {
        Entered {
            _attached: self.attach(),
            _span: PhantomData,
        }
    }

    /// Runs `f` with this span current (the span goes on after `f`).
    pub fn in_span<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = self.enter();
        f()
    }

    /// Makes the span current until the returned guard drops; the guard then ends it.
    #[inline]
    pub fn entered(self) -> SpanGuard {
        let attached = self.attach();
        SpanGuard {
            span: self,
            _attached: attached,
        }
    }

    /// Ends the span now.
    pub fn end(self) {}

    /// Ends the span as cancelled: its work was dropped before it finished.
    pub(crate) fn end_cancelled(mut self) {
        if let Some(live) = self.live.take() {
            let span = live.handle.cx.span();
            if span.is_recording() {
                span.set_attribute(KeyValue::new(crate::CANCELLED_KEY, true));
            }
            span.end_with_timestamp(crate::clock::now());
        }
    }

    /// Ends the span as failed by a panic.
    pub(crate) fn end_panicked(mut self) {
        if let Some(live) = self.live.take() {
            let span = live.handle.cx.span();
            record_panic(&span);
            span.end_with_timestamp(crate::clock::now());
        }
    }
}

impl Live {
    #[inline(never)]
    fn end(&self) {
        if !self.records {
            return;
        }
        let span = self.handle.cx.span();
        if std::thread::panicking() {
            if !self.panicking_at_start {
                record_panic(&span);
            }
        } else {
            forget_panic();
        }
        span.end_with_timestamp(crate::clock::now());
    }
}

impl std::ops::Deref for Span {
    type Target = SpanHandle;

    fn deref(&self) -> &SpanHandle {
        static NONE: std::sync::OnceLock<SpanHandle> = std::sync::OnceLock::new();
        match &self.live {
            Some(live) => &live.handle,
            None => NONE.get_or_init(SpanHandle::default),
        }
    }
}

impl Drop for Span {
    #[inline]
    fn drop(&mut self) {
        if let Some(live) = &self.live {
            live.end();
        }
    }
}
