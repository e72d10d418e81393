//! Errors and panics, recorded the way the OpenTelemetry specification asks:
//! status Error with a description, `error.type`, and one exception: the span's
//! `exception` event, or a log record named `exception` (see `crate::logs`).

use super::debug::{described, described_into};
use super::limits::{kept_len, value_length_limit};
use crate::logs::{exception_log, exception_signal, record_exception_recording, Exception};
use opentelemetry::logs::Severity;
use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::ERROR_TYPE;
use std::cell::RefCell;
use std::fmt;
use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

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

    /// The exception this failure is, described by `message`.
    fn exception(self, message: &str) -> Exception<'_> {
        Exception {
            event_name: self.event_name,
            severity: self.severity,
            type_name: self.type_name,
            message,
            target: self.target,
        }
    }
}

/// Marks `span` as failed: status Error described by `message`, the attribute
/// `error.type`, and the exception (`exception.type`, `exception.message`).
pub(crate) fn record_failure(span: &SpanRef<'_>, failure: Failure, message: fmt::Arguments<'_>) {
    if span.is_recording() {
        record_failure_recording(span, failure, message);
    }
}

/// [`record_failure`] for a span known to record. The message is cut to the value
/// length limit.
///
/// The failure is first offered whole to the span (see
/// [`crate::backend::take_failure`]): a span of `traced`'s backend records it
/// without a copy, and the message is formatted into a buffer this thread keeps.
/// Any other span ignores the offer and is failed through the OpenTelemetry API.
pub(crate) fn record_failure_recording(
    span: &SpanRef<'_>,
    failure: Failure,
    message: fmt::Arguments<'_>,
) {
    let signal = exception_signal();
    let offered = HANDOFF.try_with(|handoff| {
        let mut handoff = handoff.try_borrow_mut().ok()?;
        if handoff.offered {
            // A failure recorded while another is offered: never reached by
            // `traced`'s backend, whose spans run no code of others meanwhile.
            return None;
        }
        described_into(&mut handoff.message, message);
        handoff.type_name = failure.type_name;
        handoff.exception_at = signal.span_events().then(crate::clock::now);
        handoff.offered = true;
        Some(signal.logs().then(|| String::clone(&handoff.message)))
    });
    let Ok(Some(log_message)) = offered else {
        return fail_through_api(span, failure, described(message));
    };
    span.set_status(Status::Unset);
    let left = HANDOFF.try_with(|handoff| {
        let mut handoff = handoff.try_borrow_mut().ok()?;
        std::mem::take(&mut handoff.offered).then(|| String::clone(&handoff.message))
    });
    if let Ok(Some(message)) = left {
        // Not taken: the span is another SDK's.
        return fail_through_api(span, failure, message);
    }
    if let Some(message) = log_message {
        exception_log(span, &failure.exception(&message));
    }
}

/// Fails `span` through the OpenTelemetry API.
fn fail_through_api(span: &SpanRef<'_>, failure: Failure, message: String) {
    span.set_attribute(KeyValue::new(ERROR_TYPE, failure.type_name));
    record_exception_recording(span, &failure.exception(&message));
    span.set_status(Status::error(message));
}

/// A failure on its way to the span of `traced`'s backend that is failing now.
struct Handoff {
    /// The description, within the value length limit; its room is kept.
    message: String,
    type_name: &'static str,
    /// When the exception happened, if it is recorded as a span event.
    exception_at: Option<SystemTime>,
    /// Whether the failure waits to be taken.
    offered: bool,
}

thread_local! {
    static HANDOFF: RefCell<Handoff> = const {
        RefCell::new(Handoff {
            message: String::new(),
            type_name: "",
            exception_at: None,
            offered: false,
        })
    };
}

/// See [`crate::backend::take_failure`].
pub(crate) fn take_failure(take: impl FnOnce(crate::backend::Failure<'_>)) -> bool {
    HANDOFF
        .try_with(|handoff| {
            let Ok(mut handoff) = handoff.try_borrow_mut() else {
                return false;
            };
            if !std::mem::take(&mut handoff.offered) {
                return false;
            }
            take(crate::backend::Failure {
                type_name: handoff.type_name,
                message: &handoff.message,
                exception_at: handoff.exception_at,
            });
            true
        })
        .unwrap_or(false)
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
    record_failure(span, failure, format_args!("{message}"));
}

/// Forgets the last panic's message once its unwinding is over, so that a later
/// panic not seen by the hook (another hook replaced it) is not described by it.
pub(crate) fn forget_panic() {
    // One load until a panic hook has kept a message in this process.
    if !REMEMBERED.load(Ordering::Relaxed) {
        return;
    }
    let _ = LAST_PANIC.try_with(|last| {
        if last.try_borrow().is_ok_and(|last| last.is_some()) {
            if let Ok(mut last) = last.try_borrow_mut() {
                last.take();
            }
        }
    });
}

/// Whether [`remember_panic`] ever ran in this process: until then no thread
/// has a message to forget.
static REMEMBERED: AtomicBool = AtomicBool::new(false);

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
    REMEMBERED.store(true, Ordering::Relaxed);
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
