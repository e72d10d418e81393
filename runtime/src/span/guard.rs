//! Guards that keep a span current on this thread.

use super::Span;
use opentelemetry::ContextGuard;
use std::marker::PhantomData;

/// Keeps a [`Span`] current on this thread; made by [`Span::enter`].
#[must_use = "the span is current only while this guard is alive"]
#[derive(Debug)]
pub struct Entered<'a> {
    pub(super) _attached: Option<ContextGuard>,
    pub(super) _span: PhantomData<&'a Span>,
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
    pub(super) span: Span,
    pub(super) _attached: Option<ContextGuard>,
}

impl std::ops::Deref for SpanGuard {
    type Target = Span;

    fn deref(&self) -> &Span {
        &self.span
    }
}
