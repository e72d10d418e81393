//! Log records, through the OpenTelemetry logger provider an SDK installs
//! (traced-sdk's `init!()` does).
//!
//! Two things emit here:
//! - exceptions, when the application opts in with
//!   `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs` or `logs/dup` (semantic
//!   conventions 1.42): `record_err`, panics and the integrations then record each
//!   exception as a log record named for its operation (`exception`,
//!   `http.server.request.exception`, `db.client.operation.exception`, ...)
//!   instead of, or beside, the span's `exception` event. See [`ExceptionSignal`]
//!   and [`record_exception`];
//! - `tracing` events, through traced-tracing's `LogsLayer`.
//!
//! With no logger provider installed, [`enabled`] is false and nothing is built.
//!
//! A record carries the trace and span id of the span it belongs to: the one
//! given in [`Record::span`], else the span current in the OpenTelemetry context.
//! An exception is recorded only for a span that records (sampled), whichever the
//! signal, so that each exception record leads to its trace.

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger, LoggerProvider, Severity};
use opentelemetry::trace::{SpanContext, SpanRef};
use opentelemetry::{InstrumentationScope, Key, KeyValue, StringValue, Value};
use opentelemetry_semantic_conventions::attribute::{EXCEPTION_MESSAGE, EXCEPTION_TYPE};
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

/// One log record to emit.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Record {
    /// The event name (`exception`, `db.client.operation.exception`, ...).
    pub event_name: Option<&'static str>,
    /// The severity; its name is the severity text.
    pub severity: Severity,
    /// Where the record comes from (a `tracing` target, an integration's crate).
    /// Exported over OTLP as the record's instrumentation scope name.
    pub target: Option<Cow<'static, str>>,
    /// The body: a `tracing` event's message.
    pub body: Option<AnyValue>,
    /// When it happened.
    pub timestamp: SystemTime,
    /// Its attributes.
    pub attributes: Vec<(Key, AnyValue)>,
    /// The span it belongs to; `None`: the span current when it is emitted.
    pub span: Option<SpanContext>,
}

impl Record {
    /// A record of `severity` at this moment, with nothing else set.
    #[must_use]
    pub fn new(severity: Severity) -> Self {
        Record {
            event_name: None,
            severity,
            target: None,
            body: None,
            timestamp: crate::clock::now(),
            attributes: Vec::new(),
            span: None,
        }
    }
}

/// An installed logger, with the record type of its provider erased.
trait Emit: Send + Sync {
    fn emit(&self, record: Record);
}

struct Bridge<L>(L);

impl<L: Logger + Send + Sync> Emit for Bridge<L> {
    fn emit(&self, record: Record) {
        let mut out = self.0.create_log_record();
        if let Some(name) = record.event_name {
            out.set_event_name(name);
        }
        out.set_severity_number(record.severity);
        out.set_severity_text(record.severity.name());
        if let Some(target) = record.target {
            out.set_target(target);
        }
        out.set_timestamp(record.timestamp);
        if let Some(body) = record.body {
            out.set_body(body);
        }
        out.add_attributes(record.attributes);
        if let Some(cx) = record.span.filter(SpanContext::is_valid) {
            out.set_trace_context(cx.trace_id(), cx.span_id(), Some(cx.trace_flags()));
        }
        self.0.emit(out);
    }
}

static ON: AtomicBool = AtomicBool::new(false);
static NEXT: AtomicU64 = AtomicU64::new(1);
type Installed = Option<(u64, Arc<dyn Emit>)>;
static LOGGER: RwLock<Installed> = RwLock::new(None);

/// Installs `provider`'s logger (scope `traced`) for every record emitted here;
/// returns the id [`uninstall`] takes. The newest installation wins.
pub fn install<P>(provider: &P) -> u64
where
    P: LoggerProvider,
    P::Logger: Send + Sync + 'static,
{
    let scope = InstrumentationScope::builder("traced")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let logger: Arc<dyn Emit> = Arc::new(Bridge(provider.logger_with_scope(scope)));
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    *LOGGER.write().unwrap_or_else(PoisonError::into_inner) = Some((id, logger));
    ON.store(true, Ordering::Release);
    id
}

/// Removes the logger installed as `id`, if it is still the installed one.
pub fn uninstall(id: u64) {
    let mut logger = LOGGER.write().unwrap_or_else(PoisonError::into_inner);
    if logger
        .as_ref()
        .is_some_and(|(installed, _)| *installed == id)
    {
        *logger = None;
        ON.store(false, Ordering::Release);
    }
}

/// Whether a logger provider is installed. One atomic load.
#[inline]
#[must_use]
pub fn enabled() -> bool {
    ON.load(Ordering::Acquire)
}

/// Emits `record` through the installed logger; nothing without one.
pub fn emit(record: Record) {
    let logger = LOGGER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(|(_, logger)| Arc::clone(logger));
    if let Some(logger) = logger {
        logger.emit(record);
    }
}

/// `value` as a log record's attribute value.
#[must_use]
pub fn any_value(value: Value) -> AnyValue {
    fn list<T: Into<AnyValue>>(items: Vec<T>) -> AnyValue {
        items.into_iter().collect()
    }
    match value {
        Value::Bool(b) => AnyValue::Boolean(b),
        Value::I64(i) => AnyValue::Int(i),
        Value::F64(f) => AnyValue::Double(f),
        Value::String(s) => AnyValue::String(s),
        Value::Array(opentelemetry::Array::Bool(items)) => list(items),
        Value::Array(opentelemetry::Array::I64(items)) => list(items),
        Value::Array(opentelemetry::Array::F64(items)) => list(items),
        Value::Array(opentelemetry::Array::String(items)) => list(items),
        other => AnyValue::String(StringValue::from(other.to_string())),
    }
}

/// Where exceptions are recorded: `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`
/// ([`ExceptionSignal::VARIABLE`]), which traced-sdk's setup reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExceptionSignal {
    /// An `exception` event on the span (unset: the default).
    #[default]
    SpanEvents,
    /// A log record only (`logs`).
    Logs,
    /// Both (`logs/dup`), for a phased move from one to the other.
    LogsAndSpanEvents,
}

impl ExceptionSignal {
    /// The variable that opts in.
    pub const VARIABLE: &'static str = "OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN";

    /// The signal a value of [`ExceptionSignal::VARIABLE`] names: a
    /// comma-separated list in which `logs/dup` wins over `logs`. Values it does
    /// not know are returned beside it (the rest still read).
    #[must_use]
    pub fn parse(value: &str) -> (Self, Vec<String>) {
        let mut signal = ExceptionSignal::SpanEvents;
        let mut unknown = Vec::new();
        for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry {
                "logs/dup" => signal = ExceptionSignal::LogsAndSpanEvents,
                "logs" if signal == ExceptionSignal::SpanEvents => signal = ExceptionSignal::Logs,
                "logs" => {}
                other => unknown.push(other.to_owned()),
            }
        }
        (signal, unknown)
    }

    pub(crate) fn span_events(self) -> bool {
        self != ExceptionSignal::Logs
    }

    pub(crate) fn logs(self) -> bool {
        self != ExceptionSignal::SpanEvents
    }
}

static SIGNAL: AtomicU8 = AtomicU8::new(0);

/// Sets where exceptions are recorded, for the whole process.
pub fn set_exception_signal(signal: ExceptionSignal) {
    SIGNAL.store(signal as u8, Ordering::Relaxed);
}

/// Where exceptions are recorded now.
#[must_use]
pub fn exception_signal() -> ExceptionSignal {
    match SIGNAL.load(Ordering::Relaxed) {
        1 => ExceptionSignal::Logs,
        2 => ExceptionSignal::LogsAndSpanEvents,
        _ => ExceptionSignal::SpanEvents,
    }
}

/// The event names of exceptions, from semantic conventions 1.42. The
/// `opentelemetry-semantic-conventions` crate has no event names: this module is
/// where traced takes them from the specification, and the only one.
pub mod events {
    /// An exception outside any domain: `record_err`, a panic.
    pub const EXCEPTION: &str = "exception";
    /// An HTTP client request that failed without an answer.
    pub const HTTP_CLIENT_REQUEST_EXCEPTION: &str = "http.client.request.exception";
    /// An HTTP server request whose handling failed.
    pub const HTTP_SERVER_REQUEST_EXCEPTION: &str = "http.server.request.exception";
    /// An outgoing RPC that failed.
    pub const RPC_CLIENT_CALL_EXCEPTION: &str = "rpc.client.call.exception";
    /// An incoming RPC whose handling failed.
    pub const RPC_SERVER_CALL_EXCEPTION: &str = "rpc.server.call.exception";
    /// A database client operation that failed.
    pub const DB_CLIENT_OPERATION_EXCEPTION: &str = "db.client.operation.exception";
    /// A messaging send (publish) that failed.
    pub const MESSAGING_SEND_EXCEPTION: &str = "messaging.send.exception";
    /// A messaging settlement (ack, nack, reject) that failed.
    pub const MESSAGING_SETTLE_EXCEPTION: &str = "messaging.settle.exception";
    /// The processing of a message that failed.
    pub const MESSAGING_PROCESS_EXCEPTION: &str = "messaging.process.exception";
}

/// An exception, as [`record_exception`] records it.
#[derive(Clone, Debug)]
pub struct Exception<'a> {
    /// The log record's event name: the operation's, with `.exception`
    /// (`http.client.request.exception`), or `exception` outside any domain.
    pub event_name: &'static str,
    /// The semantic conventions' severity for it: `Warn` where the caller is
    /// expected to handle it (client operations, an `Err` return), `Error` where
    /// nothing will (server and consumer operations, a panic).
    pub severity: Severity,
    /// `exception.type`: a type's name, recorded without a copy.
    pub type_name: &'static str,
    /// `exception.message`; left out when empty (an error type that cannot
    /// describe itself).
    pub message: &'a str,
    /// The record's target (an integration's crate name); `None`: `traced`.
    pub target: Option<&'static str>,
}

/// Records `exception` of the operation `span` stands for, as
/// [`exception_signal`] says: the span's `exception` event and/or a log record
/// carrying the span's ids (when a logger is installed). Like the span event, the
/// log record is made only for a span that records: an exception of a trace the
/// sampler dropped is recorded nowhere, and none of work left untraced. The
/// span's status and `error.type` are the caller's to set.
pub fn record_exception(span: &SpanRef<'_>, exception: &Exception<'_>) {
    if span.is_recording() {
        record_exception_recording(span, exception);
    }
}

/// [`record_exception`] for a span known to record.
pub(crate) fn record_exception_recording(span: &SpanRef<'_>, exception: &Exception<'_>) {
    let signal = exception_signal();
    if signal.span_events() {
        let attributes = exception_attributes(exception.type_name, exception.message.to_owned());
        span.add_event_with_timestamp(events::EXCEPTION, crate::clock::now(), attributes);
    }
    if signal.logs() {
        exception_log(span, exception);
    }
}

/// The attributes of an `exception` span event: `exception.type`, and
/// `exception.message` unless `message` is empty. What `traced` records on a
/// span, and what an SDK that keeps a failure compact (see
/// [`crate::backend::take_failure`]) makes of it.
#[must_use]
pub fn exception_attributes(type_name: &'static str, message: String) -> Vec<KeyValue> {
    let mut attributes = Vec::with_capacity(2);
    attributes.push(KeyValue::new(EXCEPTION_TYPE, type_name));
    if !message.is_empty() {
        attributes.push(KeyValue::new(EXCEPTION_MESSAGE, message));
    }
    attributes
}

/// The log record of `exception`, when a logger is installed.
pub(crate) fn exception_log(span: &SpanRef<'_>, exception: &Exception<'_>) {
    let message = (!exception.message.is_empty()).then_some(exception.message);
    if enabled() {
        let mut record = Record::new(exception.severity);
        record.event_name = Some(exception.event_name);
        record.target = exception.target.map(Cow::Borrowed);
        record.attributes.reserve(2);
        record.attributes.push((
            Key::from_static_str(EXCEPTION_TYPE),
            AnyValue::from(exception.type_name),
        ));
        if let Some(message) = message {
            record.attributes.push((
                Key::from_static_str(EXCEPTION_MESSAGE),
                AnyValue::from(message.to_owned()),
            ));
        }
        record.span = Some(span.span_context().clone());
        emit(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_opt_in_reads_lists_and_dup_wins() {
        assert_eq!(
            ExceptionSignal::parse(""),
            (ExceptionSignal::SpanEvents, vec![])
        );
        assert_eq!(
            ExceptionSignal::parse("logs"),
            (ExceptionSignal::Logs, vec![])
        );
        assert_eq!(
            ExceptionSignal::parse("logs, logs/dup"),
            (ExceptionSignal::LogsAndSpanEvents, vec![])
        );
        assert_eq!(
            ExceptionSignal::parse("logs/dup,logs"),
            (ExceptionSignal::LogsAndSpanEvents, vec![])
        );
        assert_eq!(
            ExceptionSignal::parse("log,logs"),
            (ExceptionSignal::Logs, vec!["log".to_owned()])
        );
    }
}
