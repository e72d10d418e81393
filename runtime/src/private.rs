//! The contract between `#[traced]`'s output and the runtime: every item the
//! generated code names, and nothing else. Not public API: anything here can
//! change in any release.

pub use crate::callsite::{CallGuard, Callsite, Meta};
pub use crate::metrics::{
    CallMetric, Literal, MeasureOutcome, Measured, MetricMeta, ViaAny, ViaResult,
};
pub use crate::record::kind::{
    DebugKind, Recordable, RecordableAttr, RecordableRet, ValueKind, ViaDebug, ViaValue, Wrap,
};
pub use crate::record::outcome::{
    err_debug, err_display, ok_value, ret, ErrDebug, ErrDisplay, TracedResult,
};
pub use crate::span::{Span, SpanHandle, Traced};
pub use crate::start::{Attrs, Start};
pub use opentelemetry::trace::SpanKind;

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

/// Never a value: an `async fn`'s inner block returns it first, which tells the
/// block its output type before its own returns and tail are checked.
#[inline(always)]
#[must_use]
pub const fn declared<T>() -> Option<T> {
    None
}

/// Adds a `metrics(attrs(key = expr))` attribute evaluated for this call.
#[inline]
pub fn metric_attr<T: MetricValue + ?Sized>(
    attrs: &mut Vec<opentelemetry::KeyValue>,
    key: &'static str,
    value: &T,
) {
    if let Some(value) = value.to_value() {
        attrs.push(opentelemetry::KeyValue::new(key, value));
    }
}

/// Values a metric attribute can have.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a metric attribute's value",
    label = "given in `metrics(attrs(...))`",
    note = "a metric attribute needs a value of a recordable type (a string, a number, a bool), or one that implements `traced::ToValue`"
)]
pub trait MetricValue: crate::ToValue {}
impl<T: crate::ToValue + ?Sized> MetricValue for T {}
