//! Starting a span: shared by `#[traced]` call sites and the span builder.

use crate::parent::{IntoParent, LinkTarget};
use crate::span::Span;
use opentelemetry::trace::{
    Link, Span as _, SpanBuilder, SpanContext, SpanKind, TraceContextExt, TraceFlags, TraceId,
    TraceState, Tracer,
};
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;

/// Where a span starts and what it links to.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct Start {
    parent: Option<Context>,
    root: bool,
    links: Vec<Link>,
}

impl Start {
    pub fn parent(mut self, parent: impl IntoParent) -> Self {
        self.parent = Some(parent.parent_context());
        self
    }

    pub fn root(mut self) -> Self {
        self.root = true;
        self
    }

    pub fn link(mut self, target: impl LinkTarget) -> Self {
        let span_context = target.link_context();
        if span_context.is_valid() {
            self.links.push(Link::with_context(span_context));
        }
        self
    }
}

impl Start {
    /// The context the span starts in: the explicit parent, or the current one.
    pub(crate) fn base(&mut self) -> Context {
        self.parent.take().unwrap_or_else(Context::current)
    }

    /// The parent span's identity (invalid for a root).
    pub(crate) fn parent_span(&self, base: &Context) -> SpanContext {
        if self.root {
            SpanContext::empty_context()
        } else {
            base.span().span_context().clone()
        }
    }

    /// The links, taken out.
    #[cfg_attr(not(feature = "sdk"), allow(dead_code))]
    pub(crate) fn take_links(&mut self) -> Vec<Link> {
        std::mem::take(&mut self.links)
    }

    /// Whether the parent was given (`parent = ...` or `root`), not taken from the
    /// current context.
    pub(crate) fn is_explicit(&self) -> bool {
        self.root || self.parent.is_some()
    }
}

/// A span `traced` decided not to sample, without the SDK: a context with a fresh
/// span id in `trace` carries the decision to whatever is started or injected
/// inside it.
pub(crate) fn unsampled(base: Context, parent: &SpanContext, trace: TraceId) -> Span {
    let state = if parent.is_valid() {
        parent.trace_state().clone()
    } else {
        TraceState::NONE
    };
    let context = SpanContext::new(
        trace,
        crate::sampling::span_id(),
        TraceFlags::default(),
        false,
        state,
    );
    Span::unsampled(base.with_remote_span_context(context))
}

/// A span just built, with the context it was built in.
pub(crate) struct Built<S> {
    pub(crate) span: S,
    /// The context the new span becomes active in.
    pub(crate) base: Context,
    /// Whether the tracer behaved as a no-op one: it returned the parent's span
    /// context, or none. `None` when that cannot be told (telemetry suppressed).
    pub(crate) noop: Option<bool>,
}

/// Builds the span in `base` (from [`Start::base`]). `attributes`, when given, go
/// to the SDK with the builder: for a span already known to be sampled.
pub(crate) fn build<T: Tracer>(
    tracer: &T,
    name: Cow<'static, str>,
    kind: SpanKind,
    start: Start,
    base: Context,
    attributes: Option<Vec<KeyValue>>,
) -> Built<T::Span> {
    let mut builder = SpanBuilder::from_name(name).with_kind(kind);
    builder.attributes = attributes;
    builder.start_time = Some(crate::clock::now());
    if !start.links.is_empty() {
        builder = builder.with_links(start.links);
    }
    let span = if start.root {
        tracer.build_with_context(builder, &Context::new())
    } else {
        tracer.build_with_context(builder, &base)
    };
    let noop = (!base.is_telemetry_suppressed()).then(|| {
        let made = span.span_context();
        !made.is_valid() || (!start.root && made.span_id() == base.span().span_context().span_id())
    });
    Built { span, base, noop }
}
