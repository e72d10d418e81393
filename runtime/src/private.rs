//! The contract between `#[traced]`'s output and the runtime. Not public API:
//! anything here can change in any release.

pub use crate::future::Traced;
pub use crate::scope::Scope;
pub use crate::span::{Span, SpanHandle};
pub use crate::start::Start;
pub use opentelemetry::trace::SpanKind;

use crate::provider;
use crate::record::record_failure_recording;
use crate::sampling;
use crate::start::{build, unsampled};
use crate::value::{debug_value, ToValue};
use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::{Span as _, SpanContext, TraceContextExt};
use opentelemetry::{Context, InstrumentationScope, Key, KeyValue, Value};
use opentelemetry_semantic_conventions::attribute::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER,
};
use std::borrow::Cow;
use std::fmt::{Debug, Display};
use std::sync::RwLock;

/// Whether a tracer provider may record: false once the first call found none,
/// until one is installed. One atomic load.
#[inline(always)]
pub fn enabled() -> bool {
    provider::state() != provider::OFF
}

/// The sampling decision for a child of the current span, when there is one and
/// `traced` knows the rule. Made in place: the current context is not cloned.
fn child_decision() -> Option<sampling::Decision> {
    Context::map_current(|cx| {
        let span = cx.span();
        let parent = span.span_context();
        if parent.is_valid() {
            sampling::decide(parent)
        } else {
            None
        }
    })
}

/// What a call site knows at compile time.
#[derive(Debug)]
pub struct Meta {
    pub name: &'static str,
    pub kind: SpanKind,
    /// `code.function.name`: `module::path::function`.
    pub function: &'static str,
    pub file: &'static str,
    pub line: u32,
    /// The instrumented crate's package name and version: the instrumentation scope.
    pub scope: &'static str,
    pub version: &'static str,
    /// `baggage(...)`: baggage entries copied onto the span as attributes.
    pub baggage: &'static [&'static str],
}

/// One `#[traced]` function: its metadata and its tracer, fetched from the global
/// provider once per provider change.
#[derive(Debug)]
pub struct Callsite {
    meta: Meta,
    tracer: RwLock<Option<(u64, CachedTracer)>>,
}

impl Callsite {
    pub const fn new(meta: Meta) -> Self {
        Callsite {
            meta,
            tracer: RwLock::new(None),
        }
    }

    /// Starts this call's span in the current context. `attrs` runs only when
    /// the span records. Called when [`enabled`] said so.
    #[inline]
    pub fn start(&'static self, mut attrs: impl FnMut(&mut Attrs)) -> Span {
        self.start_slow(Start::default(), &mut attrs)
    }

    /// [`Callsite::start`] with a parent, `root` or links.
    #[inline]
    pub fn start_with(&'static self, start: Start, mut attrs: impl FnMut(&mut Attrs)) -> Span {
        self.start_slow(start, &mut attrs)
    }

    /// Starts this call's span and makes it current, with the arguments moved in
    /// and given back, so that a caller with nothing recording never lends them
    /// (they stay in registers). Called when [`enabled`] said so.
    #[inline(never)]
    pub fn enter<A>(&'static self, args: A, mut attrs: impl FnMut(&A, &mut Attrs)) -> (Scope, A) {
        let scope = Scope::enter(self.start_slow(Start::default(), &mut |sink| attrs(&args, sink)));
        (scope, args)
    }

    /// Starts this call's span (not current), with the arguments moved in and
    /// given back: for an `async fn`, whose arguments then go to its body.
    #[inline(never)]
    pub fn start_moving<A>(
        &'static self,
        args: A,
        mut attrs: impl FnMut(&A, &mut Attrs),
    ) -> (Span, A) {
        let span = self.start_slow(Start::default(), &mut |sink| attrs(&args, sink));
        (span, args)
    }

    /// [`Callsite::enter`] with a parent, `root` or links.
    #[inline(never)]
    pub fn enter_with<A>(
        &'static self,
        start: Start,
        args: A,
        mut attrs: impl FnMut(&A, &mut Attrs),
    ) -> (Scope, A) {
        let scope = Scope::enter(self.start_slow(start, &mut |sink| attrs(&args, sink)));
        (scope, args)
    }

    #[inline(never)]
    fn start_slow(&'static self, mut start: Start, attrs: &mut dyn FnMut(&mut Attrs)) -> Span {
        let epoch = provider::epoch();
        let known = sampling::known();
        let child = if known && !start.is_explicit() {
            child_decision()
        } else {
            None
        };
        if child.is_some_and(|decision| !decision.sampled) {
            // A child of an unsampled current span leaves that span current:
            // nothing downstream can tell the difference.
            return Span::none();
        }
        let base = start.base();
        if known {
            let parent = start.parent_span(&base);
            match child.or_else(|| sampling::decide(&parent)) {
                Some(decision) if !decision.sampled => {
                    return unsampled(base, &parent, decision.trace);
                }
                Some(decision) => {
                    let list = self.attributes(&base, attrs);
                    return self.with_tracer(epoch, |tracer| {
                        tracer.start_sampled(self, start, base, &parent, decision.trace, list)
                    });
                }
                None => {}
            }
        }
        let was = provider::state();
        let started = self.with_tracer(epoch, |tracer| {
            tracer.start(self, start, base, None, Some(attrs))
        });
        if was == provider::UNKNOWN {
            match started.noop {
                Some(true) => provider::watch_noop(epoch),
                Some(false) => provider::mark_on(epoch),
                None => {}
            }
        }
        started.into_span()
    }

    /// The code attributes, the arguments and `attrs`, and the `baggage` entries.
    fn attributes(&self, base: &Context, attrs: &mut dyn FnMut(&mut Attrs)) -> Vec<KeyValue> {
        let mut list = Vec::with_capacity(8 + self.meta.baggage.len());
        self.add_attributes(base, &mut Attrs(Sink::List(&mut list)), attrs);
        list
    }

    /// The code attributes, the arguments and `attrs`, and the `baggage` entries,
    /// into `sink`.
    fn add_attributes(&self, base: &Context, sink: &mut Attrs, attrs: &mut dyn FnMut(&mut Attrs)) {
        let meta = &self.meta;
        sink.push(KeyValue::new(CODE_FUNCTION_NAME, meta.function));
        sink.push(KeyValue::new(CODE_FILE_PATH, meta.file));
        sink.push(KeyValue::new(CODE_LINE_NUMBER, i64::from(meta.line)));
        attrs(sink);
        if !meta.baggage.is_empty() {
            let baggage = opentelemetry::baggage::BaggageExt::baggage(base);
            for key in meta.baggage {
                if let Some(value) = baggage.get(*key) {
                    sink.push(KeyValue::new(*key, value.to_string()));
                }
            }
        }
    }

    fn with_tracer<R>(&self, epoch: u64, f: impl FnOnce(&CachedTracer) -> R) -> R {
        {
            let cached = self
                .tracer
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((at, tracer)) = cached.as_ref() {
                if *at == epoch {
                    return f(tracer);
                }
            }
        }
        let scope = InstrumentationScope::builder(self.meta.scope)
            .with_version(self.meta.version)
            .build();
        let tracer = CachedTracer::of(epoch, scope);
        let out = f(&tracer);
        *self
            .tracer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((epoch, tracer));
        out
    }
}

/// A call site's tracer: typed when the provider is the SDK provider `traced`
/// installed (one box per span instead of two, direct calls instead of dynamic
/// ones), else the global provider's.
#[derive(Debug)]
enum CachedTracer {
    Global(BoxedTracer),
    #[cfg(feature = "sdk")]
    Sdk {
        tracer: opentelemetry_sdk::trace::SdkTracer,
        /// Where spans `traced` builds itself end.
        lean: Option<std::sync::Arc<crate::lean::Pipeline>>,
    },
}

/// What starting a span gave: the context the span is active in (none when
/// nothing records), and whether the tracer behaved as a no-op one.
struct Started {
    cx: Option<Context>,
    noop: Option<bool>,
    recording: bool,
}

impl Started {
    fn into_span(self) -> Span {
        match self.cx {
            Some(cx) => Span::from_context(cx, self.recording),
            None => Span::none(),
        }
    }
}

impl CachedTracer {
    fn of(epoch: u64, scope: InstrumentationScope) -> Self {
        #[cfg(feature = "sdk")]
        if let Some(ours) = provider::ours(epoch) {
            use opentelemetry::trace::TracerProvider as _;
            return CachedTracer::Sdk {
                tracer: ours.provider.tracer_with_scope(scope),
                lean: ours.pipeline,
            };
        }
        let _ = epoch;
        CachedTracer::Global(opentelemetry::global::tracer_with_scope(scope))
    }

    /// Starts the call's span. `list`: attributes for the builder (span known to be
    /// sampled); `attrs`: attributes to add once the span records.
    fn start(
        &self,
        site: &Callsite,
        start: Start,
        base: Context,
        list: Option<Vec<KeyValue>>,
        attrs: Option<&mut dyn FnMut(&mut Attrs)>,
    ) -> Started {
        match self {
            CachedTracer::Global(tracer) => start_with(tracer, site, start, base, list, attrs),
            #[cfg(feature = "sdk")]
            CachedTracer::Sdk { tracer, .. } => start_with(tracer, site, start, base, list, attrs),
        }
    }

    /// Starts the span of a call `traced` decided to sample, with its attributes.
    fn start_sampled(
        &self,
        site: &Callsite,
        #[cfg_attr(not(feature = "sdk"), allow(unused_mut))] mut start: Start,
        base: Context,
        parent: &SpanContext,
        trace: opentelemetry::trace::TraceId,
        list: Vec<KeyValue>,
    ) -> Span {
        #[cfg(feature = "sdk")]
        if let CachedTracer::Sdk {
            lean: Some(pipeline),
            ..
        } = self
        {
            let span = crate::lean::LeanSpan::start(
                pipeline,
                crate::lean::Begin {
                    scope: (site.meta.scope, Some(site.meta.version)),
                    name: Cow::Borrowed(site.meta.name),
                    kind: site.meta.kind.clone(),
                    parent,
                    trace,
                    attributes: list,
                    links: start.take_links(),
                },
            );
            return Span::from_context(base.with_span(span), true);
        }
        let _ = (parent, trace);
        sampling::hand_over();
        let started = self.start(site, start, base, Some(list), None);
        sampling::take_decision();
        started.into_span()
    }
}

fn start_with<T>(
    tracer: &T,
    site: &Callsite,
    start: Start,
    base: Context,
    list: Option<Vec<KeyValue>>,
    attrs: Option<&mut dyn FnMut(&mut Attrs)>,
) -> Started
where
    T: opentelemetry::trace::Tracer,
    T::Span: Send + Sync + 'static,
{
    let meta = &site.meta;
    let mut built = build(
        tracer,
        Cow::Borrowed(meta.name),
        meta.kind.clone(),
        start,
        base,
        list,
    );
    if built.noop == Some(true) {
        return Started {
            cx: None,
            noop: built.noop,
            recording: false,
        };
    }
    let recording = built.span.is_recording();
    if let Some(attrs) = attrs {
        if recording {
            let span = &mut built.span;
            site.add_attributes(
                &built.base,
                &mut Attrs(Sink::Push(&mut |kv| span.set_attribute(kv))),
                attrs,
            );
        }
    }
    Started {
        cx: Some(built.base.with_span(built.span)),
        noop: built.noop,
        recording,
    }
}

/// The attributes of a starting span.
pub struct Attrs<'a>(Sink<'a>);

enum Sink<'a> {
    /// Into the builder, for a span known to be sampled.
    List(&'a mut Vec<KeyValue>),
    /// Straight into a span already started.
    Push(&'a mut dyn FnMut(KeyValue)),
}

impl Attrs<'_> {
    #[inline]
    pub fn add(&mut self, key: &'static str, value: Option<Value>) {
        if let Some(value) = value {
            self.push(KeyValue::new(Key::from_static_str(key), value));
        }
    }

    fn push(&mut self, attribute: KeyValue) {
        match &mut self.0 {
            Sink::List(list) => list.push(attribute),
            Sink::Push(push) => push(attribute),
        }
    }
}

impl std::fmt::Debug for Attrs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Attrs")
    }
}

/// Chooses, per argument type, between [`ToValue`] and `Debug` (method resolution
/// prefers `ViaValue`, which needs no auto-reference).
pub struct Wrap<'a, T: ?Sized>(pub &'a T);

pub trait ViaValue {
    fn traced_kind(&self) -> ValueKind {
        ValueKind
    }
}
impl<T: ToValue + ?Sized> ViaValue for Wrap<'_, T> {}

pub trait ViaDebug {
    fn traced_kind(&self) -> DebugKind {
        DebugKind
    }
}
impl<T: ?Sized> ViaDebug for &Wrap<'_, T> {}

pub struct ValueKind;
impl ValueKind {
    #[inline]
    pub fn value<T: ToValue + ?Sized>(self, value: &T) -> Option<Value> {
        value.to_value()
    }
    #[inline]
    pub fn attr_value<T: ToValue + ?Sized>(self, value: &T) -> Option<Value> {
        value.to_value()
    }
    #[inline]
    pub fn ret_value<T: ToValue + ?Sized>(self, value: &T) -> Option<Value> {
        value.to_value()
    }
}

pub struct DebugKind;
impl DebugKind {
    pub fn value<T: Recordable + ?Sized>(self, value: &T) -> Option<Value> {
        Some(debug_value(value))
    }
    pub fn attr_value<T: RecordableAttr + ?Sized>(self, value: &T) -> Option<Value> {
        Some(debug_value(value))
    }
    pub fn ret_value<T: RecordableRet + ?Sized>(self, value: &T) -> Option<Value> {
        Some(debug_value(value))
    }
}

/// Argument types, recorded through `Debug` when not through `ToValue`.
#[diagnostic::on_unimplemented(
    message = "argument of type `{Self}` cannot be recorded as a span attribute",
    label = "implements neither `traced::ToValue` nor `Debug`",
    note = "leave it out with `#[traced(skip(...))]`, or implement `traced::ToValue` or `Debug` for it"
)]
pub trait Recordable: Debug {}
impl<T: Debug + ?Sized> Recordable for T {}

/// `attrs(...)` value types.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of an attribute",
    label = "implements neither `traced::ToValue` nor `Debug`",
    note = "give the attribute a value of a recordable type (a number, a string, ...), or implement `traced::ToValue` for it"
)]
pub trait RecordableAttr: Debug {}
impl<T: Debug + ?Sized> RecordableAttr for T {}

/// Return types recorded by `ret`.
#[diagnostic::on_unimplemented(
    message = "`ret` cannot record a return value of type `{Self}`",
    label = "implements neither `traced::ToValue` nor `Debug`",
    note = "remove `ret`, or implement `traced::ToValue` or `Debug` for it"
)]
pub trait RecordableRet: Debug {}
impl<T: Debug + ?Sized> RecordableRet for T {}

/// Return types that `record_err` understands.
#[diagnostic::on_unimplemented(
    message = "`record_err` needs a function that returns a `Result`, but this one returns `{Self}`",
    label = "`record_err` given here",
    note = "remove `record_err`, or return a `Result` (aliases such as `io::Result<T>` work too)"
)]
pub trait TracedResult {
    type Ok;
    type Err;
    fn ok_value(&self) -> Option<&Self::Ok>;
    fn err_value(&self) -> Option<&Self::Err>;
}

impl<T, E> TracedResult for Result<T, E> {
    type Ok = T;
    type Err = E;
    fn ok_value(&self) -> Option<&T> {
        self.as_ref().ok()
    }
    fn err_value(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

#[diagnostic::on_unimplemented(
    message = "`record_err` describes the error with `Display`, which `{Self}` does not implement",
    label = "`record_err` given here",
    note = "use `record_err(Debug)` to describe it with `Debug`"
)]
pub trait ErrDisplay: Display {}
impl<T: Display + ?Sized> ErrDisplay for T {}

#[diagnostic::on_unimplemented(
    message = "`record_err(Debug)` describes the error with `Debug`, which `{Self}` does not implement",
    label = "`record_err(Debug)` given here"
)]
pub trait ErrDebug: Debug {}
impl<T: Debug + ?Sized> ErrDebug for T {}

/// `record_err`: an `Err` output fails the span.
pub fn err_display<R: TracedResult>(span: &SpanHandle, output: &R)
where
    R::Err: ErrDisplay,
{
    if let Some(err) = output.err_value() {
        fail::<R::Err>(span, described(format_args!("{err}")));
    }
}

/// `record_err(Debug)`.
pub fn err_debug<R: TracedResult>(span: &SpanHandle, output: &R)
where
    R::Err: ErrDebug,
{
    if let Some(err) = output.err_value() {
        fail::<R::Err>(span, described(format_args!("{err:?}")));
    }
}

/// An error's description, written into a buffer that holds a typical one
/// without growing.
fn described(text: std::fmt::Arguments<'_>) -> String {
    let mut out = String::with_capacity(64);
    let _ = std::fmt::Write::write_fmt(&mut out, text);
    out
}

/// Fails a span known to record.
fn fail<E>(span: &SpanHandle, message: String) {
    record_failure_recording(&span.context().span(), std::any::type_name::<E>(), message);
}

/// The `Ok` value of a `record_err` function's output, for `ret`.
pub fn ok_value<R: TracedResult>(output: &R) -> Option<&R::Ok> {
    output.ok_value()
}

/// `ret`: records the returned value.
#[inline]
pub fn ret(span: &SpanHandle, value: Option<Value>) {
    if let Some(value) = value {
        span.context()
            .span()
            .set_attribute(KeyValue::new(crate::RETURN_KEY, value));
    }
}

/// Keeps a future-returning function's span current while the function itself runs
/// (the span then follows the future it returns).
#[must_use]
pub fn current_during(span: &Span) -> Option<opentelemetry::ContextGuard> {
    span.attach()
}

/// Records a synchronous call's output on its recording span, and returns it.
#[inline(never)]
pub fn recorded<R>(span: &SpanHandle, output: R, record: impl FnOnce(&SpanHandle, &R)) -> R {
    record(span, &output);
    output
}

/// Types an `async fn`'s body closure by the parameters it takes, so that the
/// closure's parameters have their types before its body is checked. The
/// parameters pass through by value: borrowing them would keep them in the
/// future's state after they moved.
#[inline(always)]
pub fn body_of<A, F, T>(args: A, body: F) -> (A, F)
where
    F: FnOnce(A) -> T,
{
    (args, body)
}

/// Runs a function body whose output is inspected. Taking `FnOnce` lets the body
/// return borrows of its `&mut` arguments.
#[inline(always)]
pub fn call<R>(body: impl FnOnce() -> R) -> R {
    body()
}
