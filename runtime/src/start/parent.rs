//! What can be a span's parent, and what a span can link to.

use crate::span::{Span, SpanHandle};
use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry::Context;

/// A parent for a new span: an [`opentelemetry::Context`] (owned or borrowed), or a
/// [`SpanContext`], such as one extracted from the headers of an incoming request.
///
/// ```
/// use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
///
/// #[traced::traced(kind = server, skip(remote), parent = remote)]
/// fn handle(remote: &SpanContext) {}
///
/// let remote = SpanContext::new(
///     TraceId::from(7), SpanId::from(9), TraceFlags::SAMPLED, true, TraceState::default(),
/// );
/// handle(&remote);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the parent of a span",
    label = "not a parent",
    note = "a parent is an `opentelemetry::Context`, a `SpanContext`, or a `traced::Span` or `SpanHandle` (owned or borrowed)"
)]
pub trait IntoParent {
    /// The context the new span starts in.
    fn parent_context(&self) -> Context;
}

impl IntoParent for Context {
    fn parent_context(&self) -> Context {
        self.clone()
    }
}

impl IntoParent for SpanContext {
    fn parent_context(&self) -> Context {
        // Keep the current baggage; only the parent span changes.
        Context::current().with_remote_span_context(self.clone())
    }
}

impl IntoParent for SpanHandle {
    fn parent_context(&self) -> Context {
        self.context().clone()
    }
}

impl IntoParent for Span {
    fn parent_context(&self) -> Context {
        self.context().clone()
    }
}

impl<T: IntoParent + ?Sized> IntoParent for &T {
    fn parent_context(&self) -> Context {
        (**self).parent_context()
    }
}

/// Something a span can link to: a [`SpanContext`], a [`Context`] (its active span),
/// or one of our spans. Invalid span contexts are left out.
#[diagnostic::on_unimplemented(
    message = "a span cannot link to `{Self}`",
    label = "not a span to link to",
    note = "a link goes to a `SpanContext`, an `opentelemetry::Context`, or a `traced::Span` or `SpanHandle` (owned or borrowed)"
)]
pub trait LinkTarget {
    /// The span context to link to.
    fn link_context(&self) -> SpanContext;
}

impl LinkTarget for SpanContext {
    fn link_context(&self) -> SpanContext {
        self.clone()
    }
}

impl LinkTarget for Context {
    fn link_context(&self) -> SpanContext {
        self.span().span_context().clone()
    }
}

impl LinkTarget for SpanHandle {
    fn link_context(&self) -> SpanContext {
        self.span_context()
    }
}

impl LinkTarget for Span {
    fn link_context(&self) -> SpanContext {
        self.span_context()
    }
}

impl<T: LinkTarget + ?Sized> LinkTarget for &T {
    fn link_context(&self) -> SpanContext {
        (**self).link_context()
    }
}
