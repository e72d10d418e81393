//! Log records on the console: one line each, as it is emitted, with the trace
//! and span it belongs to (the ids the trace tree is headed by).

use crate::console::Printer;
use opentelemetry::logs::AnyValue;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLogRecord};
use std::fmt::Write as _;

/// Prints each record as a line.
pub(crate) struct ConsoleLogs {
    printer: Printer,
}

impl std::fmt::Debug for ConsoleLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleLogs")
    }
}

impl ConsoleLogs {
    pub(crate) fn new(printer: Printer) -> Self {
        ConsoleLogs { printer }
    }
}

impl LogExporter for ConsoleLogs {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let mut text = String::new();
        for (record, scope) in batch.iter() {
            text.push_str(&line(record, scope.name()));
            text.push('\n');
        }
        if !text.is_empty() {
            self.printer.print_lines(&text);
        }
        std::future::ready(Ok(()))
    }
}

/// `log WARN exception exception.type=... trace=<id> span=<id>`: the severity, the
/// event name (else the target, else the scope), the body, the attributes but
/// `code.*`, and the ids.
pub(crate) fn line(record: &SdkLogRecord, scope: &str) -> String {
    let mut line = String::from("log ");
    line.push_str(record.severity_text().unwrap_or("-"));
    let source = record
        .event_name()
        .or_else(|| record.target().map(AsRef::as_ref))
        .unwrap_or(scope);
    let _ = write!(line, " {source}");
    if let Some(body) = record.body() {
        line.push_str(": ");
        show(&mut line, body);
    }
    // Where in the code is left to the exported record: the line stays short.
    for (key, value) in record
        .attributes_iter()
        .filter(|(key, _)| !key.as_str().starts_with("code."))
    {
        let _ = write!(line, " {key}=");
        show(&mut line, value);
    }
    if let Some(cx) = record.trace_context() {
        let _ = write!(line, " trace={} span={}", cx.trace_id, cx.span_id);
    }
    line
}

fn show(out: &mut String, value: &AnyValue) {
    match value {
        AnyValue::String(s) if s.as_str().contains(' ') || s.as_str().is_empty() => {
            let _ = write!(out, "{:?}", s.as_str());
        }
        AnyValue::String(s) => out.push_str(s.as_str()),
        AnyValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        AnyValue::Double(d) => {
            let _ = write!(out, "{d}");
        }
        AnyValue::Boolean(b) => {
            let _ = write!(out, "{b}");
        }
        other => {
            let _ = write!(out, "{other:?}");
        }
    }
}
