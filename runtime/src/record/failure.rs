//! Errors and panics, recorded the way the OpenTelemetry specification asks:
//! status Error with a description, `error.type`, and one `exception` event.

use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, EXCEPTION_MESSAGE, EXCEPTION_TYPE,
};
use std::cell::RefCell;
use std::panic::PanicHookInfo;

/// The `error.type` and `exception.type` of a panic.
pub const PANIC_TYPE: &str = "panic";

/// Marks `span` as failed: status Error described by `message`, the attribute
/// `error.type`, and an `exception` event with `exception.type` and
/// `exception.message`.
pub(crate) fn record_failure(span: &SpanRef<'_>, type_name: &'static str, message: String) {
    if span.is_recording() {
        record_failure_recording(span, type_name, message);
    }
}

/// [`record_failure`] for a span known to record.
pub(crate) fn record_failure_recording(
    span: &SpanRef<'_>,
    type_name: &'static str,
    message: String,
) {
    span.set_attribute(KeyValue::new(ERROR_TYPE, type_name));
    span.add_event_with_timestamp(
        "exception",
        crate::clock::now(),
        vec![
            KeyValue::new(EXCEPTION_TYPE, type_name),
            KeyValue::new(EXCEPTION_MESSAGE, message.clone()),
        ],
    );
    span.set_status(Status::error(message));
}

pub(crate) fn record_panic(span: &SpanRef<'_>) {
    let message = LAST_PANIC
        .with(|last| last.borrow().clone())
        .unwrap_or_else(|| String::from("panicked"));
    record_failure(span, PANIC_TYPE, message);
}

/// Forgets the last panic's message once its unwinding is over, so that a later
/// panic not seen by the hook (another hook replaced it) is not described by it.
pub(crate) fn forget_panic() {
    LAST_PANIC.with(|last| {
        if last.borrow().is_some() {
            last.borrow_mut().take();
        }
    });
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the message and location of the panic starting on this thread, for the
/// spans it unwinds through; called by the panic hook an SDK installs.
pub(crate) fn remember_panic(info: &PanicHookInfo<'_>) {
    let message = panic_message(info);
    LAST_PANIC.with(|last| *last.borrow_mut() = Some(message));
}

fn panic_message(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    match info.location() {
        Some(at) => format!("{text} (at {}:{}:{})", at.file(), at.line(), at.column()),
        None => text.to_owned(),
    }
}
