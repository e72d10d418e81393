//! Capturing log records in memory: the exceptions `traced::logs` emitted and the
//! `tracing` events traced-tracing's `LogsLayer` turned into records, to assert
//! on in tests.

use opentelemetry::logs::{AnyValue, Severity};
use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLoggerProvider};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use traced::logs::ExceptionSignal;

static RECORDS: Mutex<Vec<CapturedLog>> = Mutex::new(Vec::new());
static TURN: Mutex<()> = Mutex::new(());
static PROVIDER: OnceLock<SdkLoggerProvider> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One log record, as the SDK would export it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CapturedLog {
    /// The event name (`exception`, `db.client.operation.exception`, ...).
    pub event_name: Option<&'static str>,
    /// The severity number.
    pub severity: Option<Severity>,
    /// The severity text (`WARN`, `ERROR`, ...).
    pub severity_text: Option<&'static str>,
    /// The record's target, else its logger's scope: the instrumentation scope
    /// name it is exported under.
    pub scope: String,
    /// The body: a `tracing` event's message.
    pub body: Option<AnyValue>,
    /// The attributes, in the order recorded.
    pub attributes: Vec<(String, AnyValue)>,
    /// The trace of the span the record belongs to.
    pub trace_id: Option<TraceId>,
    /// That span.
    pub span_id: Option<SpanId>,
    /// That span's flags (sampled or not).
    pub trace_flags: Option<TraceFlags>,
}

impl CapturedLog {
    /// The attribute `key`'s value.
    pub fn attr(&self, key: &str) -> Option<&AnyValue> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value)
    }

    /// The attribute `key`'s value, when it is a string.
    pub fn str_attr(&self, key: &str) -> Option<&str> {
        match self.attr(key)? {
            AnyValue::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The body, when it is a string.
    pub fn body_text(&self) -> Option<&str> {
        match self.body.as_ref()? {
            AnyValue::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
}

/// Starts capturing log records, with exceptions recorded as `signal` says
/// (see [`ExceptionSignal`]). Captures are taken one at a time, like span and
/// metric captures; the exception signal goes back to span events when the
/// capture ends.
///
/// ```
/// use traced::logs::ExceptionSignal;
///
/// #[derive(Debug)]
/// struct Refused;
/// impl std::fmt::Display for Refused {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("refused")
///     }
/// }
///
/// #[traced::traced(record_err)]
/// fn call() -> Result<(), Refused> { Err(Refused) }
///
/// let spans = traced_sdk::testing::capture();
/// let logs = traced_sdk::testing::logs(ExceptionSignal::Logs);
/// let _ = call();
/// let records = logs.finish();
/// assert_eq!(records[0].event_name, Some("exception"));
/// assert_eq!(records[0].str_attr("exception.message"), Some("refused"));
/// let spans = spans.finish();
/// let span = spans.named("call");
/// assert!(span.event_names().is_empty(), "the exception went to the logs only");
/// assert_eq!(records[0].span_id, Some(span.span_id()));
/// ```
pub fn logs(signal: ExceptionSignal) -> LogCapture {
    let turn = lock(&TURN);
    let provider = PROVIDER.get_or_init(|| {
        SdkLoggerProvider::builder()
            .with_simple_exporter(Keep)
            .build()
    });
    lock(&RECORDS).clear();
    let installed = traced::logs::install(provider);
    traced::logs::set_exception_signal(signal);
    LogCapture {
        _turn: turn,
        installed: Some(installed),
    }
}

/// Log records being captured; see [`logs`].
#[derive(Debug)]
pub struct LogCapture {
    _turn: MutexGuard<'static, ()>,
    installed: Option<u64>,
}

impl LogCapture {
    /// Every record emitted so far in this capture, and the capture goes on.
    pub fn records(&self) -> Vec<CapturedLog> {
        lock(&RECORDS).clone()
    }

    /// Ends the capture, with what it recorded.
    pub fn finish(mut self) -> Vec<CapturedLog> {
        self.end();
        std::mem::take(&mut *lock(&RECORDS))
    }

    fn end(&mut self) {
        if let Some(installed) = self.installed.take() {
            traced::logs::uninstall(installed);
            traced::logs::set_exception_signal(ExceptionSignal::SpanEvents);
        }
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        self.end();
    }
}

#[derive(Debug)]
struct Keep;

impl LogExporter for Keep {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let mut records = lock(&RECORDS);
        for (record, scope) in batch.iter() {
            let cx = record.trace_context();
            records.push(CapturedLog {
                event_name: record.event_name(),
                severity: record.severity_number(),
                severity_text: record.severity_text(),
                scope: record
                    .target()
                    .map_or_else(|| scope.name().to_owned(), ToString::to_string),
                body: record.body().cloned(),
                attributes: record
                    .attributes_iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                trace_id: cx.map(|cx| cx.trace_id),
                span_id: cx.map(|cx| cx.span_id),
                trace_flags: cx.and_then(|cx| cx.trace_flags),
            });
        }
        std::future::ready(Ok(()))
    }
}
