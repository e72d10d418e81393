//! The contract between `#[traced]`'s output and the runtime. Not public API:
//! anything here can change in any release.

pub use crate::future::Traced;
pub use crate::span::{Span, SpanHandle};
pub use crate::start::Start;
pub use opentelemetry::trace::SpanKind;

use crate::provider;
use crate::record::record_failure;
use crate::start::build;
use crate::value::{debug_value, ToValue};
use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::{Span as _, TraceContextExt};
use opentelemetry::{InstrumentationScope, Key, KeyValue, Value};
use opentelemetry_semantic_conventions::attribute::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER,
};
use std::borrow::Cow;
use std::fmt::{Debug, Display};
use std::sync::RwLock;

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
    tracer: RwLock<Option<(u64, BoxedTracer)>>,
}

impl Callsite {
    pub const fn new(meta: Meta) -> Self {
        Callsite {
            meta,
            tracer: RwLock::new(None),
        }
    }

    /// Starts this call's span in the current context. `attrs` runs only when
    /// the span records.
    #[inline]
    pub fn start(&'static self, mut attrs: impl FnMut(&mut Attrs)) -> Span {
        if provider::state() == provider::OFF {
            return Span::none();
        }
        self.start_slow(Start::default(), &mut attrs)
    }

    /// [`Callsite::start`] with a parent, `root` or links; `start` runs only when a
    /// provider is installed.
    #[inline]
    pub fn start_with(
        &'static self,
        start: impl FnOnce() -> Start,
        mut attrs: impl FnMut(&mut Attrs),
    ) -> Span {
        if provider::state() == provider::OFF {
            return Span::none();
        }
        self.start_slow(start(), &mut attrs)
    }

    #[inline(never)]
    fn start_slow(&'static self, start: Start, attrs: &mut dyn FnMut(&mut Attrs)) -> Span {
        let epoch = provider::epoch();
        let was = provider::state();
        let mut built = self.with_tracer(epoch, |tracer| {
            build(
                tracer,
                Cow::Borrowed(self.meta.name),
                self.meta.kind.clone(),
                start,
            )
        });
        if was == provider::UNKNOWN {
            match built.noop {
                Some(true) => provider::watch_noop(epoch),
                Some(false) => provider::mark_on(epoch),
                None => {}
            }
        }
        if built.noop == Some(true) {
            return Span::none();
        }
        if built.span.is_recording() {
            let meta = &self.meta;
            let mut list = Attrs(Vec::with_capacity(8));
            list.0
                .push(KeyValue::new(CODE_FUNCTION_NAME, meta.function));
            list.0.push(KeyValue::new(CODE_FILE_PATH, meta.file));
            list.0
                .push(KeyValue::new(CODE_LINE_NUMBER, i64::from(meta.line)));
            attrs(&mut list);
            if !meta.baggage.is_empty() {
                let baggage = opentelemetry::baggage::BaggageExt::baggage(&built.base);
                for key in meta.baggage {
                    if let Some(value) = baggage.get(*key) {
                        list.0.push(KeyValue::new(*key, value.to_string()));
                    }
                }
            }
            built.span.set_attributes(list.0);
        }
        Span::from_context(built.base.with_span(built.span))
    }

    fn with_tracer<R>(&self, epoch: u64, f: impl FnOnce(&BoxedTracer) -> R) -> R {
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
        let tracer = opentelemetry::global::tracer_with_scope(scope);
        let out = f(&tracer);
        *self
            .tracer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((epoch, tracer));
        out
    }
}

/// The attributes of a starting span.
#[derive(Debug)]
pub struct Attrs(Vec<KeyValue>);

impl Attrs {
    #[inline]
    pub fn add(&mut self, key: &'static str, value: Option<Value>) {
        if let Some(value) = value {
            self.0.push(KeyValue::new(Key::from_static_str(key), value));
        }
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
        fail::<R::Err>(span, err.to_string());
    }
}

/// `record_err(Debug)`.
pub fn err_debug<R: TracedResult>(span: &SpanHandle, output: &R)
where
    R::Err: ErrDebug,
{
    if let Some(err) = output.err_value() {
        fail::<R::Err>(span, format!("{err:?}"));
    }
}

fn fail<E>(span: &SpanHandle, message: String) {
    record_failure(&span.context().span(), std::any::type_name::<E>(), message);
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

/// Runs a function body whose output is inspected. Taking `FnOnce` lets the body
/// return borrows of its `&mut` arguments.
#[inline(always)]
pub fn call<R>(body: impl FnOnce() -> R) -> R {
    body()
}
