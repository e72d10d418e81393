//! Errors and panics, recorded the way the OpenTelemetry specification asks:
//! status Error with a description, `error.type`, and one exception: the span's
//! `exception` event, or a log record named `exception` (see `crate::logs`).

use super::limits::{kept_len, value_length_limit};
use crate::logs::{record_exception_recording, Exception};
use opentelemetry::logs::Severity;
use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::ERROR_TYPE;
use std::cell::RefCell;
use std::panic::PanicHookInfo;

/// The `error.type` and `exception.type` of a panic.
pub const PANIC_TYPE: &str = "panic";

/// What failed, for [`record_failure`]: the type recorded as `error.type` and
/// `exception.type`, and the exception's event name, severity and target (see
/// [`Exception`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Failure {
    pub(crate) type_name: &'static str,
    pub(crate) event_name: &'static str,
    pub(crate) severity: Severity,
    pub(crate) target: Option<&'static str>,
}

impl Failure {
    /// An error a function returned: `exception`, at `Warn`.
    pub(crate) const fn returned(type_name: &'static str) -> Failure {
        Failure {
            type_name,
            event_name: crate::logs::events::EXCEPTION,
            severity: Severity::Warn,
            target: None,
        }
    }
}

/// Marks `span` as failed: status Error described by `message`, the attribute
/// `error.type`, and the exception (`exception.type`, `exception.message`).
pub(crate) fn record_failure(span: &SpanRef<'_>, failure: Failure, message: String) {
    if span.is_recording() {
        record_failure_recording(span, failure, message);
    }
}

/// [`record_failure`] for a span known to record. The message is cut to the value
/// length limit.
pub(crate) fn record_failure_recording(span: &SpanRef<'_>, failure: Failure, mut message: String) {
    message.truncate(kept_len(&message, value_length_limit()));
    span.set_attribute(KeyValue::new(ERROR_TYPE, failure.type_name));
    record_exception_recording(
        span,
        &Exception {
            event_name: failure.event_name,
            severity: failure.severity,
            type_name: failure.type_name,
            message: &message,
            target: failure.target,
        },
    );
    span.set_status(Status::error(message));
}

pub(crate) fn record_panic(span: &SpanRef<'_>) {
    let message = LAST_PANIC
        .try_with(|last| last.try_borrow().ok().and_then(|last| last.clone()))
        .ok()
        .flatten()
        .unwrap_or_else(|| String::from("panicked"));
    let failure = Failure {
        severity: Severity::Error,
        ..Failure::returned(PANIC_TYPE)
    };
    record_failure(span, failure, message);
}

/// Forgets the last panic's message once its unwinding is over, so that a later
/// panic not seen by the hook (another hook replaced it) is not described by it.
pub(crate) fn forget_panic() {
    let _ = LAST_PANIC.try_with(|last| {
        if last.try_borrow().is_ok_and(|last| last.is_some()) {
            if let Ok(mut last) = last.try_borrow_mut() {
                last.take();
            }
        }
    });
}

thread_local! {
    // Reached with `try_with` and `try_borrow` only: the panic hook runs in
    // thread-local destructors too (after this one's, perhaps), where a panic of
    // its own would abort the process; it then keeps nothing.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the message and location of the panic starting on this thread, for the
/// spans it unwinds through; called by the panic hook an SDK installs. Never
/// panics: once this thread's thread-locals are destroyed, it keeps nothing.
pub(crate) fn remember_panic(info: &PanicHookInfo<'_>) {
    let message = panic_message(info);
    let _ = LAST_PANIC.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = Some(message);
        }
    });
}

fn panic_message(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let text = &text[..kept_len(text, value_length_limit())];
    match info.location() {
        Some(at) => format!("{text} (at {}:{}:{})", at.file(), at.line(), at.column()),
        None => text.to_owned(),
    }
}
