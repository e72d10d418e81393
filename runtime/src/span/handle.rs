//! A handle on a span, for adding to it, and the span that is current.

use crate::record::ToValue;
use crate::record::{record_failure, Failure};
use opentelemetry::trace::{SpanContext, Status, TraceContextExt};
use opentelemetry::{Context, Key, KeyValue};
use std::borrow::Cow;
use std::error::Error;

/// A handle on a span, for adding to it: attributes, events, errors, status.
/// It does not end the span; the guard that owns the span does.
///
/// [`current_span`] gives one for the span that is current, for example inside a
/// `#[traced]` function:
///
/// ```
/// #[traced::traced]
/// fn charge(amount: u64) {
///     traced::current_span().set_attribute("payment.provider", "acme");
///     traced::current_span().add_event("charged", vec![]);
/// }
/// # charge(5);
/// ```
#[derive(Clone, Debug, Default)]
pub struct SpanHandle {
    pub(crate) cx: Context,
}

/// The span that is current on this thread: the innermost `#[traced]` call or entered
/// guard. When there is none (or the thread's thread-locals are being destroyed),
/// the handle's methods do nothing.
#[must_use]
pub fn current_span() -> SpanHandle {
    if !super::teardown::alive() {
        return SpanHandle::default();
    }
    SpanHandle {
        cx: Context::current(),
    }
}

/// The SERVER span the current work is under: the span of the request being
/// handled, started by an HTTP or gRPC server layer (`traced-http`, `traced-tonic`)
/// or by [`crate::span`] with [`SpanKind::Server`](opentelemetry::trace::SpanKind::Server).
/// A handler, or any `#[traced]` call inside it, adds to the request's span with
/// it:
///
/// ```
/// use traced::otel::trace::SpanKind;
///
/// #[traced::traced]
/// fn load_user(id: u64) {
///     // On the request's span, not on `load_user`'s.
///     traced::current_server_span().set_attribute("app.user.id", id);
/// }
///
/// let request = traced::span("GET /users/{id}").kind(SpanKind::Server).enter();
/// load_user(7);
/// drop(request);
/// ```
///
/// Outside any server span, the handle's methods do nothing.
#[must_use]
pub fn current_server_span() -> SpanHandle {
    if !super::teardown::alive() {
        return SpanHandle::default();
    }
    Context::map_current(|cx| {
        cx.get::<ServerSpan>()
            .map(|server| SpanHandle {
                cx: server.0.clone(),
            })
            .unwrap_or_default()
    })
}

/// The context of the server span, kept in the contexts under it.
#[derive(Debug)]
pub(crate) struct ServerSpan(pub(crate) Context);

impl SpanHandle {
    /// Whether the span records what is added to it. Use it to skip computing
    /// values nobody will see.
    #[must_use]
    pub fn is_recording(&self) -> bool {
        self.cx.span().is_recording()
    }

    /// The span's identity, for links and for propagation by hand.
    #[must_use]
    pub fn span_context(&self) -> SpanContext {
        self.cx.span().span_context().clone()
    }

    /// The context in which this span is the active one: a parent for other spans
    /// (`#[traced(parent = span.context())]`) or something to inject into outgoing
    /// requests.
    #[must_use]
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Sets an attribute; the value is converted only if the span records.
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl ToValue) {
        let span = self.cx.span();
        if span.is_recording() {
            if let Some(value) = value.to_value() {
                span.set_attribute(KeyValue::new(key, value));
            }
        }
    }

    /// Adds an event with attributes.
    pub fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>) {
        self.cx
            .span()
            .add_event_with_timestamp(name, crate::clock::now(), attributes);
    }

    /// Records an error that ends the operation: status Error with the error's
    /// `Display` as description, `error.type` (the error's type name) and the
    /// exception: an `exception` event, or a log record at severity `Warn` (see
    /// [`crate::logs::ExceptionSignal`]).
    pub fn record_error<E: Error + ?Sized>(&self, error: &E) {
        record_failure(
            &self.cx.span(),
            Failure::returned(std::any::type_name::<E>()),
            format_args!("{error}"),
        );
    }

    /// [`SpanHandle::record_error`] for an operation of a domain: the exception
    /// gets the domain's `event_name` (`messaging.process.exception`, from
    /// [`crate::logs::events`]), its `severity` and the log record's `target`
    /// (the instrumentation's crate).
    pub fn record_error_as<E: Error + ?Sized>(
        &self,
        error: &E,
        event_name: &'static str,
        severity: opentelemetry::logs::Severity,
        target: &'static str,
    ) {
        let failure = Failure {
            type_name: std::any::type_name::<E>(),
            event_name,
            severity,
            target: Some(target),
        };
        record_failure(&self.cx.span(), failure, format_args!("{error}"));
    }

    /// Records an exception of the operation this span stands for, as a span
    /// event and/or a log record (see [`crate::logs::record_exception`]); the
    /// status and `error.type` are left to the caller.
    pub fn record_exception(&self, exception: &crate::logs::Exception<'_>) {
        crate::logs::record_exception(&self.cx.span(), exception);
    }

    /// Sets the status. Instrumentation leaves it Unset on success; set `Ok` only
    /// to override the outcome.
    pub fn set_status(&self, status: Status) {
        self.cx.span().set_status(status);
    }

    /// Renames the span.
    pub fn update_name(&self, name: impl Into<Cow<'static, str>>) {
        self.cx.span().update_name(name);
    }
}
