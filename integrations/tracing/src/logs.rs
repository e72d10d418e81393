//! `tracing` events as OpenTelemetry log records.

use crate::event::Fields;
use opentelemetry::logs::{AnyValue, Severity};
use opentelemetry::{Key, KeyValue};
use opentelemetry_semantic_conventions::attribute::{CODE_FILE_PATH, CODE_LINE_NUMBER};
use std::borrow::Cow;
use tracing_core::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;

/// The layer that exports `tracing` events as log records; see the
/// [crate](crate#opentelemetry-logs).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogsLayer {
    _private: (),
}

impl LogsLayer {
    /// The layer: every event a log record, through the logger provider the
    /// application's setup installed (`traced_sdk::init!()`).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// The severity number of a `tracing` level, as the logs data model maps
/// common levels.
fn severity(level: Level) -> Severity {
    match level {
        Level::ERROR => Severity::Error,
        Level::WARN => Severity::Warn,
        Level::INFO => Severity::Info,
        Level::DEBUG => Severity::Debug,
        Level::TRACE => Severity::Trace,
    }
}

/// Whether an event comes from the telemetry pipeline itself: OpenTelemetry's
/// own diagnostics, or anything said while exporting (the SDK's batch threads,
/// which suppress telemetry, and traced-sdk's export threads, where reqwest,
/// hyper, h2 and tonic speak). Exported as logs, each would make more export: a loop.
fn from_the_pipeline(target: &str) -> bool {
    target.starts_with("opentelemetry")
        || opentelemetry::Context::is_current_telemetry_suppressed()
        || std::thread::current().name().is_some_and(|name| {
            [
                "traced-export",
                "traced-otlp",
                "traced-shutdown",
                "OpenTelemetry.",
            ]
            .iter()
            .any(|own| name.starts_with(own))
        })
}

impl<S: Subscriber> tracing_subscriber::Layer<S> for LogsLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if !traced::logs::enabled() || from_the_pipeline(meta.target()) {
            return;
        }
        let mut attributes = Vec::with_capacity(2 + meta.fields().len());
        if let Some(file) = meta.file() {
            attributes.push(KeyValue::new(CODE_FILE_PATH, file));
        }
        if let Some(line) = meta.line() {
            attributes.push(KeyValue::new(CODE_LINE_NUMBER, i64::from(line)));
        }
        let mut fields = Fields::with(attributes);
        event.record(&mut fields);
        let (message, attributes) = fields.into_message_and_attributes();
        let mut record = traced::logs::Record::new(severity(*meta.level()));
        record.target = Some(Cow::Borrowed(meta.target()));
        record.body = message.map(AnyValue::from);
        record.attributes = attributes
            .into_iter()
            .map(|kv| (kv.key, traced::logs::any_value(kv.value)))
            .collect::<Vec<(Key, AnyValue)>>();
        // The trace and span ids are the current span's: the SDK's logger reads
        // them from the OpenTelemetry context.
        traced::logs::emit(record);
    }
}
