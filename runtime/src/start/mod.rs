//! Starting a span: the one algorithm behind `#[traced]` call sites and the span
//! builder.
//!
//! 1. With a backend that samples by a [`SamplingRule`], `traced` decides first. A
//!    span under an unsampled current span, or an unsampled root, never reaches the
//!    SDK; a sampled one is built by the backend with its attributes.
//! 2. Otherwise the global tracer provider builds the span, through the tracer the
//!    caller keeps (a call site) or asks for (the builder), and its attributes are
//!    added only if it records. Seeing a no-op span there tells the call site that
//!    nothing records (see `provider`).

mod attributes;
mod parent;
mod sampling;

pub use attributes::{Arg, Attributes};
pub use parent::{IntoParent, LinkTarget};
pub use sampling::SamplingRule;
pub(crate) use sampling::{set_rule, span_id};

use crate::backend::{Backend, SampledSpan};
use crate::provider;
use crate::span::Span;
use opentelemetry::global::{BoxedSpan, BoxedTracer};
use opentelemetry::trace::{
    Link, Span as _, SpanBuilder, SpanContext, SpanKind, TraceContextExt, TraceFlags, TraceId,
    TraceState, Tracer,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use std::borrow::Cow;

/// Where a span starts and what it links to.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct Start {
    parent: Option<Context>,
    root: bool,
    links: Vec<Link>,
    /// No children and nothing injected: unsampled, it needs no context.
    leaf: bool,
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

    pub fn leaf(mut self) -> Self {
        self.leaf = true;
        self
    }

    pub fn link(mut self, target: impl LinkTarget) -> Self {
        let span_context = target.link_context();
        if span_context.is_valid() {
            self.links.push(Link::with_context(span_context));
        }
        self
    }

    /// The context the span starts in: the explicit parent, or the current one.
    fn base(&mut self) -> Context {
        self.parent.take().unwrap_or_else(Context::current)
    }

    /// Whether the parent was given (`parent = ...` or `root`), not taken from the
    /// current context.
    fn is_explicit(&self) -> bool {
        self.root || self.parent.is_some()
    }
}

/// The facts of a span that do not depend on the call's arguments.
pub(crate) struct Origin {
    pub(crate) name: Cow<'static, str>,
    pub(crate) kind: SpanKind,
    /// The instrumentation scope: name and version.
    pub(crate) scope: (&'static str, Option<&'static str>),
}

/// What starts spans: a `#[traced]` call site, which keeps its tracer and backend
/// per provider epoch, or a span builder, which asks for them at each start.
/// Neither runs the caller's code while it holds them.
pub(crate) trait Site {
    /// The span's facts; asked for once, when a span is built.
    fn origin(&mut self) -> Origin;
    /// Runs `f` with the backend installed at `epoch`, if it is still installed.
    fn with_backend<R>(&self, epoch: u64, f: impl FnOnce(&dyn Backend) -> R) -> Option<R>;
    /// Runs `f` with the global provider's tracer for this site's scope.
    fn with_tracer<R>(&self, epoch: u64, f: impl FnOnce(&BoxedTracer) -> R) -> R;
}

/// A span's attributes, written when they are needed; gets the context the span
/// starts in (for the baggage).
pub(crate) type WriteAttrs<'a> = &'a mut dyn FnMut(&Context, &mut Attrs<'_>);

/// Starts a span for `site`, in the context `start` gives. Inlined into its two
/// callers (a call site, the builder), which are not themselves inlined.
#[inline(always)]
pub(crate) fn start<S: Site>(site: &mut S, mut start: Start, attrs: WriteAttrs<'_>) -> Span {
    let epoch = provider::epoch();
    let rule = sampling::rule();
    let mut decided = None;
    if let Some(rule) = rule {
        if !start.is_explicit() {
            // Decided in place: the current context is cloned only into a child,
            // and taken as the base of a sampled one in the same look-up.
            let child = Context::map_current(|cx| {
                let span = cx.span();
                let parent = span.span_context();
                if !parent.is_valid() {
                    return None;
                }
                let decision = rule.child(parent);
                Some(if decision.sampled {
                    Ok((decision, cx.clone()))
                } else if start.leaf {
                    Err(Span::none())
                } else {
                    Err(unsampled(cx, parent, decision.trace))
                })
            });
            match child {
                Some(Err(span)) => return span,
                Some(Ok((decision, base))) => {
                    decided = Some(decision);
                    start.parent = Some(base);
                }
                None => {}
            }
        }
    }
    let base = start.base();
    if let Some(rule) = rule {
        // The parent's identity, borrowed: its trace state is copied only into the
        // new span's.
        let (none, span) = (SpanContext::NONE, base.span());
        let parent = if start.root {
            &none
        } else {
            span.span_context()
        };
        let decision = decided.unwrap_or_else(|| rule.decide(parent));
        if !decision.sampled {
            return if start.leaf {
                Span::none()
            } else {
                unsampled(&base, parent, decision.trace)
            };
        }
        let origin = site.origin();
        let mut attributes = |list: &mut Attributes| attrs(&base, &mut Attrs(Sink::List(list)));
        let context = new_span_context(parent, decision.trace, true);
        let started = site.with_backend(epoch, |backend| {
            backend.start(
                &base,
                SampledSpan {
                    context,
                    parent,
                    scope: origin.scope,
                    name: origin.name,
                    kind: origin.kind,
                    start_time: crate::clock::now(),
                    attributes: &mut attributes,
                    links: start.links,
                },
            )
        });
        // No backend: it was uninstalled after the rule was read, with its provider.
        return started.map_or_else(Span::none, |cx| Span::from_context(cx, true));
    }
    let origin = site.origin();
    let was = provider::state();
    let (mut span, noop) = site.with_tracer(epoch, |tracer| build(tracer, origin, start, &base));
    if was == provider::UNKNOWN {
        match noop {
            Some(true) => provider::watch_noop(epoch),
            Some(false) => provider::mark_on(epoch),
            None => {}
        }
    }
    if noop == Some(true) {
        return Span::none();
    }
    let recording = span.is_recording();
    if recording {
        attrs(
            &base,
            &mut Attrs(Sink::Push(&mut |kv| span.set_attribute(kv))),
        );
    }
    Span::from_context(base.with_span(span), recording)
}

/// A span `traced` decided not to sample, without the SDK: a context with a fresh
/// span id in `trace`, on top of `base`, carries the decision (and its own id as
/// the parent id) to whatever is started or injected inside it.
fn unsampled(base: &Context, parent: &SpanContext, trace: TraceId) -> Span {
    let context = new_span_context(parent, trace, false);
    Span::unsampled(base.with_remote_span_context(context))
}

/// The W3C Level 2 flag that says the trace id's right-most 7 bytes are random.
const RANDOM_TRACE_ID: TraceFlags = TraceFlags::new(0x02);

/// The identity of a new span under `parent` (invalid for a root): a fresh span id
/// in `trace`, with the parent's trace state. A root's trace id is one `traced`
/// drew, so it is flagged random; a child keeps its parent's flag. Inlined: a call
/// here cost the unsampled root 6 instructions.
#[inline(always)]
fn new_span_context(parent: &SpanContext, trace: TraceId, sampled: bool) -> SpanContext {
    let (random, state) = if parent.is_valid() {
        (
            parent.trace_flags() & RANDOM_TRACE_ID,
            parent.trace_state().clone(),
        )
    } else {
        (RANDOM_TRACE_ID, TraceState::NONE)
    };
    let flags = if sampled {
        random | TraceFlags::SAMPLED
    } else {
        random
    };
    SpanContext::new(trace, span_id(), flags, false, state)
}

/// Builds the span with the global provider's `tracer`, and tells whether the
/// tracer behaved as a no-op one: it returned the parent's span context, or none
/// (`None` when that cannot be told: telemetry is suppressed).
fn build(
    tracer: &BoxedTracer,
    origin: Origin,
    start: Start,
    base: &Context,
) -> (BoxedSpan, Option<bool>) {
    let mut builder = SpanBuilder::from_name(origin.name).with_kind(origin.kind);
    builder.start_time = Some(crate::clock::now());
    if !start.links.is_empty() {
        builder = builder.with_links(start.links);
    }
    let span = if start.root {
        tracer.build_with_context(builder, &Context::new())
    } else {
        tracer.build_with_context(builder, base)
    };
    let noop = (!base.is_telemetry_suppressed()).then(|| {
        let made = span.span_context();
        !made.is_valid() || (!start.root && made.span_id() == base.span().span_context().span_id())
    });
    (span, noop)
}

/// The tracer of an instrumentation scope, from the global provider.
pub(crate) fn global_tracer(scope: (&'static str, Option<&'static str>)) -> BoxedTracer {
    let mut builder = InstrumentationScope::builder(scope.0);
    if let Some(version) = scope.1 {
        builder = builder.with_version(version);
    }
    opentelemetry::global::tracer_with_scope(builder.build())
}

/// The attributes of a starting span, written by its call site or builder.
pub struct Attrs<'a>(Sink<'a>);

enum Sink<'a> {
    /// Into the compact list the backend gets, for a span known to be sampled.
    List(&'a mut Attributes),
    /// Straight into a span already started.
    Push(&'a mut dyn FnMut(KeyValue)),
}

impl Attrs<'_> {
    /// Adds `value` under `key`, if there is a value: an `Option<Value>`, or an
    /// [`Arg`] whose text a sampled span copies into its own list.
    #[inline]
    pub fn add<'v>(&mut self, key: &'static str, value: impl Into<Arg<'v>>) {
        let key = opentelemetry::Key::from_static_str(key);
        match (value.into(), &mut self.0) {
            (Arg::None, _) => {}
            (Arg::Value(value), Sink::List(list)) => list.push_value(key, value),
            (Arg::Value(value), Sink::Push(push)) => push(KeyValue::new(key, value)),
            (Arg::Str(text), Sink::List(list)) => list.push_str(key, text),
            (Arg::Str(text), Sink::Push(push)) => {
                if let Some(value) = crate::ToValue::to_value(text) {
                    push(KeyValue::new(key, value));
                }
            }
        }
    }

    /// Adds the code attributes of a function: `code.function.name`,
    /// `code.file.path`, `code.line.number`.
    pub(crate) fn code(&mut self, function: &'static str, file: &'static str, line: u32) {
        match &mut self.0 {
            Sink::List(list) => list.push_code(function, file, line),
            Sink::Push(push) => attributes::code_attributes(function, file, line)
                .into_iter()
                .for_each(push),
        }
    }

    pub(crate) fn push(&mut self, attribute: KeyValue) {
        match &mut self.0 {
            Sink::List(list) => list.push(attribute),
            Sink::Push(push) => push(attribute),
        }
    }

    /// Adds every attribute of `attributes`, leaving it empty.
    pub(crate) fn append(&mut self, attributes: &mut Vec<KeyValue>) {
        match &mut self.0 {
            Sink::List(list) => attributes.drain(..).for_each(|kv| list.push(kv)),
            Sink::Push(push) => attributes.drain(..).for_each(push),
        }
    }
}

impl std::fmt::Debug for Attrs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Attrs")
    }
}
