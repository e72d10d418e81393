//! Spans started by hand, for code an attribute cannot reach.

use crate::parent::{IntoParent, LinkTarget};
use crate::provider;
use crate::sampling;
use crate::span::{Span, SpanGuard};
use crate::start::{build, unsampled, Start};
use crate::value::ToValue;
use opentelemetry::trace::{Span as _, SpanKind, TraceContextExt as _};
use opentelemetry::{InstrumentationScope, Key, KeyValue};
use opentelemetry_semantic_conventions::attribute::{CODE_FILE_PATH, CODE_LINE_NUMBER};
use std::borrow::Cow;
use std::panic::Location;

/// Starts building a span named `name`, recorded with the caller's file and line.
///
/// ```
/// use opentelemetry::trace::SpanKind;
///
/// let guard = traced::span("GET /users/{id}")
///     .kind(SpanKind::Client)
///     .attr("http.request.method", "GET")
///     .enter();
/// // ... the request ...
/// drop(guard);
/// ```
#[track_caller]
pub fn span(name: impl Into<Cow<'static, str>>) -> SpanBuilder {
    SpanBuilder {
        name: name.into(),
        kind: SpanKind::Internal,
        attributes: Vec::new(),
        start: Start::default(),
        scope: ("traced", None),
        location: Location::caller(),
    }
}

/// Runs `f` inside a new span named `name`, current during `f` and ended when `f`
/// returns or panics.
///
/// ```
/// let total = traced::in_span("sum", |span| {
///     span.set_attribute("items", 3);
///     1 + 2 + 3
/// });
/// assert_eq!(total, 6);
/// ```
#[track_caller]
pub fn in_span<R>(name: impl Into<Cow<'static, str>>, f: impl FnOnce(&SpanGuard) -> R) -> R {
    span(name).in_span(f)
}

/// A span being configured; see [`span`]. Nothing is started until [`start`],
/// [`enter`] or [`in_span`].
///
/// [`start`]: SpanBuilder::start
/// [`enter`]: SpanBuilder::enter
/// [`in_span`]: SpanBuilder::in_span
#[derive(Debug)]
#[must_use = "a span builder starts nothing until `start`, `enter` or `in_span`"]
pub struct SpanBuilder {
    name: Cow<'static, str>,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    start: Start,
    scope: (&'static str, Option<&'static str>),
    location: &'static Location<'static>,
}

impl SpanBuilder {
    /// The span kind (default `Internal`).
    pub fn kind(mut self, kind: SpanKind) -> Self {
        self.kind = kind;
        self
    }

    /// Adds an attribute. `None` values are left out.
    pub fn attr(mut self, key: impl Into<Key>, value: impl ToValue) -> Self {
        if provider::state() == provider::OFF {
            return self;
        }
        if let Some(value) = value.to_value() {
            self.attributes.push(KeyValue::new(key, value));
        }
        self
    }

    /// An explicit parent instead of the current context; see [`IntoParent`].
    pub fn parent(mut self, parent: impl IntoParent) -> Self {
        self.start = self.start.parent(parent);
        self
    }

    /// Starts a new trace, whatever the current context is.
    pub fn root(mut self) -> Self {
        self.start = self.start.root();
        self
    }

    /// Links the span to another span; see [`LinkTarget`].
    pub fn link(mut self, target: impl LinkTarget) -> Self {
        self.start = self.start.link(target);
        self
    }

    /// The instrumentation scope (library name and version) the span is reported
    /// under. Default: `traced`.
    pub fn scope(mut self, name: &'static str, version: Option<&'static str>) -> Self {
        self.scope = (name, version);
        self
    }

    /// Starts the span without making it current.
    pub fn start(mut self) -> Span {
        if provider::state() == provider::OFF {
            return Span::none();
        }
        let mut start = std::mem::take(&mut self.start);
        let explicit = start.is_explicit();
        let base = start.base();
        if sampling::known() {
            let parent = start.parent_span(&base);
            if let Some(decision) = sampling::decide(&parent) {
                if !decision.sampled {
                    // The span's context carries the trace for propagation: under
                    // an unsampled current span, that span's own.
                    return if parent.is_valid() && !explicit {
                        Span::unsampled(base)
                    } else {
                        unsampled(base, &parent, decision.trace)
                    };
                }
                #[cfg(feature = "sdk")]
                if let Some(pipeline) = provider::pipeline(provider::epoch()) {
                    let links = start.take_links();
                    let name = std::mem::take(&mut self.name);
                    let kind = self.kind.clone();
                    let span = crate::lean::LeanSpan::start(
                        &pipeline,
                        crate::lean::Begin {
                            scope: self.scope,
                            name,
                            kind,
                            parent: &parent,
                            trace: decision.trace,
                            attributes: self.located_attributes(),
                            links,
                        },
                    );
                    return Span::from_context(base.with_span(span), true);
                }
            }
        }
        let tracer = opentelemetry::global::tracer_with_scope(self.instrumentation_scope());
        let name = std::mem::take(&mut self.name);
        let mut built = build(&tracer, name, self.kind.clone(), start, base, None);
        if built.noop == Some(true) {
            return Span::none();
        }
        let recording = built.span.is_recording();
        if recording {
            built.span.set_attributes(self.located_attributes());
        }
        Span::from_context(built.base.with_span(built.span), recording)
    }

    fn instrumentation_scope(&self) -> InstrumentationScope {
        let mut scope = InstrumentationScope::builder(self.scope.0);
        if let Some(version) = self.scope.1 {
            scope = scope.with_version(version);
        }
        scope.build()
    }

    /// The attributes given, and where the span was started.
    fn located_attributes(&mut self) -> Vec<KeyValue> {
        let mut attributes = std::mem::take(&mut self.attributes);
        attributes.push(KeyValue::new(CODE_FILE_PATH, self.location.file()));
        attributes.push(KeyValue::new(
            CODE_LINE_NUMBER,
            i64::from(self.location.line()),
        ));
        attributes
    }

    /// Starts the span and makes it current until the guard drops.
    pub fn enter(self) -> SpanGuard {
        self.start().entered()
    }

    /// Runs `f` in the span, current during `f`; the span ends when `f` returns.
    pub fn in_span<R>(self, f: impl FnOnce(&SpanGuard) -> R) -> R {
        let guard = self.enter();
        f(&guard)
    }
}
