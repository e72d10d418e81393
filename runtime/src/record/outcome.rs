//! What `record_err` and `ret` do with a call's output.

use super::failure::{record_failure_recording, Failure};
use crate::span::SpanHandle;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::KeyValue;
use opentelemetry::Value;
use std::fmt::{Debug, Display};

/// Return types that `record_err` understands.
#[doc(hidden)]
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

#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`record_err` describes the error with `Display`, which `{Self}` does not implement",
    label = "`record_err` given here",
    note = "use `record_err(Debug)` to describe it with `Debug`"
)]
pub trait ErrDisplay: Display {}
impl<T: Display + ?Sized> ErrDisplay for T {}

#[doc(hidden)]
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
        fail::<R::Err>(span, format_args!("{err}"));
    }
}

/// `record_err(Debug)`.
pub fn err_debug<R: TracedResult>(span: &SpanHandle, output: &R)
where
    R::Err: ErrDebug,
{
    if let Some(err) = output.err_value() {
        fail::<R::Err>(span, format_args!("{err:?}"));
    }
}

/// Fails a span known to record.
fn fail<E>(span: &SpanHandle, message: std::fmt::Arguments<'_>) {
    record_failure_recording(
        &span.context().span(),
        Failure::returned(std::any::type_name::<E>()),
        message,
    );
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
