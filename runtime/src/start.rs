//! Starting a span: shared by `#[traced]` call sites and the span builder.

use crate::parent::{IntoParent, LinkTarget};
use opentelemetry::global::{BoxedSpan, BoxedTracer};
use opentelemetry::trace::{Link, Span as _, SpanBuilder, SpanKind, TraceContextExt, Tracer};
use opentelemetry::Context;
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

/// A span just built, with the context it was built in.
pub(crate) struct Built {
    pub(crate) span: BoxedSpan,
    /// The context the new span becomes active in.
    pub(crate) base: Context,
    /// Whether the tracer behaved as a no-op one: it returned the parent's span
    /// context, or none. `None` when that cannot be told (telemetry suppressed).
    pub(crate) noop: Option<bool>,
}

pub(crate) fn build(
    tracer: &BoxedTracer,
    name: Cow<'static, str>,
    kind: SpanKind,
    start: Start,
) -> Built {
    let mut builder = SpanBuilder::from_name(name).with_kind(kind);
    if !start.links.is_empty() {
        builder = builder.with_links(start.links);
    }
    let base = start.parent.unwrap_or_else(Context::current);
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
