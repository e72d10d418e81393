//! Spans held by guards: the only way this crate hands out a span, so that every
//! span it starts is ended.

use crate::record::{forget_panic, record_failure, record_panic};
use crate::value::ToValue;
use opentelemetry::trace::{SpanContext, Status, TraceContextExt};
use opentelemetry::{Context, ContextGuard, Key, KeyValue};
use std::borrow::Cow;
use std::error::Error;
use std::marker::PhantomData;

/// A handle on a span, for adding to it: attributes, events, errors, status.
/// It does not end the span; the guard that owns the span does.
///
/// [`current_span`] gives one for the span that is current, for example inside a
/// `#[traced]` function:
///
/// ```
/// #[traced::traced]
/// fn charge(amount: u64) {
///     traced::current_span().set_attribute("payment.provider", "acme");
///     traced::current_span().add_event("charged", vec![]);
/// }
/// # charge(5);
/// ```
#[derive(Clone, Debug, Default)]
pub struct SpanHandle {
    cx: Context,
}

/// The span that is current on this thread: the innermost `#[traced]` call or entered
/// guard. When there is none, the handle's methods do nothing.
#[must_use]
pub fn current_span() -> SpanHandle {
    SpanHandle {
        cx: Context::current(),
    }
}

impl SpanHandle {
    /// Whether the span records what is added to it. Use it to skip computing
    /// values nobody will see.
    #[must_use]
    pub fn is_recording(&self) -> bool {
        self.cx.span().is_recording()
    }

    /// The span's identity, for links and for propagation by hand.
    #[must_use]
    pub fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// The context in which this span is the active one: a parent for other spans
    /// (`#[traced(parent = span.context())]`) or something to inject into outgoing
    /// requests.
    #[must_use]
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Sets an attribute; the value is converted only if the span records.
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl ToValue) {
        let span = self.cx.span();
        if span.is_recording() {
            if let Some(value) = value.to_value() {
                span.set_attribute(KeyValue::new(key, value));
            }
        }
    }

    /// Adds an event with attributes.
    pub fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>) {
        self.cx
            .span()
            .add_event_with_timestamp(name, crate::clock::now(), attributes);
    }

    /// Records an error that ends the operation: status Error with the error's
    /// `Display` as description, `error.type` (the error's type name) and an
    /// `exception` event.
    pub fn record_error<E: Error + ?Sized>(&self, error: &E) {
        record_failure(
            &self.cx.span(),
            std::any::type_name::<E>(),
            error.to_string(),
        );
    }

    /// Sets the status. Instrumentation leaves it Unset on success; set `Ok` only
    /// to override the outcome.
    pub fn set_status(&self, status: Status) {
        self.cx.span().set_status(status);
    }

    /// Renames the span.
    pub fn update_name(&self, name: impl Into<Cow<'static, str>>) {
        self.cx.span().update_name(name);
    }
}

/// A started span that is not current. It is `Send`, so it can move into other
/// threads and tasks, and it ends when dropped (or with [`Span::end`]).
///
/// Make it current for a while with [`Span::enter`] or [`Span::in_scope`], or for
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

    /// The span, when there is one to end.
    #[doc(hidden)]
    #[inline]
    pub fn live(self) -> Option<Span> {
        self.live.is_some().then_some(self)
    }

    /// What a scope makes current without keeping the span: `Ok(None)` when there is
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

    /// Makes the span current until the guard drops, without borrowing the span.
    #[inline]
    pub(crate) fn attach(&self) -> Option<ContextGuard> {
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

    /// Runs `f` with this span current.
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
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

/// Keeps a [`Span`] current on this thread; made by [`Span::enter`].
#[must_use = "the span is current only while this guard is alive"]
#[derive(Debug)]
pub struct Entered<'a> {
    _attached: Option<ContextGuard>,
    _span: PhantomData<&'a Span>,
}

/// A span that is current on this thread and ends when this guard drops.
///
/// It is not `Send`: holding it across an `.await` in a future that must be `Send`
/// is a compile error, because the span would stay current on a thread the task
/// has left. Trace async work with [`crate::Instrument`] instead.
///
/// ```
/// let guard = traced::span("load config").enter();
/// guard.set_attribute("config.path", "/etc/app.toml");
/// drop(guard); // ends the span
/// ```
#[must_use = "a span ends when its guard drops: bind it with `let _guard = ...`"]
#[derive(Debug)]
pub struct SpanGuard {
    // Field order is drop order: end the span, then restore the previous context.
    span: Span,
    _attached: Option<ContextGuard>,
}

impl std::ops::Deref for SpanGuard {
    type Target = Span;

    fn deref(&self) -> &Span {
        &self.span
    }
}
