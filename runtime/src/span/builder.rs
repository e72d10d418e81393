//! Spans started by hand, for code an attribute cannot reach.

use super::{Span, SpanGuard};
use crate::backend::Backend;
use crate::provider;
use crate::record::ToValue;
use crate::start::{self, IntoParent, LinkTarget, Origin, Site, Start};
use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::SpanKind;
use opentelemetry::{Key, KeyValue};
use opentelemetry_semantic_conventions::attribute::{CODE_FILE_PATH, CODE_LINE_NUMBER};
use std::borrow::Cow;
use std::panic::Location;

/// Starts building a span named `name`, recorded with the caller's file and line.
///
/// ```
/// use traced::otel::trace::SpanKind;
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
        location: Some(Location::caller()),
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
    /// Where the span was started, recorded as `code.file.path` and
    /// `code.line.number`; `None` when left out.
    location: Option<&'static Location<'static>>,
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

    /// Says the span will have no children and its context will be injected
    /// nowhere, as a database query's: when it is not sampled, no context is made
    /// for it (its cost is the sampling decision alone). A span that records is
    /// as any other.
    pub fn leaf(mut self) -> Self {
        self.start = self.start.leaf();
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

    /// Leaves out where the span was started (`code.file.path`,
    /// `code.line.number`): for a span that stands for a request or a message
    /// rather than a place in the code, as integrations start them.
    pub fn without_code_location(mut self) -> Self {
        self.location = None;
        self
    }

    /// Starts the span without making it current.
    pub fn start(self) -> Span {
        self.start_with_attributes(|_| {})
    }

    /// Starts the span without making it current, with the attributes `add`
    /// writes, after those given to [`attr`](Self::attr). `add` runs only for a
    /// span that records, before it starts (a provider's sampler sees what it
    /// wrote): values that cost something to compute are never computed for an
    /// unsampled span.
    ///
    /// ```
    /// use traced::otel::KeyValue;
    ///
    /// let span = traced::span("GET /users/{id}").start_with_attributes(|attributes| {
    ///     attributes.push(KeyValue::new("url.path", format!("/users/{}", 7)));
    /// });
    /// # drop(span);
    /// ```
    pub fn start_with_attributes(self, add: impl FnOnce(&mut Vec<KeyValue>)) -> Span {
        self.start_lazily(None, add)
    }

    /// [`start_with_attributes`](Self::start_with_attributes), with the span's name
    /// made by `name`, replacing the builder's, only for a span that records: a
    /// name formatted from the request (`GET /users/{id}`) costs nothing for an
    /// unsampled one.
    ///
    /// ```
    /// let route = "/users/{id}";
    /// let span = traced::span("GET").start_with_name_and_attributes(
    ///     || format!("GET {route}").into(),
    ///     |_| {},
    /// );
    /// # drop(span);
    /// ```
    pub fn start_with_name_and_attributes(
        self,
        name: impl FnOnce() -> Cow<'static, str>,
        add: impl FnOnce(&mut Vec<KeyValue>),
    ) -> Span {
        let mut name = Some(name);
        self.start_lazily(
            Some(&mut || name.take().map(|name| name()).unwrap_or_default()),
            add,
        )
    }

    fn start_lazily(
        self,
        rename: Option<&mut dyn FnMut() -> Cow<'static, str>>,
        add: impl FnOnce(&mut Vec<KeyValue>),
    ) -> Span {
        if provider::state() == provider::OFF || !super::teardown::alive() {
            return Span::none();
        }
        let SpanBuilder {
            name,
            kind,
            mut attributes,
            start,
            scope,
            location,
        } = self;
        let server = kind == SpanKind::Server;
        let mut site = Fresh {
            name,
            rename,
            kind,
            scope,
        };
        let mut add = Some(add);
        // Written only for a span that records: the list given, what `add` writes,
        // then where it started.
        let span = start::start(&mut site, start, &mut |_, sink| {
            if let Some(add) = add.take() {
                add(&mut attributes);
            }
            if let Some(location) = location {
                attributes.push(KeyValue::new(CODE_FILE_PATH, location.file()));
                attributes.push(KeyValue::new(CODE_LINE_NUMBER, i64::from(location.line())));
            }
            sink.append(&mut attributes);
        });
        // A span that records nothing needs no marker: a handle on it does nothing,
        // as one on no span does.
        if server && span.is_recording() {
            span.mark_server()
        } else {
            span
        }
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

/// A builder starting its span: its tracer and backend are asked for now.
struct Fresh<'a> {
    name: Cow<'static, str>,
    /// Makes the name in place of `name`, for a span that records.
    rename: Option<&'a mut dyn FnMut() -> Cow<'static, str>>,
    kind: SpanKind,
    scope: (&'static str, Option<&'static str>),
}

impl Site for Fresh<'_> {
    fn origin(&mut self) -> Origin {
        Origin {
            name: match self.rename.as_mut() {
                Some(rename) => rename(),
                None => std::mem::take(&mut self.name),
            },
            kind: self.kind.clone(),
            scope: self.scope,
        }
    }

    fn with_backend<R>(&self, epoch: u64, f: impl FnOnce(&dyn Backend) -> R) -> Option<R> {
        provider::with_backend(epoch, f)
    }

    fn with_tracer<R>(&self, _epoch: u64, f: impl FnOnce(&BoxedTracer) -> R) -> R {
        f(&start::global_tracer(self.scope))
    }
}
